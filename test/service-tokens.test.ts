/**
 * API tokens and rate limits on a private redis-server: tokens are stored hashed, verified in
 * constant time, revocable; the CLI creates, lists and revokes them; the token bucket refuses the
 * request past the limit and keeps tokens apart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { InputError } from '@spatialforge/core';
import { openRedis, startRedis, type RedisServer } from '@spatialforge/queue';
import { createRateLimiter, createTokenStore } from '@spatialforge/service';

const run = promisify(execFile);
const cli = new URL('../apps/cli/bin/spatialforge.js', import.meta.url).pathname;

let dir: string;
let server: RedisServer;
let redis: Redis;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-tokens-'));
  server = await startRedis({ dir, appendOnly: false });
  redis = openRedis(server.url);
});

after(async () => {
  redis.disconnect();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('token store', () => {
  test('a created token verifies to its tenant and scopes; a revoked one does not', async () => {
    const store = createTokenStore(redis, `t-${randomUUID()}`);
    const { token, record } = await store.create({ tenant: 'acme', scopes: ['runs', 'admin'], label: 'ci' });
    assert.match(token, /^sf_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await store.verify(token), { tokenId: record.id, tenant: 'acme', scopes: ['runs', 'admin'] });
    assert.equal(await store.revoke(record.id), true);
    assert.equal(await store.verify(token), undefined);
    assert.equal(await store.revoke(record.id), false);
  });

  test('only a hash is stored: Redis holds neither the token nor its secret', async () => {
    const prefix = `t-${randomUUID()}`;
    const store = createTokenStore(redis, prefix);
    const { token, record } = await store.create({ tenant: 'acme', scopes: ['runs'] });
    // By its format: the base64url secret may itself hold '_', so splitting on '_' can cut it short.
    const secret = /^sf_[0-9a-f]{16}_(.{43})$/.exec(token)![1]!;
    const keys = await redis.keys(`${prefix}:*`);
    const values = await Promise.all(keys.map(async (k): Promise<unknown> => ((await redis.type(k)) === 'hash' ? redis.hgetall(k) : redis.smembers(k))));
    const everything = JSON.stringify(values);
    assert.ok(everything.includes(record.id));
    assert.ok(!everything.includes(secret), 'the secret must not be stored');
  });

  test('a token with the right id but another secret, or a malformed one, is refused', async () => {
    const store = createTokenStore(redis, `t-${randomUUID()}`);
    const { token } = await store.create({ tenant: 'acme', scopes: ['runs'] });
    const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    assert.equal(await store.verify(forged), undefined);
    assert.equal(await store.verify('sf_nothex_x'), undefined);
    assert.equal(await store.verify(''), undefined);
  });

  test('tenants must be simple names and scopes known ones', async () => {
    const store = createTokenStore(redis, `t-${randomUUID()}`);
    await assert.rejects(store.create({ tenant: 'Acme Corp', scopes: ['runs'] }), (err) => err instanceof InputError && err.field === 'tenant');
    await assert.rejects(store.create({ tenant: 'acme', scopes: ['root' as 'runs'] }), (err) => err instanceof InputError && err.field === 'scopes');
  });

  test('list shows every live token without secrets', async () => {
    const store = createTokenStore(redis, `t-${randomUUID()}`);
    const a = await store.create({ tenant: 'a', scopes: ['runs'] });
    const b = await store.create({ tenant: 'b', scopes: ['runs', 'admin'] });
    await store.revoke(a.record.id);
    const listed = await store.list();
    assert.deepEqual(listed.map((r) => [r.id, r.tenant, r.scopes]), [[b.record.id, 'b', ['runs', 'admin']]]);
    assert.ok(!JSON.stringify(listed).includes(b.token));
  });
});

describe('rate limiter', () => {
  test('the request past the bucket is refused with a retry time; other tokens are unaffected', async () => {
    // One request per minute refills: nothing refills between these calls.
    const limiter = createRateLimiter(redis, 1, `t-${randomUUID()}`);
    assert.equal((await limiter.take('token-a')).allowed, true);
    const refused = await limiter.take('token-a');
    assert.equal(refused.allowed, false);
    assert.ok(refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60);
    assert.equal((await limiter.take('token-b')).allowed, true);
  });

  test('a limit of 0 turns limiting off', async () => {
    const limiter = createRateLimiter(redis, 0, `t-${randomUUID()}`);
    for (let i = 0; i < 5; i++) assert.equal((await limiter.take('x')).allowed, true);
  });
});

describe('spatialforge tokens', () => {
  test('create, list and revoke through the CLI', { timeout: 120_000 }, async () => {
    const env = { ...process.env, REDIS_URL: server.url, QUEUE_PREFIX: `cli-${randomUUID()}` };
    const created = JSON.parse((await run(process.execPath, [cli, 'tokens', 'create', '--tenant', 'lab', '--admin', '--json'], { env })).stdout) as {
      id: string;
      token: string;
      scopes: string[];
    };
    assert.deepEqual(created.scopes, ['runs', 'admin']);
    const store = createTokenStore(redis, env.QUEUE_PREFIX);
    assert.equal((await store.verify(created.token))?.tenant, 'lab');

    const listed = (await run(process.execPath, [cli, 'tokens', 'list'], { env })).stdout;
    assert.match(listed, new RegExp(`${created.id}\\s+lab\\s+runs,admin`));
    assert.ok(!listed.includes(created.token));

    await run(process.execPath, [cli, 'tokens', 'revoke', created.id], { env });
    assert.equal(await store.verify(created.token), undefined);
    await assert.rejects(run(process.execPath, [cli, 'tokens', 'revoke', created.id], { env }), /no token with id/);
  });
});
