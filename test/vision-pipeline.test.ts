/**
 * The perception stages on real weights inside the factory: `LocalRun` (the embedded `spatialforge run`)
 * over the NYU and TUM frames of ../shared/data/rgbd with their depth and intrinsics provided, objects
 * from YOLOX-Nano, masks from DeepLabV3, yields scene graphs and QA; each stage output records the
 * digest of the weights that made it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { FrameManifest, SceneGraph } from '@spatialforge/core';
import { LocalRun } from '@spatialforge/pipeline';
import { readNpy } from '@spatialforge/scene';
import { depthAnythingV2MetricIndoorSmall } from '../packages/vision/src/models/index.js';
import { tempDir } from '../packages/vision/src/testing/fixtures.js';
import { OnnxGraph } from '../packages/vision/src/testing/onnx-graph.js';

const shared = fileURLToPath(new URL('../../shared/', import.meta.url));
const rgbd = join(shared, 'data', 'rgbd');
const skip = existsSync(join(shared, 'models', 'yolox_nano.onnx')) && existsSync(rgbd) ? false : `../shared is absent (looked in ${shared})`;

const NYU = { fx: 518.8579, fy: 519.46961, cx: 325.58245, cy: 253.73617 };
const TUM = { fx: 517.3, fy: 516.5, cx: 318.6, cy: 255.3 };

/** Every JSON stage output of `stage` in the store, by image id. */
/** Runs a LocalRun to its end, stops it whatever happens, and checks it completed. */
async function runToCompletion(run: LocalRun) {
  try {
    await run.start();
    const result = await run.finish();
    assert.equal(result.run.status, 'completed', JSON.stringify(result.run.error ?? result.run.totals));
    return result;
  } finally {
    await run.stop();
  }
}

async function outputs<T>(store: string, stage: string): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  const root = join(store, 'cache', stage);
  for (const digest of await readdir(root)) {
    for (const file of await readdir(join(root, digest))) {
      if (file.endsWith('.json')) found.set(file.slice(0, -5), JSON.parse(await readFile(join(root, digest, file), 'utf8')) as T);
    }
  }
  return found;
}

test('spatialforge run with YOLOX and DeepLabV3 on the real RGB-D frames gives scene graphs and QA', { skip, timeout: 240_000 }, async () => {
  const dir = await tempDir('sf-vision-pipeline-');
  const saved = { ...process.env };
  try {
    // A private Redis, and a model cache filled from ../shared/models.
    Object.assign(process.env, { REDIS_URL: '', MODEL_CACHE_DIR: join(dir.path, 'models'), MODEL_SOURCE: join(shared, 'models') });
    const input = join(dir.path, 'input');
    await mkdir(input);
    const frames: FrameManifest[] = [];
    for (const n of ['00000', '00050', '00100']) {
      await copyFile(join(rgbd, 'nyu', `rgb_${n}.jpg`), join(input, `nyu_${n}.jpg`));
      await copyFile(join(rgbd, 'nyu', `depth_${n}.png`), join(input, `nyu_${n}_depth.png`));
      frames.push({ image: `nyu_${n}.jpg`, depth: { uri: `nyu_${n}_depth.png`, scale: 0.001 }, intrinsics: NYU });
    }
    await copyFile(join(rgbd, 'tum', 'color.png'), join(input, 'tum.png'));
    await copyFile(join(rgbd, 'tum', 'depth.png'), join(input, 'tum_depth.png'));
    frames.push({ image: 'tum.png', depth: { uri: 'tum_depth.png', scale: 0.0002 }, intrinsics: TUM });
    const manifest = join(input, 'frames.jsonl');
    await writeFile(manifest, frames.map((f) => JSON.stringify(f)).join('\n') + '\n');

    const out = join(dir.path, 'out');
    const run = new LocalRun({
      input: manifest,
      out,
      options: { batchSize: 2, models: { detect: 'yolox-nano', segment: 'deeplabv3-mobilenet-voc' }, qa: { maxPerImage: 12 } },
      threads: 1,
    });
    const result = await runToCompletion(run);
    assert.equal(result.run.totals.images, 4);

    const store = join(out, '.store');
    const detected = await outputs<{ objects: { label: string; box: number[]; score: number }[]; source: string; modelDigest: string }>(store, 'detect');
    assert.equal(detected.size, 4);
    for (const d of detected.values()) {
      assert.equal(d.source, 'yolox-nano');
      assert.equal(d.modelDigest, '695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14');
    }
    const segmented = await outputs<{ objects: { label: string; mask?: string }[]; modelDigest: string }>(store, 'segment');
    assert.ok([...segmented.values()].every((s) => s.modelDigest === '48a46b346ca7e2e96760b8a10a302046a3b5a9ce55e59d4c659c36d9cbd44118'));
    // In the TUM office DeepLab gives the chairs (and the desk) masks; boxes it cannot see stay boxes.
    const isTum = (labels: string[]) => labels.includes('dining table') && labels.filter((l) => l === 'chair').length >= 2;
    const tumSegment = [...segmented.values()].find((s) => isTum(s.objects.map((o) => o.label)));
    assert.ok(tumSegment, 'the TUM frame: two chairs and the desk');
    assert.ok(tumSegment.objects.some((o) => o.label === 'chair' && o.mask), `a chair has a mask: ${JSON.stringify(tumSegment.objects)}`);

    const scenes = await outputs<SceneGraph>(store, 'lift');
    const tumScene = [...scenes.values()].find((s) => isTum(s.objects.map((o) => o.label)));
    assert.ok(tumScene, `scene graphs: ${[...scenes.values()].map((s) => s.objects.map((o) => o.label).join(',')).join(' | ')}`);
    assert.equal(tumScene.camera.intrinsicsSource, 'provided');
    assert.ok(result.run.totals.qaPairs > 0);
    const qa = (await readFile(join(result.datasetDir, 'qa.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(qa.some((r) => JSON.stringify(r).includes('chair')), 'questions about the chairs');
  } finally {
    process.env = saved;
    await dir.remove();
  }
});

test('the depth stage runs a depth model and resolves intrinsics when the source gives neither', { skip, timeout: 240_000 }, async () => {
  const dir = await tempDir('sf-vision-depth-');
  const saved = { ...process.env };
  try {
    // Depth Anything V2 metric publishes no digest: a graph with its exact signature, installed under
    // its name, is pinned on first load. depth = 2 + mean normalised pixel (metres), a known function.
    const g = new OnnxGraph();
    const spec = depthAnythingV2MetricIndoorSmall.graphs.model;
    const pixels = g.input('pixel_values', 'float32', spec.inputs[0].shape);
    g.op('Add', [g.floats([2], []), g.op('ReduceMean', [pixels], { axes: [1], keepdims: 0 })], {}, 'predicted_depth');
    g.output('predicted_depth', 'float32', spec.outputs[0].shape);
    const cache = join(dir.path, 'models');
    await mkdir(join(cache, depthAnythingV2MetricIndoorSmall.name), { recursive: true });
    await writeFile(join(cache, depthAnythingV2MetricIndoorSmall.name, 'model.onnx'), g.toBytes());
    Object.assign(process.env, { REDIS_URL: '', MODEL_CACHE_DIR: cache, MODEL_SOURCE: join(shared, 'models') });

    const input = join(dir.path, 'input');
    await mkdir(input);
    await copyFile(join(rgbd, 'tum', 'color.png'), join(input, 'tum.png'));
    const out = join(dir.path, 'out');
    const run = new LocalRun({
      input,
      out,
      options: { models: { detect: 'yolox-nano', depth: depthAnythingV2MetricIndoorSmall.name }, fovDegrees: 60, qa: { maxPerImage: 6 } },
      threads: 1,
    });
    const result = await runToCompletion(run);
    const store = join(out, '.store');
    const [depth] = (await outputs<{ depth: { uri: string }; intrinsics: { fx: number; cx: number }; intrinsicsSource: string; source: string }>(store, 'depth')).values();
    assert.equal(depth.source, depthAnythingV2MetricIndoorSmall.name);
    assert.equal(depth.intrinsicsSource, 'fov-prior');
    assert.ok(Math.abs(depth.intrinsics.fx - 320 / Math.tan(Math.PI / 6)) < 1e-6);
    const map = readNpy(await readFile(join(store, depth.depth.uri)));
    assert.deepEqual(map.shape, [480, 640]);
    let [low, high] = [Infinity, -Infinity];
    for (const v of map.data) [low, high] = [Math.min(low, v), Math.max(high, v)];
    // Normalised ImageNet pixels lie in about [−2.1, 2.6]: 2 + that stays within (0, 5) metres.
    assert.ok(low > 0 && high < 5, `depth from the graph spans ${low}–${high} m`);
    const [scene] = (await outputs<SceneGraph>(store, 'lift')).values();
    assert.equal(scene.camera.intrinsicsSource, 'fov-prior');
    assert.ok(scene.objects.length > 0);
  } finally {
    process.env = saved;
    await dir.remove();
  }
});
