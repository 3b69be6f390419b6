/**
 * Run state in Redis: the thin repository the coordinator and the workers share. Per run it keeps one
 * hash of metadata and counters, one hash of image states (`<inputIndex>|<stageIndex>|<d|f|x>`: done,
 * failed or dropped at that stage), one bitmap of recorded inputs, a list of failures and a hash of
 * active batches. Every transition is a Lua script (./commands, redis-scripts.ts) that changes a counter
 * only when the image's state changes, so a batch that runs twice (a retry, a worker killed mid-batch)
 * counts each image once. The listing leases (listing-leases.ts) and the worker registry
 * (worker-registry.ts) have classes of their own.
 */
import { STAGES, type ImageFailure, type RunOptions, type RunSource, type RunStatus, type StageName } from '@spatialforge/core';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from './keys.js';
import { RunScripts, type ImageStateCode, type IngestAnswer } from './redis-scripts.js';

/** What a run is, fixed at creation. */
export interface RunMeta {
  id: string;
  tenant?: string;
  createdAt: string;
  source: RunSource;
  options: RunOptions;
  /** The stages this run goes through, in order. */
  path: StageName[];
  /** Cache digest per stage in `path` (see keys.ts). */
  digests: Partial<Record<StageName, string>>;
}

/** A failure as stored: the public record plus the input's position in the listing. */
export interface StoredFailure extends ImageFailure {
  inputIndex: number;
}

export type ImageOutcome = 'done' | 'failed' | 'dropped';
export type { ImageStateCode, IngestAnswer } from './redis-scripts.js';

export interface ImageState {
  inputIndex: number;
  /** Index in STAGES of the last stage the image reached. */
  stageIndex: number;
  state: 'd' | 'f' | 'x';
}

/** Run descriptions a process keeps in memory. */
const META_CACHE_SIZE = 1000;

export class RunStateStore {
  readonly keys: RedisKeys;
  private readonly scripts: RunScripts;
  private readonly metaCache = new Map<string, RunMeta>();

  constructor(private readonly redis: Redis, readonly prefix: string) {
    this.keys = redisKeys(prefix);
    this.scripts = new RunScripts(redis);
  }

  async create(meta: RunMeta): Promise<void> {
    const now = Date.parse(meta.createdAt);
    const multi = this.redis.multi()
      .hset(this.keys.run(meta.id), { meta: JSON.stringify(meta), status: 'pending', updatedAt: now, inputs: 0, batches: 0, exportGeneration: 0 })
      .zadd(this.keys.runs, now, meta.id);
    if (meta.tenant !== undefined) multi.zadd(this.keys.tenantRuns(meta.tenant), now, meta.id);
    await multi.exec();
    this.remember(meta);
  }

  private remember(meta: RunMeta): void {
    if (this.metaCache.size >= META_CACHE_SIZE) this.metaCache.delete(this.metaCache.keys().next().value!);
    this.metaCache.set(meta.id, meta);
  }

  /** The run's fixed description (cached: it never changes). */
  async meta(runId: string): Promise<RunMeta | undefined> {
    const cached = this.metaCache.get(runId);
    if (cached) return cached;
    const raw = await this.redis.hget(this.keys.run(runId), 'meta');
    if (!raw) return undefined;
    const meta = JSON.parse(raw) as RunMeta;
    this.remember(meta);
    return meta;
  }

  /** Every field of the run hash: status, totals, `<stage>:<counter>`, timestamps (ms). */
  async fields(runId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.run(runId));
  }

  async status(runId: string): Promise<RunStatus | undefined> {
    return ((await this.redis.hget(this.keys.run(runId), 'status')) ?? undefined) as RunStatus | undefined;
  }

  /** Sets the status when the current one is among `from` (any when empty); true when it changed. */
  async setStatus(runId: string, status: RunStatus, { from = [], error = '' }: { from?: RunStatus[]; error?: string } = {}): Promise<boolean> {
    return this.scripts.setStatus(this.keys.run(runId), { status, now: Date.now(), error, from });
  }

  async setCounter(runId: string, field: string, value: number): Promise<void> {
    await this.redis.hset(this.keys.run(runId), field, value, 'updatedAt', Date.now());
  }

  async exportGeneration(runId: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.run(runId), 'exportGeneration')) ?? 0);
  }

  /** Listing done: from now on the run completes when every input reached a final state. */
  async markListed(runId: string): Promise<void> {
    await this.redis.hset(this.keys.run(runId), 'listed', 1, 'updatedAt', Date.now());
  }

  async isComplete(runId: string): Promise<boolean> {
    const [listed, inputs, completed, failed, duplicates, filtered] = await this.redis.hmget(
      this.keys.run(runId), 'listed', 'inputs', 'completed', 'failed', 'duplicates', 'filtered');
    if (listed !== '1') return false;
    return Number(completed ?? 0) + Number(failed ?? 0) + Number(duplicates ?? 0) + Number(filtered ?? 0) >= Number(inputs ?? 0);
  }

  async recordIngest(runId: string, r: {
    inputIndex: number; imageId?: string; outcome: 'done' | 'failed'; reused?: boolean; next: StageName; failure?: StoredFailure;
  }): Promise<{ answer: IngestAnswer; complete: boolean; changed: boolean }> {
    return this.scripts.recordIngest(
      { run: this.keys.run(runId), images: this.keys.images(runId), seen: this.keys.seenInputs(runId), failures: this.keys.failures(runId) },
      {
        inputIndex: r.inputIndex, imageId: r.imageId ?? '', outcome: r.outcome, reused: r.reused ?? false, next: r.next,
        failure: r.failure ? JSON.stringify(r.failure) : '', now: Date.now(),
      },
    );
  }

  async recordImage(runId: string, r: {
    imageId: string; stage: StageName; next?: StageName; outcome: ImageOutcome; reused?: boolean; qaPairs?: number;
    failure?: StoredFailure; isLast: boolean;
  }): Promise<{ state: ImageStateCode; complete: boolean; changed: boolean }> {
    const { answer, complete, changed } = await this.scripts.recordImage(
      { run: this.keys.run(runId), images: this.keys.images(runId), failures: this.keys.failures(runId) },
      {
        imageId: r.imageId, stageIndex: STAGES.indexOf(r.stage), stage: r.stage, next: r.next ?? '', outcome: r.outcome, reused: r.reused ?? false,
        qaPairs: r.qaPairs ?? 0, failure: r.failure ? JSON.stringify(r.failure) : '', isLast: r.isLast, now: Date.now(),
      },
    );
    return { state: answer, complete, changed };
  }

  async imageStates(runId: string, imageIds: string[]): Promise<(ImageState | undefined)[]> {
    if (imageIds.length === 0) return [];
    const values = await this.redis.hmget(this.keys.images(runId), ...imageIds);
    return values.map((value) => (value ? parseImageState(value) : undefined));
  }

  /** Input indexes already recorded by ingest (a retried batch skips nothing but learns which are settled). */
  async seenInputs(runId: string, indexes: number[]): Promise<boolean[]> {
    if (indexes.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const index of indexes) pipeline.getbit(this.keys.seenInputs(runId), index);
    const results = await pipeline.exec();
    return (results ?? []).map(([, bit]) => bit === 1);
  }

  async setActive(runId: string, jobId: string, stage: StageName, images: number): Promise<void> {
    await this.redis.hset(this.keys.activeBatches(runId), jobId, `${stage}|${images}`);
  }

  async clearActive(runId: string, jobId: string): Promise<void> {
    await this.redis.hdel(this.keys.activeBatches(runId), jobId);
  }

  /** Images in active batches, per stage. */
  async activeImages(runId: string): Promise<Partial<Record<StageName, number>>> {
    const active: Partial<Record<StageName, number>> = {};
    for (const value of Object.values(await this.redis.hgetall(this.keys.activeBatches(runId)))) {
      const [stage, count] = value.split('|') as [StageName, string];
      active[stage] = (active[stage] ?? 0) + Number(count);
    }
    return active;
  }

  async failures(runId: string, offset: number, limit: number): Promise<StoredFailure[]> {
    if (limit <= 0) return [];
    const raw = await this.redis.lrange(this.keys.failures(runId), offset, offset + limit - 1);
    return raw.map((r) => JSON.parse(r) as StoredFailure);
  }

  /** Puts every failed image back in front of the stage it failed at; returns them grouped by stage. */
  async retryFailed(runId: string, path: StageName[]): Promise<{ stage: StageName; imageId: string; inputIndex: number }[]> {
    const previous: Record<string, number> = {};
    for (let i = 1; i < path.length; i++) previous[path[i]!] = STAGES.indexOf(path[i - 1]!);
    const flat = await this.scripts.retryFailed(
      { run: this.keys.run(runId), images: this.keys.images(runId), seen: this.keys.seenInputs(runId), failures: this.keys.failures(runId) },
      previous, Date.now(),
    );
    const out: { stage: StageName; imageId: string; inputIndex: number }[] = [];
    for (let i = 0; i < flat.length; i += 3) out.push({ stage: flat[i] as StageName, imageId: flat[i + 1]!, inputIndex: Number(flat[i + 2]) });
    return out;
  }

  /** Every image whose state satisfies `accept`, with that state, scanning the run's image hash (order: Redis'). */
  async scanImageStates(runId: string, accept: (state: ImageState) => boolean): Promise<{ imageId: string; state: ImageState }[]> {
    const out: { imageId: string; state: ImageState }[] = [];
    let cursor = '0';
    do {
      const [next, entries] = await this.redis.hscan(this.keys.images(runId), cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < entries.length; i += 2) {
        const state = parseImageState(entries[i + 1]!);
        if (accept(state)) out.push({ imageId: entries[i]!, state });
      }
    } while (cursor !== '0');
    return out;
  }

  /** Image ids whose state satisfies `accept`, scanning the run's image hash (order: Redis'). */
  async scanImages(runId: string, accept: (state: ImageState) => boolean, limit = Infinity, skip = 0): Promise<string[]> {
    const out: string[] = [];
    let skipped = 0;
    let cursor = '0';
    do {
      const [next, entries] = await this.redis.hscan(this.keys.images(runId), cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < entries.length; i += 2) {
        if (!accept(parseImageState(entries[i + 1]!))) continue;
        if (skipped < skip) skipped++;
        else if (out.length < limit) out.push(entries[i]!);
      }
    } while (cursor !== '0' && out.length < limit);
    return out;
  }

  async listRunIds(tenant: string | undefined, offset: number, limit: number): Promise<{ ids: string[]; total: number }> {
    const key = tenant === undefined ? this.keys.runs : this.keys.tenantRuns(tenant);
    const [ids, total] = await Promise.all([this.redis.zrevrange(key, offset, offset + limit - 1), this.redis.zcard(key)]);
    return { ids, total };
  }

  /** Runs not in a final state, oldest first (the coordinator resumes them at start). */
  async unfinishedRunIds(): Promise<string[]> {
    const ids = await this.redis.zrange(this.keys.runs, 0, -1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.run(id), 'status');
    const statuses = (await pipeline.exec()) ?? [];
    return ids.filter((_, i) => ['pending', 'running', 'exporting'].includes(String(statuses[i]?.[1])));
  }
}

export function parseImageState(value: string): ImageState {
  const [inputIndex, stageIndex, state] = value.split('|');
  return { inputIndex: Number(inputIndex), stageIndex: Number(stageIndex), state: state as ImageState['state'] };
}
