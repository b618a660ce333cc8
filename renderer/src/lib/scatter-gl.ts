// A small WebGL point renderer for embeddings: one draw call for up to millions of points, zoom and
// pan as a uniform, per-point colour and selection state as attributes. Written here (not regl)
// because the app's Content-Security-Policy forbids eval, which regl needs to compile commands.
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
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, positions, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.color);
    gl.bufferData(gl.ARRAY_BUFFER, colors, gl.STATIC_DRAW);
    this.setStates(null);
  }

  /** Per-point state (0 normal, 1 highlighted, 2 dimmed); null = all normal. */
  setStates(states: Uint8Array | null): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.state);
    gl.bufferData(gl.ARRAY_BUFFER, states ?? new Uint8Array(this.count), gl.DYNAMIC_DRAW);
    this.requestDraw();
  }

  resize(width: number, height: number): void {
    const dpr = window.devicePixelRatio || 1;
    this.width = width;
    this.height = height;
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
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
    this.requestDraw();
  }

  resetView(): void {
    this.view = { zoom: 1, cx: 0, cy: 0 };
    this.requestDraw();
  }

  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
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
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
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
    gl.uniform2fv(this.uni.scale, this.scale());
    gl.uniform2f(this.uni.center, this.view.cx, this.view.cy);
    gl.uniform1f(this.uni.size, this.pointSize * Math.min(3, Math.sqrt(this.view.zoom)));
    gl.uniform1f(this.uni.dpr, dpr);
    gl.uniform1f(this.uni.opacity, this.opacity);
    gl.drawArrays(gl.POINTS, 0, this.count);
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    const gl = this.gl;
    Object.values(this.buffers).forEach((b) => gl.deleteBuffer(b));
    gl.deleteProgram(this.program);
  }
}
