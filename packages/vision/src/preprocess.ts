/**
 * Turning an 8-bit RGB image into a model's input tensor as the manifest's `preprocess` says, and the
 * geometry (`ResizePlan`) to map model-input pixels back to image pixels.
 */
import type { RgbImage } from '@spatialforge/core';
import type { Preprocess, ResizePlan, ResizeSpec } from './manifest.js';
import { bilinearKernel } from './preprocess-wasm.js';
import { resample } from './resample.js';

/** Python's round(): halves to even (the DPT processor rounds sides with it). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function constrainToMultiple(value: number, multiple: number): number {
  return Math.max(multiple, roundHalfEven(value / multiple) * multiple);
}

/** An image resized to fill the whole model input of `resizedWidth` × `resizedHeight` (no padding, no crop). */
function fullCanvasPlan(width: number, height: number, resizedWidth: number, resizedHeight: number): ResizePlan {
  return {
    canvasWidth: resizedWidth,
    canvasHeight: resizedHeight,
    resizedWidth,
    resizedHeight,
    offsetX: 0,
    offsetY: 0,
    scaleX: resizedWidth / width,
    scaleY: resizedHeight / height,
  };
}

/** Where an image of `width` × `height` pixels lands in the model input. */
export function planResize(width: number, height: number, spec: ResizeSpec): ResizePlan {
  switch (spec.mode) {
    case 'letterbox': {
      const r = Math.min(spec.width / width, spec.height / height);
      const round = spec.rounding === 'floor' ? Math.floor : Math.round;
      const resizedWidth = Math.max(1, Math.min(spec.width, round(width * r)));
      const resizedHeight = Math.max(1, Math.min(spec.height, round(height * r)));
      const centred = spec.align === 'center';
      return {
        canvasWidth: spec.width,
        canvasHeight: spec.height,
        resizedWidth,
        resizedHeight,
        offsetX: centred ? Math.floor((spec.width - resizedWidth) / 2) : 0,
        offsetY: centred ? Math.floor((spec.height - resizedHeight) / 2) : 0,
        scaleX: r,
        scaleY: r,
      };
    }
    case 'stretch':
      return fullCanvasPlan(width, height, spec.width, spec.height);
    case 'shortest-edge-crop': {
      // CLIPImageProcessor: the short side becomes `shortestEdge`, the long one int(shortestEdge · long / short).
      const short = Math.min(width, height);
      const long = Math.max(width, height);
      const longResized = Math.floor((spec.shortestEdge * long) / short);
      const resizedWidth = width <= height ? spec.shortestEdge : longResized;
      const resizedHeight = width <= height ? longResized : spec.shortestEdge;
      return {
        canvasWidth: spec.crop,
        canvasHeight: spec.crop,
        resizedWidth,
        resizedHeight,
        // CLIPImageProcessor.center_crop: top = (h − crop) // 2, left likewise.
        offsetX: 0 - Math.floor((resizedWidth - spec.crop) / 2),
        offsetY: 0 - Math.floor((resizedHeight - spec.crop) / 2),
        scaleX: resizedWidth / width,
        scaleY: resizedHeight / height,
      };
    }
    case 'keep-aspect-multiple': {
      // DPTImageProcessor.get_resize_output_image_size with keep_aspect_ratio: scale as little as possible.
      let scaleHeight = spec.height / height;
      let scaleWidth = spec.width / width;
      if (Math.abs(1 - scaleWidth) < Math.abs(1 - scaleHeight)) scaleHeight = scaleWidth;
      else scaleWidth = scaleHeight;
      const resizedWidth = constrainToMultiple(scaleWidth * width, spec.multipleOf);
      const resizedHeight = constrainToMultiple(scaleHeight * height, spec.multipleOf);
      return fullCanvasPlan(width, height, resizedWidth, resizedHeight);
    }
    case 'shortest-longest': {
      // transformers' get_size_with_aspect_ratio (DETR / Grounding DINO image processors).
      let size = spec.shortestEdge;
      const minSide = Math.min(width, height);
      const maxSide = Math.max(width, height);
      if ((maxSide / minSide) * size > spec.longestEdge) size = Math.round((spec.longestEdge * minSide) / maxSide);
      let resizedWidth: number;
      let resizedHeight: number;
      if ((height <= width && height === size) || (width <= height && width === size)) {
        resizedWidth = width;
        resizedHeight = height;
      } else if (width < height) {
        resizedWidth = size;
        resizedHeight = Math.floor((size * height) / width);
      } else {
        resizedHeight = size;
        resizedWidth = Math.floor((size * width) / height);
      }
      return fullCanvasPlan(width, height, resizedWidth, resizedHeight);
    }
  }
}

/** Elements of one image's tensor. */
export function imageTensorSize(plan: ResizePlan): number {
  return plan.canvasWidth * plan.canvasHeight * 3;
}

/** The tensor shape for `batch` images sharing one plan size. */
export function imageTensorShape(plan: ResizePlan, pre: Preprocess, batch: number): number[] {
  return pre.layout === 'nchw'
    ? [batch, 3, plan.canvasHeight, plan.canvasWidth]
    : [batch, plan.canvasHeight, plan.canvasWidth, 3];
}

/** Whether `image` goes through the fused OpenCV bilinear path (no antialiasing filter to apply). */
function usesOpenCvBilinear(image: { width: number; height: number }, plan: ResizePlan, pre: Preprocess): boolean {
  const shrinking = plan.resizedWidth < image.width || plan.resizedHeight < image.height;
  return pre.filter === 'bilinear' && !(pre.antialias && shrinking);
}

/** Whether writeImageTensor runs the WebAssembly SIMD kernel for `image` on this thread. */
export function usesSimdKernel(image: { width: number; height: number }, plan: ResizePlan, pre: Preprocess): boolean {
  return usesOpenCvBilinear(image, plan, pre) && bilinearKernel() !== null;
}

/**
 * Which implementation of the OpenCV bilinear path runs: 'wasm' (128-bit WebAssembly SIMD, the default
 * where the runtime has it) or 'js'. Both give the same bits.
 */
export type BilinearImplementation = 'wasm' | 'js';

/**
 * Resamples `image` as `plan` says and writes it, normalised, channel-ordered and laid out as `pre`
 * says, into `out` at position `batchIndex`; padding pixels get the normalised pad value.
 */
export function writeImageTensor(
  image: RgbImage,
  plan: ResizePlan,
  pre: Preprocess,
  out: Float32Array,
  batchIndex = 0,
  bilinear: BilinearImplementation = 'wasm',
): void {
  const { canvasWidth: cw, canvasHeight: ch } = plan;
  const plane = cw * ch;
  const base = batchIndex * plane * 3;
  // Output channel k reads source channel src[k]: RGB keeps the order, BGR reverses it.
  const src = pre.channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const gain = src.map((c) => pre.rescale / pre.std[c]);
  const bias = src.map((c) => -pre.mean[c] / pre.std[c]);
  const nchw = pre.layout === 'nchw';
  fillPadding(out, base, plan, nchw, src.map((c, k) => pre.padValue[c] * gain[k] + bias[k]));
  const target: TensorTarget = { out, base, width: cw, plane, nchw, src, gain, bias };
  if (usesOpenCvBilinear(image, plan, pre)) {
    if (bilinear === 'js' || !writeBilinearSimd(image, plan, target)) writeBilinear(image, plan, target);
    return;
  }
  const resized = resample(image.data, image.width, image.height, 3, plan.resizedWidth, plan.resizedHeight, {
    filter: pre.filter,
    antialias: pre.antialias,
    clampTo8Bit: true,
  });
  const x0 = Math.max(0, plan.offsetX);
  const y0 = Math.max(0, plan.offsetY);
  const x1 = Math.min(cw, plan.offsetX + plan.resizedWidth);
  const y1 = Math.min(ch, plan.offsetY + plan.resizedHeight);
  for (let y = y0; y < y1; y++) {
    const row = (y - plan.offsetY) * plan.resizedWidth - plan.offsetX;
    for (let x = x0; x < x1; x++) {
      const p = (row + x) * 3;
      store(target, x, y, resized[p], resized[p + 1], resized[p + 2]);
    }
  }
}

/** Writes the normalised pad value (per output channel) wherever the resized image does not cover the canvas. */
function fillPadding(out: Float32Array, base: number, plan: ResizePlan, nchw: boolean, values: number[]): void {
  const { canvasWidth: cw, canvasHeight: ch } = plan;
  const x0 = Math.max(0, plan.offsetX);
  const x1 = Math.min(cw, plan.offsetX + plan.resizedWidth);
  const y0 = Math.max(0, plan.offsetY);
  const y1 = Math.min(ch, plan.offsetY + plan.resizedHeight);
  if (x0 === 0 && y0 === 0 && x1 === cw && y1 === ch) return;
  const plane = cw * ch;
  // Pixel spans [from, to) of the canvas, row-major, that lie outside the image.
  const spans: [number, number][] = [[0, y0 * cw], [y1 * cw, plane]];
  if (x0 > 0 || x1 < cw) {
    for (let y = y0; y < y1; y++) spans.push([y * cw, y * cw + x0], [y * cw + x1, (y + 1) * cw]);
  }
  for (const [from, to] of spans) {
    if (from >= to) continue;
    for (let k = 0; k < 3; k++) {
      if (nchw) out.fill(values[k], base + k * plane + from, base + k * plane + to);
      else for (let i = from; i < to; i++) out[base + i * 3 + k] = values[k];
    }
  }
}

interface TensorTarget {
  out: Float32Array;
  base: number;
  width: number;
  plane: number;
  nchw: boolean;
  /** Source (RGB) channel of each output channel, and its normalisation. */
  src: number[];
  gain: number[];
  bias: number[];
}

/** Writes one RGB pixel (0–255) at canvas (x, y), normalised and channel-ordered. */
function store(t: TensorTarget, x: number, y: number, r: number, g: number, b: number): void {
  const rgb = [r, g, b];
  const i = t.nchw ? t.base + y * t.width + x : t.base + (y * t.width + x) * 3;
  const step = t.nchw ? t.plane : 1;
  for (let k = 0; k < 3; k++) t.out[i + k * step] = rgb[t.src[k]] * t.gain[k] + t.bias[k];
}

/** OpenCV's fixed-point resize weights: 11 fractional bits (INTER_RESIZE_COEF_BITS). */
const COEF_BITS = 11;
const COEF_ONE = 1 << COEF_BITS;

/**
 * Integer taps of a 2-tap bilinear resize along one axis, for the output indices that land on the canvas:
 * source index of the near tap (times `scale`), the distance to the far tap (0 at the clamped edge,
 * times `scale`), and the far tap's weight in 1/2^11.
 */
interface AxisTaps {
  near: Int32Array;
  step: Int32Array;
  weight: Int32Array;
}

function axisTaps(srcSize: number, resizedSize: number, offset: number, from: number, to: number, scale: number): AxisTaps {
  const n = to - from;
  const taps = { near: new Int32Array(n), step: new Int32Array(n), weight: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    // Half-pixel centres, clamped to the edge, as cv2.resize INTER_LINEAR.
    const s = Math.min(Math.max((from + i - offset + 0.5) * (srcSize / resizedSize) - 0.5, 0), srcSize - 1);
    const near = Math.floor(s);
    taps.near[i] = near * scale;
    taps.step[i] = (Math.min(near + 1, srcSize - 1) - near) * scale;
    taps.weight[i] = Math.round((s - near) * COEF_ONE);
  }
  return taps;
}

interface BilinearTables {
  key: string;
  columns: AxisTaps;
  rows: AxisTaps;
  /** Vertically blended source row (× 2^11), 3 channels interleaved. */
  blended: Int32Array;
}

/** Tables per (source size, plan): a detector sees the same camera size frame after frame. */
const bilinearTables = new Map<string, BilinearTables>();
const MAX_CACHED_TABLES = 16;

function tablesFor(sw: number, sh: number, plan: ResizePlan, x0: number, x1: number, y0: number, y1: number): BilinearTables {
  const key = `${sw}x${sh} ${plan.resizedWidth}x${plan.resizedHeight}+${plan.offsetX}+${plan.offsetY} ${plan.canvasWidth}x${plan.canvasHeight}`;
  let tables = bilinearTables.get(key);
  if (!tables) {
    if (bilinearTables.size >= MAX_CACHED_TABLES) bilinearTables.clear();
    tables = {
      key,
      columns: axisTaps(sw, plan.resizedWidth, plan.offsetX, x0, x1, 3),
      rows: axisTaps(sh, plan.resizedHeight, plan.offsetY, y0, y1, sw * 3),
      blended: new Int32Array(sw * 3),
    };
    bilinearTables.set(key, tables);
  }
  return tables;
}

/**
 * OpenCV INTER_LINEAR resize of 8-bit pixels (half-pixel centres, edge clamp, 11-bit fixed-point weights,
 * one rounding back to 8 bits), fused with normalisation, channel order and layout: the fast path for
 * letterboxed detectors, with no intermediate image. In integers the two passes commute exactly, so it
 * blends two source rows first (a straight pass over contiguous bytes) and then the columns of that one row.
 */
function writeBilinear(image: RgbImage, plan: ResizePlan, t: TensorTarget): void {
  const { width: sw, height: sh, data } = image;
  const cw = t.width;
  const x0 = Math.max(0, plan.offsetX);
  const x1 = Math.min(cw, plan.offsetX + plan.resizedWidth);
  const y0 = Math.max(0, plan.offsetY);
  const y1 = Math.min(t.plane / cw, plan.offsetY + plan.resizedHeight);
  const { columns, rows, blended } = tablesFor(sw, sh, plan, x0, x1, y0, y1);
  const { near: left, step: right, weight: wx } = columns;
  const cols = x1 - x0;
  // Only the source columns some output column reads.
  const from = left[0];
  const to = left[cols - 1] + right[cols - 1] + 3;
  const [s0, s1, s2] = t.src;
  const [g0, g1, g2] = t.gain;
  const [b0, b1, b2] = t.bias;
  const { out } = t;
  // Output channel k of pixel j sits at start + k · channelStride + j · pixelStride.
  const channelStride = t.nchw ? t.plane : 1;
  const pixelStride = t.nchw ? 1 : 3;
  const c1 = channelStride;
  const c2 = 2 * channelStride;
  const half = 1 << (2 * COEF_BITS - 1);
  const shift = 2 * COEF_BITS;
  for (let r = 0; r < y1 - y0; r++) {
    const top = rows.near[r];
    const bottom = top + rows.step[r];
    const wy = rows.weight[r];
    for (let i = from; i < to; i++) {
      const u = data[top + i];
      blended[i] = (u << COEF_BITS) + (data[bottom + i] - u) * wy;
    }
    const y = y0 + r;
    let o = t.nchw ? t.base + y * cw + x0 : t.base + (y * cw + x0) * 3;
    for (let j = 0; j < cols; j++, o += pixelStride) {
      const a = left[j];
      const b = a + right[j];
      const w = wx[j];
      const v0 = blended[a + s0];
      const v1 = blended[a + s1];
      const v2 = blended[a + s2];
      out[o] = (((v0 << COEF_BITS) + (blended[b + s0] - v0) * w + half) >> shift) * g0 + b0;
      out[o + c1] = (((v1 << COEF_BITS) + (blended[b + s1] - v1) * w + half) >> shift) * g1 + b1;
      out[o + c2] = (((v2 << COEF_BITS) + (blended[b + s2] - v2) * w + half) >> shift) * g2 + b2;
    }
  }
}

/** Byte address of each part of the kernel's memory for one (source size, plan); each starts on 16 bytes. */
interface SimdLayout {
  columnTable: number;
  rowTable: number;
  blended: number;
  source: number;
  /** One image's tensor, laid out as the canvas is in `out`. */
  tensor: number;
  end: number;
}

function simdLayout(sw: number, sh: number, cols: number, rows: number, canvasFloats: number): SimdLayout {
  const align = (n: number) => (n + 15) & ~15;
  const columnTable = 0;
  const rowTable = align(columnTable + cols * 12);
  const blended = align(rowTable + rows * 12);
  // The kernel writes 16-value steps past the last column it needs and reads 16 bytes from the last tap.
  const source = align(blended + (sw * 3 + 16) * 4);
  // It reads source rows in 16-byte steps.
  const tensor = align(source + sw * sh * 3 + 16);
  return { columnTable, rowTable, blended, source, tensor, end: tensor + canvasFloats * 4 };
}

/**
 * writeBilinear with the WebAssembly SIMD kernel (wasm/bilinear.wat): the same integer sums and the same
 * double-precision normalisation, so the same bits. The pixels are copied into the kernel's memory, the
 * kernel writes the resized region into a tensor there, and that region is copied to `out`. Returns
 * false where the runtime has no WebAssembly SIMD.
 */
function writeBilinearSimd(image: RgbImage, plan: ResizePlan, t: TensorTarget): boolean {
  const kernel = bilinearKernel();
  if (!kernel) return false;
  const { width: sw, height: sh } = image;
  const cw = t.width;
  const x0 = Math.max(0, plan.offsetX);
  const x1 = Math.min(cw, plan.offsetX + plan.resizedWidth);
  const y0 = Math.max(0, plan.offsetY);
  const y1 = Math.min(t.plane / cw, plan.offsetY + plan.resizedHeight);
  const tables = tablesFor(sw, sh, plan, x0, x1, y0, y1);
  const cols = x1 - x0;
  const rows = y1 - y0;
  const layout = simdLayout(sw, sh, cols, rows, t.plane * 3);
  const memory = kernel.buffer(layout.end);
  if (kernel.tablesKey !== tables.key) {
    // Taps as byte addresses: into the blended row (one i32 per source byte) and into the source rows.
    const columnTable = new Int32Array(memory, layout.columnTable, cols * 3);
    for (let j = 0; j < cols; j++) {
      columnTable[j * 3] = layout.blended + tables.columns.near[j] * 4;
      columnTable[j * 3 + 1] = layout.blended + (tables.columns.near[j] + tables.columns.step[j]) * 4;
      columnTable[j * 3 + 2] = tables.columns.weight[j];
    }
    const rowTable = new Int32Array(memory, layout.rowTable, rows * 3);
    for (let r = 0; r < rows; r++) {
      rowTable[r * 3] = layout.source + tables.rows.near[r];
      rowTable[r * 3 + 1] = layout.source + tables.rows.near[r] + tables.rows.step[r];
      rowTable[r * 3 + 2] = tables.rows.weight[r];
    }
    kernel.tablesKey = tables.key;
  }
  const sourceBytes = sw * sh * 3;
  new Uint8Array(memory, layout.source, sourceBytes).set(image.data.length === sourceBytes ? image.data : image.data.subarray(0, sourceBytes));
  const from = tables.columns.near[0];
  const to = tables.columns.near[cols - 1] + tables.columns.step[cols - 1] + 3;
  const pixelStride = t.nchw ? 1 : 3;
  const channelStride = t.nchw ? t.plane : 1;
  // Output channel k holds source channel src[k]; the kernel takes each source channel's offset and normalisation.
  const k = [0, 1, 2].map((c) => t.src.indexOf(c));
  const affine = t.gain.some((g) => g !== 1) || t.bias.some((b) => b !== 0);
  kernel.resize(
    layout.rowTable, rows, from, to - from, layout.blended,
    layout.columnTable, cols,
    layout.tensor + (y0 * cw + x0) * pixelStride * 4, cw * pixelStride * 4, pixelStride * 4,
    k[0] * channelStride * 4, k[1] * channelStride * 4, k[2] * channelStride * 4,
    affine ? 1 : 0, t.gain[k[0]], t.gain[k[1]], t.gain[k[2]], t.bias[k[0]], t.bias[k[1]], t.bias[k[2]],
  );
  const tensor = new Float32Array(memory, layout.tensor, t.plane * 3);
  const copy = (from: number, to: number) => t.out.set(tensor.subarray(from, to), t.base + from);
  if (x0 === 0 && x1 === cw) {
    // Whole rows: one span per plane (NCHW) or one span (NHWC).
    if (t.nchw) for (let c = 0; c < 3; c++) copy(c * t.plane + y0 * cw, c * t.plane + y1 * cw);
    else copy(y0 * cw * 3, y1 * cw * 3);
  } else {
    for (let y = y0; y < y1; y++) {
      if (t.nchw) for (let c = 0; c < 3; c++) copy(c * t.plane + y * cw + x0, c * t.plane + y * cw + x1);
      else copy((y * cw + x0) * 3, (y * cw + x1) * 3);
    }
  }
  return true;
}

/** Preprocesses one image into a fresh tensor buffer; returns the buffer, its shape and the plan. */
export function preprocessImage(image: RgbImage, pre: Preprocess): { data: Float32Array; shape: number[]; plan: ResizePlan } {
  const plan = planResize(image.width, image.height, pre.resize);
  const data = new Float32Array(imageTensorSize(plan));
  writeImageTensor(image, plan, pre, data, 0);
  return { data, shape: imageTensorShape(plan, pre, 1), plan };
}
