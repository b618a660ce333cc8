// A small WebGL point renderer for embeddings: one draw call for up to millions of points, zoom and
// pan as a uniform, per-point colour and selection state as attributes. Written here (not regl)
// because the app's Content-Security-Policy forbids eval, which regl needs to compile commands.
// Panning a large scatter reuses a picture: the points are drawn once into a texture with a margin
// around the view, each pan frame shifts that texture (four vertices instead of every point, which
// matters where WebGL runs in software), and the points are drawn afresh once the panning stops.
import type { Brand } from '../../../shared/types';

/** A point in plot space: the embedding fitted into [-1, 1]² with its aspect ratio kept. */
export type PlotPoint = Brand<[number, number], 'PlotPoint'>;
/** A point in CSS pixels relative to the canvas' top-left corner. */
export type ScreenPoint = Brand<[number, number], 'ScreenPoint'>;

export interface View {
  zoom: number;
  /** Plot-space point shown at the canvas centre. */
  cx: number;
  cy: number;
}

const VERTEX = `
attribute vec2 a_pos;
attribute vec3 a_color;
attribute float a_state;
uniform vec2 u_scale;
uniform vec2 u_center;
uniform float u_size;
uniform float u_dpr;
uniform float u_opacity;
varying vec4 v_color;
void main() {
  gl_Position = vec4((a_pos - u_center) * u_scale, 0.0, 1.0);
  // state: 0 normal, 1 highlighted, 2 dimmed
  float s = a_state > 1.5 ? 0.75 : (a_state > 0.5 ? 1.8 : 1.0);
  gl_PointSize = u_size * s * u_dpr;
  float alpha = a_state > 1.5 ? 0.12 : u_opacity;
  v_color = vec4(a_color, alpha);
}`;

const FRAGMENT = `
precision mediump float;
varying vec4 v_color;
void main() {
  vec2 d = gl_PointCoord - vec2(0.5);
  float r2 = dot(d, d);
  if (r2 > 0.25) discard;
  gl_FragColor = vec4(v_color.rgb, v_color.a * smoothstep(0.25, 0.17, r2));
}`;

const BLIT_VERTEX = `
attribute vec2 a_corner;
uniform vec2 u_offset;
uniform float u_extent;
varying vec2 v_uv;
void main() {
  v_uv = a_corner * 0.5 + 0.5;
  gl_Position = vec4(a_corner * u_extent + u_offset, 0.0, 1.0);
}`;

const BLIT_FRAGMENT = `
precision mediump float;
uniform sampler2D u_tex;
varying vec2 v_uv;
void main() {
  gl_FragColor = texture2D(u_tex, v_uv);
}`;

/** From this many points on, panning shifts a cached picture instead of drawing every point. */
const PAN_CACHE_MIN_POINTS = 50_000;
/** The cached picture covers the view this many times over in each direction (a margin of half a view each side). */
const PAN_EXTENT = 2;
/** Points are drawn afresh this long after the last pan. */
const PAN_SETTLE_MS = 250;

/** What a cached picture was drawn with; any difference makes it unusable. */
interface PanCache {
  fb: WebGLFramebuffer;
  tex: WebGLTexture;
  width: number;
  height: number;
  zoom: number;
  cx: number;
  cy: number;
  pointSize: number;
  opacity: number;
  version: number;
}

function compile(gl: WebGLRenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
  return shader;
}

export class ScatterGL {
  private readonly gl: WebGLRenderingContext;
  private readonly program: WebGLProgram;
  private readonly buffers: { pos: WebGLBuffer; color: WebGLBuffer; state: WebGLBuffer };
  private readonly loc: Record<'pos' | 'color' | 'state', number>;
  private readonly uni: Record<'scale' | 'center' | 'size' | 'dpr' | 'opacity', WebGLUniformLocation>;
  private count = 0;
  private frame = 0;
  /** Bumped whenever points, colours or states change: a cached picture of another version is stale. */
  private version = 0;
  private blit: { program: WebGLProgram; corners: WebGLBuffer; corner: number; offset: WebGLUniformLocation; extent: WebGLUniformLocation; tex: WebGLUniformLocation } | null = null;
  private cache: PanCache | null = null;
  /** True while the canvas shows a shifted cached picture (to be redrawn exactly when panning stops). */
  private approximate = false;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  /** States are all normal on the GPU (a null upload need not be repeated). */
  private statesClear = false;
  /** What the screen shows (points' version, view, size, style): a requested frame that would draw it again is skipped. */
  private shown = '';
  /** Frames drawn in full (snapshots included, shifted pictures not): tests count them. */
  draws = 0;
  width = 1;
  height = 1;
  pointSize = 3;
  /** Alpha of points that are not dimmed. */
  opacity = 0.85;
  view: View = { zoom: 1, cx: 0, cy: 0 };
  /** Called after each frame drawn on screen (not for snapshots): layers drawn over the plot follow it. */
  onDraw: (() => void) | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl', { antialias: false, premultipliedAlpha: false, preserveDrawingBuffer: true });
    if (!gl) throw new Error('WebGL is not available in this window.');
    this.gl = gl;
    const program = gl.createProgram()!;
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
    this.program = program;
    this.buffers = { pos: gl.createBuffer()!, color: gl.createBuffer()!, state: gl.createBuffer()! };
    this.loc = {
      pos: gl.getAttribLocation(program, 'a_pos'),
      color: gl.getAttribLocation(program, 'a_color'),
      state: gl.getAttribLocation(program, 'a_state'),
    };
    this.uni = {
      scale: gl.getUniformLocation(program, 'u_scale')!,
      center: gl.getUniformLocation(program, 'u_center')!,
      size: gl.getUniformLocation(program, 'u_size')!,
      dpr: gl.getUniformLocation(program, 'u_dpr')!,
      opacity: gl.getUniformLocation(program, 'u_opacity')!,
    };
  }

  /** Interleaved plot-space positions (x0, y0, x1, y1, …) and RGB bytes per point. */
  setPoints(positions: Float32Array, colors: Uint8Array): void {
    const gl = this.gl;
    this.count = positions.length / 2;
    this.version++;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, positions, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.color);
    gl.bufferData(gl.ARRAY_BUFFER, colors, gl.STATIC_DRAW);
    this.statesClear = false;
    this.setStates(null);
  }

  /** Per-point state (0 normal, 1 highlighted, 2 dimmed); null = all normal. */
  setStates(states: Uint8Array | null): void {
    if (states === null && this.statesClear) return;
    this.statesClear = states === null;
    const gl = this.gl;
    this.version++;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.state);
    gl.bufferData(gl.ARRAY_BUFFER, states ?? new Uint8Array(this.count), gl.DYNAMIC_DRAW);
    this.requestDraw();
  }

  resize(width: number, height: number): void {
    const dpr = window.devicePixelRatio || 1;
    this.width = width;
    this.height = height;
    const w = Math.max(1, Math.round(width * dpr));
    const h = Math.max(1, Math.round(height * dpr));
    // assigning a canvas's size clears it, even to the size it has: only a new size is set (and drawn)
    if (w === this.canvas.width && h === this.canvas.height) return;
    this.canvas.width = w;
    this.canvas.height = h;
    this.requestDraw();
  }

  /** Clip-space scale: plot space [-1,1]² fits the shorter side, times the zoom. */
  private scale(): [number, number] {
    const aspect = this.width / this.height;
    return aspect >= 1 ? [this.view.zoom / aspect, this.view.zoom] : [this.view.zoom, this.view.zoom * aspect];
  }

  toScreen([px, py]: PlotPoint): ScreenPoint {
    const [sx, sy] = this.scale();
    const x = (px - this.view.cx) * sx;
    const y = (py - this.view.cy) * sy;
    return [((x + 1) / 2) * this.width, ((1 - y) / 2) * this.height] as ScreenPoint;
  }

  toPlot([x, y]: ScreenPoint): PlotPoint {
    const [sx, sy] = this.scale();
    const cx = (x / this.width) * 2 - 1;
    const cy = 1 - (y / this.height) * 2;
    return [cx / sx + this.view.cx, cy / sy + this.view.cy] as PlotPoint;
  }

  /** Zooms by `factor` keeping the plot point under `at` fixed. */
  zoomAt(at: ScreenPoint, factor: number): void {
    const before = this.toPlot(at);
    this.view.zoom = Math.min(500, Math.max(0.2, this.view.zoom * factor));
    const after = this.toPlot(at);
    this.view.cx += before[0] - after[0];
    this.view.cy += before[1] - after[1];
    this.requestDraw();
  }

  panBy(dx: number, dy: number): void {
    const [sx, sy] = this.scale();
    this.view.cx -= (dx / this.width) * 2 / sx;
    this.view.cy += (dy / this.height) * 2 / sy;
    if (this.count < PAN_CACHE_MIN_POINTS || !this.cacheFits()) return this.requestDraw();
    // still panning: the exact redraw waits until the pan frame is drawn and no other follows
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawPanned();
      this.onDraw?.();
    });
  }

  /** Whether a picture PAN_EXTENT times the canvas fits this context's largest texture and viewport. */
  private cacheFits(): boolean {
    const gl = this.gl;
    const maxTexture = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    const [maxW, maxH] = gl.getParameter(gl.MAX_VIEWPORT_DIMS) as Int32Array;
    const w = this.canvas.width * PAN_EXTENT;
    const h = this.canvas.height * PAN_EXTENT;
    return w <= Math.min(maxTexture, maxW) && h <= Math.min(maxTexture, maxH);
  }

  /** A pan frame: the cached picture shifted, when it still covers the view; else every point. */
  private drawPanned(): void {
    const c = this.cache;
    const dpr = window.devicePixelRatio || 1;
    const usable = c !== null && c.version === this.version && c.zoom === this.view.zoom && c.pointSize === this.pointSize
      && c.opacity === this.opacity && c.width === this.canvas.width && c.height === this.canvas.height;
    const [sx, sy] = this.scale();
    // where the cached centre now lies, in clip space
    const ox = usable ? (c.cx - this.view.cx) * sx : 0;
    const oy = usable ? (c.cy - this.view.cy) * sy : 0;
    const margin = PAN_EXTENT - 1;
    if (!usable || Math.abs(ox) > margin || Math.abs(oy) > margin) {
      // no picture to shift (or the view left it): every point, into a fresh one
      if (!this.renderCache(dpr)) return this.draw(dpr);
      this.drawCache(0, 0);
    } else {
      this.drawCache(ox, oy);
    }
    this.approximate = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (this.approximate) this.requestDraw();
    }, PAN_SETTLE_MS);
  }

  /** Draws every point into the cached picture, centred on the view and PAN_EXTENT times its size. */
  private renderCache(dpr: number): boolean {
    const gl = this.gl;
    const width = this.canvas.width;
    const height = this.canvas.height;
    let c = this.cache;
    if (!c || c.width !== width || c.height !== height) {
      this.dropCache();
      const tex = gl.createTexture()!;
      gl.bindTexture(gl.TEXTURE_2D, tex);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, width * PAN_EXTENT, height * PAN_EXTENT, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
      for (const p of [gl.TEXTURE_WRAP_S, gl.TEXTURE_WRAP_T]) gl.texParameteri(gl.TEXTURE_2D, p, gl.CLAMP_TO_EDGE);
      const fb = gl.createFramebuffer()!;
      gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
      c = this.cache = { fb, tex, width, height, zoom: 0, cx: 0, cy: 0, pointSize: 0, opacity: 0, version: -1 };
      if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) {
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        this.dropCache();
        return false;
      }
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, c.fb);
    try {
      gl.viewport(0, 0, width * PAN_EXTENT, height * PAN_EXTENT);
      this.drawPoints(dpr, PAN_EXTENT);
    } finally {
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    }
    Object.assign(c, { zoom: this.view.zoom, cx: this.view.cx, cy: this.view.cy, pointSize: this.pointSize, opacity: this.opacity, version: this.version });
    return true;
  }

  /** The cached picture on the canvas, its centre at clip-space (ox, oy). */
  private drawCache(ox: number, oy: number): void {
    const gl = this.gl;
    if (!this.blit) {
      const program = gl.createProgram()!;
      gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, BLIT_VERTEX));
      gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, BLIT_FRAGMENT));
      gl.linkProgram(program);
      if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
      const corners = gl.createBuffer()!;
      gl.bindBuffer(gl.ARRAY_BUFFER, corners);
      gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
      this.blit = {
        program,
        corners,
        corner: gl.getAttribLocation(program, 'a_corner'),
        offset: gl.getUniformLocation(program, 'u_offset')!,
        extent: gl.getUniformLocation(program, 'u_extent')!,
        tex: gl.getUniformLocation(program, 'u_tex')!,
      };
    }
    const b = this.blit;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(1, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.disable(gl.BLEND);
    gl.useProgram(b.program);
    for (const loc of Object.values(this.loc)) if (loc >= 0) gl.disableVertexAttribArray(loc);
    gl.bindBuffer(gl.ARRAY_BUFFER, b.corners);
    gl.enableVertexAttribArray(b.corner);
    gl.vertexAttribPointer(b.corner, 2, gl.FLOAT, false, 0, 0);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.cache!.tex);
    gl.uniform1i(b.tex, 0);
    // whole device pixels, so the picture is not resampled between texels
    const px = Math.round((ox * this.canvas.width) / 2) * 2 / this.canvas.width;
    const py = Math.round((oy * this.canvas.height) / 2) * 2 / this.canvas.height;
    gl.uniform2f(b.offset, px, py);
    gl.uniform1f(b.extent, PAN_EXTENT);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.disableVertexAttribArray(b.corner);
  }

  private dropCache(): void {
    if (!this.cache) return;
    this.gl.deleteFramebuffer(this.cache.fb);
    this.gl.deleteTexture(this.cache.tex);
    this.cache = null;
  }

  resetView(): void {
    this.view = { zoom: 1, cx: 0, cy: 0 };
    this.requestDraw();
  }

  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      // nothing changed since the last frame on screen (e.g. a style effect right after the first draw)
      if (!this.approximate && this.shown === this.picture(window.devicePixelRatio || 1)) return;
      this.draw();
      this.onDraw?.();
    });
  }

  /** The scatter at `scale` device pixels per CSS pixel (e.g. 2 for a 2× PNG) on a new canvas; the screen is redrawn as it was. */
  snapshot(scale: number): HTMLCanvasElement {
    const { width, height } = this.canvas;
    const out = document.createElement('canvas');
    out.width = Math.max(1, Math.round(this.width * scale));
    out.height = Math.max(1, Math.round(this.height * scale));
    this.canvas.width = out.width;
    this.canvas.height = out.height;
    try {
      this.draw(scale);
      out.getContext('2d')!.drawImage(this.canvas, 0, 0);
    } finally {
      this.canvas.width = width;
      this.canvas.height = height;
      this.draw();
    }
    return out;
  }

  /** A point's size in CSS pixels in a state (0 normal, 1 highlighted, 2 dimmed), as the shader draws it. */
  pointDiameter(state = 0): number {
    return this.pointSize * Math.min(3, Math.sqrt(this.view.zoom)) * (state === 2 ? 0.75 : state === 1 ? 1.8 : 1);
  }

  draw(dpr = window.devicePixelRatio || 1): void {
    // a frame already requested would draw the same picture again
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    this.approximate = false;
    this.gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    this.drawPoints(dpr, 1);
    this.shown = this.picture(dpr);
    this.draws++;
  }

  /** Everything a frame on screen depends on. */
  private picture(dpr: number): string {
    const v = this.view;
    return `${this.version} ${this.count} ${v.zoom} ${v.cx} ${v.cy} ${this.pointSize} ${this.opacity} ${this.canvas.width}x${this.canvas.height} ${dpr}`;
  }

  /** Every point into the bound framebuffer, whose viewport covers `extent` times the view. */
  private drawPoints(dpr: number, extent: number): void {
    const gl = this.gl;
    gl.clearColor(1, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (this.count === 0) return;
    gl.useProgram(this.program);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    const bind = (buffer: WebGLBuffer, loc: number, size: number, type: number, normalized: boolean) => {
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, size, type, normalized, 0, 0);
    };
    bind(this.buffers.pos, this.loc.pos, 2, gl.FLOAT, false);
    bind(this.buffers.color, this.loc.color, 3, gl.UNSIGNED_BYTE, true);
    bind(this.buffers.state, this.loc.state, 1, gl.UNSIGNED_BYTE, false);
    const [sx, sy] = this.scale();
    gl.uniform2f(this.uni.scale, sx / extent, sy / extent);
    gl.uniform2f(this.uni.center, this.view.cx, this.view.cy);
    gl.uniform1f(this.uni.size, this.pointSize * Math.min(3, Math.sqrt(this.view.zoom)));
    gl.uniform1f(this.uni.dpr, dpr);
    gl.uniform1f(this.uni.opacity, this.opacity);
    gl.drawArrays(gl.POINTS, 0, this.count);
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.dropCache();
    const gl = this.gl;
    if (this.blit) {
      gl.deleteBuffer(this.blit.corners);
      gl.deleteProgram(this.blit.program);
    }
    Object.values(this.buffers).forEach((b) => gl.deleteBuffer(b));
    gl.deleteProgram(this.program);
  }
}
