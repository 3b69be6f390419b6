import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { InputError, contentId } from '@spatialforge/core';
import type { FrameManifest } from '@spatialforge/core';
import { loadFrame, loadFrameFile } from './load-frame.js';
import { writeNpy } from './npy.js';

const W = 8, H = 6;

async function rgbPng(width = W, height = H): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set([200, 30, 30], i);
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

async function depthPng(millimetres: (p: number) => number, width = W, height = H): Promise<Buffer> {
  const data = new Uint16Array(width * height).map((_, p) => millimetres(p));
  return sharp(data, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toBuffer();
}

async function maskPng(value: (p: number) => number, width = W, height = H): Promise<Buffer> {
  const data = Buffer.from(new Uint8Array(width * height).map((_, p) => value(p)));
  return sharp(data, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

/** A reader over an in-memory folder that fails like the filesystem does for a missing file. */
function folder(files: Record<string, Uint8Array>) {
  return async (path: string): Promise<Uint8Array> => {
    const bytes = files[path];
    if (!bytes) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return bytes;
  };
}

async function goodFiles(): Promise<Record<string, Uint8Array>> {
  return {
    'rgb.png': await rgbPng(),
    'depth.png': await depthPng((p) => 1000 + p),
    'instances.png': await maskPng((p) => (p < 10 ? 3 : 0)),
    'depth.npy': writeNpy([H, W], new Float32Array(W * H).fill(2.5)),
  };
}

const manifest: FrameManifest = {
  image: 'rgb.png',
  depth: { uri: 'depth.png', scale: 0.001 },
  intrinsics: { fx: 5, fy: 5, cx: 4, cy: 3 },
  objects: [
    { id: 'a', label: 'cup', mask: 'instances.png', maskValue: 3 },
    { id: 'b', label: 'chair', box: [1, 1, 8, 6] },
  ],
};

test('loads RGB, 16-bit depth × scale, masks and boxes; the image id is the RGB content id', async () => {
  const files = await goodFiles();
  const frame = await loadFrame(manifest, folder(files));
  assert.equal(frame.imageId, contentId(files['rgb.png']));
  assert.deepEqual([frame.rgb.width, frame.rgb.height, frame.depth.width, frame.depth.height], [W, H, W, H]);
  assert.deepEqual(Array.from(frame.rgb.data.subarray(0, 3)), [200, 30, 30]);
  assert.ok(Math.abs(frame.depth.data[5] - 1.005) < 1e-6);
  assert.equal(frame.intrinsicsSource, 'provided');
  assert.equal(frame.objects[0].mask!.reduce((a, b) => a + b, 0), 10);
  assert.deepEqual(frame.objects[1].box, [1, 1, 8, 6]);
});

test('detector scores on boxes and masks reach the loaded objects; objects without one have none', async () => {
  const scored: FrameManifest = structuredClone(manifest);
  scored.objects![0]!.score = 0.25;
  scored.objects![1]!.score = 0.875;
  const frame = await loadFrame(scored, folder(await goodFiles()));
  assert.deepEqual(frame.objects.map((o) => [o.id, o.score]), [['a', 0.25], ['b', 0.875]]);
  const plain = await loadFrame(manifest, folder(await goodFiles()));
  assert.ok(plain.objects.every((o) => !('score' in o)));
});

test('reads float32 .npy depth in metres, and falls back to a 60° field-of-view prior without intrinsics', async () => {
  const frame = await loadFrame({ image: 'rgb.png', depth: { uri: 'depth.npy' } }, folder(await goodFiles()), { imageId: 'given' });
  assert.equal(frame.imageId, 'given');
  assert.equal(frame.depth.data[0], 2.5);
  assert.equal(frame.intrinsicsSource, 'fov-prior');
  // fx = (W / 2) / tan(30°)
  assert.ok(Math.abs(frame.intrinsics.fx - W / 2 / Math.tan(Math.PI / 6)) < 1e-9);
  assert.deepEqual([frame.intrinsics.cx, frame.intrinsics.cy], [(W - 1) / 2, (H - 1) / 2]);
});

test('loadFrameFile reads files relative to the manifest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-frame-'));
  try {
    for (const [name, bytes] of Object.entries(await goodFiles())) await writeFile(join(dir, name), bytes);
    await writeFile(join(dir, 'frame.json'), JSON.stringify(manifest));
    const frame = await loadFrameFile(join(dir, 'frame.json'));
    assert.equal(frame.objects.length, 2);
    await writeFile(join(dir, 'broken.json'), '{ not json');
    await assert.rejects(loadFrameFile(join(dir, 'broken.json')), (err: InputError) => err.code === 'invalid-manifest' && err.field === 'manifest');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Each bad input must be an InputError with this code naming this field. */
async function rejects(change: (m: FrameManifest, files: Record<string, Uint8Array>) => Promise<void> | void, code: string, field: string) {
  const files = await goodFiles();
  const m: FrameManifest = structuredClone(manifest);
  await change(m, files);
  await assert.rejects(loadFrame(m, folder(files), { sourceName: 'frame.json' }), (err: unknown) => {
    assert.ok(err instanceof InputError, `expected an InputError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.field, field, err.message);
    assert.equal(err.input, 'frame.json');
    assert.ok(err.message.startsWith('frame.json: '), err.message);
    return true;
  });
}

test('bad frames are InputErrors that name the field', async (t) => {
  await t.test('missing image', () => rejects((m) => { m.image = 'nope.png'; }, 'missing-file', 'image'));
  await t.test('unreadable image', () => rejects((_, f) => { f['rgb.png'] = new TextEncoder().encode('not a png'); }, 'unreadable-file', 'image'));
  await t.test('missing depth file', () => rejects((_, f) => { delete f['depth.png']; }, 'missing-file', 'depth.uri'));
  await t.test('no depth in the manifest', () => rejects((m) => { delete m.depth; }, 'missing-depth', 'depth.uri'));
  await t.test('unreadable npy', () => rejects((m, f) => { m.depth = { uri: 'depth.npy' }; f['depth.npy'] = new Uint8Array(20); }, 'unreadable-file', 'depth.uri'));
  await t.test('depth of another size', async () => {
    const small = await depthPng(() => 1000, W - 2, H);
    await rejects((_, f) => { f['depth.png'] = small; }, 'depth-size-mismatch', 'depth.uri');
  });
  await t.test('all-zero depth', async () => {
    const zero = await depthPng(() => 0);
    await rejects((_, f) => { f['depth.png'] = zero; }, 'depth-empty', 'depth.uri');
  });
  await t.test('all-NaN depth', () => rejects((m, f) => {
    m.depth = { uri: 'depth.npy' };
    f['depth.npy'] = writeNpy([H, W], new Float32Array(W * H).fill(NaN));
  }, 'depth-empty', 'depth.uri'));
  await t.test('non-positive depth scale', () => rejects((m) => { m.depth!.scale = 0; }, 'invalid-manifest', 'depth.scale'));
  for (const key of ['fx', 'fy', 'cx', 'cy'] as const) {
    await t.test(`intrinsics.${key} ≤ 0`, () => rejects((m) => { m.intrinsics![key] = key === 'fy' ? -1 : 0; }, 'invalid-intrinsics', `intrinsics.${key}`));
  }
  await t.test('mask value absent from the mask', () => rejects((m) => {
    (m.objects![0] as { maskValue: number }).maskValue = 7;
  }, 'mask-value-absent', 'objects[0].maskValue'));
  await t.test('missing mask file', () => rejects((_, f) => { delete f['instances.png']; }, 'missing-file', 'objects[0].mask'));
  await t.test('mask of another size', async () => {
    const small = await maskPng(() => 3, W, H - 1);
    await rejects((_, f) => { f['instances.png'] = small; }, 'mask-size-mismatch', 'objects[0].mask');
  });
  await t.test('colour-coded mask', async () => {
    const colour = await rgbPng();
    await rejects((_, f) => { f['instances.png'] = colour; }, 'unreadable-file', 'objects[0].mask');
  });
  await t.test('box outside the image', () => rejects((m) => { m.objects![1] = { id: 'b', label: 'chair', box: [1, 1, W + 1, 6] }; }, 'box-outside-image', 'objects[1].box'));
  await t.test('box with x1 ≥ x2', () => rejects((m) => { m.objects![1] = { id: 'b', label: 'chair', box: [5, 1, 5, 6] }; }, 'box-outside-image', 'objects[1].box'));
  await t.test('score above 1', () => rejects((m) => { m.objects![1]!.score = 1.5; }, 'invalid-manifest', 'objects[1].score'));
  await t.test('score not a number', () => rejects((m) => { (m.objects![0] as { score: unknown }).score = 'high'; }, 'invalid-manifest', 'objects[0].score'));
  await t.test('duplicate object id', () => rejects((m) => { m.objects![1].id = 'a'; }, 'invalid-manifest', 'objects[1].id'));
});
