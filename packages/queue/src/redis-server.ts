/**
 * Starts a private `redis-server` on a free loopback port: the embedded default and the tests use it,
 * so nothing relies on a Redis that happens to be running. Data and the append-only file live in `dir`,
 * so a run interrupted with kill -9 finds its state again when started with the same folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from '@spatialforge/core';
import { Redis } from 'ioredis';
import { redisServerSetting } from './settings.js';

export interface StartRedisOptions {
  /** Folder for the append-only file and the pid file; created when missing. */
  dir: string;
  /** Keep an append-only file (fsync every second) so the state survives a crash. @defaultValue true */
  appendOnly?: boolean;
  /** @defaultValue 'noeviction' (BullMQ needs it; the tests start other policies on purpose). */
  maxmemoryPolicy?: string;
  /** @defaultValue REDIS_SERVER_BIN */
  executable?: string;
  /** Loopback port to listen on, e.g. to restart a server where its clients reconnect. @defaultValue a free port */
  port?: number;
}

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  /** Shuts the server down cleanly (it flushes the append-only file) and waits for it to exit. */
  stop(): Promise<void>;
}

const PID_FILE = 'redis.pid';

export async function startRedis(options: StartRedisOptions): Promise<RedisServer> {
  const executable = options.executable ?? redisServerSetting.read();
  mkdirSync(options.dir, { recursive: true });
  await stopOrphan(join(options.dir, PID_FILE));
  if (options.port !== undefined) return launch(executable, options.port, options);
  let lastError: Error | undefined;
  // A free port can be taken between probing and binding; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(executable, port, options);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      lastError = err as Error;
    }
  }
  throw lastError ?? new Error('redis-server did not start');
}

async function launch(executable: string, port: number, options: StartRedisOptions): Promise<RedisServer> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', options.dir,
    '--pidfile', join(options.dir, PID_FILE),
    '--appendonly', options.appendOnly === false ? 'no' : 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    '--maxmemory-policy', options.maxmemoryPolicy ?? 'noeviction',
    '--daemonize', 'no',
    '--loglevel', 'warning',
  ];
  // Its own process group: Ctrl-C in a terminal reaches us, and we stop Redis after the workers.
  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });
  child.stderr!.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT'
        ? new ConfigError(
            `${executable} is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis`,
            'REDIS_URL',
          )
        : err);
    }),
  );
  const url = `redis://127.0.0.1:${port}`;
  const gaveUp = new AbortController();
  try {
    await Promise.race([
      spawnError,
      exited.then((code) => { throw new Error(`redis-server exited with code ${code} before accepting connections: ${output.trim()}`); }),
      waitForPing(url, 15_000, gaveUp.signal),
    ]);
  } catch (err) {
    gaveUp.abort();
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  }

  const killOnExit = () => { try { child.kill('SIGTERM'); } catch { /* already gone */ } };
  process.once('exit', killOnExit);
  return {
    url,
    port,
    pid: child.pid!,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child, exited);
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitForPing(url: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!signal.aborted) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${url} did not answer within ${timeoutMs / 1000} s: ${(err as Error).message}`);
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A redis-server left running by a process that was killed with -9 still holds the folder's AOF: stop it. */
/**
 * The URL of the redis-server that startRedis runs on `dir` (its pid file names a live redis-server),
 * read from that process's title; undefined when none runs there.
 */
export function runningRedisUrl(dir: string): string | undefined {
  const pidFile = join(dir, PID_FILE);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  // redis-server rewrites its process title to `redis-server 127.0.0.1:PORT`.
  const port = /127\.0\.0\.1:(\d+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1];
  return port ? `redis://127.0.0.1:${port}` : undefined;
}

async function stopOrphan(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isRedisProcess(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isRedisProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return isRedisProcess(pid);
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
