import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@spatialforge/core';
import { Redis } from 'ioredis';
import { checkRedis, runningRedisUrl, startRedis } from './index.js';

test('startRedis serves on a free port with noeviction and AOF in its folder, and keeps data across a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-redis-'));
  try {
    const first = await startRedis({ dir });
    assert.equal((await checkRedis(first.url)).maxmemoryPolicy, 'noeviction');
    const client = new Redis(first.url);
    await client.set('kept', 'yes');
    client.disconnect();
    await first.stop();

    const second = await startRedis({ dir });
    const again = new Redis(second.url);
    assert.equal(await again.get('kept'), 'yes');
    again.disconnect();
    await second.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startRedis stops a server orphaned by a killed parent before reusing its folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-redis-'));
  try {
    const orphan = await startRedis({ dir });
    const client = new Redis(orphan.url);
    await client.set('kept', 'from-orphan');
    client.disconnect();
    // The orphan is not stopped through its handle, as after kill -9 of the process that started it.
    const successor = await startRedis({ dir });
    assert.throws(() => process.kill(orphan.pid, 0));
    const again = new Redis(successor.url);
    assert.equal(await again.get('kept'), 'from-orphan');
    again.disconnect();
    await successor.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing redis-server says how to install it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-redis-'));
  try {
    await assert.rejects(startRedis({ dir, executable: 'redis-server-that-does-not-exist' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /apt-get install redis-server/);
      assert.match(err.message, /brew install redis/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkRedis names an unreachable URL and refuses an evicting Redis', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-redis-'));
  const evicting = await startRedis({ dir, appendOnly: false, maxmemoryPolicy: 'allkeys-lru' });
  try {
    await assert.rejects(checkRedis(evicting.url), /maxmemory-policy allkeys-lru.*needs noeviction/);
    const closed = new URL(evicting.url);
    closed.port = String(Number(closed.port) === 65535 ? 65534 : 1);
    closed.password = 'secret';
    await assert.rejects(checkRedis(closed.toString(), { timeoutMs: 1000 }), (err: Error) => {
      assert.match(err.message, /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
  } finally {
    await evicting.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runningRedisUrl finds the server startRedis runs on a folder, and nothing once it stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-redis-running-'));
  let server: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    assert.equal(runningRedisUrl(dir), undefined);
    server = await startRedis({ dir });
    assert.equal(runningRedisUrl(dir), `redis://127.0.0.1:${server.port}`);
    await server.stop();
    server = undefined;
    assert.equal(runningRedisUrl(dir), undefined);
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
