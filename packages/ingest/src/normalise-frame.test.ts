/**
 * RGB-D frames stay aligned through normalisation: depth and masks resized with the image by
 * nearest-neighbour sampling, intrinsics and boxes scaled, wrong-sized or malformed parts refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { InputError, type FrameManifest } from '@spatialforge/core';
import { readNpy, writeNpy } from '@spatialforge/scene';
import { normaliseFrame, resizeNearest } from './normalise-frame.js';
import { listSource, type SourceItem } from './sources.js';

const W = 200;
const H = 100;

const png16 = (data: Uint16Array, width: number, height: number) =>
  sharp(data, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toBuffer();

describe('normaliseFrame on a generated frame', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  const item = (frame: Omit<FrameManifest, 'image'>): SourceItem => ({ input: 'frame.json', image: path('rgb.jpg'), frame: { image: path('rgb.jpg'), ...frame } });
  const codeOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (err: unknown) => (assert.ok(err instanceof InputError), err.code));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spatialforge-frame-'));
    await writeFile(path('rgb.jpg'), await sharp({ create: { width: W, height: H, channels: 3, background: '#a0b0c0' } }).jpeg().toBuffer());
    // Depth grows 1 cm per column from 1 m: easy to check which source pixel each output pixel sampled.
    const depth = new Float32Array(W * H).map((_, i) => 1 + (i % W) / 100);
    depth[0] = NaN;
    await writeFile(path('depth.npy'), writeNpy([H, W], depth));
    await writeFile(path('depth.png'), await png16(new Uint16Array(W * H).map((_, i) => 1000 + (i % W) * 10), W, H));
    await writeFile(path('small-depth.npy'), writeNpy([H / 2, W / 2], new Float32Array((W * H) / 4).fill(2)));
    // Instance mask: value 1000 in the left half, one lone pixel of value 7 that a 2× shrink cannot keep.
    const mask = new Uint16Array(W * H).map((_, i) => (i % W < W / 2 ? 1000 : 0));
    mask[50 * W + 151] = 7;
    await writeFile(path('mask.png'), await png16(mask, W, H));
    await writeFile(path('colour-mask.png'), await sharp({ create: { width: W, height: H, channels: 3, background: '#f00' } }).png().toBuffer());
    await writeFile(path('small-mask.png'), await png16(new Uint16Array(100), 10, 10));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('depth, masks, intrinsics and boxes follow the 2× shrink, ids and detector scores preserved', async () => {
    const result = await normaliseFrame(
      item({
        depth: { uri: path('depth.npy') },
        intrinsics: { fx: 180, fy: 181, cx: 99.5, cy: 49.5 },
        objects: [
          { id: 'left', label: 'wall', mask: path('mask.png'), maskValue: 1000, score: 0.8 },
          { id: 'speck', label: 'dust', mask: path('mask.png'), maskValue: 7 },
          { id: 'box', label: 'cup', box: [20, 10, 60, 50], score: 0.35 },
          { id: 'plain', label: 'plate', box: [100, 20, 140, 60] },
        ],
      }),
      { maxSide: 100 },
    );
    assert.deepEqual([result.image.width, result.image.height], [100, 50]);
    const depth = result.depth!;
    assert.deepEqual([depth.width, depth.height], [100, 50]);
    assert.equal(depth.data[0], Math.fround(1 + 1 / 100), 'output column 0 samples source column 1 (pixel centres)');
    assert.ok(Math.abs(depth.data[10 * 100 + 40] - (1 + 81 / 100)) < 1e-6);
    assert.deepEqual(readNpy(depth.npy).shape, [50, 100]);
    assert.deepEqual(readNpy(depth.npy).data, depth.data);
    assert.deepEqual(result.intrinsics, { fx: 90, fy: 90.5, cx: 49.5, cy: 24.5 });
    assert.equal(result.intrinsicsSource, 'provided');
    assert.deepEqual(result.objects, [
      { id: 'left', label: 'wall', mask: 'mask-0.png', maskValue: 1000, score: 0.8 },
      { id: 'box', label: 'cup', box: [10, 5, 30, 25], score: 0.35 },
      { id: 'plain', label: 'plate', box: [50, 10, 70, 30] },
    ]);
    assert.deepEqual(result.dropped, [{ id: 'speck', label: 'dust', reason: 'mask-vanished' }]);
    const [mask] = result.masks;
    assert.deepEqual([mask.name, mask.source, mask.width, mask.height], ['mask-0.png', path('mask.png'), 100, 50]);
    const decoded = await sharp(mask.png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    assert.deepEqual(new Uint16Array(decoded.buffer, decoded.byteOffset, decoded.length / 2), mask.data);
    assert.equal(mask.data[0], 1000);
    assert.equal(mask.data[99], 0);
  });

  test('a 16-bit depth PNG is scaled to metres (default millimetres); no-measurement stays 0', async () => {
    const result = await normaliseFrame(item({ depth: { uri: path('depth.png'), scale: 0.0002 } }), { maxSide: 200 });
    assert.ok(Math.abs(result.depth!.data[3] - (1000 + 30) * 0.0002) < 1e-6);
    const mm = await normaliseFrame(item({ depth: { uri: path('depth.png') } }), { maxSide: 200 });
    assert.ok(Math.abs(mm.depth!.data[3] - 1.03) < 1e-6);
    const npy = await normaliseFrame(item({ depth: { uri: path('depth.npy') } }), { maxSide: 200 });
    assert.equal(npy.depth!.data[0], 0, 'NaN in the source becomes 0 (no measurement)');
  });

  test('wrong sizes, colour masks, absent mask values and boxes outside the image are refused with their codes', async () => {
    assert.equal(await codeOf(normaliseFrame(item({ depth: { uri: path('small-depth.npy') } }), { maxSide: 100 })), 'depth-size-mismatch');
    assert.equal(await codeOf(normaliseFrame(item({ objects: [{ id: 'a', label: 'x', mask: path('small-mask.png'), maskValue: 0 }] }), { maxSide: 100 })), 'mask-size-mismatch');
    assert.equal(await codeOf(normaliseFrame(item({ objects: [{ id: 'a', label: 'x', mask: path('colour-mask.png'), maskValue: 1 }] }), { maxSide: 100 })), 'bad-mask');
    assert.equal(await codeOf(normaliseFrame(item({ objects: [{ id: 'a', label: 'x', mask: path('mask.png'), maskValue: 5 }] }), { maxSide: 100 })), 'mask-value-absent');
    assert.equal(await codeOf(normaliseFrame(item({ objects: [{ id: 'a', label: 'x', box: [150, 10, 201, 20] }] }), { maxSide: 100 })), 'box-outside-image');
    assert.equal(await codeOf(normaliseFrame(item({ depth: { uri: path('missing.npy') } }), { maxSide: 100 })), 'not-found');
    await writeFile(path('not-npy.npy'), 'not numpy');
    assert.equal(await codeOf(normaliseFrame(item({ depth: { uri: path('not-npy.npy') } }), { maxSide: 100 })), 'bad-depth');
  });

  test('a plain image gives no depth or objects; an EXIF 35 mm focal length gives intrinsics marked exif', async () => {
    await writeFile(path('exif.jpg'), await sharp({ create: { width: 300, height: 200, channels: 3, background: '#777' } })
      .withExif({ IFD2: { FocalLengthIn35mmFilm: '26' } }).jpeg().toBuffer());
    const result = await normaliseFrame({ input: 'exif.jpg', image: path('exif.jpg') }, { maxSide: 150 });
    assert.equal(result.depth, undefined);
    assert.deepEqual(result.objects, []);
    assert.equal(result.intrinsicsSource, 'exif');
    // 26 mm against the 43.27 mm film diagonal, on a 150×100 image.
    assert.ok(Math.abs(result.intrinsics!.fx - (26 * Math.hypot(150, 100)) / Math.hypot(36, 24)) < 1e-9);
    assert.deepEqual([result.intrinsics!.cx, result.intrinsics!.cy], [74.5, 49.5]);
  });
});

test('resizeNearest samples pixel centres and returns the input untouched at the same size', () => {
  const source = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(resizeNearest(source, 3, 3, 3, 3, (n) => new Uint8Array(n)), source);
  assert.deepEqual([...resizeNearest(source, 3, 3, 6, 6, (n) => new Uint8Array(n)).subarray(0, 6)], [1, 1, 2, 2, 3, 3]);
  assert.deepEqual([...resizeNearest(Uint8Array.from([1, 2, 3, 4]), 4, 1, 2, 1, (n) => new Uint8Array(n))], [2, 4]);
});

const shared = fileURLToPath(new URL('../../../../shared/data/rgbd/', import.meta.url));
describe('normaliseFrame on real NYU Depth v2 frames (../shared)', { skip: existsSync(shared) ? false : `no ${shared}: real RGB-D data absent` }, () => {
  test('a manifest of NYU frames lists and normalises to aligned 320×240 depth and halved intrinsics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spatialforge-nyu-'));
    try {
      const intrinsics = { fx: 518.8579, fy: 519.46961, cx: 325.58245, cy: 253.73617 };
      const lines = ['00000', '00050'].map((n) =>
        JSON.stringify({ image: join(shared, `nyu/rgb_${n}.jpg`), depth: { uri: join(shared, `nyu/depth_${n}.png`), scale: 0.001 }, intrinsics }));
      await writeFile(join(dir, 'nyu.jsonl'), lines.join('\n'));
      for await (const item of listSource({ kind: 'uri', uri: join(dir, 'nyu.jsonl') })) {
        const frame = await normaliseFrame(item, { maxSide: 320 });
        assert.deepEqual([frame.image.width, frame.image.height, frame.depth!.width, frame.depth!.height], [320, 240, 320, 240]);
        assert.ok(Math.abs(frame.intrinsics!.fx - intrinsics.fx / 2) < 1e-9);
        assert.ok(Math.abs(frame.intrinsics!.cx - ((intrinsics.cx + 0.5) / 2 - 0.5)) < 1e-9);
        const source = await sharp(item.frame!.depth!.uri).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
        const raw = new Uint16Array(source.buffer, source.byteOffset, source.length / 2);
        // Output pixel (x, y) holds source pixel (2x + 1, 2y + 1), in metres.
        for (const [x, y] of [[0, 0], [100, 50], [319, 239], [160, 120]]) {
          assert.ok(Math.abs(frame.depth!.data[y * 320 + x] - raw[(2 * y + 1) * 640 + 2 * x + 1] * 0.001) < 1e-6);
        }
        const valid = frame.depth!.data.filter((z) => z > 0).sort();
        const median = valid[valid.length >> 1];
        assert.ok(median > 0.5 && median < 10, `indoor median depth ${median} m`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
