/**
 * Normalising one image: validate, apply the EXIF orientation, convert to 8-bit sRGB (CMYK and ICC
 * profiles converted, 16-bit reduced, greyscale expanded, alpha flattened on white), take the first
 * frame of animated GIF/WebP and the first page of multi-page TIFF, cap the longest side, and re-encode
 * as baseline JPEG (quality 90, 4:4:4 chroma, metadata stripped). JPEG keeps stored images small for
 * photos; the encoder is deterministic, so the same input with the same options and the same sharp
 * build always gives the same bytes and the same image id (the content id of those bytes).
 */
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { InputError, contentId, type RgbImage } from '@spatialforge/core';
import { focal35mmFromExif } from './exif.js';
import { sniffFormat, truncation, type DecodableFormat } from './image-format.js';
import { ingestMaxAspectRatio, ingestMaxPixels, ingestMinSide } from './settings.js';

export interface NormaliseOptions {
  /** Longest side of the output, pixels; smaller images are not enlarged. */
  maxSide: number;
  /** What the user gave, for messages. */
  input: string;
  /** Largest first-frame size accepted, pixels. @defaultValue INGEST_MAX_PIXELS */
  maxPixels?: number;
  /** Smallest side accepted (after orientation), pixels. @defaultValue INGEST_MIN_SIDE */
  minSide?: number;
  /** Largest long-side / short-side ratio accepted. @defaultValue INGEST_MAX_ASPECT_RATIO */
  maxAspectRatio?: number;
  /** Also return the output's decoded RGB pixels (what later stages will read back). @defaultValue false */
  decodePixels?: boolean;
}

export interface NormalisedImage {
  /** Content id of `bytes`. */
  imageId: string;
  bytes: Uint8Array;
  mime: 'image/jpeg';
  /** Output size, pixels. */
  width: number;
  height: number;
  /** Output pixels per input pixel (≤ 1), along the long side. */
  scale: number;
  /** Input size after EXIF orientation, pixels. */
  sourceWidth: number;
  sourceHeight: number;
  sourceFormat: DecodableFormat;
  /** Frames or pages in the input; only the first was kept. */
  pages: number;
  /** EXIF 35 mm-equivalent focal length, mm, when the input has one. */
  focal35mm?: number;
  /** Decoded output pixels, when `decodePixels` was asked for. */
  rgb?: RgbImage;
}

/** Output encoding; changing it changes every image id. */
const JPEG_OPTIONS = { quality: 90, chromaSubsampling: '4:4:4', mozjpeg: false } as const;

export async function normaliseImage(bytes: Uint8Array, options: NormaliseOptions): Promise<NormalisedImage> {
  const { input, maxSide } = options;
  const maxPixels = options.maxPixels ?? ingestMaxPixels.read();
  const minSide = options.minSide ?? ingestMinSide.read();
  const maxAspectRatio = options.maxAspectRatio ?? ingestMaxAspectRatio.read();
  const fail = (code: string, message: string): never => {
    throw new InputError(`${input}: ${message}`, code, input);
  };

  if (bytes.length === 0) return fail('empty', 'the file is empty (0 bytes)');
  const sniffed = sniffFormat(bytes);
  if (sniffed.kind === 'svg') return fail('svg-refused', 'SVG images are not accepted (they can reference external files); convert to PNG or JPEG');
  if (sniffed.kind === 'unsupported') return fail('unsupported-format', `${sniffed.format} images are not supported; convert to JPEG or PNG`);
  if (sniffed.kind === 'unknown') return fail('not-an-image', `not an image${sniffed.looksLike ? ` (looks like ${sniffed.looksLike})` : ''}`);
  const format = sniffed.format;

  let meta: Metadata;
  try {
    meta = await sharp(bytes, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch (err) {
    return fail(...decodeFailure(err, format, bytes));
  }
  // Header sizes (of one frame or page) are checked before decoding, so a decompression bomb never
  // allocates its pixels.
  if (meta.width * meta.height > maxPixels) {
    return fail('too-many-pixels', `${meta.width}×${meta.height} pixels is over the ${maxPixels}-pixel limit`);
  }
  const { width: sourceWidth, height: sourceHeight } = meta.autoOrient;
  const shortSide = Math.min(sourceWidth, sourceHeight);
  const longSide = Math.max(sourceWidth, sourceHeight);
  if (shortSide < minSide) return fail('too-small', `${sourceWidth}×${sourceHeight} pixels is smaller than ${minSide} pixels on a side`);
  if (longSide / shortSide > maxAspectRatio) {
    return fail('aspect-ratio', `${sourceWidth}×${sourceHeight} has an aspect ratio over ${maxAspectRatio}:1`);
  }

  let pipeline: Sharp = sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, pages: 1, page: 0, autoOrient: true }).resize({
    width: maxSide,
    height: maxSide,
    fit: 'inside',
    withoutEnlargement: true,
  });
  if (meta.hasAlpha) pipeline = pipeline.flatten({ background: '#ffffff' });
  let encoded: { data: Buffer; info: OutputInfo };
  try {
    encoded = await pipeline.toColourspace('srgb').jpeg(JPEG_OPTIONS).toBuffer({ resolveWithObject: true });
  } catch (err) {
    return fail(...decodeFailure(err, format, bytes));
  }
  const { data, info } = encoded;
  const output = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const result: NormalisedImage = {
    imageId: contentId(output),
    bytes: output,
    mime: 'image/jpeg',
    width: info.width,
    height: info.height,
    scale: Math.max(info.width, info.height) / longSide,
    sourceWidth,
    sourceHeight,
    sourceFormat: format,
    pages: meta.pages ?? 1,
  };
  const focal35mm = focal35mmFromExif(meta.exif);
  if (focal35mm !== undefined) result.focal35mm = focal35mm;
  if (options.decodePixels) {
    const pixels = await sharp(output).raw().toBuffer({ resolveWithObject: true });
    result.rgb = { width: pixels.info.width, height: pixels.info.height, data: new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength) };
  }
  return result;
}

/**
 * A decoder error as [code, message]. A file cut short is recognised from its bytes first, where the
 * format allows: libvips' error text may belong to another image decoding at the same time.
 */
function decodeFailure(err: unknown, format: DecodableFormat, bytes: Uint8Array): [string, string] {
  const message = (err as Error).message.split('\n')[0];
  const text = (err as Error).message.toLowerCase();
  if (text.includes('pixel limit')) return ['too-many-pixels', `too many pixels to decode (${message})`];
  if (format === 'heic') {
    return ['unsupported-format', `HEIC (HEVC-coded HEIF) cannot be decoded by this build of libvips (${message}); convert to JPEG or AVIF`];
  }
  const cut = truncation(bytes, format);
  if (cut) return ['truncated', `the ${format} data ends early (${cut} after ${bytes.length} bytes)`];
  if (/premature end|truncat|unexpected end|end of file|read error|not enough data|incomplete|short read|out of data/.test(text)) {
    return ['truncated', `the ${format} data ends early (${message})`];
  }
  return ['corrupt-image', `the ${format} data cannot be decoded (${message})`];
}
