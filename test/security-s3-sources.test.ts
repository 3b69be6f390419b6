/**
 * S3 sources submitted over REST are read with the service's own credentials, which may reach
 * buckets the submitter has no business reading (the service's own output, other teams' data).
 * SOURCE_S3_BUCKETS names the buckets REST submissions may read: a source, a manifest's base or any
 * image, depth map or mask in another bucket is refused with `s3-bucket-forbidden` (the whole run when
 * it is the source, the one image when a manifest line names it). Unset, no bucket is allowed; the
 * CLI's own runs are not limited.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InputError, STAGES, type RunState } from '@spatialforge/core';
import { listSource, sourceS3BucketList, type SourceItem } from '@spatialforge/ingest';
import { writeDemoInput } from '@spatialforge/pipeline';
import { openRedis, startRedis, type RedisServer } from '@spatialforge/queue';
import { createTokenStore, startService, type RunningService } from '@spatialforge/service';
import { S3Store } from '@spatialforge/storage';
import { startS3rver, type S3rverHandle } from '@spatialforge/storage/testing';
import { removeDir, tempDir, uniquePrefix } from './factory-support.js';

async function listed(source: Parameters<typeof listSource>[0], allowS3Buckets?: string[]): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of listSource(source, { forbidLocalPaths: true, allowS3Buckets })) items.push(item);
  return items;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    return err.code;
  }
  return 'accepted';
}

describe('the S3 bucket allow-list, when listing a source', () => {
  test('SOURCE_S3_BUCKETS is a comma-separated list; unset, it is empty', () => {
    assert.deepEqual(sourceS3BucketList({}), []);
    assert.deepEqual(sourceS3BucketList({ SOURCE_S3_BUCKETS: ' corpora , shared-data,' }), ['corpora', 'shared-data']);
  });

  test('a source, a manifest base or a reference in another bucket is refused; "*" allows any', async () => {
    // Refused before anything is read: no S3 endpoint is needed.
    assert.equal(await refusal(listed({ kind: 'uri', uri: 's3://private/set/' }, ['corpora'])), 's3-bucket-forbidden');
    assert.equal(await refusal(listed({ kind: 'uri', uri: 's3://private/set/frames.jsonl' }, ['corpora'])), 's3-bucket-forbidden');
    assert.equal(await refusal(listed({ kind: 'uri', uri: 's3://corpora/set/frames.jsonl' }, [])), 's3-bucket-forbidden');
    assert.equal(await refusal(listed({ kind: 'jsonl', text: '"a.png"\n', baseUri: 's3://private/set/' }, ['corpora'])), 's3-bucket-forbidden');

    const lines = [
      '"img/a.png"',
      '"s3://private/set/b.png"',
      '"s3://corpora/other/c.png"',
      JSON.stringify({ image: 'img/d.png', depth: { uri: 's3://private/set/d-depth.png', scale: 0.001 } }),
      JSON.stringify({ image: 'img/e.png', objects: [{ id: 'o1', label: 'mug', mask: 's3://private/set/e-mask.png', maskValue: 1 }] }),
      '"https://images.example.com/f.png"',
    ].join('\n');
    const codes = (await listed({ kind: 'jsonl', text: lines, baseUri: 's3://corpora/set/' }, ['corpora'])).map((item) => item.error?.code ?? item.image);
    assert.deepEqual(codes, [
      's3://corpora/set/img/a.png',
      's3-bucket-forbidden',
      's3://corpora/other/c.png',
      's3-bucket-forbidden',
      's3-bucket-forbidden',
      'https://images.example.com/f.png',
    ]);
    const urls = await listed({ kind: 'urls', urls: ['s3://corpora/x.png', 's3://private/y.png'] }, ['corpora']);
    assert.deepEqual(urls.map((item) => item.error?.code ?? item.image), ['s3://corpora/x.png', 's3-bucket-forbidden']);
    assert.match(urls[1]!.error!.message, /s3:\/\/private is not among the S3 buckets this service reads from \(SOURCE_S3_BUCKETS: corpora\)/);

    const any = await listed({ kind: 'urls', urls: ['s3://private/y.png'] }, ['*']);
    assert.equal(any[0]!.image, 's3://private/y.png');
    const unlimited = await listed({ kind: 'urls', urls: ['s3://private/y.png'] });
    assert.equal(unlimited[0]!.image, 's3://private/y.png', 'without an allow-list (the CLI) any bucket is read');
  });
});

describe('the S3 bucket allow-list, through the REST service', () => {
  let dir: string;
  let redis: RedisServer;
  let s3: S3rverHandle;
  let service: RunningService;
  let token: string;
  const savedEnv = { ...process.env };

  const api = async (path: string, init: RequestInit = {}) =>
    fetch(`${service.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
  const createRun = (body: unknown) => api('/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function finalRun(runId: string): Promise<RunState> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const run = (await (await api(`/v1/runs/${runId}`)).json()) as RunState;
      if (['completed', 'failed', 'cancelled'].includes(run.status)) return run;
      assert.ok(Date.now() < deadline, `run ${runId} did not end: ${JSON.stringify(run.stages)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  before(async () => {
    dir = await tempDir('s3-sources');
    s3 = await startS3rver(['corpora', 'private']);
    // Three scenes in each bucket under set/, with their manifest.
    const corpus = join(dir, 'corpus');
    await writeDemoInput(corpus, { scenes: 3, seed: 41, width: 96, height: 72 });
    for (const bucket of ['corpora', 'private']) {
      const store = new S3Store({ ...s3.options, bucket, prefix: 'set' });
      const files = await readdir(corpus, { recursive: true, withFileTypes: true });
      for (const file of files.filter((f) => f.isFile())) {
        const path = join(file.parentPath, file.name);
        await store.put(relative(corpus, path), await readFile(path));
      }
      await store.close();
    }
    // The service reads S3 sources with its own credentials, from the environment.
    Object.assign(process.env, s3.env);
    redis = await startRedis({ dir: join(dir, 'redis'), appendOnly: false });
    const prefix = uniquePrefix();
    service = await startService({
      redisUrl: redis.url, output: join(dir, 'store'), dataDir: dir, prefix,
      workerStages: [...STAGES], workerThreads: 1, sourceS3Buckets: ['corpora'],
      settings: { port: 0, host: '127.0.0.1' },
    });
    const connection = openRedis(redis.url);
    ({ token } = await createTokenStore(connection, prefix).create({ tenant: 'lab', scopes: ['runs'] }));
    connection.disconnect();
  }, { timeout: 120_000 });

  after(async () => {
    await service?.close();
    await redis?.stop();
    await s3?.close();
    process.env = savedEnv;
    await removeDir(dir);
  });

  test('a source or manifest base in a bucket not allowed gets 400 s3-bucket-forbidden and no run', async () => {
    for (const response of [
      await createRun({ source: { kind: 'uri', uri: 's3://private/set/frames.jsonl' } }),
      await createRun({ source: { kind: 'jsonl', text: '"scene-0000/rgb.png"', baseUri: 's3://private/set/' } }),
      await api(`/v1/runs/manifest?baseUri=${encodeURIComponent('s3://private/set/')}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '"scene-0000/rgb.png"\n' }),
    ]) {
      const body = (await response.json()) as { code: string; message: string };
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(body.code, 's3-bucket-forbidden');
      assert.match(body.message, /SOURCE_S3_BUCKETS/);
    }
    const { runs } = (await (await api('/v1/runs')).json()) as { runs: RunState[] };
    assert.deepEqual(runs, []);
  });

  test('an allowed bucket is read with the service’s credentials; lines naming another bucket fail alone', { timeout: 150_000 }, async () => {
    const allowed = await createRun({ source: { kind: 'uri', uri: 's3://corpora/set/frames.jsonl' } });
    assert.equal(allowed.status, 201, await allowed.clone().text());
    const whole = await finalRun(((await allowed.json()) as RunState).id);
    assert.equal(whole.status, 'completed', whole.error);
    assert.equal(whole.totals.completed, 3);

    const frames = (await readFile(join(dir, 'corpus', 'frames.jsonl'), 'utf8')).trim().split('\n');
    const stolen = JSON.parse(frames[0]!) as { image: string; depth: { uri: string } };
    const text = [
      ...frames,
      JSON.stringify('s3://private/set/scene-0001/rgb.png'),
      JSON.stringify({ ...stolen, depth: { ...stolen.depth, uri: 's3://private/set/scene-0000/depth.png' } }),
    ].join('\n');
    const mixed = await createRun({ source: { kind: 'jsonl', text, baseUri: 's3://corpora/set/' } });
    assert.equal(mixed.status, 201, await mixed.clone().text());
    const run = await finalRun(((await mixed.json()) as RunState).id);
    assert.equal(run.status, 'completed', run.error);
    assert.deepEqual({ completed: run.totals.completed, failed: run.totals.failed }, { completed: 3, failed: 2 });
    const { failures } = (await (await api(`/v1/runs/${run.id}/failures`)).json()) as { failures: { input: string; code: string }[] };
    assert.deepEqual(failures.map((f) => [f.input, f.code]).sort(), [
      ['uploaded manifest line 4', 's3-bucket-forbidden'],
      ['uploaded manifest line 5', 's3-bucket-forbidden'],
    ]);
  });
});
