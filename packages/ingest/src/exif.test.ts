import { test } from 'node:test';
import assert from 'node:assert/strict';
import { focal35mmFromExif } from './exif.js';

/** A minimal TIFF-structured EXIF block: IFD0 → Exif IFD holding FocalLengthIn35mmFilm. */
function exifBlock(focal: number, little: boolean, header = true): Uint8Array {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4 + 2 + 12 + 4);
  const u16 = (v: number, at: number) => (little ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (little ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at));
  tiff.write(little ? 'II' : 'MM', 0, 'latin1');
  u16(42, 2);
  u32(8, 4); // IFD0 at 8
  u16(1, 8);
  u16(0x8769, 10); u16(4, 12); u32(1, 14); u32(26, 18); // Exif IFD pointer → 26
  u32(0, 22);
  u16(1, 26);
  u16(0xa405, 28); u16(3, 30); u32(1, 32); u16(focal, 36);
  u32(0, 40);
  return header ? Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]) : tiff;
}

test('reads FocalLengthIn35mmFilm from little- and big-endian blocks, with or without the Exif header', () => {
  assert.equal(focal35mmFromExif(exifBlock(28, true)), 28);
  assert.equal(focal35mmFromExif(exifBlock(50, false)), 50);
  assert.equal(focal35mmFromExif(exifBlock(35, true, false)), 35);
  assert.equal(focal35mmFromExif(exifBlock(0, true)), undefined, '0 means unknown');
});

test('hostile blocks give undefined, never an exception: truncated, out-of-range offsets, absurd counts', () => {
  const good = exifBlock(28, true);
  // Cut anywhere before the end of the focal-length entry (the trailing next-IFD link is not needed).
  const entryEnd = 6 + 40;
  for (let length = 0; length < entryEnd; length++) assert.equal(focal35mmFromExif(good.subarray(0, length)), undefined, `cut at ${length}`);
  assert.equal(focal35mmFromExif(good.subarray(0, entryEnd)), 28);
  const farPointer = Buffer.from(good);
  farPointer.writeUInt32LE(0xfffffff0, 6 + 18);
  assert.equal(focal35mmFromExif(farPointer), undefined);
  const hugeCount = Buffer.from(good);
  hugeCount.writeUInt16LE(0xffff, 6 + 8);
  assert.equal(focal35mmFromExif(hugeCount), undefined);
  const selfLoop = Buffer.from(good);
  selfLoop.writeUInt32LE(8, 6 + 18); // the Exif IFD "is" IFD0 again: no focal there
  assert.equal(focal35mmFromExif(selfLoop), undefined);
  assert.equal(focal35mmFromExif(Buffer.from('Exif\0\0garbage-garbage', 'latin1')), undefined);
  assert.equal(focal35mmFromExif(undefined), undefined);
});
