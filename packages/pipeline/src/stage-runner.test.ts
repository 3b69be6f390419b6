/**
 * The stage cache around a stage handler, on a real S3 protocol server (s3rver, as in the local
 * stack): a stored output is reused only when it reads back whole. A worker killed while writing its
 * output leaves, on a store whose writes are not atomic, an object cut short; the stage runs again and
 * overwrites it rather than failing the image on every retry (seen in the compose smoke test: three
 * images failed "still failing after retries: … is not valid JSON").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, S3Store } from '@spatialforge/storage';
import { startS3rver } from '@spatialforge/storage/testing';
import { storeKeys } from './keys.js';
import { resolveRunOptions } from './run-options.js';
import { runImageStage, type RunContext } from './stage-runner.js';
import type { ImageStageHandler } from './stage-handler.js';

test('a stored output cut short is run again and overwritten; a whole one is reused', async () => {
  const s3 = await startS3rver(['cache']);
  const store = new S3Store({ ...s3.options, bucket: 'cache', prefix: 'stage-runner' });
  try {
    const run: RunContext = { runId: 'r1', options: resolveRunOptions(), path: ['ingest', 'lift'], digests: { ingest: 'd-ingest', lift: 'd-lift' } };
    const whole = { objects: [{ id: 'o1', label: 'chair', height: 0.82 }] };
    let runs = 0;
    // Two handlers: with a summary (the cache reads the output back) and without one.
    const handlers: ImageStageHandler<typeof whole>[] = [
      { kind: 'image', identity: () => 'test', run: async () => (runs++, whole), summarize: (o) => ({ qaByType: { height: o.objects.length } }) },
      { kind: 'image', identity: () => 'test', run: async () => (runs++, whole) },
    ];
    for (const [k, handler] of handlers.entries()) {
      const imageId = `image-${k}`;
      const key = storeKeys.stageOutput('lift', 'd-lift', imageId);
      // What a killed writer leaves: the first bytes of the JSON.
      await store.put(key, JSON.stringify(whole).slice(0, 17));
      runs = 0;
      const first = await runImageStage(handler, 'lift', imageId, run, store);
      assert.equal(first.reused, false, 'an output cut short is not reused');
      assert.equal(runs, 1, 'the stage ran again');
      assert.deepEqual(await getJson(store, key), whole, 'and overwrote it whole');
      const second = await runImageStage(handler, 'lift', imageId, run, store);
      assert.equal(second.reused, true, 'a whole output is reused');
      assert.equal(runs, 1, 'without running the stage');
      if (handler.summarize) assert.deepEqual(second.qaByType, { height: 1 }, 'its summary read from the stored output');
    }
  } finally {
    await store.close();
    await s3.close();
  }
});
