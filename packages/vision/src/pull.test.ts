/**
 * `models pull` against real servers on 127.0.0.1: an HTTP server standing in for the model hosts, a
 * folder and s3rver as MODEL_SOURCE-style sources. A download that does not match its digest is refused
 * and leaves nothing in the cache.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '@spatialforge/storage';
import { startS3rver } from '@spatialforge/storage/testing';
import type { ModelManifest } from './manifest.js';
import { ModelDownloadError, pullModel, type PullProgress } from './pull.js';
import { tempDir } from './testing/fixtures.js';

const MODEL_BYTES = Buffer.from('weights '.repeat(40_000));
const TOKENIZER = Buffer.from('{"model":{}}');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function manifest(name: string, urls: (file: string) => string[] = () => []): ModelManifest {
  return {
    name,
    task: 'detect',
    architecture: 'yolox',
    description: 'pull test',
    licence: 'test',
    homepage: 'http://127.0.0.1',
    files: [
      { name: 'model.onnx', sha256: sha(MODEL_BYTES), bytes: MODEL_BYTES.length, urls: urls('model.onnx') },
      // No published digest: pinned on first pull.
      { name: 'tokenizer.json', urls: urls('tokenizer.json') },
    ],
    graphs: {},
    preprocess: { resize: { mode: 'stretch', width: 1, height: 1 }, filter: 'bilinear', antialias: false, channelOrder: 'rgb', layout: 'nchw', rescale: 1, mean: [0, 0, 0], std: [1, 1, 1], padValue: [0, 0, 0] },
    postprocess: {},
  };
}

/** Serves `routes[path]`; `truncate` paths announce their full length but stop half-way. */
let server: Server;
let base: string;
const routes = new Map<string, Buffer>();
const truncate = new Set<string>();
const requests: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url as string);
    const body = routes.get(req.url as string);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    if (truncate.has(req.url as string)) {
      res.write(body.subarray(0, body.length >> 1));
      res.destroy();
    } else res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('pullModel over HTTP', () => {
  it('downloads, verifies and caches each file, pins unpublished digests, then finds it up to date', async () => {
    const cache = await tempDir();
    try {
      routes.set('/good/model.onnx', MODEL_BYTES);
      routes.set('/good/tokenizer.json', TOKENIZER);
      const progress: PullProgress[] = [];
      const result = await pullModel(manifest('good'), { cacheDir: cache.path, baseUrl: base, onProgress: (p) => progress.push(p) });
      assert.deepEqual(result.files.map((f) => [f.name, f.action, f.sha256]), [
        ['model.onnx', 'fetched', sha(MODEL_BYTES)],
        ['tokenizer.json', 'fetched', sha(TOKENIZER)],
      ]);
      assert.deepEqual(await readFile(join(cache.path, 'good', 'model.onnx')), MODEL_BYTES);
      assert.deepEqual(JSON.parse(await readFile(join(cache.path, 'good', 'pins.json'), 'utf8')), { 'tokenizer.json': sha(TOKENIZER) });
      const last = progress.filter((p) => p.file === 'model.onnx').at(-1);
      assert.deepEqual([last?.received, last?.total], [MODEL_BYTES.length, MODEL_BYTES.length]);

      const before = requests.length;
      const again = await pullModel(manifest('good'), { cacheDir: cache.path, baseUrl: base });
      assert.deepEqual(again.files.map((f) => f.action), ['up-to-date', 'up-to-date']);
      assert.equal(requests.length, before, 'nothing downloaded again');
      assert.equal(again.digest, result.digest);
    } finally {
      await cache.remove();
    }
  });

  it('refuses a download whose digest differs, leaving nothing in the cache', async () => {
    const cache = await tempDir();
    try {
      const corrupt = Buffer.from(MODEL_BYTES);
      corrupt[1000] ^= 0xff;
      routes.set('/corrupt/model.onnx', corrupt);
      await assert.rejects(pullModel(manifest('corrupt'), { cacheDir: cache.path, baseUrl: base }), (err: unknown) => {
        assert.ok(err instanceof ModelDownloadError);
        assert.match(err.message, new RegExp(`got sha256 ${sha(corrupt)}, expected ${sha(MODEL_BYTES)}`));
        assert.match(err.message, /nothing was written/);
        return true;
      });
      assert.deepEqual(await readdir(join(cache.path, 'corrupt')), []);
    } finally {
      await cache.remove();
    }
  });

  it('refuses a truncated transfer and tries the next URL', async () => {
    const cache = await tempDir();
    try {
      routes.set('/cut/model.onnx', MODEL_BYTES);
      truncate.add('/cut/model.onnx');
      await assert.rejects(pullModel(manifest('cut'), { cacheDir: cache.path, baseUrl: base }), ModelDownloadError);
      assert.deepEqual(await readdir(join(cache.path, 'cut')), []);

      // Manifest URLs in order: a 404, a truncated mirror, then a good one.
      routes.set('/mirror/model.onnx', MODEL_BYTES);
      routes.set('/mirror/tokenizer.json', TOKENIZER);
      const urls = (file: string) => [`${base}/gone/${file}`, `${base}/cut/${file}`, `${base}/mirror/${file}`];
      const result = await pullModel(manifest('mirrored', urls), { cacheDir: cache.path });
      assert.deepEqual(result.files.map((f) => f.source), [`${base}/mirror/model.onnx`, `${base}/mirror/tokenizer.json`]);
    } finally {
      await cache.remove();
    }
  });

  it('holds a pinned file to its pin unless forced', async () => {
    const cache = await tempDir();
    try {
      routes.set('/pinned/model.onnx', MODEL_BYTES);
      routes.set('/pinned/tokenizer.json', TOKENIZER);
      await pullModel(manifest('pinned'), { cacheDir: cache.path, baseUrl: base });
      const changed = Buffer.from('{"model":{"changed":true}}');
      routes.set('/pinned/tokenizer.json', changed);
      await rm(join(cache.path, 'pinned', 'tokenizer.json'));
      await assert.rejects(pullModel(manifest('pinned'), { cacheDir: cache.path, baseUrl: base }), new RegExp(`expected ${sha(TOKENIZER)}`));
      const forced = await pullModel(manifest('pinned'), { cacheDir: cache.path, baseUrl: base, force: true });
      assert.equal(forced.files[1].sha256, sha(changed));
      assert.equal(JSON.parse(await readFile(join(cache.path, 'pinned', 'pins.json'), 'utf8'))['tokenizer.json'], sha(changed));
    } finally {
      await cache.remove();
    }
  });
});

describe('pullModel from a folder or S3 prefix', () => {
  it('copies <model>/<file> or flat <file> from a folder', async () => {
    const cache = await tempDir();
    const source = await tempDir();
    try {
      await mkdir(join(source.path, 'folder'));
      await writeFile(join(source.path, 'folder', 'model.onnx'), MODEL_BYTES);
      await writeFile(join(source.path, 'tokenizer.json'), TOKENIZER);
      const result = await pullModel(manifest('folder'), { cacheDir: cache.path, from: source.path });
      assert.deepEqual(result.files.map((f) => f.source), [join(source.path, 'folder', 'model.onnx'), join(source.path, 'tokenizer.json')]);
      assert.deepEqual(await readFile(join(cache.path, 'folder', 'tokenizer.json')), TOKENIZER);
    } finally {
      await cache.remove();
      await source.remove();
    }
  });

  it('copies from an s3:// prefix (s3rver), refusing a corrupt object', async () => {
    const cache = await tempDir();
    const s3 = await startS3rver(['models']);
    try {
      const store = openStore('s3://models/weights', { s3: s3.options });
      await store.put('s3model/model.onnx', MODEL_BYTES);
      await store.put('tokenizer.json', TOKENIZER);
      const result = await pullModel(manifest('s3model'), { cacheDir: cache.path, from: 's3://models/weights', s3: s3.options });
      assert.deepEqual(result.files.map((f) => f.action), ['fetched', 'fetched']);
      assert.deepEqual(await readFile(join(cache.path, 's3model', 'model.onnx')), MODEL_BYTES);

      await store.put('s3bad/model.onnx', Buffer.from('something else'));
      await assert.rejects(pullModel(manifest('s3bad'), { cacheDir: cache.path, from: 's3://models/weights', s3: s3.options }), /got \d+ bytes, expected/);
      assert.deepEqual(await readdir(join(cache.path, 's3bad')), []);
      await store.close?.();
    } finally {
      await s3.close();
      await cache.remove();
    }
  });
});
