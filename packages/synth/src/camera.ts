/**
 * The synthetic pinhole camera: intrinsics, and its pose in the canonical frame.
 *
 * Canonical frame (metres, as in @spatialforge/core's scene-graph.ts): z up, origin on the floor
 * under the camera, y = the optical axis projected on the floor, x = y × z (the camera's right).
 * Camera frame: x right, y down, z forward. The camera sits at (0, 0, height), pitched down by
 * `pitch` and rolled by `roll` about its optical axis (positive roll tips its right side down), so
 * canonical = rotation · camera + position.
 *
 * Pixel convention: pixel (u, v) (integer column, row) is the ray through camera-frame direction
 * ((u - cx) / fx, (v - cy) / fy, 1); back-projection is x = (u - cx) · z / fx, y = (v - cy) · z / fy.
 */
import type { Intrinsics, Vec3 } from '@spatialforge/core';

export interface CameraPose {
  intrinsics: Intrinsics;
  /** Height of the camera centre above the floor, metres. */
  height: number;
  /** Downward pitch of the optical axis below the horizon, radians. */
  pitch: number;
  /** Roll about the optical axis, radians (0 unless asked for). */
  roll: number;
  /** Camera centre in the canonical frame, metres: always [0, 0, height]. */
  position: Vec3;
  /** Camera → canonical rotation, row-major 3×3 (columns are the camera's axes in the canonical frame). */
  rotation: number[];
}

export function cameraPose(intrinsics: Intrinsics, height: number, pitch: number, roll = 0): CameraPose {
  const sp = Math.sin(pitch);
  const cp = Math.cos(pitch);
  const sr = Math.sin(roll);
  const cr = Math.cos(roll);
  // Un-rolled axes in the canonical frame: right (1,0,0), down (0,-sp,-cp), forward (0,cp,-sp).
  // Rolling turns right towards down: right' = cr·right + sr·down, down' = -sr·right + cr·down.
  const rotation = [
    cr, -sr, 0,
    -sr * sp, -cr * sp, cp,
    -sr * cp, -cr * cp, -sp,
  ].map((value) => value + 0); // no -0, so the pose survives a JSON round trip unchanged
  return { intrinsics, height, pitch, roll, position: [0, 0, height], rotation };
}

/** Intrinsics for a width × height image with fx = fy = 525 px at 640 px wide (the Kinect's), centred. */
export function defaultIntrinsics(width: number, height: number): Intrinsics {
  const focal = (525 * width) / 640;
  return { fx: focal, fy: focal, cx: (width - 1) / 2, cy: (height - 1) / 2 };
}

/**
 * Projects a canonical point; writes [u, v, depth] (pixels, pixels, metres along the optical axis)
 * into `out`. Depth ≤ 0 means the point is behind the camera and u, v are meaningless.
 */
export function project(camera: CameraPose, point: Vec3, out: Float64Array): Float64Array {
  const r = camera.rotation;
  const px = point[0] - camera.position[0];
  const py = point[1] - camera.position[1];
  const pz = point[2] - camera.position[2];
  // camera = rotationᵀ · (point - position)
  const x = r[0] * px + r[3] * py + r[6] * pz;
  const y = r[1] * px + r[4] * py + r[7] * pz;
  const z = r[2] * px + r[5] * py + r[8] * pz;
  const { fx, fy, cx, cy } = camera.intrinsics;
  out[0] = (fx * x) / z + cx;
  out[1] = (fy * y) / z + cy;
  out[2] = z;
  return out;
}

/** Canonical-frame point → camera-frame point (metres). */
export function toCameraFrame(camera: CameraPose, point: Vec3): Vec3 {
  const r = camera.rotation;
  const px = point[0] - camera.position[0];
  const py = point[1] - camera.position[1];
  const pz = point[2] - camera.position[2];
  return [
    r[0] * px + r[3] * py + r[6] * pz,
    r[1] * px + r[4] * py + r[7] * pz,
    r[2] * px + r[5] * py + r[8] * pz,
  ];
}

/** Canonical direction of pixel (u, v)'s ray, scaled so its camera-frame z is 1 (so ray length t = depth). */
export function pixelRay(camera: CameraPose, u: number, v: number, out: Float64Array): Float64Array {
  const { fx, fy, cx, cy } = camera.intrinsics;
  const a = (u - cx) / fx;
  const b = (v - cy) / fy;
  const r = camera.rotation;
  out[0] = r[0] * a + r[1] * b + r[2];
  out[1] = r[3] * a + r[4] * b + r[5];
  out[2] = r[6] * a + r[7] * b + r[8];
  return out;
}
