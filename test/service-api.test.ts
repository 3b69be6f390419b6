/**
 * The REST service end to end on a real deployment (private Redis, local store, every stage's workers
 * in-process): a JSONL manifest uploaded over HTTP becomes the same dataset `spatialforge run` writes
 * for that manifest; samples, failures, retry, validation, rate limits, /metrics; and tenants never
 * see each other's runs, checked on every route of the generated OpenAPI document.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import type { RunState } from '@spatialforge/core';
import { LocalRun } from '@spatialforge/pipeline';
import { FINAL_STATUSES, startHarness, type Harness } from './service-harness.js';

const PROMTOOL = '/usr/bin/promtool';
const RATE_LIMIT_PER_MINUTE = 300;
/** A manifest line whose image the corpus server does not have: it fails at ingest, the run goes on. */
const MISSING_LINE = JSON.stringify({ image: 'scene-9999/rgb.png' });

let h: Harness;
let referenceDir: string;
let referenceQa: string;
const logLines: string[] = [];
const secrets: string[] = [];
let lab: string;
let labRun: RunState;

async function json<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  assert.equal(response.status, status, `HTTP ${response.status} (expected ${status}): ${text}`);
  return JSON.parse(text) as T;
}

before(async () => {
  // The reference: the same manifest through the embedded run function `spatialforge run` uses.
  referenceDir = await mkdtemp(join(tmpdir(), 'sf-service-reference-'));
  h = await startHarness({
    scenes: 3,
    settings: { rateLimitPerMinute: RATE_LIMIT_PER_MINUTE, bodyLimitBytes: 64 * 1024 },
    logger: { level: 'info', stream: new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } }) },
  });
  const manifest = join(h.dir, 'corpus', 'with-missing.jsonl');
  await writeFile(manifest, `${h.manifestText.trimEnd()}\n${MISSING_LINE}\n`);
  const local = new LocalRun({ input: manifest, out: referenceDir, threads: 1, concurrency: 2 });
  try {
    await local.start();
    const result = await local.finish();
    assert.equal(result.run.status, 'completed');
    referenceQa = await readFile(join(result.datasetDir, 'qa.jsonl'), 'utf8');
  } finally {
    await local.stop();
  }
  ({ token: lab } = await h.token('lab'));
  secrets.push(lab);
}, { timeout: 300_000 });

after(async () => {
  await h?.close();
  await rm(referenceDir, { recursive: true, force: true });
});

const sortedLines = (text: string) => text.trim().split('\n').sort();

describe('a manifest uploaded over HTTP', () => {
  test('runs to completion and its dataset, fetched over HTTP, holds the records `spatialforge run` writes', { timeout: 240_000 }, async () => {
    const response = await h.api(lab, `/v1/runs/manifest?baseUri=${encodeURIComponent(h.corpusUrl)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${h.manifestText.trimEnd()}\n${MISSING_LINE}\n`,
    });
    labRun = await json<RunState>(response, 201);
    assert.equal(labRun.tenant, 'lab');
    assert.deepEqual(labRun.source, { kind: 'jsonl', baseUri: h.corpusUrl, items: 4 });

    const final = await h.waitFor(lab, labRun.id, (run) => FINAL_STATUSES.has(run.status));
    assert.equal(final.status, 'completed', final.error);
    assert.equal(final.totals.completed, 3);
    assert.equal(final.totals.failed, 1);

    const dataset = await json<{ files: { path: string; bytes: number; url: string }[]; records: number }>(await h.api(lab, `/v1/runs/${labRun.id}/dataset`));
    assert.equal(dataset.records, 3);
    const qaFile = dataset.files.find((f) => f.path === 'qa.jsonl');
    assert.ok(qaFile, `no qa.jsonl in ${dataset.files.map((f) => f.path).join(', ')}`);
    assert.match(qaFile.url, /^\/v1\/runs\/.+\/dataset\/files\/qa\.jsonl$/, 'local storage: the file is streamed by the service');
    const qa = await h.api(lab, qaFile.url);
    assert.equal(qa.status, 200);
    const qaText = await qa.text();
    assert.equal(Buffer.byteLength(qaText), qaFile.bytes);
    assert.deepEqual(sortedLines(qaText), sortedLines(referenceQa));

    const parquetFile = dataset.files.find((f) => f.path.endsWith('.parquet'));
    assert.ok(parquetFile);
    const parquet = Buffer.from(await (await h.api(lab, parquetFile.url)).arrayBuffer());
    assert.equal(parquet.length, parquetFile.bytes);
    assert.equal(parquet.subarray(0, 4).toString(), 'PAR1');
  });

  test('the failed line is listed with its reason, and retry re-enqueues it', { timeout: 120_000 }, async () => {
    const detail = await json<RunState & { recentFailures: { input: string; stage: string; code: string; message: string; at: string }[] }>(await h.api(lab, `/v1/runs/${labRun.id}`));
    assert.equal(detail.recentFailures.length, 1);
    const [failure] = detail.recentFailures;
    assert.equal(failure.stage, 'ingest');
    assert.match(failure.input, /line 4/);
    assert.ok(failure.message.length > 0 && failure.code.length > 0);
    const page = await json<{ failures: unknown[] }>(await h.api(lab, `/v1/runs/${labRun.id}/failures?limit=10`));
    assert.deepEqual(page.failures, detail.recentFailures);

    const retried = await json<{ retried: number }>(await h.api(lab, `/v1/runs/${labRun.id}/retry`, { method: 'POST' }), 202);
    assert.equal(retried.retried, 1);
    const after = await h.waitFor(lab, labRun.id, (run) => FINAL_STATUSES.has(run.status) && run.totals.failed === 1);
    assert.equal(after.status, 'completed');
    assert.equal(after.totals.completed, 3);
    const again = await json<{ failures: { input: string; at: string }[] }>(await h.api(lab, `/v1/runs/${labRun.id}/failures`));
    assert.equal(again.failures.length, 1);
    assert.ok(Date.parse(again.failures[0].at) > Date.parse(failure.at), 'the retried line failed again, later');
  });

  test('samples carry the scene graph, the QA and four pictures', { timeout: 60_000 }, async () => {
    const { samples } = await json<{ samples: { imageId: string; pictures: Record<string, string> }[] }>(await h.api(lab, `/v1/runs/${labRun.id}/samples`));
    assert.equal(samples.length, 3);
    const [sample] = samples;
    const detail = await json<{ scene: { objects: unknown[]; width: number; height: number }; qa: { imageId: string; question: string }[] }>(
      await h.api(lab, `/v1/runs/${labRun.id}/samples/${sample.imageId}`),
    );
    assert.ok(detail.scene.objects.length > 0);
    assert.ok(detail.qa.length > 0);
    assert.ok(detail.qa.every((q) => q.imageId === sample.imageId));
    assert.deepEqual(Object.keys(sample.pictures).sort(), ['depth', 'image', 'overlay', 'topdown']);

    const picture = async (kind: string) => {
      const response = await h.api(lab, sample.pictures[kind]);
      assert.equal(response.status, 200, `${kind}: HTTP ${response.status}`);
      return sharp(Buffer.from(await response.arrayBuffer())).metadata();
    };
    const image = await picture('image');
    assert.equal(image.width, detail.scene.width);
    const overlay = await picture('overlay');
    assert.deepEqual([overlay.format, overlay.width, overlay.height], ['png', image.width, image.height]);
    const depth = await picture('depth');
    assert.equal(depth.height, image.height);
    assert.ok(depth.width! > image.width!, 'the depth picture carries a scale bar beside the map');
    const topdown = await picture('topdown');
    assert.equal(topdown.format, 'png');
    const missing = await h.api(lab, `/v1/runs/${labRun.id}/samples/${'0'.repeat(32)}/pictures/overlay`);
    assert.equal(missing.status, 404);
  });
});

describe('research routes', () => {
  test('POST /v1/reason answers a generated question about a processed image like the dataset did', async () => {
    const { samples } = await json<{ samples: { imageId: string }[] }>(await h.api(lab, `/v1/runs/${labRun.id}/samples`));
    const { imageId } = samples[0];
    const { qa } = await json<{ qa: { type: string; question: string; fact: { predicate: string; objects: string[] } }[] }>(await h.api(lab, `/v1/runs/${labRun.id}/samples/${imageId}`));
    const record = qa.find((q) => q.type === 'distance_centre') ?? qa[0];
    const answer = await json<{ answer: string; type?: string; planner: string; fact?: { predicate: string; objects: string[] }; steps: unknown[] }>(
      await h.api(lab, '/v1/reason', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: record.question, sample: { runId: labRun.id, imageId } }) }),
    );
    assert.equal(answer.planner, 'builtin');
    assert.equal(answer.type, record.type);
    assert.equal(answer.fact?.predicate, record.fact.predicate);
    assert.deepEqual(answer.fact?.objects, record.fact.objects);
    assert.ok(answer.answer.length > 0);

    const { token: other } = await h.token('curious');
    secrets.push(other);
    const hidden = await h.api(other, '/v1/reason', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: record.question, sample: { runId: labRun.id, imageId } }) });
    assert.equal(hidden.status, 404);
    const missing = await json<{ field: string }>(await h.api(lab, '/v1/reason', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'How far?' }) }), 400);
    assert.equal(missing.field, 'body.scene');
  });

  test('POST /v1/reward turns a run’s frames into a reward curve as JSON, CSV or a PNG plot', async () => {
    const { samples } = await json<{ samples: { imageId: string }[] }>(await h.api(lab, `/v1/runs/${labRun.id}/samples`));
    const { scene } = await json<{ scene: { objects: { label: string }[] } }>(await h.api(lab, `/v1/runs/${labRun.id}/samples/${samples[0].imageId}`));
    const [a, b] = scene.objects.map((o) => o.label).filter((label, i, all) => all.indexOf(label) === i);
    const body = JSON.stringify({ a, b, runId: labRun.id, window: 1 });
    const post = (format: string) => h.api(lab, `/v1/reward?format=${format}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const result = await json<{ frames: { gap: number | null }[]; success: boolean }>(await post('json'));
    assert.equal(result.frames.length, 3);
    assert.ok(result.frames.some((f) => typeof f.gap === 'number' && f.gap >= 0));
    const csv = await (await post('csv')).text();
    assert.match(csv, /^frame,name,a_id,b_id,centre_distance_m,gap_m/);
    assert.equal(csv.trim().split('\n').length, 4);
    const png = Buffer.from(await (await post('png')).arrayBuffer());
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    const both = await json<{ field: string }>(await h.api(lab, '/v1/reward', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a, b }) }), 400);
    assert.equal(both.field, 'body.frames');
  });
});

describe('tenants', () => {
  test('another tenant cannot list, read, cancel, retry or download a run: 404, as if it did not exist', async () => {
    const { token: other } = await h.token('other');
    secrets.push(other);
    const listed = await json<{ runs: RunState[] }>(await h.api(other, '/v1/runs'));
    assert.ok(!listed.runs.some((r) => r.id === labRun.id));
    for (const [method, path] of [
      ['GET', `/v1/runs/${labRun.id}`],
      ['POST', `/v1/runs/${labRun.id}/cancel`],
      ['POST', `/v1/runs/${labRun.id}/retry`],
      ['GET', `/v1/runs/${labRun.id}/failures`],
      ['GET', `/v1/runs/${labRun.id}/dataset`],
      ['GET', `/v1/runs/${labRun.id}/dataset/files/qa.jsonl`],
      ['GET', `/v1/runs/${labRun.id}/samples`],
    ]) {
      const response = await h.api(other, path, { method });
      assert.equal(response.status, 404, `${method} ${path}: HTTP ${response.status}`);
      const body = await response.json() as { message: string };
      assert.equal(body.message, `run ${labRun.id} not found`);
    }
    // The same answer as for a run that does not exist at all.
    assert.equal((await h.api(other, '/v1/runs/run-doesnotexist')).status, 404);
    assert.equal((await json<RunState>(await h.api(lab, `/v1/runs/${labRun.id}`))).status, 'completed', 'the run was not touched');
  });

  test('every route of the OpenAPI document, called with another tenant’s token, leaks nothing', async () => {
    const { token: other } = await h.token('intruder');
    secrets.push(other);
    const { samples } = await json<{ samples: { imageId: string }[] }>(await h.api(lab, `/v1/runs/${labRun.id}/samples`));
    const imageId = samples[0].imageId;
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await h.api(undefined, '/docs/json'));
    const values: Record<string, string> = { runId: labRun.id, imageId, kind: 'overlay', '*': 'qa.jsonl' };
    let walked = 0;
    for (const [template, methods] of Object.entries(doc.paths)) {
      if (!template.startsWith('/v1/')) continue;
      for (const method of Object.keys(methods)) {
        const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? assert.fail(`no value for {${name}} in ${template}`));
        const creates = method === 'post' && !template.includes('{runId}');
        const response = await h.api(other, path, {
          method: method.toUpperCase(),
          ...(creates ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
        });
        const text = await response.text();
        walked++;
        if (template.includes('{runId}')) {
          assert.equal(response.status, 404, `${method.toUpperCase()} ${template}: HTTP ${response.status} ${text}`);
        } else {
          assert.ok([200, 400, 403, 415].includes(response.status), `${method.toUpperCase()} ${template}: HTTP ${response.status} ${text}`);
        }
        assert.ok(!text.includes(imageId), `${method.toUpperCase()} ${template} shows lab's image id`);
        if (!template.includes('{runId}')) assert.ok(!text.includes(labRun.id), `${method.toUpperCase()} ${template} shows lab's run id`);
      }
    }
    assert.ok(walked >= 13, `walked only ${walked} routes`);
  });

  test('an admin token sees every tenant; allTenants is refused to others', async () => {
    const { token: admin } = await h.token('ops', ['runs', 'admin']);
    secrets.push(admin);
    const all = await json<{ runs: RunState[] }>(await h.api(admin, '/v1/runs?allTenants=true'));
    assert.ok(all.runs.some((r) => r.id === labRun.id && r.tenant === 'lab'));
    assert.equal((await h.api(admin, `/v1/runs/${labRun.id}`)).status, 200);
    const workers = await json<{ workers: { stages: string[]; lastHeartbeat: string }[] }>(await h.api(admin, '/v1/workers'));
    assert.ok(workers.workers.length > 0);
    assert.equal((await h.api(lab, '/v1/runs?allTenants=true')).status, 403);
    assert.equal((await h.api(lab, '/v1/workers')).status, 403);
  });

  test('no token, a malformed one or a revoked one gets 401', async () => {
    const none = await h.api(undefined, '/v1/runs');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await h.api('not-a-token', '/v1/runs')).status, 401);
    const { token, id } = await h.token('leaving');
    secrets.push(token);
    assert.equal((await h.api(token, '/v1/runs')).status, 200);
    await h.tokens.revoke(id);
    assert.equal((await h.api(token, '/v1/runs')).status, 401);
    assert.equal((await h.api(token, `/v1/runs/${labRun.id}`)).status, 401);
  });
});

describe('requests', () => {
  const post = (body: unknown) => h.api(lab, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('a bad request gets a 400 whose message names the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ source: { kind: 'urls', urls: ['https://example.com/a.png', '/etc/passwd'] } }, 'body.source.urls[1]', /s3:\/\/bucket\/prefix or http\(s\):\/\/ URL/],
      [{ source: { kind: 'uri' } }, 'body.source.uri', /is required/],
      [{ source: { kind: 'folder', uri: 'x' } }, 'body.source', /documented kinds/],
      [{ source: { kind: 'uri', uri: 's3://bucket/x' }, options: { stages: ['ingest', 'telepathy'] } }, 'body.options.stages[1]', /must be one of/],
      [{ source: { kind: 'uri', uri: 's3://bucket/x' }, options: { qa: { maxPerImage: 0 } } }, 'body.options.qa.maxPerImage', />= 1/],
      [{ source: { kind: 'uri', uri: 's3://bucket/x' }, optoins: {} }, 'body.optoins', /not a known field/],
      [{ source: { kind: 'frames', frames: [{ image: 'https://example.com/a.png', objects: [{ id: 'a', label: 'cup', box: [1, 2, 3] }] }] } }, 'body.source.frames[0].objects[0].box', /fewer than 4/],
      [{ source: { kind: 'frames', frames: [{ image: 'https://example.com/a.png', objects: [{ id: 'a', label: 'cup', box: [1, 2, 3, 4], score: 1.5 }] }] } }, 'body.source.frames[0].objects[0].score', /<= 1/],
      [{ source: { kind: 'uri', uri: 's3://bucket/x' }, options: { qa: { margins: { metres: 12 } } } }, 'body.options.qa.margins.metres', /< 10/],
      [{ source: { kind: 'uri', uri: 's3://bucket/x' }, options: { qa: { margins: { pixels: 3 } } } }, 'body.options.qa.margins.pixels', /not a known field/],
      [{ source: { kind: 'uri', uri: 's3://bucket/x' }, options: { rephrase: 'yes' } }, 'body.options.rephrase', /boolean/],
    ];
    for (const [body, field, message] of cases) {
      const error = await json<{ code: string; field: string; message: string }>(await post(body), 400);
      assert.equal(error.field, field, JSON.stringify(body));
      assert.ok(error.message.startsWith(field), error.message);
      assert.match(error.message, message);
    }
    const query = await json<{ field: string }>(await h.api(lab, '/v1/runs/manifest?seed=abc', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: 'x' }), 400);
    assert.equal(query.field, 'querystring.seed');
  });

  test('images no stage can process (no depth, no depth model) get a 400 naming the fix, and no run', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'sf-empty-models-'));
    const previous = process.env.MODEL_CACHE_DIR;
    process.env.MODEL_CACHE_DIR = cache; // the service runs in this process: its model cache is empty
    try {
      const before = (await json<{ runs: RunState[] }>(await h.api(lab, '/v1/runs'))).runs.length;
      const error = await json<{ code: string; field: string; message: string }>(await post({ source: { kind: 'urls', urls: [`${h.corpusUrl}/a.png`, `${h.corpusUrl}/b.png`] } }), 400);
      assert.equal(error.code, 'no-depth');
      assert.equal(error.field, 'options.models.depth');
      assert.match(error.message, /^2 inputs .* have no depth map.*spatialforge models pull [\w.-]+, then --depth-model/);
      assert.equal((await json<{ runs: RunState[] }>(await h.api(lab, '/v1/runs'))).runs.length, before, 'no run was created');
    } finally {
      if (previous === undefined) delete process.env.MODEL_CACHE_DIR;
      else process.env.MODEL_CACHE_DIR = previous;
      await rm(cache, { recursive: true, force: true });
    }
  });

  test('QA margins and inline detector scores are accepted and the run keeps the margins; rephrase without a model is refused naming it', async () => {
    // With depth: a frame without it and no depth model is refused before the run exists (the preflight).
    const frames = [{ image: `${h.corpusUrl}/a.png`, depth: { uri: `${h.corpusUrl}/a-depth.png`, scale: 0.001 }, objects: [{ id: 'a', label: 'cup', box: [1, 2, 30, 40], score: 0.75 }] }];
    const margins = { metres: 0.2, ratio: 0.1, degrees: 5 };
    const run = await json<RunState>(await post({ source: { kind: 'frames', frames }, options: { qa: { margins } } }), 201);
    assert.deepEqual(run.options.qa.margins, margins);
    assert.deepEqual((await json<RunState>(await h.api(lab, `/v1/runs/${run.id}`))).options.qa.margins, margins);
    await json<RunState>(await h.api(lab, `/v1/runs/${run.id}/cancel`, { method: 'POST' }), 202);
    const refused = await json<{ field: string }>(await post({ source: { kind: 'frames', frames }, options: { rephrase: true } }), 400);
    assert.equal(refused.field, 'options.rephrase');
  });

  test('a manifest naming local paths cannot read the server’s files: each such line fails', { timeout: 60_000 }, async () => {
    const body = `${JSON.stringify('/etc/hostname')}\n${JSON.stringify({ image: 'file:///etc/hostname' })}\n`;
    const run = await json<RunState>(await h.api(lab, '/v1/runs/manifest', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body }), 201);
    const final = await h.waitFor(lab, run.id, (r) => FINAL_STATUSES.has(r.status));
    assert.equal(final.totals.completed, 0);
    const { failures } = await json<{ failures: { code: string; input: string }[] }>(await h.api(lab, `/v1/runs/${run.id}/failures`));
    assert.equal(failures.length, 2, JSON.stringify(final));
    for (const failure of failures) assert.match(failure.code, /local-path|invalid-reference|forbidden/, JSON.stringify(failure));
  });

  test('bodies over the limit get 413; a multipart manifest upload works like a raw one', async () => {
    const big = await post({ source: { kind: 'urls', urls: Array.from({ length: 3000 }, (_, i) => `https://example.com/images/${i}.png`) } });
    assert.equal(big.status, 413);
    const form = new FormData();
    form.append('options', JSON.stringify({ seed: 7, formats: ['jsonl'] }));
    form.append('manifest', new Blob([h.manifestText]), 'frames.jsonl');
    const run = await json<RunState>(await h.api(lab, `/v1/runs/manifest?baseUri=${encodeURIComponent(h.corpusUrl)}`, { method: 'POST', body: form }), 201);
    assert.equal(run.options.seed, 7);
    assert.deepEqual(run.options.formats, ['jsonl']);
    assert.deepEqual(run.source, { kind: 'jsonl', baseUri: h.corpusUrl, items: 3 });
    const cancelled = await json<RunState>(await h.api(lab, `/v1/runs/${run.id}/cancel`, { method: 'POST' }), 202);
    assert.equal(cancelled.status, 'cancelled');
    const badOptions = new FormData();
    badOptions.append('options', JSON.stringify({ units: 'furlongs' }));
    badOptions.append('manifest', new Blob([h.manifestText]), 'frames.jsonl');
    const error = await json<{ field: string }>(await h.api(lab, '/v1/runs/manifest', { method: 'POST', body: badOptions }), 400);
    assert.equal(error.field, 'body.options.units');
  });

  test('a token past its rate limit gets 429 with Retry-After; other tokens are served', async () => {
    const { token } = await h.token('busy');
    secrets.push(token);
    let limited: Response | undefined;
    // The bucket refills while the loop runs (RATE_LIMIT_PER_MINUTE / 60 per second), so allow twice the burst.
    for (let i = 0; i <= 2 * RATE_LIMIT_PER_MINUTE && !limited; i++) {
      const response = await h.api(token, '/v1/whoami');
      if (response.status === 429) limited = response;
      else await response.arrayBuffer();
    }
    assert.ok(limited, `no 429 after ${2 * RATE_LIMIT_PER_MINUTE + 1} requests`);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await h.api(lab, '/v1/whoami')).status, 200);
  });
});

describe('operations', () => {
  test('/healthz, /readyz and the OpenAPI document answer without a token', async () => {
    assert.deepEqual(await json(await h.api(undefined, '/healthz')), { status: 'ok' });
    assert.deepEqual(await json(await h.api(undefined, '/readyz')), { status: 'ready', redis: 'ok', store: 'ok' });
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(await h.api(undefined, '/docs/json'));
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/v1/runs/{runId}/samples/{imageId}/pictures/{kind}']);
    assert.equal((await h.api(undefined, '/docs')).status, 200);
  });

  test('/metrics passes promtool check metrics and counts the images each stage finished', async (t) => {
    const response = await h.api(undefined, '/metrics');
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /^spatialforge_images_processed_total\{stage="synthesize",outcome="done"\} [1-9]/m);
    assert.match(text, /^spatialforge_process_resident_memory_bytes /m);
    assert.ok(!/run-|tenant=/.test(text), 'no run ids or tenants in metric labels');
    if (!existsSync(PROMTOOL)) {
      t.skip(`${PROMTOOL} is not installed (Debian package prometheus)`);
      return;
    }
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
  });

  test('no token reaches the log, not even one passed as ?token=', async () => {
    const { token } = await h.token('logged');
    secrets.push(token);
    await (await h.api(undefined, `/?token=${token}`)).text();
    await (await h.api(token, '/v1/whoami')).text();
    const log = logLines.join('');
    assert.ok(log.includes('/v1/whoami'), 'requests are logged');
    for (const secret of secrets) assert.ok(!log.includes(secret.slice(20)), 'a token secret appears in the log');
  });
});
