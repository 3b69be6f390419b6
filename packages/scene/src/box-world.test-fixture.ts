/**
 * Test fixture: a tiny ray caster of yawed boxes on a floor (and an optional back wall), seen by a
 * camera at a known height and pitch. Gives exact depth, an instance mask and flat colours, so the
 * lift's tests can compare against exact truth without depending on the synth package.
 * Canonical frame as in @spatialforge/core: z up, origin under the camera, x right, y forward.
 */
import type { Frame, Intrinsics, ObjectInput, Vec3 } from '@spatialforge/core';

export interface FixtureBox {
  id: string;
  label: string;
  /** Centre of the box's footprint on the floor, canonical x, y (metres); it stands on z = 0. */
  at: [number, number];
  /** Length along yaw, width, height (metres). */
  size: Vec3;
  yaw: number;
  rgb: [number, number, number];
}

export interface FixtureOptions {
  width?: number;
  height?: number;
  cameraHeight?: number;
  /** Downward pitch, radians. */
  pitch?: number;
  /** y of a back wall facing the camera; none when absent. */
  wallAt?: number;
  boxes: FixtureBox[];
  /** Give objects as masks (default) or as 2D boxes around their pixels. */
  objectsAs?: 'mask' | 'box';
}

export function boxWorldFrame(options: FixtureOptions): Frame {
  const width = options.width ?? 320, height = options.height ?? 240;
  const camHeight = options.cameraHeight ?? 1.5, pitch = options.pitch ?? 0.5;
  const f = (525 * width) / 640;
  const intrinsics: Intrinsics = { fx: f, fy: f, cx: (width - 1) / 2, cy: (height - 1) / 2 };
  // Camera axes in the canonical frame: right (1,0,0), down (0,-sin p,-cos p), forward (0,cos p,-sin p).
  const sp = Math.sin(pitch), cp = Math.cos(pitch);
  const depth = new Float32Array(width * height);
  const owner = new Int32Array(width * height).fill(-1);
  const rgb = new Uint8Array(width * height * 3);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const a = (u - intrinsics.cx) / f, b = (v - intrinsics.cy) / f;
      // Ray direction with camera-frame z = 1, so the hit distance t is the depth.
      const dir: Vec3 = [a, -b * sp + cp, -b * cp - sp];
      let best = Infinity, hit = -1, colour: [number, number, number] = [0, 0, 0];
      if (dir[2] < 0) {
        best = camHeight / -dir[2];
        colour = [150, 140, 130];
      }
      if (options.wallAt !== undefined && dir[1] > 0) {
        const t = options.wallAt / dir[1];
        if (t < best) { best = t; colour = [220, 220, 215]; }
      }
      options.boxes.forEach((box, index) => {
        const t = rayBox([0, 0, camHeight], dir, box);
        if (t < best) { best = t; hit = index; colour = box.rgb; }
      });
      const p = v * width + u;
      if (best < 20) {
        depth[p] = best;
        owner[p] = hit;
        rgb.set(colour, 3 * p);
      }
    }
  }
  const objects: ObjectInput[] = options.boxes.map((box, index) => {
    const mask = new Uint8Array(width * height);
    let x0 = width, y0 = height, x1 = 0, y1 = 0;
    for (let p = 0; p < mask.length; p++) {
      if (owner[p] !== index) continue;
      mask[p] = 1;
      const x = p % width, y = Math.floor(p / width);
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
    }
    return options.objectsAs === 'box'
      ? { id: box.id, label: box.label, box: [x0, y0, x1, y1] }
      : { id: box.id, label: box.label, mask };
  });
  return { imageId: 'box-world', rgb: { width, height, data: rgb }, depth: { width, height, data: depth }, intrinsics, intrinsicsSource: 'provided', objects };
}

/** Distance along the ray to a yawed box standing on z = 0, or Infinity (slab test in the box's frame). */
function rayBox(origin: Vec3, dir: Vec3, box: FixtureBox): number {
  const c = Math.cos(box.yaw), s = Math.sin(box.yaw);
  const ox = origin[0] - box.at[0], oy = origin[1] - box.at[1];
  const o = [c * ox + s * oy, -s * ox + c * oy, origin[2] - box.size[2] / 2];
  const d = [c * dir[0] + s * dir[1], -s * dir[0] + c * dir[1], dir[2]];
  let t0 = -Infinity, t1 = Infinity;
  for (let k = 0; k < 3; k++) {
    const half = box.size[k] / 2;
    if (Math.abs(d[k]) < 1e-12) {
      if (Math.abs(o[k]) > half) return Infinity;
      continue;
    }
    let a = (-half - o[k]) / d[k], b = (half - o[k]) / d[k];
    if (a > b) [a, b] = [b, a];
    t0 = Math.max(t0, a);
    t1 = Math.min(t1, b);
  }
  return t0 <= t1 && t0 > 0 ? t0 : Infinity;
}

/** Axis-aligned extent of a yawed box (canonical x, y, z), metres. */
export function aabbSize(box: FixtureBox): Vec3 {
  const c = Math.abs(Math.cos(box.yaw)), s = Math.abs(Math.sin(box.yaw));
  return [box.size[0] * c + box.size[1] * s, box.size[0] * s + box.size[1] * c, box.size[2]];
}
