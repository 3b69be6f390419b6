/** Decoding stored images into the adapters' RgbImage, and encoding their masks for the store. */
import sharp from 'sharp';
import type { RgbImage } from '@spatialforge/core';

/** 8-bit RGB pixels of an encoded image (JPEG, PNG, WebP, …); alpha is dropped, orientation as stored. */
export async function decodeRgb(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after decoding, got ${info.channels}`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * One 8-bit greyscale PNG holding several instance masks: pixel = 1 + the index of the (last) mask that
 * covers it, 0 elsewhere. At most 255 masks.
 */
export async function encodeLabelMask(masks: Uint8Array[], width: number, height: number): Promise<Uint8Array> {
  if (masks.length > 255) throw new Error(`at most 255 masks fit an 8-bit label image, got ${masks.length}`);
  const labels = new Uint8Array(width * height);
  masks.forEach((mask, i) => {
    for (let p = 0; p < labels.length; p++) if (mask[p]) labels[p] = i + 1;
  });
  return new Uint8Array(await sharp(labels, { raw: { width, height, channels: 1 } }).png().toBuffer());
}
