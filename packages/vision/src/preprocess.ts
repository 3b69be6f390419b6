/**
 * Turning an 8-bit RGB image into a model's input tensor as the manifest's `preprocess` says, and the
 * geometry (`ResizePlan`) to map model-input pixels back to image pixels.
 */
import type { RgbImage } from '@spatialforge/core';
import type { Preprocess, ResizePlan, ResizeSpec } from './manifest.js';
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
      return {
        canvasWidth: spec.width,
        canvasHeight: spec.height,
        resizedWidth: spec.width,
        resizedHeight: spec.height,
        offsetX: 0,
        offsetY: 0,
        scaleX: spec.width / width,
        scaleY: spec.height / height,
      };
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
        offsetX: -Math.floor((resizedWidth - spec.crop) / 2),
        offsetY: -Math.floor((resizedHeight - spec.crop) / 2),
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
): void {
  const resized =
    plan.resizedWidth === image.width && plan.resizedHeight === image.height
      ? image.data
      : resample(image.data, image.width, image.height, 3, plan.resizedWidth, plan.resizedHeight, {
          filter: pre.filter,
          antialias: pre.antialias,
          clampTo8Bit: true,
        });
  const { canvasWidth: cw, canvasHeight: ch } = plan;
  const plane = cw * ch;
  const base = batchIndex * plane * 3;
  const gain = [0, 1, 2].map((c) => pre.rescale / pre.std[c]);
  const bias = [0, 1, 2].map((c) => -pre.mean[c] / pre.std[c]);
  // Output channel k reads source channel src[k]: RGB keeps the order, BGR reverses it.
  const src = pre.channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const nchw = pre.layout === 'nchw';
  const padded =
    plan.offsetX > 0 || plan.offsetY > 0 || plan.offsetX + plan.resizedWidth < cw || plan.offsetY + plan.resizedHeight < ch;
  if (padded) {
    for (let k = 0; k < 3; k++) {
      const value = pre.padValue[src[k]] * gain[src[k]] + bias[src[k]];
      if (nchw) out.fill(value, base + k * plane, base + (k + 1) * plane);
      else for (let i = 0; i < plane; i++) out[base + i * 3 + k] = value;
    }
  }
  const x0 = Math.max(0, plan.offsetX);
  const y0 = Math.max(0, plan.offsetY);
  const x1 = Math.min(cw, plan.offsetX + plan.resizedWidth);
  const y1 = Math.min(ch, plan.offsetY + plan.resizedHeight);
  const rw = plan.resizedWidth;
  const g0 = gain[src[0]], g1 = gain[src[1]], g2 = gain[src[2]];
  const b0 = bias[src[0]], b1 = bias[src[1]], b2 = bias[src[2]];
  const s0 = src[0], s1 = src[1], s2 = src[2];
  for (let y = y0; y < y1; y++) {
    const srcRow = (y - plan.offsetY) * rw;
    for (let x = x0; x < x1; x++) {
      const p = (srcRow + x - plan.offsetX) * 3;
      const v0 = resized[p + s0] * g0 + b0;
      const v1 = resized[p + s1] * g1 + b1;
      const v2 = resized[p + s2] * g2 + b2;
      if (nchw) {
        const i = base + y * cw + x;
        out[i] = v0;
        out[i + plane] = v1;
        out[i + 2 * plane] = v2;
      } else {
        const i = base + (y * cw + x) * 3;
        out[i] = v0;
        out[i + 1] = v1;
        out[i + 2] = v2;
      }
    }
  }
}

/** Preprocesses one image into a fresh tensor buffer; returns the buffer, its shape and the plan. */
export function preprocessImage(image: RgbImage, pre: Preprocess): { data: Float32Array; shape: number[]; plan: ResizePlan } {
  const plan = planResize(image.width, image.height, pre.resize);
  const data = new Float32Array(imageTensorSize(plan));
  writeImageTensor(image, plan, pre, data, 0);
  return { data, shape: imageTensorShape(plan, pre, 1), plan };
}
