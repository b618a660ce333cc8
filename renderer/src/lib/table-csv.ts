// Any table on screen as CSV: one line per row (header rows included), each cell as the user sees
// it (a drop-down's chosen option, an input's value, an image's alt text), quoted when it needs it;
// a cell spanning columns is followed by empty cells so the columns line up.
const field = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

function textOf(node: Node): string {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
  if (!(node instanceof Element)) return '';
  if (node.getAttribute('aria-hidden') === 'true' || node.classList.contains('why')) return '';
  if (node instanceof HTMLSelectElement) return ` ${node.selectedOptions[0]?.textContent ?? node.value} `;
  if (node instanceof HTMLInputElement) return node.type === 'checkbox' || node.type === 'radio' ? (node.checked ? ' yes ' : ' no ') : ` ${node.value} `;
  if (node instanceof HTMLImageElement) return ` ${node.alt} `;
  if (node instanceof HTMLButtonElement) return '';
  return Array.from(node.childNodes, textOf).join('');
}

export function tableToCsv(table: HTMLTableElement): string {
  const lines: string[] = [];
  for (const row of Array.from(table.rows)) {
    const cells: string[] = [];
    for (const cell of Array.from(row.cells)) {
      cells.push(field(textOf(cell).replace(/\s+/g, ' ').trim()));
      for (let k = 1; k < cell.colSpan; k++) cells.push('');
    }
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
