/**
 * Run state in Redis: the thin repository the coordinator and the workers share. Per run it keeps one
 * hash of metadata and counters, one hash of image states (`<inputIndex>|<stageIndex>|<d|f|x>`: done,
 * failed or dropped at that stage), one bitmap of recorded inputs, a list of failures and a hash of
 * active batches. Every transition is a Lua script that changes a counter only when the image's state
 * changes, so a batch that runs twice (a retry, a worker killed mid-batch) counts each image once.
 */
import { STAGES, type ImageFailure, type RunOptions, type RunSource, type RunStatus, type StageName, type WorkerInfo } from '@spatialforge/core';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from './keys.js';

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
/** What became of an image at a stage: done (hand it on), failed, dropped, or unknown to the run. */
export type ImageStateCode = 'd' | 'f' | 'x' | 'missing';
export type IngestAnswer = 'new' | 'duplicate' | 'failed';

export interface ImageState {
  inputIndex: number;
  /** Index in STAGES of the last stage the image reached. */
  stageIndex: number;
  state: 'd' | 'f' | 'x';
}

/** Run descriptions a process keeps in memory. */
const META_CACHE_SIZE = 1000;

const COMPLETE = `
local function complete()
  local v = redis.call('HMGET', KEYS[1], 'listed', 'inputs', 'completed', 'failed', 'duplicates', 'filtered')
  if v[1] ~= '1' then return 0 end
  local terminal = (tonumber(v[3]) or 0) + (tonumber(v[4]) or 0) + (tonumber(v[5]) or 0) + (tonumber(v[6]) or 0)
  if terminal >= (tonumber(v[2]) or 0) then return 1 end
  return 0
end
local function touch(stage, now)
  redis.call('HSETNX', KEYS[1], stage .. ':first', now)
  redis.call('HSET', KEYS[1], stage .. ':last', now, 'updatedAt', now)
end
`;

// KEYS: run, images, seen, failures. ARGV: inputIndex, imageId, outcome, reused, next, failure, now
const RECORD_INGEST = `${COMPLETE}
local index = ARGV[1]
local already = redis.call('SETBIT', KEYS[3], index, 1) == 1
if ARGV[3] == 'failed' then
  if already then return {'failed', complete(), 0} end
  redis.call('HINCRBY', KEYS[1], 'ingest:failed', 1)
  redis.call('HINCRBY', KEYS[1], 'failed', 1)
  redis.call('RPUSH', KEYS[4], ARGV[6])
  touch('ingest', ARGV[7])
  return {'failed', complete(), 1}
end
if already then
  local cur = redis.call('HGET', KEYS[2], ARGV[2])
  if not cur then return {'failed', complete(), 0} end
  local idx, stage, st = string.match(cur, '^(%d+)|(%d+)|(%a)$')
  if idx ~= index then return {'duplicate', complete(), 0} end
  if st == 'd' then return {'new', complete(), 0} end
  return {'failed', complete(), 0}
end
redis.call('HINCRBY', KEYS[1], 'ingest:done', 1)
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[1], 'ingest:reused', 1) end
touch('ingest', ARGV[7])
if redis.call('HSETNX', KEYS[2], ARGV[2], index .. '|0|d') == 0 then
  redis.call('HINCRBY', KEYS[1], 'duplicates', 1)
  return {'duplicate', complete(), 1}
end
redis.call('HINCRBY', KEYS[1], 'images', 1)
redis.call('HINCRBY', KEYS[1], ARGV[5] .. ':queued', 1)
return {'new', complete(), 1}
`;

// KEYS: run, images, failures. ARGV: imageId, stageIndex, stage, next, outcome, reused, qaPairs, failure, isLast, now
const RECORD_IMAGE = `${COMPLETE}
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if not cur then return {'missing', complete(), 0} end
local idx, stage, st = string.match(cur, '^(%d+)|(%d+)|(%a)$')
if tonumber(stage) >= tonumber(ARGV[2]) or st ~= 'd' then return {st, complete(), 0} end
local s = ARGV[3]
touch(s, ARGV[10])
if ARGV[5] == 'done' then
  redis.call('HSET', KEYS[2], ARGV[1], idx .. '|' .. ARGV[2] .. '|d')
  redis.call('HINCRBY', KEYS[1], s .. ':done', 1)
  if ARGV[6] == '1' then redis.call('HINCRBY', KEYS[1], s .. ':reused', 1) end
  if tonumber(ARGV[7]) > 0 then redis.call('HINCRBY', KEYS[1], 'qaPairs', ARGV[7]) end
  if ARGV[4] ~= '' then redis.call('HINCRBY', KEYS[1], ARGV[4] .. ':queued', 1) end
  if ARGV[9] == '1' then redis.call('HINCRBY', KEYS[1], 'completed', 1) end
  return {'d', complete(), 1}
elseif ARGV[5] == 'failed' then
  redis.call('HSET', KEYS[2], ARGV[1], idx .. '|' .. ARGV[2] .. '|f')
  redis.call('HINCRBY', KEYS[1], s .. ':failed', 1)
  redis.call('HINCRBY', KEYS[1], 'failed', 1)
  redis.call('RPUSH', KEYS[3], ARGV[8])
  return {'f', complete(), 1}
end
redis.call('HSET', KEYS[2], ARGV[1], idx .. '|' .. ARGV[2] .. '|x')
redis.call('HINCRBY', KEYS[1], s .. ':dropped', 1)
redis.call('HINCRBY', KEYS[1], 'filtered', 1)
return {'x', complete(), 1}
`;

// KEYS: run. ARGV: status, now, error, allowed-from (comma-separated, '' for any)
const SET_STATUS = `
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return 0 end
if ARGV[4] ~= '' then
  local ok = false
  for s in string.gmatch(ARGV[4], '[^,]+') do if s == cur then ok = true end end
  if not ok then return 0 end
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[3]) end
return 1
`;

// KEYS: run, images, seen, failures. ARGV: JSON {stage: STAGES index of the stage before it in the run}, now
// Returns a flat list of stage, imageId ('' for ingest), inputIndex for every image put back.
const RETRY_FAILED = `
local previous = cjson.decode(ARGV[1])
local out = {}
for _, raw in ipairs(redis.call('LRANGE', KEYS[4], 0, -1)) do
  local f = cjson.decode(raw)
  if f.stage == 'ingest' then
    redis.call('SETBIT', KEYS[3], f.inputIndex, 0)
    redis.call('HINCRBY', KEYS[1], 'ingest:failed', -1)
    redis.call('HINCRBY', KEYS[1], 'failed', -1)
    table.insert(out, 'ingest'); table.insert(out, ''); table.insert(out, tostring(f.inputIndex))
  else
    local cur = redis.call('HGET', KEYS[2], f.imageId)
    if cur then
      local idx, stage, st = string.match(cur, '^(%d+)|(%d+)|(%a)$')
      if st == 'f' and previous[f.stage] ~= nil then
        redis.call('HSET', KEYS[2], f.imageId, idx .. '|' .. previous[f.stage] .. '|d')
        redis.call('HINCRBY', KEYS[1], f.stage .. ':failed', -1)
        redis.call('HINCRBY', KEYS[1], 'failed', -1)
        table.insert(out, f.stage); table.insert(out, f.imageId); table.insert(out, idx)
      end
    end
  end
end
redis.call('DEL', KEYS[4])
redis.call('HINCRBY', KEYS[1], 'exportGeneration', 1)
redis.call('HDEL', KEYS[1], 'error')
redis.call('HSET', KEYS[1], 'status', 'running', 'updatedAt', ARGV[2])
return out
`;

// KEYS: run, lease. ARGV: owner, batches, count, now
const ADD_LISTED = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'inputs', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'ingest:queued', ARGV[3])
redis.call('HSET', KEYS[1], 'batches', ARGV[2], 'updatedAt', ARGV[4])
return 1
`;

// KEYS: lease. ARGV: owner, ttl ms
const LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

// KEYS: lease. ARGV: owner
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

interface ScriptedRedis extends Redis {
  sfAddListed(...args: (string | number)[]): Promise<number>;
  sfLease(...args: (string | number)[]): Promise<number>;
  sfRelease(...args: (string | number)[]): Promise<number>;
  sfRecordIngest(...args: (string | number)[]): Promise<[IngestAnswer, number, number]>;
  sfRecordImage(...args: (string | number)[]): Promise<[ImageStateCode, number, number]>;
  sfSetStatus(...args: (string | number)[]): Promise<number>;
  sfRetryFailed(...args: (string | number)[]): Promise<string[]>;
}

export class RunStateStore {
  readonly keys: RedisKeys;
  private readonly redis: ScriptedRedis;
  private readonly metaCache = new Map<string, RunMeta>();

  constructor(redis: Redis, readonly prefix: string) {
    this.keys = redisKeys(prefix);
    this.redis = redis as ScriptedRedis;
    if (!('sfRecordImage' in redis)) {
      redis.defineCommand('sfRecordIngest', { numberOfKeys: 4, lua: RECORD_INGEST });
      redis.defineCommand('sfRecordImage', { numberOfKeys: 3, lua: RECORD_IMAGE });
      redis.defineCommand('sfSetStatus', { numberOfKeys: 1, lua: SET_STATUS });
      redis.defineCommand('sfRetryFailed', { numberOfKeys: 4, lua: RETRY_FAILED });
      redis.defineCommand('sfAddListed', { numberOfKeys: 2, lua: ADD_LISTED });
      redis.defineCommand('sfLease', { numberOfKeys: 1, lua: LEASE });
      redis.defineCommand('sfRelease', { numberOfKeys: 1, lua: RELEASE });
    }
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
    return (await this.redis.sfSetStatus(this.keys.run(runId), status, Date.now(), error, from.join(','))) === 1;
  }

  async setCounter(runId: string, field: string, value: number): Promise<void> {
    await this.redis.hset(this.keys.run(runId), field, value, 'updatedAt', Date.now());
  }

  async exportGeneration(runId: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.run(runId), 'exportGeneration')) ?? 0);
  }

  /**
   * Records that ingest batches up to (not including) `batches`, holding `count` more inputs, were
   * written and enqueued — only while `owner` holds the listing lease, so two coordinators can never
   * both count a window. False when the lease was lost.
   */
  async addListedBatches(runId: string, owner: string, batches: number, count: number): Promise<boolean> {
    return (await this.redis.sfAddListed(this.keys.run(runId), this.keys.listingLease(runId), owner, batches, count, Date.now())) === 1;
  }

  /** Takes (or renews, for its holder) the lease to list a run's source for `ttlMs`; false when another holds it. */
  async leaseListing(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.sfLease(this.keys.listingLease(runId), owner, ttlMs)) === 1;
  }

  async releaseListing(runId: string, owner: string): Promise<void> {
    await this.redis.sfRelease(this.keys.listingLease(runId), owner);
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
    const [answer, complete, changed] = await this.redis.sfRecordIngest(
      this.keys.run(runId), this.keys.images(runId), this.keys.seenInputs(runId), this.keys.failures(runId),
      r.inputIndex, r.imageId ?? '', r.outcome, r.reused ? 1 : 0, r.next, r.failure ? JSON.stringify(r.failure) : '', Date.now(),
    );
    return { answer, complete: complete === 1, changed: changed === 1 };
  }

  async recordImage(runId: string, r: {
    imageId: string; stage: StageName; next?: StageName; outcome: ImageOutcome; reused?: boolean; qaPairs?: number;
    failure?: StoredFailure; isLast: boolean;
  }): Promise<{ state: ImageStateCode; complete: boolean; changed: boolean }> {
    const [state, complete, changed] = await this.redis.sfRecordImage(
      this.keys.run(runId), this.keys.images(runId), this.keys.failures(runId),
      r.imageId, STAGES.indexOf(r.stage), r.stage, r.next ?? '', r.outcome,
      r.reused ? 1 : 0, r.qaPairs ?? 0, r.failure ? JSON.stringify(r.failure) : '', r.isLast ? 1 : 0, Date.now(),
    );
    return { state, complete: complete === 1, changed: changed === 1 };
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
    const flat = await this.redis.sfRetryFailed(
      this.keys.run(runId), this.keys.images(runId), this.keys.seenInputs(runId), this.keys.failures(runId),
      JSON.stringify(previous), Date.now(),
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

  async heartbeat(worker: WorkerInfo): Promise<void> {
    await this.redis.hset(this.keys.workers, worker.id, JSON.stringify(worker));
  }

  async removeWorker(id: string): Promise<void> {
    await this.redis.hdel(this.keys.workers, id);
  }

  /** Workers seen within `staleMs`; older entries are removed. */
  async workers(staleMs: number): Promise<WorkerInfo[]> {
    const all = Object.values(await this.redis.hgetall(this.keys.workers)).map((raw) => JSON.parse(raw) as WorkerInfo);
    const now = Date.now();
    const stale = all.filter((w) => now - Date.parse(w.lastHeartbeat) > staleMs);
    if (stale.length) await this.redis.hdel(this.keys.workers, ...stale.map((w) => w.id));
    return all.filter((w) => !stale.includes(w)).sort((a, b) => a.id.localeCompare(b.id));
  }
}

export function parseImageState(value: string): ImageState {
  const [inputIndex, stageIndex, state] = value.split('|');
  return { inputIndex: Number(inputIndex), stageIndex: Number(stageIndex), state: state as ImageState['state'] };
}
