/**
 * One contract, two backends: every behaviour of ObjectStore is checked against a temporary folder and
 * against a real s3rver on 127.0.0.1, plus each backend's own guarantees (atomic local writes, presigned
 * S3 downloads, retries on 503, clear errors for an unreachable endpoint).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ConfigError, InputError } from '@spatialforge/core';
import {
  LocalStore,
  ObjectNotFoundError,
  S3Store,
  StorageKeyError,
  StorageUnreachableError,
  getJson,
  openStore,
  putJson,
  s3Settings,
  type ObjectStore,
} from './index.js';
import { startS3rver, type S3rverHandle } from './testing.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const ESCAPING_KEYS = [
  '../outside.txt',
  'a/../../outside.txt',
  '/etc/passwd',
  'a\\..\\..\\outside.txt',
  '%2e%2e/outside.txt',
  'a/%2F..%2Foutside.txt',
  'C:/outside.txt',
  'a/./b.txt',
  '\uff0e\uff0e/outside.txt',
];
const MALFORMED_KEYS = ['', 'a//b.txt', 'a/b/', 'a\u0000b', 'line\nbreak', '.sf-tmp-1234', 'x'.repeat(1025)];

function contract(name: string, open: () => Promise<{ store: ObjectStore; cleanup(): Promise<void> }>) {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let cleanup: () => Promise<void>;
    before(async () => ({ store, cleanup } = await open()));
    after(async () => {
      await store.close?.();
      await cleanup();
    });

    test('put then get returns the same bytes; strings are stored as UTF-8', async () => {
      const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
      await store.put('blobs/binary.bin', bytes, { contentType: 'application/octet-stream' });
      assert.deepEqual(new Uint8Array(await store.get('blobs/binary.bin')), bytes);
      await store.put('blobs/text.txt', 'grüße');
      assert.equal(text(await store.get('blobs/text.txt')), 'grüße');
    });

    test('overwriting a key replaces the whole object', async () => {
      await store.put('over/write.txt', 'a much longer first version');
      await store.put('over/write.txt', 'short');
      assert.equal(text(await store.get('over/write.txt')), 'short');
    });

    test('a missing key: get throws ObjectNotFoundError, getOptional is undefined, exists is false', async () => {
      await assert.rejects(store.get('missing/nothing.txt'), (err: unknown) => err instanceof ObjectNotFoundError && err.code === 'not-found');
      assert.equal(await store.getOptional('missing/nothing.txt'), undefined);
      assert.equal(await store.exists('missing/nothing.txt'), false);
      await assert.rejects(store.getStream('missing/nothing.txt'), ObjectNotFoundError);
      await store.put('missing/present.txt', 'x');
      assert.equal(await store.exists('missing/present.txt'), true);
      // A "folder" is not an object.
      assert.equal(await store.exists('missing'), false);
    });

    test('getStream streams the object', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      await store.put('stream/big.bin', big);
      const chunks: Buffer[] = [];
      for await (const chunk of await store.getStream('stream/big.bin')) chunks.push(chunk as Buffer);
      assert.ok(Buffer.concat(chunks).equals(big));
    });

    test('list returns the keys under a prefix, partial last segments included', async () => {
      const keys = ['ls/b/c.json', 'ls/b-c.json', 'ls/bc.json', 'ls/a.json', 'ls/b/d/e.json', 'lsx/other.json'];
      for (const key of keys) await store.put(key, key);
      const sorted = async (prefix: string) => (await collect(store.list(prefix))).sort();
      assert.deepEqual(await sorted('ls/'), keys.filter((k) => k.startsWith('ls/')).sort());
      assert.deepEqual(await sorted('ls/b'), ['ls/b-c.json', 'ls/b/c.json', 'ls/b/d/e.json', 'ls/bc.json']);
      assert.deepEqual(await sorted('ls/b/'), ['ls/b/c.json', 'ls/b/d/e.json']);
      assert.deepEqual(await sorted('nothing-here/'), []);
      const all = await collect(store.list(''));
      assert.ok(keys.every((k) => all.includes(k)));
    });

    test('delete removes a key; deleting a missing key is fine; deletePrefix removes a subtree', async () => {
      await store.put('del/one.txt', '1');
      await store.delete('del/one.txt');
      assert.equal(await store.exists('del/one.txt'), false);
      await store.delete('del/one.txt');
      for (const key of ['tree/a.txt', 'tree/sub/b.txt', 'treehouse.txt']) await store.put(key, key);
      await store.deletePrefix!('tree/');
      assert.deepEqual(await collect(store.list('tree')), ['treehouse.txt']);
      await assert.rejects(store.deletePrefix!(''), StorageKeyError);
    });

    test('putJson and getJson round-trip', async () => {
      await putJson(store, 'json/doc.json', { a: 1, b: ['x'] });
      assert.deepEqual(await getJson(store, 'json/doc.json'), { a: 1, b: ['x'] });
    });

    test('keys that would escape the root are refused with path-escape, malformed keys with bad-storage-key', async () => {
      for (const key of ESCAPING_KEYS) {
        for (const attempt of [() => store.put(key, 'evil'), () => store.get(key), () => store.exists(key), () => store.delete(key)]) {
          await assert.rejects(attempt, (err: unknown) => err instanceof StorageKeyError && err instanceof InputError && err.code === 'path-escape', key);
        }
        await assert.rejects(collect(store.list(key)), StorageKeyError, key);
      }
      for (const key of MALFORMED_KEYS) {
        await assert.rejects(store.put(key, 'x'), (err: unknown) => err instanceof StorageKeyError && err.code === 'bad-storage-key', JSON.stringify(key));
      }
    });

    test('keys are Unicode-normalised (NFC): two spellings of one name are one key', async () => {
      await store.put('unicode/caf\u00e9.txt', 'composed');
      assert.equal(text(await store.get('unicode/cafe\u0301.txt')), 'composed');
    });

    test('verify succeeds on a reachable, writable store', async () => {
      await store.verify();
    });
  });
}

contract('LocalStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spatialforge-store-'));
  return { store: new LocalStore(join(dir, 'root')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

let s3rver: S3rverHandle;
contract('S3Store on s3rver', async () => {
  s3rver = await startS3rver(['contract']);
  return { store: new S3Store({ ...s3rver.options, bucket: 'contract', prefix: `run-${randomUUID()}` }), cleanup: () => s3rver.close() };
});

describe('LocalStore', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'spatialforge-local-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  test('list walks the folder in lexicographic key order, as AWS S3 does', async () => {
    const store = new LocalStore(join(dir, 'order'));
    const keys = ['b/c.json', 'b-c.json', 'bc.json', 'a.json', 'b/d/e.json', 'b0.json'];
    for (const key of keys) await store.put(key, key);
    assert.deepEqual(await collect(store.list('')), [...keys].sort());
  });

  test('escape attempts write nothing outside the root', async () => {
    const store = new LocalStore(join(dir, 'escape', 'root'));
    await store.put('inside.txt', 'ok');
    for (const key of ESCAPING_KEYS) await store.put(key, 'evil').catch(() => undefined);
    assert.deepEqual(await readdir(join(dir, 'escape')), ['root']);
    assert.deepEqual(await readdir(join(dir, 'escape', 'root')), ['inside.txt']);
    assert.equal(store.localPath('a/b.txt'), join(dir, 'escape', 'root', 'a', 'b.txt'));
  });

  test('a reader never sees a partial object while a large overwrite is in flight', async () => {
    const store = new LocalStore(join(dir, 'atomic'));
    const size = 16 * 1024 * 1024;
    await store.put('big.bin', Buffer.alloc(size, 1));
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const bytes = await store.get('big.bin');
        assert.equal(bytes.length, size, 'a read saw a partial object');
        assert.ok(bytes[0] === bytes[size - 1], 'a read saw a mix of two versions');
        reads++;
      }
    })();
    for (let version = 2; version < 6; version++) await store.put('big.bin', Buffer.alloc(size, version));
    writing = false;
    await reader;
    assert.ok(reads > 0);
    assert.equal((await store.get('big.bin'))[0], 5);
  });

  test('temporary files left by a crashed write are not listed and do not block the key', async () => {
    const store = new LocalStore(join(dir, 'crashed'));
    await mkdir(join(dir, 'crashed', 'k'), { recursive: true });
    await writeFile(join(dir, 'crashed', 'k', '.sf-tmp-deadbeef'), 'half a wri');
    await store.put('k/final.txt', 'whole');
    assert.deepEqual(await collect(store.list('')), ['k/final.txt']);
  });

  test('downloadUrl is undefined (no presigning for a folder); verify names a folder that cannot be written', async () => {
    const store = new LocalStore(join(dir, 'plain'));
    assert.equal(await store.downloadUrl('x', 60), undefined);
    await writeFile(join(dir, 'a-file'), 'not a folder');
    await assert.rejects(new LocalStore(join(dir, 'a-file', 'sub')).verify(), (err: unknown) =>
      err instanceof StorageUnreachableError && err.message.includes(join(dir, 'a-file', 'sub')));
  });
});

describe('S3Store', () => {
  let server: S3rverHandle;
  before(async () => (server = await startS3rver(['presign', 'retry'])));
  after(() => server.close());

  test('a presigned URL downloads the object without credentials', async () => {
    const store = new S3Store({ ...server.options, bucket: 'presign', prefix: 'datasets' });
    await store.put('run/data.jsonl', '{"a":1}\n', { contentType: 'application/x-ndjson' });
    const url = await store.downloadUrl('run/data.jsonl', 300);
    const parsed = new URL(url);
    assert.equal(`${parsed.origin}${parsed.pathname}`, `${server.endpoint}/presign/datasets/run/data.jsonl`);
    assert.equal(parsed.searchParams.get('X-Amz-Expires'), '300');
    assert.match(parsed.searchParams.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '{"a":1}\n');
    await store.close();
  });

  test('with a public endpoint, presigned URLs name it and download through it; requests still use the endpoint', async () => {
    // The same s3rver under another name, as the host reaches a compose stack's S3 that the service calls minio:9000.
    const publicEndpoint = server.endpoint.replace('127.0.0.1', 'localhost');
    const store = new S3Store({ ...server.options, publicEndpoint, bucket: 'presign', prefix: 'public' });
    await store.put('data.jsonl', 'public\n');
    const url = new URL(await store.downloadUrl('data.jsonl', 60));
    assert.equal(`${url.origin}${url.pathname}`, `${publicEndpoint}/presign/public/data.jsonl`);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'public\n');
    await store.close();
  });

  test('stores with different prefixes in one bucket do not see each other', async () => {
    const a = new S3Store({ ...server.options, bucket: 'presign', prefix: 'tenant-a' });
    const b = new S3Store({ ...server.options, bucket: 'presign', prefix: 'tenant-b' });
    await a.put('x.txt', 'a');
    assert.equal(await b.exists('x.txt'), false);
    assert.deepEqual(await collect(b.list('')), []);
    await Promise.all([a.close(), b.close()]);
  });

  test('503 answers are retried with backoff by the SDK and the write succeeds', async () => {
    let failuresLeft = 2;
    let requests = 0;
    const proxy = await listen(createServer((req, res) => {
      requests++;
      if (failuresLeft > 0) {
        failuresLeft--;
        req.resume();
        res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code><Message>injected</Message></Error>');
        return;
      }
      const upstream = httpRequest(`${server.endpoint}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    }));
    const store = new S3Store({ ...server.options, endpoint: `http://127.0.0.1:${port(proxy)}`, bucket: 'retry', maxAttempts: 4 });
    await store.put('retried.txt', 'made it');
    assert.equal(requests, 3);
    assert.equal(text(await new S3Store({ ...server.options, bucket: 'retry' }).get('retried.txt')), 'made it');
    await store.close();
    proxy.close();
  });

  test('verify names the endpoint when it is unreachable and the bucket when it is missing', async () => {
    const closed = await listen(createServer());
    const deadPort = port(closed);
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = new S3Store({ ...server.options, endpoint: `http://127.0.0.1:${deadPort}`, bucket: 'presign', maxAttempts: 1 });
    await assert.rejects(unreachable.verify(), (err: unknown) =>
      err instanceof StorageUnreachableError && err.message.includes(`http://127.0.0.1:${deadPort}`));
    const missing = new S3Store({ ...server.options, bucket: 'no-such-bucket' });
    await assert.rejects(missing.verify(), (err: unknown) => err instanceof StorageUnreachableError && /no-such-bucket does not exist/.test(err.message));
    await Promise.all([unreachable.close(), missing.close()]);
  });
});

describe('openStore', () => {
  test('a path or file:// URL opens a folder, s3:// opens S3 with settings from the environment', async () => {
    assert.ok(openStore('/tmp/somewhere') instanceof LocalStore);
    assert.equal(openStore('file:///tmp/some%20where').location, '/tmp/some where');
    const store = openStore('s3://my-bucket/runs/2024/', {
      env: { S3_ENDPOINT: 'http://127.0.0.1:9000', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' },
    });
    assert.ok(store instanceof S3Store);
    assert.equal(store.location, 's3://my-bucket/runs/2024');
    await store.close?.();
  });

  test('settings: path style follows S3_ENDPOINT unless set, credentials come in pairs, bad values name the variable', () => {
    assert.equal(s3Settings({}).forcePathStyle, false);
    assert.equal(s3Settings({}).credentials, undefined);
    assert.equal(s3Settings({ S3_ENDPOINT: 'http://minio:9000' }).forcePathStyle, true);
    assert.equal(s3Settings({ S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'false' }).forcePathStyle, false);
    assert.equal(s3Settings({ S3_ENDPOINT: 'http://minio:9000' }).publicEndpoint, undefined);
    assert.equal(s3Settings({ S3_ENDPOINT: 'http://minio:9000', S3_PUBLIC_ENDPOINT: 'http://localhost:9000' }).publicEndpoint, 'http://localhost:9000');
    assert.throws(() => s3Settings({ AWS_ACCESS_KEY_ID: 'only-the-id' }), (err: unknown) => err instanceof ConfigError && err.setting === 'AWS_SECRET_ACCESS_KEY');
    assert.throws(() => s3Settings({ S3_MAX_ATTEMPTS: 'many' }), (err: unknown) => err instanceof ConfigError && err.setting === 'S3_MAX_ATTEMPTS');
  });

  test('unknown schemes and invalid bucket names are configuration errors', () => {
    assert.throws(() => openStore('gs://bucket/x'), ConfigError);
    assert.throws(() => openStore('s3://'), ConfigError);
    assert.throws(() => openStore('s3://Bad_Bucket/x'), ConfigError);
    assert.throws(() => openStore('s3://bucket/../x'), StorageKeyError);
  });
});

async function listen(server: Server): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}
