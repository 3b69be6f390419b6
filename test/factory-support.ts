/**
 * Shared pieces of the factory tests: temporary folders, a private redis-server per test, synthetic
 * corpora, `spatialforge` child processes, and readers for what a dataset holds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeDemoInput } from '@spatialforge/pipeline';
import { startRedis, type RedisServer } from '@spatialforge/queue';

export const ROOT = new URL('..', import.meta.url).pathname;
export const CLI = join(ROOT, 'apps/cli/bin/spatialforge.js');

export async function tempDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sf-${name}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A queue prefix no other test uses. */
export function uniquePrefix(): string {
  return `sft${randomUUID().slice(0, 8)}`;
}

export async function privateRedis(dir: string): Promise<RedisServer> {
  return startRedis({ dir: join(dir, 'redis'), appendOnly: false });
}

/** Synthetic RGB-D scenes (small, so lifting is quick) and their JSONL manifest; returns the manifest path. */
export async function syntheticCorpus(dir: string, scenes: number, seed: number): Promise<string> {
  return writeDemoInput(dir, { scenes, seed, width: 240, height: 180 });
}

/** Image id → QA pairs of its one record, from a dataset folder's Parquet shards; throws on a duplicated image. */
export async function parquetRecords(datasetDir: string): Promise<Map<string, number>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT image_id, len(qa) AS pairs FROM read_parquet('${join(datasetDir, 'data', '*.parquet')}') ORDER BY image_id`,
    );
    const records = new Map<string, number>();
    for (const [imageId, pairs] of reader.getRows() as [string, bigint | number][]) {
      if (records.has(imageId)) throw new Error(`image ${imageId} has two records`);
      records.set(imageId, Number(pairs));
    }
    return records;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves when a line of output matches. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Starts `spatialforge <args>` with extra environment; its output is collected. */
export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(output);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match[0]);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitForOutput(pattern, timeoutMs = 60_000) {
      const match = pattern.exec(output);
      if (match) return Promise.resolve(match[0]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
        const waiter = { pattern, resolve: (line: string) => { clearTimeout(timer); resolve(line); } };
        waiters.push(waiter);
        void exited.then((code) => {
          if (waiters.includes(waiter)) {
            clearTimeout(timer);
            reject(new Error(`exited with ${code} before output matching ${pattern}:\n${output}`));
          }
        });
      });
    },
  };
}

/** Runs `spatialforge <args>` to the end. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const cli = startCli(args, env);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

/** Polls until `probe` returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
