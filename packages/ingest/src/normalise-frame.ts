/**
 * Normalising an RGB-D frame: the image as normaliseImage does it, and the frame's depth, masks,
 * intrinsics and boxes kept aligned with the resized image. Depth and masks must have the image's size
 * as displayed (after EXIF orientation); they are resized with nearest-neighbour sampling, which never
 * invents depth values or mask labels. Intrinsics scale per axis with pixel centres at integer
 * coordinates (cx' = (cx + 0.5)·sx − 0.5); boxes, whose edges are pixel boundaries, scale as x' = x·sx.
 */
import sharp from 'sharp';
import { InputError, type Box2D, type FrameObject, type Intrinsics } from '@spatialforge/core';
import { readNpy, writeNpy } from '@spatialforge/scene';
import { normaliseImage, type NormalisedImage, type NormaliseOptions } from './normalise-image.js';
import { readUri, type ReadUriOptions } from './read-uri.js';
import type { SourceItem } from './sources.js';

export interface NormaliseFrameOptions extends Omit<NormaliseOptions, 'input'>, Omit<ReadUriOptions, 'input'> {}

export interface NormalisedDepth {
  /** Same size as the normalised image, pixels. */
  width: number;
  height: number;
  /** Depth along the optical axis, metres; 0 = no measurement. */
  data: Float32Array;
  /** `data` as a float32 `.npy` (metres), ready to store. */
  npy: Uint8Array;
}

export interface NormalisedMask {
  /** What objects' `mask` fields call it (`mask-0.png`, …); the pipeline maps it to a store key. */
  name: string;
  /** URI of the original mask file. */
  source: string;
  width: number;
  height: number;
  /** Label image, row-major; object pixels equal the object's `maskValue`. */
  data: Uint8Array | Uint16Array;
  /** `data` as an 8- or 16-bit greyscale PNG, ready to store. */
  png: Uint8Array;
}

export interface NormalisedFrame {
  input: string;
  image: NormalisedImage;
  depth?: NormalisedDepth;
  masks: NormalisedMask[];
  /** Pinhole intrinsics for the normalised image, pixels: the source's (scaled), or from the EXIF 35 mm focal length. */
  intrinsics?: Intrinsics;
  intrinsicsSource?: 'provided' | 'exif';
  /** Objects with ids preserved: boxes in normalised-image pixels, masks naming an entry of `masks`. */
  objects: FrameObject[];
  /** Objects whose mask has no pixel left after resizing (too small to keep). */
  dropped: { id: string; label: string; reason: 'mask-vanished' }[];
}

/** The 36 × 24 mm film frame's diagonal, mm: 35 mm-equivalent focal lengths are defined against it. */
const FILM_DIAGONAL_MM = Math.hypot(36, 24);

export async function normaliseFrame(item: SourceItem, options: NormaliseFrameOptions): Promise<NormalisedFrame> {
  if (item.error) throw item.error;
  const { input } = item;
  const read = (uri: string) => readUri(uri, { ...options, input: `${input} (${uri})` });
  const image = await normaliseImage(await read(item.image), { ...options, input });
  const { width, height, sourceWidth, sourceHeight } = image;
  const sx = width / sourceWidth;
  const sy = height / sourceHeight;
  const frame = item.frame;
  const fail = (code: string, file: string, message: string): never => {
    throw new InputError(`${input}: ${file}: ${message}`, code, input, file);
  };
  const checkSize = (code: string, file: string, w: number, h: number) => {
    if (w !== sourceWidth || h !== sourceHeight) {
      fail(code, file, `is ${w}×${h} but the image is ${sourceWidth}×${sourceHeight} (after EXIF orientation)`);
    }
  };

  const result: NormalisedFrame = { input, image, masks: [], objects: [], dropped: [] };

  if (frame?.depth) {
    const uri = frame.depth.uri;
    const source = await decodeDepth(await read(uri), uri, frame.depth.scale, fail);
    checkSize('depth-size-mismatch', uri, source.width, source.height);
    const data = resizeNearest(source.data, sourceWidth, sourceHeight, width, height, (n) => new Float32Array(n));
    result.depth = { width, height, data, npy: writeNpy([height, width], data) };
  }

  if (frame?.intrinsics) {
    const k = frame.intrinsics;
    result.intrinsics = { fx: k.fx * sx, fy: k.fy * sy, cx: (k.cx + 0.5) * sx - 0.5, cy: (k.cy + 0.5) * sy - 0.5 };
    result.intrinsicsSource = 'provided';
  } else if (image.focal35mm !== undefined) {
    const f = (image.focal35mm * Math.hypot(width, height)) / FILM_DIAGONAL_MM;
    result.intrinsics = { fx: f, fy: f, cx: (width - 1) / 2, cy: (height - 1) / 2 };
    result.intrinsicsSource = 'exif';
  }

  const masks = new Map<string, NormalisedMask>();
  for (const object of frame?.objects ?? []) {
    if ('box' in object) {
      const [x1, y1, x2, y2] = object.box;
      if (x1 < 0 || y1 < 0 || x2 > sourceWidth || y2 > sourceHeight) {
        fail('box-outside-image', `object ${object.id}`, `box [${object.box.join(', ')}] is not inside the ${sourceWidth}×${sourceHeight} image`);
      }
      const box: Box2D = [x1 * sx, y1 * sy, x2 * sx, y2 * sy];
      result.objects.push({ id: object.id, label: object.label, box, ...scoreOf(object) });
      continue;
    }
    let mask = masks.get(object.mask);
    if (!mask) {
      const grey = await decodeMask(await read(object.mask), object.mask, fail);
      checkSize('mask-size-mismatch', object.mask, grey.width, grey.height);
      const data = resizeNearest(grey.data, sourceWidth, sourceHeight, width, height, (n) =>
        grey.data instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n),
      );
      mask = { name: `mask-${masks.size}.png`, source: object.mask, width, height, data, png: await encodeMask(data, width, height) };
      masks.set(object.mask, mask);
      result.masks.push(mask);
      if (!grey.data.includes(object.maskValue)) {
        fail('mask-value-absent', object.mask, `has no pixel with value ${object.maskValue} (object ${object.id})`);
      }
    }
    if (!mask.data.includes(object.maskValue)) {
      result.dropped.push({ id: object.id, label: object.label, reason: 'mask-vanished' });
      continue;
    }
    result.objects.push({ id: object.id, label: object.label, mask: mask.name, maskValue: object.maskValue, ...scoreOf(object) });
  }
  return result;
}

/** The detector score, when the source object has one (absent stays absent rather than `score: undefined`). */
function scoreOf(object: FrameObject): { score?: number } {
  return object.score === undefined ? {} : { score: object.score };
}

type Fail = (code: string, file: string, message: string) => never;

/** Depth in metres from a float `.npy` (metres) or an 8/16-bit greyscale PNG × `scale` (metres per unit, default 0.001). */
async function decodeDepth(bytes: Uint8Array, uri: string, scale: number | undefined, fail: Fail) {
  let width: number;
  let height: number;
  let data: Float32Array;
  if (/\.npy$/i.test(new URL(uri, 'file:///').pathname)) {
    let array;
    try {
      array = readNpy(bytes);
    } catch (err) {
      return fail('bad-depth', uri, `cannot be read: ${(err as Error).message}`);
    }
    const { shape } = array;
    if (!(shape.length === 2 || (shape.length === 3 && shape[2] === 1))) return fail('bad-depth', uri, `has shape (${shape.join(', ')}); expected (height, width)`);
    [height, width] = shape;
    data = array.data;
  } else {
    const grey = await decodeGreyscale(bytes).catch((err: Error) => fail('bad-depth', uri, `cannot be decoded as a greyscale image: ${err.message}`));
    ({ width, height } = grey);
    const metresPerUnit = scale ?? 0.001;
    data = new Float32Array(grey.data.length);
    for (let i = 0; i < data.length; i++) data[i] = grey.data[i] * metresPerUnit;
  }
  for (let i = 0; i < data.length; i++) if (!(data[i] > 0 && data[i] < Infinity)) data[i] = 0;
  return { width, height, data };
}

async function decodeMask(bytes: Uint8Array, uri: string, fail: Fail) {
  return decodeGreyscale(bytes).catch((err: Error) => fail('bad-mask', uri, `cannot be decoded as a greyscale label image: ${err.message}`));
}

/** Raw values of a single-channel 8- or 16-bit image (colour and palette images are refused: their values are not labels). */
async function decodeGreyscale(bytes: Uint8Array): Promise<{ width: number; height: number; data: Uint8Array | Uint16Array }> {
  const meta = await sharp(bytes, { failOn: 'error' }).metadata();
  if ((meta.channels !== 1 && meta.channels !== 2) || meta.isPalette) {
    throw new Error(`${meta.channels} channels${meta.isPalette ? ' (palette)' : ''}; expected one grey channel`);
  }
  const sixteen = meta.depth === 'ushort';
  const { data, info } = await sharp(bytes, { failOn: 'error' })
    .extractChannel(0)
    .toColourspace(sixteen ? 'grey16' : 'b-w')
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const values = sixteen
    ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { width: info.width, height: info.height, data: values };
}

async function encodeMask(data: Uint8Array | Uint16Array, width: number, height: number): Promise<Uint8Array> {
  const raw = { width, height, channels: 1 as const };
  const png = data instanceof Uint16Array
    ? await sharp(data, { raw }).toColourspace('grey16').png().toBuffer()
    : await sharp(data, { raw }).png().toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Nearest-neighbour resampling of a row-major single-channel image, sampling at pixel centres. */
export function resizeNearest<T extends Float32Array | Uint8Array | Uint16Array>(
  source: T,
  sourceWidth: number,
  sourceHeight: number,
  width: number,
  height: number,
  allocate: (length: number) => T,
): T {
  if (sourceWidth === width && sourceHeight === height) return source;
  const out = allocate(width * height);
  const columns = new Uint32Array(width);
  for (let x = 0; x < width; x++) columns[x] = Math.min(sourceWidth - 1, Math.floor(((x + 0.5) * sourceWidth) / width));
  for (let y = 0; y < height; y++) {
    const row = Math.min(sourceHeight - 1, Math.floor(((y + 0.5) * sourceHeight) / height)) * sourceWidth;
    for (let x = 0; x < width; x++) out[y * width + x] = source[row + columns[x]];
  }
  return out;
}
