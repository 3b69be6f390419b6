/**
 * Redis connections. Every error about reaching Redis names the URL (password hidden), and a Redis
 * whose eviction policy could drop queue keys is refused before anything is written to it.
 */
import { ConfigError } from '@spatialforge/core';
import { Redis, type RedisOptions } from 'ioredis';

/** The URL as it can be shown in logs and errors: the password replaced. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * A long-lived connection for BullMQ and run state: it reconnects forever (BullMQ requires
 * `maxRetriesPerRequest: null`), so check the server first with `checkRedis`.
 */
export function openRedis(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
  return client;
}

export interface RedisCheck {
  version: string;
  maxmemoryPolicy: string;
}

/**
 * Connects once with a short timeout and verifies the server: reachable, and `maxmemory-policy`
 * `noeviction` (any other policy lets Redis silently delete queued jobs and run state under memory
 * pressure). Throws a ConfigError that names the URL and the fix.
 */
export async function checkRedis(url: string, { timeoutMs = 5000 }: { timeoutMs?: number } = {}): Promise<RedisCheck> {
  const shown = redactRedisUrl(url);
  let client: Redis;
  try {
    client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  } catch (err) {
    throw new ConfigError(`REDIS_URL=${shown} is not a valid Redis URL: ${(err as Error).message}`, 'REDIS_URL');
  }
  let lastError: Error | undefined;
  client.on('error', (err: Error) => { lastError = err; });
  try {
    await client.connect();
    const info = await client.info('server');
    const memory = await client.info('memory');
    const version = field(info, 'redis_version') ?? 'unknown';
    const maxmemoryPolicy = field(memory, 'maxmemory_policy') ?? 'unknown';
    if (maxmemoryPolicy !== 'noeviction') {
      throw new ConfigError(
        `Redis at ${shown} has maxmemory-policy ${maxmemoryPolicy}; spatialforge needs noeviction, or Redis may evict queued jobs and run state. ` +
          `Fix: redis-cli -u ${shown} CONFIG SET maxmemory-policy noeviction (and set it in redis.conf)`,
        'REDIS_URL',
      );
    }
    return { version, maxmemoryPolicy };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const reason = (lastError ?? (err as Error)).message;
    throw new ConfigError(
      `cannot reach Redis at ${shown} (${reason}). Start redis-server there, or set REDIS_URL to a reachable Redis (unset it to let the embedded commands start their own)`,
      'REDIS_URL',
    );
  } finally {
    client.disconnect();
  }
}

function field(info: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}
