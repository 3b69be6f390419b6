/**
 * The `spatialforge models` commands as a user runs them: pull from a local HTTP server standing in for
 * the model host, list, verify, and the refusals for a corrupt download and a damaged cache.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../../../packages/vision/src/testing/fixtures.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const shared = join(root, '..', 'shared', 'models', 'yolox_nano.onnx');
const cli = join(root, 'apps', 'cli', 'bin', 'spatialforge.js');

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('spatialforge models', { skip: existsSync(shared) ? false : `needs ${shared} (../shared is absent)` }, () => {
  let server: Server;
  let base: string;
  let model: Buffer;
  before(async () => {
    model = await readFile(shared);
    const corrupt = Buffer.from(model);
    corrupt[corrupt.length - 10] ^= 0x55;
    server = createServer((req, res) => {
      const body = req.url === '/good/yolox-nano/yolox_nano.onnx' ? model : req.url === '/bad/yolox-nano/yolox_nano.onnx' ? corrupt : undefined;
      if (!body) res.writeHead(404).end();
      else res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('pull downloads and verifies, list and verify show it; a corrupt download is refused', async () => {
    const cache = await tempDir();
    const env = { MODEL_CACHE_DIR: cache.path };
    try {
      const bad = await run(['models', 'pull', 'yolox-nano', '--base-url', `${base}/bad`], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /could not fetch yolox_nano\.onnx; nothing was written/);
      assert.match(bad.stderr, /expected 695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14/);
      assert.deepEqual(await readdir(join(cache.path, 'yolox-nano')), []);

      const good = await run(['models', 'pull', 'yolox-nano', '--base-url', `${base}/good`], env);
      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stdout, /yolox-nano: yolox_nano\.onnx fetched; digest 695e750a5d57/);
      assert.deepEqual(await readFile(join(cache.path, 'yolox-nano', 'yolox_nano.onnx')), model);

      const list = JSON.parse((await run(['models', 'list', '--json'], env)).stdout);
      const yolox = list.models.find((m: { name: string }) => m.name === 'yolox-nano');
      assert.equal(yolox.status, 'installed');
      assert.equal(list.models.find((m: { name: string }) => m.name === 'owlv2-base').status, 'missing');

      const verified = await run(['models', 'verify'], env);
      assert.equal(verified.code, 0);
      assert.match(verified.stdout, /ok {3}.*yolox_nano\.onnx sha256 695e750a/);

      // Damage the cached file: verify names it, its digest and the fix.
      const damaged = Buffer.from(model);
      damaged[100] ^= 1;
      await writeFile(join(cache.path, 'yolox-nano', 'yolox_nano.onnx'), damaged);
      const failed = await run(['models', 'verify', 'yolox-nano'], env);
      assert.equal(failed.code, 1);
      assert.match(failed.stdout, /FAIL model yolox-nano: file .*yolox_nano\.onnx has sha256 [0-9a-f]{64}, expected sha256 695e750a.*fix: spatialforge models pull yolox-nano --force/);
    } finally {
      await cache.remove();
    }
  });

  it('explains how to produce a model that has no public export', async () => {
    const cache = await tempDir();
    try {
      const res = await run(['models', 'pull', 'depth-anything-v2-metric-indoor-small'], { MODEL_CACHE_DIR: cache.path });
      assert.equal(res.code, 1);
      assert.match(res.stderr, /optimum-cli export onnx --model depth-anything\/Depth-Anything-V2-Metric-Indoor-Small-hf/);
    } finally {
      await cache.remove();
    }
  });
});

describe('spatialforge models: files without a published digest', () => {
  it('are pinned at first pull, listed as pinned, and a later change to them fails verify', async () => {
    const cache = await tempDir();
    const source = await tempDir();
    const env = { MODEL_CACHE_DIR: cache.path };
    try {
      const before = JSON.parse((await run(['models', 'list', '--json'], env)).stdout);
      const metric3d = (models: { name: string; integrity: string; files: { digestSource: string }[] }[]) => models.find((m) => m.name === 'metric3d-v2-vit-small')!;
      assert.equal(metric3d(before.models).integrity, 'pinned at first pull, not pulled yet');
      assert.equal(before.models.find((m: { name: string }) => m.name === 'yolox-nano').integrity, 'published sha256');

      const weights = Buffer.from('stand-in weights: the pin is over these bytes, whatever they are');
      await writeFile(join(source.path, 'model.onnx'), weights);
      const pulled = await run(['models', 'pull', 'metric3d-v2-vit-small', '--from', source.path], env);
      assert.equal(pulled.code, 0, pulled.stderr);
      const after = metric3d(JSON.parse((await run(['models', 'list', '--json'], env)).stdout).models);
      assert.equal(after.integrity, 'pinned at first pull');
      assert.deepEqual(after.files.map((f) => f.digestSource), ['pinned']);
      const pinned = createHash('sha256').update(weights).digest('hex');
      assert.match((await run(['models', 'verify', 'metric3d-v2-vit-small'], env)).stdout, new RegExp(`ok {3}.*model\\.onnx sha256 ${pinned}`));

      // The same size, other bytes: only the pin can tell.
      const changed = Buffer.from(weights);
      changed[0] ^= 1;
      await writeFile(join(cache.path, 'metric3d-v2-vit-small', 'model.onnx'), changed);
      const failed = await run(['models', 'verify', 'metric3d-v2-vit-small'], env);
      assert.equal(failed.code, 1);
      assert.match(failed.stdout, new RegExp(`FAIL .*model\\.onnx has sha256 [0-9a-f]{64}, expected sha256 ${pinned}`));
    } finally {
      await cache.remove();
      await source.remove();
    }
  });
});
