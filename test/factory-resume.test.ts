/**
 * A coordinator that dies while listing a source: its listing lease lapses, another coordinator takes
 * the run over from the last enqueued window, and the run ends with every input counted once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { STAGES, type RunState } from '@spatialforge/core';
import { listSource } from '@spatialforge/ingest';
import { createFactory, type SourceLister } from '@spatialforge/pipeline';
import { parquetRecords, privateRedis, removeDir, syntheticCorpus, tempDir, uniquePrefix, waitFor } from './factory-support.js';

const SCENES = 24;

test('a run whose coordinator died mid-listing is resumed by another, counting every input once', { timeout: 120_000 }, async () => {
  const dir = await tempDir('resume');
  const redis = await privateRedis(dir);
  const prefix = uniquePrefix();
  const output = join(dir, 'store');
  const corpus = await syntheticCorpus(join(dir, 'corpus'), SCENES, 51);
  // The first coordinator's listing stalls for good after 11 items, as if its process had hung.
  const stalling: SourceLister = async function* (request) {
    let count = 0;
    for await (const item of listSource(request.source)) {
      if (count++ === 11) await new Promise(() => {});
      yield item;
    }
  };
  const first = await createFactory({ redisUrl: redis.url, output, prefix, lister: stalling, listingLeaseMs: 1000 });
  const second = await createFactory({ redisUrl: redis.url, output, prefix, listingLeaseMs: 1000 });
  try {
    const created = await first.coordinator.createRun({ source: { kind: 'uri', uri: corpus }, options: { batchSize: 2, qa: { maxPerImage: 4 } } });
    await waitFor(async () => ((await first.coordinator.getRun(created.id))!.totals.inputs >= 2 ? true : undefined), 20_000, 'the first batches');
    // The first coordinator dies: its connection drops, so its lease is no longer renewed.
    first.redis.disconnect();
    await second.startWorkers([...STAGES], { concurrency: 2, threads: 1 });
    const taken = await waitFor(async () => ((await second.coordinator.resumeRuns()).includes(created.id) ? true : undefined), 20_000, 'the lease to lapse');
    assert.equal(taken, true);
    const run = await waitFor(async () => {
      const state = await second.coordinator.getRun(created.id);
      return state && ['completed', 'failed'].includes(state.status) ? state : undefined;
    }, 90_000, 'the run to end') as RunState;
    assert.equal(run.status, 'completed', run.error);
    assert.deepEqual(
      { inputs: run.totals.inputs, images: run.totals.images, completed: run.totals.completed, duplicates: run.totals.duplicates },
      { inputs: SCENES, images: SCENES, completed: SCENES, duplicates: 0 },
    );
    const dataset = await second.coordinator.dataset(created.id);
    assert.equal(dataset!.records, SCENES);
    const records = await parquetRecords(join(output, 'runs', created.id, 'dataset'));
    assert.equal(records.size, SCENES);
  } finally {
    await second.close();
    await redis.stop();
    await removeDir(dir);
  }
});
