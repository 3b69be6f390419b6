/** The workers a factory has: each process's stage workers write a heartbeat into one Redis hash. */
import type { WorkerInfo } from '@spatialforge/core';
import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';

export class WorkerRegistry {
  private readonly key: string;

  constructor(private readonly redis: Redis, prefix: string) {
    this.key = redisKeys(prefix).workers;
  }

  async heartbeat(worker: WorkerInfo): Promise<void> {
    await this.redis.hset(this.key, worker.id, JSON.stringify(worker));
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(this.key, id);
  }

  /** Workers seen within `staleMs`; older entries are removed. */
  async live(staleMs: number): Promise<WorkerInfo[]> {
    const all = Object.values(await this.redis.hgetall(this.key)).map((raw) => JSON.parse(raw) as WorkerInfo);
    const now = Date.now();
    const stale = all.filter((w) => now - Date.parse(w.lastHeartbeat) > staleMs);
    if (stale.length) await this.redis.hdel(this.key, ...stale.map((w) => w.id));
    return all.filter((w) => !stale.includes(w)).sort((a, b) => a.id.localeCompare(b.id));
  }
}
