/** Box arithmetic and non-maximum suppression; boxes are [x1, y1, x2, y2] in pixels. */
import type { Box2D } from '@spatialforge/core';
import type { ResizePlan } from './manifest.js';
import type { Detection } from './types.js';

export function boxArea(box: Box2D): number {
  return Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
}

export function iou(a: Box2D, b: Box2D): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

export function clampBox(box: Box2D, width: number, height: number): Box2D {
  return [
    Math.min(Math.max(box[0], 0), width),
    Math.min(Math.max(box[1], 0), height),
    Math.min(Math.max(box[2], 0), width),
    Math.min(Math.max(box[3], 0), height),
  ];
}

/**
 * A box given as centre and size in model-input pixels (cx, cy, w, h), mapped back through the resize
 * plan to the original image's pixels and clamped to it.
 */
export function centreBoxToImage(cx: number, cy: number, w: number, h: number, plan: ResizePlan, width: number, height: number): Box2D {
  return clampBox(
    [
      (cx - w / 2 - plan.offsetX) / plan.scaleX,
      (cy - h / 2 - plan.offsetY) / plan.scaleY,
      (cx + w / 2 - plan.offsetX) / plan.scaleX,
      (cy + h / 2 - plan.offsetY) / plan.scaleY,
    ],
    width,
    height,
  );
}

/**
 * Greedy NMS per label: highest score first, dropping boxes of the same label that overlap a kept one by
 * more than `iouThreshold`. Returns the kept detections sorted by descending score.
 */
export function nms(detections: Detection[], iouThreshold: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const det of sorted) {
    if (kept.every((k) => k.label !== det.label || iou(k.box, det.box) <= iouThreshold)) kept.push(det);
  }
  return kept;
}
