/**
 * The Lua scripts of the run state (./commands/*.lua, as BullMQ keeps its src/commands), each behind a
 * typed function. A script names what it shares with others by a line `-- @include <name>`, replaced
 * by ./commands/includes/<name>.lua. The files are read next to this module (from source under tsx,
 * and in the Docker image, which copies the tree), once per process.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const COMMANDS = new URL('./commands/', import.meta.url);

function script(name: string): string {
  const text = readFileSync(new URL(`${name}.lua`, COMMANDS), 'utf8');
  return text.replace(/^-- @include (\S+)$/gm, (_, include: string) => readFileSync(new URL(`includes/${include}.lua`, COMMANDS), 'utf8'));
}

/** Script name → its file and how many of its arguments are keys. */
const SCRIPTS = {
  sfRecordIngest: { file: 'record-ingest', keys: 4 },
  sfRecordImage: { file: 'record-image', keys: 3 },
  sfSetStatus: { file: 'set-status', keys: 1 },
  sfRetryFailed: { file: 'retry-failed', keys: 4 },
  sfAddListed: { file: 'add-listed', keys: 2 },
  sfTakeLease: { file: 'take-lease', keys: 1 },
  sfReleaseLease: { file: 'release-lease', keys: 1 },
} as const;

type Args = (string | number)[];
type ScriptedRedis = Redis & { [name in keyof typeof SCRIPTS]: (...args: Args) => Promise<unknown> };

let sources: Record<keyof typeof SCRIPTS, string> | undefined;

/** What became of an input at ingest: a new image, a duplicate of one, or a failure. */
export type IngestAnswer = 'new' | 'duplicate' | 'failed';
/** What became of an image at a stage: done (hand it on), failed, dropped, or unknown to the run. */
export type ImageStateCode = 'd' | 'f' | 'x' | 'missing';

/** A transition's answer: its result, whether the run is now complete, whether a counter moved. */
export interface Transition<T> {
  answer: T;
  complete: boolean;
  changed: boolean;
}

/** The scripts, defined once on a connection (ioredis sends EVALSHA, and the script on a cache miss). */
export class RunScripts {
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis) {
    sources ??= Object.fromEntries(Object.entries(SCRIPTS).map(([name, { file }]) => [name, script(file)])) as Record<keyof typeof SCRIPTS, string>;
    for (const [name, { keys }] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: keys, lua: sources[name as keyof typeof SCRIPTS] });
    }
    this.redis = redis as ScriptedRedis;
  }

  async recordIngest(
    keys: { run: string; images: string; seen: string; failures: string },
    r: { inputIndex: number; imageId: string; outcome: 'done' | 'failed'; reused: boolean; next: string; failure: string; now: number },
  ): Promise<Transition<IngestAnswer>> {
    const reply = (await this.redis.sfRecordIngest(
      keys.run, keys.images, keys.seen, keys.failures, r.inputIndex, r.imageId, r.outcome, r.reused ? 1 : 0, r.next, r.failure, r.now,
    )) as [IngestAnswer, number, number];
    return transition(reply);
  }

  async recordImage(
    keys: { run: string; images: string; failures: string },
    r: {
      imageId: string; stageIndex: number; stage: string; next: string; outcome: 'done' | 'failed' | 'dropped'; reused: boolean;
      qaPairs: number; failure: string; isLast: boolean; now: number;
    },
  ): Promise<Transition<ImageStateCode>> {
    const reply = (await this.redis.sfRecordImage(
      keys.run, keys.images, keys.failures,
      r.imageId, r.stageIndex, r.stage, r.next, r.outcome, r.reused ? 1 : 0, r.qaPairs, r.failure, r.isLast ? 1 : 0, r.now,
    )) as [ImageStateCode, number, number];
    return transition(reply);
  }

  /** True when the status changed (the current one was among `from`, any when empty). */
  async setStatus(runKey: string, r: { status: string; now: number; error: string; from: string[] }): Promise<boolean> {
    return (await this.redis.sfSetStatus(runKey, r.status, r.now, r.error, r.from.join(','))) === 1;
  }

  /** Flat stage, imageId, inputIndex triples of the images put back. */
  async retryFailed(keys: { run: string; images: string; seen: string; failures: string }, previousStageIndex: Record<string, number>, now: number): Promise<string[]> {
    return (await this.redis.sfRetryFailed(keys.run, keys.images, keys.seen, keys.failures, JSON.stringify(previousStageIndex), now)) as string[];
  }

  async addListed(keys: { run: string; lease: string }, r: { owner: string; batches: number; count: number; now: number }): Promise<boolean> {
    return (await this.redis.sfAddListed(keys.run, keys.lease, r.owner, r.batches, r.count, r.now)) === 1;
  }

  async takeLease(lease: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.sfTakeLease(lease, owner, ttlMs)) === 1;
  }

  async releaseLease(lease: string, owner: string): Promise<void> {
    await this.redis.sfReleaseLease(lease, owner);
  }
}

function transition<T>([answer, complete, changed]: [T, number, number]): Transition<T> {
  return { answer, complete: complete === 1, changed: changed === 1 };
}
