/**
 * Listing leases in Redis: at most one coordinator lists a run's source at a time. The holder renews
 * its lease while it lists and counts each window of ingest batches it enqueued only while it still
 * holds it; a coordinator that dies lets the lease expire, and another one resumes the listing.
 */
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from './keys.js';
import { RunScripts } from './redis-scripts.js';

export class ListingLeases {
  private readonly keys: RedisKeys;
  private readonly scripts: RunScripts;

  constructor(redis: Redis, prefix: string) {
    this.keys = redisKeys(prefix);
    this.scripts = new RunScripts(redis);
  }

  /** Takes (or renews, for its holder) the lease to list a run's source for `ttlMs`; false when another holds it. */
  take(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.scripts.takeLease(this.keys.listingLease(runId), owner, ttlMs);
  }

  release(runId: string, owner: string): Promise<void> {
    return this.scripts.releaseLease(this.keys.listingLease(runId), owner);
  }

  /**
   * Records that ingest batches up to (not including) `batches`, holding `count` more inputs, were
   * written and enqueued — only while `owner` holds the listing lease, so two coordinators can never
   * both count a window. False when the lease was lost.
   */
  addListedBatches(runId: string, owner: string, batches: number, count: number): Promise<boolean> {
    return this.scripts.addListed({ run: this.keys.run(runId), lease: this.keys.listingLease(runId) }, { owner, batches, count, now: Date.now() });
  }
}
