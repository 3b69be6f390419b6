/**
 * Security of a real deployment (issue 7, Security): `spatialforge serve` and a `spatialforge worker`
 * run as processes with every kind of secret set — S3 credentials (a key pair made for this test), a
 * Redis password, eval and LLM API keys, bearer tokens — and the limits set through the environment.
 * Runs go through, requests come with good, wrong and misplaced tokens, an uploaded manifest tries to
 * leave its root, and download routes are walked with `../`. Then:
 * - no secret appears in any line either process wrote;
 * - no token is kept anywhere at rest (every Redis key of every type, the append-only file, every object
 *   in the bucket): only its sha256, compared in constant time;
 * - BODY_LIMIT_BYTES / MANIFEST_LIMIT_BYTES give 413 and RATE_LIMIT_PER_MINUTE gives 429 per token;
 * - manifest references that escape their root fail with their code and the run completes.
 * The tenant walk over every OpenAPI route is test/service-api.test.ts's; hostile files and SSRF are
 * test/hostile-inputs.test.ts's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { request as httpRequest } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunState } from '@spatialforge/core';
import { writeDemoInput } from '@spatialforge/pipeline';
import { startRedis, type RedisServer } from '@spatialforge/queue';
import { createTokenStore } from '@spatialforge/service';
import { S3Store } from '@spatialforge/storage';
import { startS3rver, type S3rverHandle } from '@spatialforge/storage/testing';
import { Redis } from 'ioredis';
import { ROOT, removeDir, startCli, tempDir, uniquePrefix, type CliProcess } from './factory-support.js';
import { serveFolder, type StaticServer } from './support/static-server.js';

const BODY_LIMIT_BYTES = 4096;
const MANIFEST_LIMIT_BYTES = 16_384;
const RATE_LIMIT_PER_MINUTE = 120;
const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** Manifest lines that try to leave the manifest's root, and the code each must fail with. */
const ESCAPES: [string, string][] = [
  ['"../../etc/passwd"', 'path-escape'],
  ['"/etc/passwd"', 'local-path-forbidden'],
  ['"file:///etc/passwd"', 'local-path-forbidden'],
  ['"%2e%2e/%2e%2e/etc/passwd"', 'path-escape'],
  ['"scene-0000/..%2f..%2f..%2fetc/passwd"', 'path-escape'],
  ['"scene-0000/..\\\\..\\\\etc\\\\passwd"', 'path-escape'],
  [JSON.stringify({ image: 'scene-0001/rgb.png', depth: { uri: '../../../../etc/passwd', scale: 0.001 } }), 'path-escape'],
];

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');
/** The secret part of a token `sf_<id>_<secret>` (base64url: it may itself hold `_`). */
const secretOf = (token: string) => /^sf_[0-9a-f]{16}_(.{43})$/.exec(token)![1]!;
const SECRETS = {
  awsAccessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  awsSecretAccessKey: secret(30),
  redisPassword: randomBytes(16).toString('hex'),
  evalApiKey: `sk-eval-${secret(24)}`,
  llmApiKey: `sk-llm-${secret(24)}`,
};

let dir: string;
let redis: RedisServer;
let s3: S3rverHandle;
let web: StaticServer;
/** The manifests' base: a folder below the web root, so `..` has somewhere to escape to. */
let corpusUrl: string;
let serve: CliProcess;
let worker: CliProcess;
let baseUrl: string;
let redisUrl: string;
let manifestText: string;
const tokens: Record<'lab' | 'rival' | 'limited', string> = { lab: '', rival: '', limited: '' };
let rivalRun: RunState;
let labRun: RunState;

function api(token: string | undefined, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } });
}

async function submit(token: string, text: string): Promise<RunState> {
  const response = await api(token, `/v1/runs/manifest?baseUri=${encodeURIComponent(corpusUrl)}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: text });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as RunState;
}

/** Polls once a second: well inside the rate limit. */
async function finalRun(token: string, runId: string): Promise<RunState> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const run = (await (await api(token, `/v1/runs/${runId}`)).json()) as RunState;
    if (FINAL.has(run.status)) return run;
    assert.ok(Date.now() < deadline, `run ${runId} did not end: ${JSON.stringify(run.stages)}\n${worker.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** A GET with the path sent exactly as written (fetch would resolve `..` segments first). */
function rawGet(path: string, token: string): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${token}` } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

before(async () => {
  dir = await tempDir('security');
  const manifest = await writeDemoInput(join(dir, 'www', 'corpus'), { scenes: 3, seed: 61, width: 96, height: 72 });
  manifestText = await readFile(manifest, 'utf8');
  web = await serveFolder(join(dir, 'www'));
  corpusUrl = `${web.url}corpus/`;

  redis = await startRedis({ dir: join(dir, 'redis'), appendOnly: true });
  const admin = new Redis(redis.url);
  await admin.config('SET', 'requirepass', SECRETS.redisPassword);
  admin.disconnect();
  redisUrl = `redis://:${SECRETS.redisPassword}@127.0.0.1:${redis.port}`;

  s3 = await startS3rver(['secure']);
  // s3rver knows one fixed key pair; give it this test's, so the secret is one no log could hold by chance.
  const { DUMMY_ACCOUNT } = createRequire(join(ROOT, 'package.json'))('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
  };
  DUMMY_ACCOUNT.createKeyPair(SECRETS.awsAccessKeyId, SECRETS.awsSecretAccessKey);

  const prefix = uniquePrefix();
  const env = {
    REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, OUTPUT: 's3://secure/out',
    S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: SECRETS.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: SECRETS.awsSecretAccessKey,
    EVAL_API_KEY: SECRETS.evalApiKey, LLM_API_KEY: SECRETS.llmApiKey,
    INGEST_ALLOW_HOSTS: '127.0.0.1', HOST: '127.0.0.1',
    BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES), MANIFEST_LIMIT_BYTES: String(MANIFEST_LIMIT_BYTES), RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
    WORKER_THREADS: '1', WORKER_HEARTBEAT_SECONDS: '1',
  };
  serve = startCli(['serve', '--port', '0'], env);
  worker = startCli(['worker', '--port', '0'], env);
  const [line] = await Promise.all([serve.waitForOutput(/spatialforge serving http:\/\/\S+/, 120_000), worker.waitForOutput(/worker ready/, 120_000)]);
  baseUrl = /http:\/\/\S+/.exec(line)![0];

  const connection = new Redis(redisUrl);
  const store = createTokenStore(connection, prefix);
  for (const tenant of ['lab', 'rival', 'limited'] as const) tokens[tenant] = (await store.create({ tenant, scopes: ['runs'] })).token;
  connection.disconnect();

  rivalRun = await finalRun(tokens.rival, (await submit(tokens.rival, manifestText)).id);
  const escaping = `${manifestText.trimEnd()}\n${ESCAPES.map(([line]) => line).join('\n')}\n`;
  labRun = await finalRun(tokens.lab, (await submit(tokens.lab, escaping)).id);
}, { timeout: 300_000 });

after(async () => {
  for (const child of [serve, worker]) if (child && child.child.exitCode === null) child.child.kill('SIGKILL');
  await web?.close();
  await redis?.stop();
  await s3?.close();
  await removeDir(dir);
});

describe('a deployment under attack', () => {
  test('manifest references that escape their root fail with their code; the rest of the run completes', async () => {
    assert.equal(rivalRun.status, 'completed', rivalRun.error);
    assert.equal(labRun.status, 'completed', labRun.error);
    assert.deepEqual({ completed: labRun.totals.completed, failed: labRun.totals.failed }, { completed: 3, failed: ESCAPES.length });
    const { failures } = (await (await api(tokens.lab, `/v1/runs/${labRun.id}/failures?limit=50`)).json()) as { failures: { input: string; code: string; message: string }[] };
    const byLine = new Map(failures.map((f) => [Number(/line (\d+)$/.exec(f.input)![1]), f.code]));
    assert.deepEqual(new Map(ESCAPES.map(([, code], i) => [4 + i, code])), byLine);
    assert.ok(failures.every((f) => !/root:.*:0:0:/.test(f.message)), 'no failure quotes /etc/passwd');
  });

  test('dataset and sample routes cannot be walked out of the run with ../ or encoded tricks', async () => {
    const other = `runs/${rivalRun.id}/dataset/qa.jsonl`;
    const attempts = [
      `/v1/runs/${labRun.id}/dataset/files/../../../${other}`,
      `/v1/runs/${labRun.id}/dataset/files/..%2F..%2F..%2F${encodeURIComponent(other)}`,
      `/v1/runs/${labRun.id}/dataset/files/%2e%2e/%2e%2e/${rivalRun.id}/dataset/qa.jsonl`,
      `/v1/runs/${labRun.id}/dataset/files/..%5c..%5c${rivalRun.id}%5cdataset%5cqa.jsonl`,
      `/v1/runs/${labRun.id}/samples/..%2F..%2F${rivalRun.id}`,
      `/v1/runs/${labRun.id}/samples/..%2F${rivalRun.id}/pictures/rgb`,
      `/v1/runs/${labRun.id}/../${rivalRun.id}/dataset`,
    ];
    const rivalQa = await (await fetch(((await (await api(tokens.rival, `/v1/runs/${rivalRun.id}/dataset`)).json()) as { files: { path: string; url: string }[] }).files.find((f) => f.path === 'qa.jsonl')!.url)).text();
    const rivalImage = (JSON.parse(rivalQa.split('\n')[0]!) as { imageId: string }).imageId;
    for (const path of attempts) {
      const { status, body } = await rawGet(path, tokens.lab);
      assert.ok(status === 400 || status === 404, `${path}: HTTP ${status}`);
      assert.ok(!body.includes(rivalImage), `${path} leaked the rival's dataset`);
    }
  });

  test('limits set through the environment hold: 413 over the body and manifest limits, 429 per token', async () => {
    const big = await api(tokens.lab, '/v1/runs', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: { kind: 'urls', urls: Array.from({ length: 200 }, (_, i) => `https://example.com/${i}.png`) } }),
    });
    assert.equal(big.status, 413);
    const manifest = Array.from({ length: 1000 }, (_, i) => JSON.stringify(`scene-${i}/rgb.png`)).join('\n');
    assert.ok(Buffer.byteLength(manifest) > MANIFEST_LIMIT_BYTES);
    const raw = await api(tokens.lab, '/v1/runs/manifest', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: manifest });
    assert.equal(raw.status, 413);
    const form = new FormData();
    form.append('manifest', new Blob([manifest]), 'frames.jsonl');
    const multipart = await api(tokens.lab, '/v1/runs/manifest', { method: 'POST', body: form });
    assert.equal(multipart.status, 413);

    let limited: Response | undefined;
    // The bucket refills at RATE_LIMIT_PER_MINUTE / 60 per second while the loop runs: allow twice the burst.
    for (let i = 0; i <= 2 * RATE_LIMIT_PER_MINUTE && !limited; i++) {
      const response = await api(tokens.limited, '/v1/whoami');
      if (response.status === 429) limited = response;
      else await response.arrayBuffer();
    }
    assert.ok(limited, `no 429 within ${2 * RATE_LIMIT_PER_MINUTE + 1} requests`);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await api(tokens.lab, '/v1/whoami')).status, 200, 'another token is unaffected');
  });

  test('tokens are stored only as their sha256, nowhere in plain text, and compared in constant time', async () => {
    const everything = await redisContents();
    for (const [tenant, token] of Object.entries(tokens)) {
      const secretPart = secretOf(token);
      assert.ok(!everything.includes(secretPart), `the ${tenant} token's secret is in Redis`);
      assert.ok(everything.includes(createHash('sha256').update(token).digest('hex')), `the ${tenant} token's hash is in Redis`);
    }
    const aof = await filesUnder(join(dir, 'redis'));
    assert.ok(aof.length > 0, 'Redis wrote its append-only file');
    for (const token of Object.values(tokens)) assert.ok(!aof.includes(secretOf(token)), 'a token secret is in the append-only file');
    const objects = await bucketContents();
    for (const token of Object.values(tokens)) assert.ok(!objects.includes(secretOf(token)), 'a token secret is in the bucket');
    for (const [name, value] of Object.entries(SECRETS)) {
      if (name !== 'redisPassword') assert.ok(!everything.includes(value) && !objects.includes(value), `${name} is stored in Redis or the bucket`);
    }

    // Constant time: verification hashes the presented token and compares digests with timingSafeEqual, never with ===.
    const source = await readFile(join(ROOT, 'apps/service/src/token-store.ts'), 'utf8');
    const verify = source.slice(source.indexOf('async verify('), source.indexOf('async list('));
    assert.match(verify, /timingSafeEqual\(/);
    assert.doesNotMatch(verify, /hash\s*[!=]==?|[!=]==?\s*[\w.]*hash\b/i, 'a hash compared with == or ===');
  });

  test('no secret appears in any line the service or the worker wrote', async () => {
    // The token in a query string, an unknown token, a wrong secret for a real token id: each is logged as a request.
    await (await api(undefined, `/?token=${tokens.lab}`)).text();
    await (await api(undefined, `/v1/whoami?token=${tokens.lab}`)).text();
    await (await api(`${tokens.lab.slice(0, -4)}AAAA`, '/v1/whoami')).text();
    await (await api(tokens.rival, `/v1/runs/${labRun.id}`)).text();
    serve.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    assert.deepEqual(await Promise.all([serve.exited, worker.exited]), [0, 0]);
    const logs = `${serve.output()}\n${worker.output()}`;
    assert.match(serve.output(), /"url":"\/v1\/whoami/, 'requests are logged');
    assert.match(serve.output(), /run created/);
    assert.match(worker.output(), /worker ready/);
    const secrets: [string, string][] = [
      ...Object.entries(SECRETS),
      ...Object.entries(tokens).flatMap(([tenant, token]): [string, string][] => [[`${tenant} token`, token], [`${tenant} token secret`, secretOf(token)]]),
    ];
    for (const [name, value] of secrets) {
      const at = logs.indexOf(value);
      assert.equal(at, -1, `${name} appears in the logs: …${logs.slice(Math.max(0, at - 200), at + value.length + 50)}…`);
    }
  });
});

/** Every key of every type, as text: strings, hashes, lists, sets, sorted sets and streams. */
async function redisContents(): Promise<string> {
  const client = new Redis(redisUrl);
  const parts: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await client.type(key);
        parts.push(key);
        if (type === 'string') parts.push((await client.getBuffer(key))?.toString('latin1') ?? '');
        else if (type === 'hash') parts.push(JSON.stringify(await client.hgetall(key)));
        else if (type === 'list') parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === 'set') parts.push(JSON.stringify(await client.smembers(key)));
        else if (type === 'zset') parts.push(JSON.stringify(await client.zrange(key, 0, -1, 'WITHSCORES')));
        else if (type === 'stream') parts.push(JSON.stringify(await client.xrange(key, '-', '+')));
        else parts.push(`<${type}>`);
      }
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return parts.join('\n');
}

async function filesUnder(folder: string): Promise<string> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), 'latin1')));
  return texts.join('\n');
}

async function bucketContents(): Promise<string> {
  const store = new S3Store({ bucket: 'secure', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: SECRETS.awsAccessKeyId, secretAccessKey: SECRETS.awsSecretAccessKey } });
  const parts: string[] = [];
  try {
    for await (const key of store.list('')) parts.push(key, Buffer.from(await store.get(key)).toString('latin1'));
  } finally {
    await store.close();
  }
  assert.ok(parts.length > 0, 'the bucket holds the runs');
  return parts.join('\n');
}
