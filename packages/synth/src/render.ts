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
/** Surfaces range from 0.7 (facing away from the light) to 1.0 of their colour: enough to look solid, mild enough to keep colour names. */
const AMBIENT = 0.7;
const DIFFUSE = 0.3;
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

  const floorShade = shade(0, 0, 1);
  const backShade = shade(0, -1, 0);
  const leftShade = shade(1, 0, 0);
  const rightShade = shade(-1, 0, 0);
  for (let v = 0; v < height; v++) {
    const b = rayB[v];
    for (let u = 0; u < width; u++) {
      const a = rayA[u];
      // Canonical ray direction with camera-frame z = 1, so the ray parameter is the depth.
      const dx = r[0] * a + r[1] * b + r[2];
      const dy = r[3] * a + r[4] * b + r[5];
      const dz = r[6] * a + r[7] * b + r[8];
      let t = Infinity;
      let base: Rgb = SKY;
      let light = 1;
      if (dz < 0) {
        t = camHeight / -dz;
        const x = dx * t;
        const y = dy * t;
        const checker = (Math.floor(x / TILE) + Math.floor(y / TILE)) & 1;
        base = room.floorColour;
        light = floorShade * (checker ? 0.97 : 1.03);
      }
      if (room.backWall !== undefined && dy > 0) {
        const tw = room.backWall / dy;
        if (tw < t) {
          t = tw;
          base = room.wallColour;
          light = backShade;
        }
      }
      if (room.leftWall !== undefined && dx < 0) {
        const tw = room.leftWall / dx;
        if (tw < t) {
          t = tw;
          base = room.wallColour;
          light = leftShade;
        }
      }
      if (room.rightWall !== undefined && dx > 0) {
        const tw = room.rightWall / dx;
        if (tw < t) {
          t = tw;
          base = room.wallColour;
          light = rightShade;
        }
      }
      const p = v * width + u;
      zbuffer[p] = t;
      colour[p * 3] = base[0] * light;
      colour[p * 3 + 1] = base[1] * light;
      colour[p * 3 + 2] = base[2] * light;
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
          const dx = r[0] * a + r[1] * b + r[2];
          const dy = r[3] * a + r[4] * b + r[5];
          const dz = r[6] * a + r[7] * b + r[8];
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

  const noise = new PixelNoise(options.noiseSeed);
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels * 3; i++) {
    const value = colour[i] + options.rgbNoise * noise.gaussian();
    rgb[i] = value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
  }
  const depth = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const t = zbuffer[p];
    if (!(t <= options.maxDepth)) continue;
    depth[p] = options.depthNoise > 0 ? Math.max(0, t + options.depthNoise * t * t * noise.gaussian()) : t;
  }
  return { rgb: { width, height, data: rgb }, depth: { width, height, data: depth }, instances };
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

/** Fast seeded noise for millions of pixels (xorshift32); the sum of two uniforms approximates a Gaussian. */
class PixelNoise {
  private state: number;

  constructor(seed: number) {
    this.state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0 || 1;
  }

  private uniform(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x100000000;
  }

  /** Zero mean, unit variance (triangular, within ±√6). */
  gaussian(): number {
    return (this.uniform() + this.uniform() - 1) * 2.449489742783178;
  }
}
