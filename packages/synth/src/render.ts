/**
 * Ray casting renderer: per pixel, the nearest of the floor (z = 0), the room's walls and the objects'
 * primitives. Depth is z in the camera frame (metres); instances hold each object's mask value; RGB is
 * the surface colour under mild Lambert shading, plus noise.
 *
 * Objects are drawn primitive by primitive over the pixels their projected outline covers (objects
 * are always fully in front of the camera), so a frame costs its pixel count plus its objects' area.
 */
import type { DepthMap, RgbImage, Vec3 } from '@spatialforge/core';
import { type CameraPose, project } from './camera.js';
import { type Primitive, hullPoints } from './shapes.js';

export type Rgb = readonly [number, number, number];

/** The room around the objects, canonical frame (metres). */
export interface Room {
  /** y of the back wall, a vertical plane facing the camera; absent: the floor runs to the horizon. */
  backWall?: number;
  /** x of the left wall (negative), absent when there is none. */
  leftWall?: number;
  /** x of the right wall (positive), absent when there is none. */
  rightWall?: number;
  floorColour: Rgb;
  wallColour: Rgb;
}

export interface RenderObject {
  /** Value written into the instance map (1-255). */
  maskValue: number;
  colour: Rgb;
  primitives: readonly Primitive[];
}

export interface RenderOptions {
  /** Standard deviation of the RGB noise, 8-bit levels. */
  rgbNoise: number;
  /** Standard deviation of depth noise at 1 m, metres; it grows with depth² as a structured-light sensor's does. */
  depthNoise: number;
  /** Farther surfaces get depth 0 (no measurement), metres. */
  maxDepth: number;
  /** Seed of the pixel noise. */
  noiseSeed: number;
}

export interface Rendering {
  rgb: RgbImage;
  depth: DepthMap;
  instances: Uint8Array;
}

const SKY: Rgb = [190, 200, 215];
/** Light direction (towards the light): from above, slightly from the camera's side and left. */
const LIGHT = normalise([-0.35, -0.55, 1]);
/** Surfaces range from 0.78 (facing away from the light) to 1.0 of their colour: enough to look solid, mild enough to keep colour names. */
const AMBIENT = 0.78;
const DIFFUSE = 0.22;
const TILE = 0.5;

export function render(camera: CameraPose, width: number, height: number, room: Room, objects: readonly RenderObject[], options: RenderOptions): Rendering {
  const pixels = width * height;
  // Unclamped depth per pixel (Infinity where nothing is hit) and shaded colour before noise.
  const zbuffer = new Float64Array(pixels).fill(Infinity);
  const colour = new Float32Array(pixels * 3);
  const instances = new Uint8Array(pixels);
  const { fx, fy, cx, cy } = camera.intrinsics;
  const r = camera.rotation;
  const camHeight = camera.position[2];
  const rayA = new Float64Array(width);
  const rayB = new Float64Array(height);
  for (let u = 0; u < width; u++) rayA[u] = (u - cx) / fx;
  for (let v = 0; v < height; v++) rayB[v] = (v - cy) / fy;

  // Hot loop: everything it reads is a local number.
  const [r0, r1, r2, r3, r4, r5, r6, r7, r8] = r;
  const floorShade = shade(0, 0, 1);
  const [floorR, floorG, floorB] = room.floorColour;
  const [wallR, wallG, wallB] = room.wallColour;
  const backWall = room.backWall ?? 0;
  const leftWall = room.leftWall ?? 0;
  const rightWall = room.rightWall ?? 0;
  const hasBack = room.backWall !== undefined;
  const hasLeft = room.leftWall !== undefined;
  const hasRight = room.rightWall !== undefined;
  const backShade = shade(0, -1, 0);
  const leftShade = shade(1, 0, 0);
  const rightShade = shade(-1, 0, 0);
  for (let v = 0; v < height; v++) {
    const b = rayB[v];
    for (let u = 0; u < width; u++) {
      const a = rayA[u];
      // Canonical ray direction with camera-frame z = 1, so the ray parameter is the depth.
      const dx = r0 * a + r1 * b + r2;
      const dy = r3 * a + r4 * b + r5;
      const dz = r6 * a + r7 * b + r8;
      let t = Infinity;
      let wall = 0;
      if (dz < 0) t = camHeight / -dz;
      if (hasBack && dy > 0 && backWall / dy < t) {
        t = backWall / dy;
        wall = backShade;
      }
      if (hasLeft && dx < 0 && leftWall / dx < t) {
        t = leftWall / dx;
        wall = leftShade;
      }
      if (hasRight && dx > 0 && rightWall / dx < t) {
        t = rightWall / dx;
        wall = rightShade;
      }
      const p = v * width + u;
      const i = p * 3;
      zbuffer[p] = t;
      if (wall !== 0) {
        colour[i] = wallR * wall;
        colour[i + 1] = wallG * wall;
        colour[i + 2] = wallB * wall;
      } else if (t !== Infinity) {
        // Floor tiles of TILE metres, a shade lighter and darker in turn.
        const light = floorShade * ((Math.floor((dx * t) / TILE) + Math.floor((dy * t) / TILE)) & 1 ? 0.97 : 1.03);
        colour[i] = floorR * light;
        colour[i + 1] = floorG * light;
        colour[i + 2] = floorB * light;
      } else {
        colour[i] = SKY[0];
        colour[i + 1] = SKY[1];
        colour[i + 2] = SKY[2];
      }
    }
  }

  const normal = new Float64Array(3);
  const projected = new Float64Array(3);
  for (const object of objects) {
    for (const primitive of object.primitives) {
      // Pixel rectangle covered by the primitive's outline, one pixel of slack.
      let u0 = Infinity;
      let u1 = -Infinity;
      let v0 = Infinity;
      let v1 = -Infinity;
      for (const point of hullPoints(primitive)) {
        project(camera, point, projected);
        if (projected[2] <= 0) throw new RangeError('render: an object reaches behind the camera');
        u0 = Math.min(u0, projected[0]);
        u1 = Math.max(u1, projected[0]);
        v0 = Math.min(v0, projected[1]);
        v1 = Math.max(v1, projected[1]);
      }
      const uStart = Math.max(0, Math.floor(u0) - 1);
      const uEnd = Math.min(width - 1, Math.ceil(u1) + 1);
      const vStart = Math.max(0, Math.floor(v0) - 1);
      const vEnd = Math.min(height - 1, Math.ceil(v1) + 1);
      const hit = primitive.kind === 'box' ? boxTracer(primitive, camera.position) : cylinderTracer(primitive, camera.position);
      for (let v = vStart; v <= vEnd; v++) {
        const b = rayB[v];
        for (let u = uStart; u <= uEnd; u++) {
          const a = rayA[u];
          const dx = r0 * a + r1 * b + r2;
          const dy = r3 * a + r4 * b + r5;
          const dz = r6 * a + r7 * b + r8;
          const p = v * width + u;
          const t = hit(dx, dy, dz, zbuffer[p], normal);
          if (t === Infinity) continue;
          zbuffer[p] = t;
          instances[p] = object.maskValue;
          const light = shade(normal[0], normal[1], normal[2]);
          colour[p * 3] = object.colour[0] * light;
          colour[p * 3 + 1] = object.colour[1] * light;
          colour[p * 3 + 2] = object.colour[2] * light;
        }
      }
    }
  }

  // Pixel noise: xorshift32 bits indexing a table of Gaussian samples, one draw for a pixel's three channels.
  let bits = (Math.trunc(options.noiseSeed) ^ 0x9e3779b9) >>> 0 || 1;
  const rgbNoise = options.rgbNoise;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels * 3; i += 3) {
    bits ^= bits << 13;
    bits ^= bits >>> 17;
    bits ^= bits << 5;
    rgb[i] = clampByte(colour[i] + rgbNoise * GAUSSIAN[bits & 1023]);
    rgb[i + 1] = clampByte(colour[i + 1] + rgbNoise * GAUSSIAN[(bits >>> 10) & 1023]);
    rgb[i + 2] = clampByte(colour[i + 2] + rgbNoise * GAUSSIAN[(bits >>> 20) & 1023]);
  }
  const depth = new Float32Array(pixels);
  const { depthNoise, maxDepth } = options;
  for (let p = 0; p < pixels; p++) {
    const t = zbuffer[p];
    if (!(t <= maxDepth)) continue;
    if (depthNoise > 0) {
      bits ^= bits << 13;
      bits ^= bits >>> 17;
      bits ^= bits << 5;
      depth[p] = Math.max(0, t + depthNoise * t * t * GAUSSIAN[bits & 1023]);
    } else {
      depth[p] = t;
    }
  }
  return { rgb: { width, height, data: rgb }, depth: { width, height, data: depth }, instances };
}

/** An object's whole outline through the camera, as if nothing else were in front of it. */
export interface ObjectSilhouette {
  /** Pixels its surfaces cover with no other object in front (the room never hides an object), on the image plane beyond the border too. */
  pixels: number;
  /** Of them, those inside the image. */
  inImage: number;
}

/** Each object's silhouette (same order as `objects`), traced on its own: the truth its occlusion and truncation are measured against. */
export function objectSilhouettes(camera: CameraPose, width: number, height: number, objects: readonly RenderObject[]): ObjectSilhouette[] {
  const { fx, fy, cx, cy } = camera.intrinsics;
  const r = camera.rotation;
  const normal = new Float64Array(3);
  const projected = new Float64Array(3);
  return objects.map((object) => {
    const rects = object.primitives.map((primitive) => {
      let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
      for (const point of hullPoints(primitive)) {
        project(camera, point, projected);
        u0 = Math.min(u0, projected[0]); u1 = Math.max(u1, projected[0]);
        v0 = Math.min(v0, projected[1]); v1 = Math.max(v1, projected[1]);
      }
      return [Math.floor(u0) - 1, Math.floor(v0) - 1, Math.ceil(u1) + 1, Math.ceil(v1) + 1];
    });
    const ox = Math.min(...rects.map((rect) => rect[0])), oy = Math.min(...rects.map((rect) => rect[1]));
    const ow = Math.max(...rects.map((rect) => rect[2])) - ox + 1, oh = Math.max(...rects.map((rect) => rect[3])) - oy + 1;
    const covered = new Uint8Array(ow * oh);
    object.primitives.forEach((primitive, k) => {
      const hit = primitive.kind === 'box' ? boxTracer(primitive, camera.position) : cylinderTracer(primitive, camera.position);
      const [uStart, vStart, uEnd, vEnd] = rects[k];
      for (let v = vStart; v <= vEnd; v++) {
        const b = (v - cy) / fy;
        for (let u = uStart; u <= uEnd; u++) {
          const a = (u - cx) / fx;
          const i = (v - oy) * ow + u - ox;
          if (!covered[i] && hit(r[0] * a + r[1] * b + r[2], r[3] * a + r[4] * b + r[5], r[6] * a + r[7] * b + r[8], Infinity, normal) !== Infinity) covered[i] = 1;
        }
      }
    });
    let pixels = 0, inImage = 0;
    for (let i = 0; i < covered.length; i++) {
      if (!covered[i]) continue;
      pixels++;
      const u = ox + (i % ow), v = oy + Math.floor(i / ow);
      if (u >= 0 && u < width && v >= 0 && v < height) inImage++;
    }
    return { pixels, inImage };
  });
}

function shade(nx: number, ny: number, nz: number): number {
  return AMBIENT + DIFFUSE * Math.max(0, nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2]);
}

function normalise(v: Vec3): Vec3 {
  const length = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / length, v[1] / length, v[2] / length];
}

/**
 * Ray–primitive tests specialised to one primitive and the fixed camera origin. Each returns the
 * ray parameter of the nearest hit if it is below `limit` (Infinity otherwise) and then writes the
 * canonical outward normal into `normal`.
 */
type Tracer = (dx: number, dy: number, dz: number, limit: number, normal: Float64Array) => number;

function boxTracer(box: Extract<Primitive, { kind: 'box' }>, origin: Vec3): Tracer {
  const cos = Math.cos(box.yaw);
  const sin = Math.sin(box.yaw);
  const px = origin[0] - box.center[0];
  const py = origin[1] - box.center[1];
  // The origin in the box's own frame (turned by -yaw).
  const o0 = cos * px + sin * py;
  const o1 = -sin * px + cos * py;
  const o2 = origin[2] - box.center[2];
  const [h0, h1, h2] = box.half;
  return (dx, dy, dz, limit, normal) => {
    const d0 = cos * dx + sin * dy;
    const d1 = -sin * dx + cos * dy;
    let tNear = -Infinity;
    let tFar = Infinity;
    let n0 = 0;
    let n1 = 0;
    let n2 = 0;
    // Slabs of the three axes; a ray parallel to a slab misses unless it starts inside it.
    if (d0 !== 0) {
      const ta = (-h0 - o0) / d0;
      const tb = (h0 - o0) / d0;
      const t1 = Math.min(ta, tb);
      tFar = Math.min(tFar, Math.max(ta, tb));
      if (t1 > tNear) {
        tNear = t1;
        n0 = d0 > 0 ? -1 : 1;
      }
    } else if (o0 < -h0 || o0 > h0) return Infinity;
    if (d1 !== 0) {
      const ta = (-h1 - o1) / d1;
      const tb = (h1 - o1) / d1;
      const t1 = Math.min(ta, tb);
      tFar = Math.min(tFar, Math.max(ta, tb));
      if (t1 > tNear) {
        tNear = t1;
        n0 = 0;
        n1 = d1 > 0 ? -1 : 1;
      }
    } else if (o1 < -h1 || o1 > h1) return Infinity;
    if (dz !== 0) {
      const ta = (-h2 - o2) / dz;
      const tb = (h2 - o2) / dz;
      const t1 = Math.min(ta, tb);
      tFar = Math.min(tFar, Math.max(ta, tb));
      if (t1 > tNear) {
        tNear = t1;
        n0 = 0;
        n1 = 0;
        n2 = dz > 0 ? -1 : 1;
      }
    } else if (o2 < -h2 || o2 > h2) return Infinity;
    if (tNear > tFar || tNear <= 0 || tNear >= limit) return Infinity;
    normal[0] = cos * n0 - sin * n1;
    normal[1] = sin * n0 + cos * n1;
    normal[2] = n2;
    return tNear;
  };
}

function cylinderTracer(cylinder: Extract<Primitive, { kind: 'cylinder' }>, origin: Vec3): Tracer {
  const px = origin[0] - cylinder.center[0];
  const py = origin[1] - cylinder.center[1];
  const pz = origin[2] - cylinder.center[2];
  const radius = cylinder.radius;
  const r2 = radius * radius;
  const half = cylinder.halfHeight;
  const c = px * px + py * py - r2;
  return (dx, dy, dz, limit, normal) => {
    let best = limit;
    let side = false;
    const a = dx * dx + dy * dy;
    if (a > 0) {
      const b = px * dx + py * dy;
      const disc = b * b - a * c;
      if (disc >= 0) {
        const t = (-b - Math.sqrt(disc)) / a;
        const z = pz + t * dz;
        if (t > 0 && t < best && z >= -half && z <= half) {
          best = t;
          side = true;
        }
      }
    }
    let cap = 0;
    if (dz !== 0) {
      // Only the cap facing the ray can be its first hit.
      const capZ = dz < 0 ? half : -half;
      const t = (capZ - pz) / dz;
      if (t > 0 && t < best) {
        const x = px + t * dx;
        const y = py + t * dy;
        if (x * x + y * y <= r2) {
          best = t;
          side = false;
          cap = dz < 0 ? 1 : -1;
        }
      }
    }
    if (cap !== 0) {
      normal[0] = 0;
      normal[1] = 0;
      normal[2] = cap;
      return best;
    }
    if (!side) return Infinity;
    normal[0] = (px + best * dx) / radius;
    normal[1] = (py + best * dy) / radius;
    normal[2] = 0;
    return best;
  };
}

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

/** 1024 standard normal samples (fixed), indexed by random bits: cheap Gaussian noise for every pixel. */
const GAUSSIAN = (() => {
  const table = new Float32Array(1024);
  // Quantiles of the normal distribution at evenly spaced probabilities: exactly Gaussian in aggregate.
  for (let i = 0; i < table.length; i++) table[i] = normalQuantile((i + 0.5) / table.length);
  return table;
})();

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
