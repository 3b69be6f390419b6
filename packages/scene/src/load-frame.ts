/**
 * Loading a frame manifest into a `Frame`: decodes the RGB image, the metric depth (16-bit PNG × scale
 * or float32 `.npy` metres), the instance masks, and validates everything. Every problem with the
 * input is an `InputError` whose `field` names the manifest field at fault.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import sharp from 'sharp';
import { InputError, contentId } from '@spatialforge/core';
import type { Box2D, DepthMap, Frame, FrameManifest, Intrinsics, IntrinsicsSource, ObjectInput, RgbImage } from '@spatialforge/core';
import { readNpy } from './npy.js';

export interface LoadFrameOptions {
  /** Image id; defaults to the content id of the RGB file's bytes. */
  imageId?: string;
  /** How errors name the frame (a path or URI). @defaultValue the manifest's `image` */
  sourceName?: string;
  /** Horizontal field of view assumed when the manifest has no intrinsics, degrees. @defaultValue 60 */
  fovDegrees?: number;
}

/** Reads a file named relative to the manifest. Missing files should throw with `code` ENOENT (or NoSuchKey). */
export type ReadRelative = (relativePath: string) => Promise<Uint8Array>;

const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'NoSuchKey', 'NotFound']);

export async function loadFrame(manifest: FrameManifest, read: ReadRelative, options: LoadFrameOptions = {}): Promise<Frame> {
  const source = options.sourceName ?? (typeof manifest?.image === 'string' ? manifest.image : 'frame manifest');
  const fail = (message: string, code: string, field: string): never => {
    throw new InputError(`${source}: ${message}`, code, source, field);
  };
  if (!manifest || typeof manifest !== 'object') fail('the manifest must be a JSON object', 'invalid-manifest', '');
  if (typeof manifest.image !== 'string' || !manifest.image) fail('"image" must name the RGB file', 'invalid-manifest', 'image');

  const fetchFile = async (path: string, field: string): Promise<Uint8Array> => {
    try {
      return await read(path);
    } catch (err) {
      const code = (err as { code?: string; name?: string }).code ?? (err as { name?: string }).name;
      if (code && MISSING_CODES.has(code)) return fail(`${field} file ${path} is missing or unreadable (${code})`, 'missing-file', field);
      throw err;
    }
  };

  const rgbBytes = await fetchFile(manifest.image, 'image');
  const rgb = await decodeRgb(rgbBytes).catch((err: Error) => fail(`image ${manifest.image} cannot be decoded: ${err.message}`, 'unreadable-file', 'image'));

  if (!manifest.depth || typeof manifest.depth.uri !== 'string') return fail('"depth.uri" is required to lift a frame', 'missing-depth', 'depth.uri');
  const depthBytes = await fetchFile(manifest.depth.uri, 'depth.uri');
  const depth = await decodeDepth(depthBytes, manifest.depth.uri, manifest.depth.scale, fail);
  if (depth.width !== rgb.width || depth.height !== rgb.height) {
    fail(`depth is ${depth.width}×${depth.height} but the image is ${rgb.width}×${rgb.height}`, 'depth-size-mismatch', 'depth.uri');
  }
  let valid = 0;
  for (let i = 0; i < depth.data.length; i++) {
    const z = depth.data[i];
    if (z > 0 && z < Infinity) valid++;
    else depth.data[i] = 0;
  }
  if (valid === 0) fail(`depth ${manifest.depth.uri} holds no measurement (all zero, negative or NaN)`, 'depth-empty', 'depth.uri');

  const { intrinsics, intrinsicsSource } = resolveIntrinsics(manifest.intrinsics, rgb.width, options.fovDegrees ?? 60, rgb.height, fail);
  const objects = await loadObjects(manifest, rgb.width, rgb.height, fetchFile, fail);
  return { imageId: options.imageId ?? contentId(rgbBytes), rgb, depth, intrinsics, intrinsicsSource, objects };
}

/** Loads the manifest at `path` (JSON), reading its files relative to the manifest's folder. */
export async function loadFrameFile(path: string, options: LoadFrameOptions = {}): Promise<Frame> {
  const sourceName = options.sourceName ?? path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read the manifest (${(err as NodeJS.ErrnoException).code ?? err})`, 'missing-file', path, 'manifest');
  }
  let manifest: FrameManifest;
  try {
    manifest = JSON.parse(text) as FrameManifest;
  } catch (err) {
    throw new InputError(`${path}: the manifest is not valid JSON (${(err as Error).message})`, 'invalid-manifest', path, 'manifest');
  }
  const folder = dirname(resolve(path));
  return loadFrame(manifest, (relative) => readFile(resolve(folder, relative)), { ...options, sourceName });
}

type Fail = (message: string, code: string, field: string) => never;

async function decodeRgb(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 colour channels, got ${info.channels}`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * A single-channel 8- or 16-bit image as integers. Images stored with three equal channels (grey
 * saved as RGB, or a grey palette) are accepted too; colour images are refused.
 */
/** Decodes an 8- or 16-bit grey (or grey-valued colour) PNG, such as an instance label mask, to its pixel values, row-major. */
export async function decodeGrey(bytes: Uint8Array): Promise<{ width: number; height: number; values: Uint8Array | Uint16Array }> {
  const meta = await sharp(bytes).metadata();
  const sixteen = meta.depth === 'ushort';
  const grey = (meta.channels ?? 0) <= 2;
  // vips converts to sRGB for raw output unless told otherwise; keep grey grey and 16 bits 16 bits.
  const space = grey ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb';
  const { data, info } = await sharp(bytes)
    .toColourspace(space)
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const all = sixteen
    ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const { channels } = info;
  const count = info.width * info.height;
  const values = sixteen ? new Uint16Array(count) : new Uint8Array(count);
  for (let p = 0; p < count; p++) {
    const v = all[p * channels];
    if (!grey && (all[p * channels + 1] !== v || all[p * channels + 2] !== v)) {
      throw new Error(`expected a single-channel (grey) image; pixel ${p} is a colour`);
    }
    values[p] = v;
  }
  return { width: info.width, height: info.height, values };
}

async function decodeDepth(bytes: Uint8Array, uri: string, scale: number | undefined, fail: Fail): Promise<DepthMap> {
  if (uri.toLowerCase().endsWith('.npy')) {
    let array;
    try {
      array = readNpy(bytes);
    } catch (err) {
      return fail(`depth ${uri} cannot be read: ${(err as Error).message}`, 'unreadable-file', 'depth.uri');
    }
    const { shape, data } = array;
    if (!(shape.length === 2 || (shape.length === 3 && shape[2] === 1))) {
      return fail(`depth ${uri} has shape (${shape.join(', ')}); expected (height, width)`, 'unreadable-file', 'depth.uri');
    }
    return { width: shape[1], height: shape[0], data };
  }
  const metresPerUnit = scale ?? 0.001;
  if (!(metresPerUnit > 0 && Number.isFinite(metresPerUnit))) fail(`depth.scale must be a positive number of metres per unit, got ${scale}`, 'invalid-manifest', 'depth.scale');
  let grey;
  try {
    grey = await decodeGrey(bytes);
  } catch (err) {
    return fail(`depth ${uri} cannot be decoded: ${(err as Error).message}`, 'unreadable-file', 'depth.uri');
  }
  if (!(grey.values instanceof Uint16Array)) fail(`depth ${uri} is an 8-bit image; expected a 16-bit PNG`, 'unreadable-file', 'depth.uri');
  const data = new Float32Array(grey.values.length);
  for (let i = 0; i < data.length; i++) data[i] = grey.values[i] * metresPerUnit;
  return { width: grey.width, height: grey.height, data };
}

function resolveIntrinsics(
  given: Intrinsics | undefined,
  width: number,
  fovDegrees: number,
  height: number,
  fail: Fail,
): { intrinsics: Intrinsics; intrinsicsSource: IntrinsicsSource } {
  if (given === undefined) {
    // Pinhole with the assumed horizontal field of view, square pixels, principal point at the centre.
    const f = width / 2 / Math.tan((fovDegrees * Math.PI) / 360);
    return { intrinsics: { fx: f, fy: f, cx: (width - 1) / 2, cy: (height - 1) / 2 }, intrinsicsSource: 'fov-prior' };
  }
  for (const key of ['fx', 'fy', 'cx', 'cy'] as const) {
    const value = given[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      fail(`intrinsics.${key} must be a positive number of pixels, got ${JSON.stringify(value)}`, 'invalid-intrinsics', `intrinsics.${key}`);
    }
  }
  return { intrinsics: { fx: given.fx, fy: given.fy, cx: given.cx, cy: given.cy }, intrinsicsSource: 'provided' };
}

async function loadObjects(
  manifest: FrameManifest,
  width: number,
  height: number,
  fetchFile: (path: string, field: string) => Promise<Uint8Array>,
  fail: Fail,
): Promise<ObjectInput[]> {
  if (manifest.objects === undefined) return [];
  if (!Array.isArray(manifest.objects)) return fail('"objects" must be an array', 'invalid-manifest', 'objects');
  const masks = new Map<string, Promise<{ width: number; height: number; values: Uint8Array | Uint16Array }>>();
  const seen = new Set<string>();
  const objects: ObjectInput[] = [];
  for (const [i, object] of manifest.objects.entries()) {
    const field = `objects[${i}]`;
    if (!object || typeof object.id !== 'string' || !object.id) fail(`${field}.id must be a non-empty string`, 'invalid-manifest', `${field}.id`);
    if (seen.has(object.id)) fail(`${field}.id "${object.id}" is used twice`, 'invalid-manifest', `${field}.id`);
    seen.add(object.id);
    if (typeof object.label !== 'string' || !object.label.trim()) fail(`${field}.label must be a non-empty string`, 'invalid-manifest', `${field}.label`);
    const score = object.score;
    if (score !== undefined && !(typeof score === 'number' && score >= 0 && score <= 1)) {
      fail(`${field}.score must be a detector confidence from 0 to 1, got ${JSON.stringify(score)}`, 'invalid-manifest', `${field}.score`);
    }
    const scored = score !== undefined ? { score } : {};
    if ('box' in object) {
      objects.push({ id: object.id, label: object.label, box: checkBox(object.box, width, height, `${field}.box`, fail), ...scored });
      continue;
    }
    if (!('mask' in object) || typeof object.mask !== 'string') {
      return fail(`${field} needs a "box" [x1, y1, x2, y2] or a "mask" with a "maskValue"`, 'invalid-manifest', field);
    }
    if (!Number.isInteger(object.maskValue) || object.maskValue < 0) {
      fail(`${field}.maskValue must be a non-negative integer, got ${JSON.stringify(object.maskValue)}`, 'invalid-manifest', `${field}.maskValue`);
    }
    const path = object.mask;
    if (!masks.has(path)) {
      masks.set(path, fetchFile(path, `${field}.mask`).then((bytes) =>
        decodeGrey(bytes).catch((err: Error) => fail(`mask ${path} cannot be decoded: ${err.message}`, 'unreadable-file', `${field}.mask`))));
    }
    const mask = await masks.get(path)!;
    if (mask.width !== width || mask.height !== height) {
      fail(`mask ${path} is ${mask.width}×${mask.height} but the image is ${width}×${height}`, 'mask-size-mismatch', `${field}.mask`);
    }
    const pixels = new Uint8Array(width * height);
    let count = 0;
    for (let p = 0; p < pixels.length; p++) {
      if (mask.values[p] === object.maskValue) {
        pixels[p] = 1;
        count++;
      }
    }
    if (count === 0) fail(`mask ${path} has no pixel with value ${object.maskValue}`, 'mask-value-absent', `${field}.maskValue`);
    objects.push({ id: object.id, label: object.label, mask: pixels, ...scored });
  }
  return objects;
}

function checkBox(box: unknown, width: number, height: number, field: string, fail: Fail): Box2D {
  if (!Array.isArray(box) || box.length !== 4 || box.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    return fail(`${field} must be [x1, y1, x2, y2] in pixels`, 'invalid-manifest', field);
  }
  const [x1, y1, x2, y2] = box as number[];
  if (x1 < 0 || y1 < 0 || x2 > width || y2 > height || x1 >= x2 || y1 >= y2) {
    fail(`${field} [${box.join(', ')}] is not inside the ${width}×${height} image`, 'box-outside-image', field);
  }
  return [x1, y1, x2, y2];
}
