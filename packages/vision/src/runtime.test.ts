/**
 * A worker must not start on a missing, corrupt or mismatched model: loadModel / verifyModels throw a
 * ConfigError naming the file, the expected digest and the fix. Sessions are created once and reused.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '@spatialforge/core';
import { verifyInstalled } from './cache.js';
import type { ModelManifest } from './manifest.js';
import { yoloxNano } from './models/index.js';
import { cudaProviderAvailable, loadModel, releaseModels, verifyModels } from './runtime.js';
import { installModel, tempDir } from './testing/fixtures.js';
import { OnnxGraph } from './testing/onnx-graph.js';

after(() => releaseModels());

/** A graph with YOLOX-Nano's exact signature: a constant output whatever the image. */
function yoloxShapedGraph(inputName = 'images'): Uint8Array {
  const g = new OnnxGraph();
  const images = g.input(inputName, 'float32', [1, 3, 416, 416]);
  const zero = g.op('Mul', [g.op('ReduceMean', [images], { axes: [1, 2, 3], keepdims: 0 }), g.floats([0], [])]);
  g.op('Add', [g.floats(new Float32Array(3549 * 85), [1, 3549, 85]), zero], {}, 'output');
  g.output('output', 'float32', [1, 3549, 85]);
  return g.toBytes();
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${(err as Error).stack}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('loading models', () => {
  it('refuses a missing file, naming it, its digest and `models pull`', async () => {
    const cache = await tempDir();
    try {
      const err = await configError(loadModel('yolox-nano', { cacheDir: cache.path, source: '' }));
      assert.match(err.message, new RegExp(`${join(cache.path, 'yolox-nano', 'yolox_nano.onnx').replace(/[/.]/g, '\\$&')} is missing`));
      assert.match(err.message, /expected sha256 695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14/);
      assert.match(err.message, /fix: spatialforge models pull yolox-nano/);
      await assert.rejects(verifyModels(['yolox-nano'], { cacheDir: cache.path, source: '' }), /yolox_nano\.onnx is missing/);
    } finally {
      await cache.remove();
    }
  });

  it('refuses a truncated or corrupt file, naming what it has and what it should have', async () => {
    const cache = await tempDir();
    try {
      await mkdir(join(cache.path, 'yolox-nano'));
      await writeFile(join(cache.path, 'yolox-nano', 'yolox_nano.onnx'), 'not the model');
      const truncated = await configError(loadModel('yolox-nano', { cacheDir: cache.path, source: '' }));
      assert.match(truncated.message, /has 13 bytes, expected 3660092/);
      assert.match(truncated.message, /fix: spatialforge models pull yolox-nano --force/);

      // Same name, a different digest than the manifest's (no size published): a corrupt file.
      const manifest: ModelManifest = { ...yoloxNano, name: 'corrupt-test', files: [{ name: 'yolox_nano.onnx', sha256: 'ab'.repeat(32), urls: [] }] };
      await mkdir(join(cache.path, 'corrupt-test'));
      await writeFile(join(cache.path, 'corrupt-test', 'yolox_nano.onnx'), 'flipped bits');
      const corrupt = await configError(loadModel('corrupt-test', { manifest, cacheDir: cache.path, source: '' }));
      assert.match(corrupt.message, /corrupt-test\/yolox_nano\.onnx has sha256 [0-9a-f]{64}, expected sha256 (ab){32}/);
      assert.match(corrupt.message, /corrupt or a different export/);
    } finally {
      await cache.remove();
    }
  });

  it('refuses a graph whose inputs or outputs differ from the manifest', async () => {
    const cache = await tempDir();
    try {
      const manifest = await installModel(cache.path, { ...yoloxNano, name: 'mismatch-test' }, { 'yolox_nano.onnx': yoloxShapedGraph('input') });
      const err = await configError(loadModel(manifest.name, { manifest, cacheDir: cache.path, source: '' }));
      assert.match(err.message, /mismatch-test\/yolox_nano\.onnx does not match its manifest/);
      assert.match(err.message, /input "images" is missing \(the graph has "input"\)/);
      assert.match(err.message, /fix: /);
    } finally {
      await cache.remove();
    }
  });

  it('fills the cache from MODEL_SOURCE, verifies it and reuses one session per model', async () => {
    const cache = await tempDir();
    const source = await tempDir();
    try {
      const bytes = yoloxShapedGraph();
      const installed = await installModel(source.path, { ...yoloxNano, name: 'source-test' }, { 'yolox_nano.onnx': bytes });
      // Flat layout, like ../shared/models.
      await writeFile(join(source.path, 'yolox_nano.onnx'), bytes);
      const manifest = { ...installed, files: installed.files.map((f) => ({ ...f })) };
      const first = await loadModel(manifest.name, { manifest, cacheDir: cache.path, source: source.path });
      assert.deepEqual(await readFile(join(cache.path, 'source-test', 'yolox_nano.onnx')), Buffer.from(bytes));
      assert.equal(first.digest, manifest.files[0].sha256);
      const again = await loadModel(manifest.name, { manifest, cacheDir: cache.path, source: source.path });
      assert.equal(again, first, 'the same sessions');
      assert.equal(again.graphs.model.session, first.graphs.model.session);
    } finally {
      await cache.remove();
      await source.remove();
    }
  });

  it('pins a file with no published digest on first check and refuses it once it changes', async () => {
    const cache = await tempDir();
    try {
      const manifest: ModelManifest = { ...yoloxNano, name: 'pin-test', files: [{ name: 'tokenizer.json', urls: [] }] };
      await mkdir(join(cache.path, 'pin-test'));
      await writeFile(join(cache.path, 'pin-test', 'tokenizer.json'), '{"v":1}');
      const [status] = await verifyInstalled([manifest], cache.path);
      const pins = JSON.parse(await readFile(join(cache.path, 'pin-test', 'pins.json'), 'utf8'));
      assert.equal(pins['tokenizer.json'], status.files[0].sha256);
      await writeFile(join(cache.path, 'pin-test', 'tokenizer.json'), '{"v":2}');
      await assert.rejects(verifyInstalled([manifest], cache.path), /tokenizer\.json has sha256 .*expected sha256/);
    } finally {
      await cache.remove();
    }
  });

  it('refuses ORT_EXECUTION_PROVIDER=cuda when onnxruntime-node has no CUDA provider', { skip: cudaProviderAvailable() ? 'onnxruntime-node has its CUDA provider here' : false }, async () => {
    const cache = await tempDir();
    try {
      const manifest = await installModel(cache.path, { ...yoloxNano, name: 'cuda-test' }, { 'yolox_nano.onnx': yoloxShapedGraph() });
      const err = await configError(loadModel(manifest.name, { manifest, cacheDir: cache.path, source: '', provider: 'cuda' }));
      assert.equal(err.setting, 'ORT_EXECUTION_PROVIDER');
      assert.match(err.message, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
    } finally {
      await cache.remove();
    }
  });
});
