/**
 * The service over an S3 store (a real s3rver on 127.0.0.1): dataset files come back as presigned
 * URLs that download without a token, pictures are read from S3, and a source naming the store's own
 * bucket is refused.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunState } from '@spatialforge/core';
import { startS3rver, type S3rverHandle } from '@spatialforge/storage/testing';
import { FINAL_STATUSES, startHarness, type Harness } from './service-harness.js';

let s3: S3rverHandle;
let h: Harness;

before(async () => {
  s3 = await startS3rver(['factory']);
  h = await startHarness({ scenes: 2, output: 's3://factory/spatialforge', storeOptions: { s3: s3.options } });
}, { timeout: 120_000 });

after(async () => {
  await h?.close();
  await s3?.close();
});

test('a run stored on S3 hands out presigned dataset URLs that work without a token', { timeout: 180_000 }, async () => {
  const { token } = await h.token('lab');
  const run = await h.submit(token);
  const final = await h.waitFor(token, run.id, (r: RunState) => FINAL_STATUSES.has(r.status));
  assert.equal(final.status, 'completed', final.error);

  const response = await h.api(token, `/v1/runs/${run.id}/dataset`);
  assert.equal(response.status, 200);
  const dataset = (await response.json()) as { files: { path: string; bytes: number; url: string; expiresAt?: string }[] };
  assert.ok(dataset.files.length >= 2);
  for (const file of dataset.files) {
    assert.ok(file.url.startsWith(`${s3.endpoint}/factory/spatialforge/`), `${file.path}: ${file.url}`);
    assert.match(file.url, /X-Amz-Signature=/);
    assert.ok(Date.parse(file.expiresAt!) > Date.now());
  }
  const qa = dataset.files.find((f) => f.path === 'qa.jsonl')!;
  const download = await fetch(qa.url);
  assert.equal(download.status, 200);
  assert.equal((await download.arrayBuffer()).byteLength, qa.bytes);

  const { samples } = (await (await h.api(token, `/v1/runs/${run.id}/samples`)).json()) as { samples: { pictures: Record<string, string> }[] };
  const overlay = await h.api(token, samples[0].pictures.overlay);
  assert.equal(overlay.status, 200);
  assert.equal(overlay.headers.get('content-type'), 'image/png');
});

test('a source naming the store’s own bucket is refused, naming the field', async () => {
  const { token } = await h.token('thief');
  const response = await h.api(token, '/v1/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: { kind: 'uri', uri: 's3://factory/spatialforge/images/' } }),
  });
  assert.equal(response.status, 400);
  const error = (await response.json()) as { field: string; message: string };
  assert.equal(error.field, 'body.source.uri');
  assert.match(error.message, /own storage/);
});
