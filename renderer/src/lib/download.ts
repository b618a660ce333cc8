// Saving something the window drew (a chart, a scatter, a table) as a file: a Blob handed to the
// browser's download (a link with `download`), which works the same in browser window mode and in
// the Electron window.
export function download(name: string, data: Blob | string, type = 'text/plain'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // the download has its own reference by now; free ours a little later
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** A canvas as a PNG Blob. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The image could not be encoded.'))), 'image/png'));
}

/** A file-name-friendly version of a title: "VAE-2: latent means" → "vae-2-latent-means". */
export const fileSlug = (s: string) => s.toLowerCase().replace(/\.[a-z0-9]+$/, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'image';

export const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
