/**
 * A worker processing 5,000 images keeps its memory bounded (issue 7, Faults): one `spatialforge
 * worker` process serving the run's image stages takes 5,000 small RGB-D frames while its resident set
 * is sampled. After warming up it plateaus: the peak over the second half of the images is at most
 * 1.2 × the peak over the first half, and the peak stays under an absolute bound. The figures go to
 * bench/results/reliability.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { removeDir, tempDir } from './factory-support.js';
import { recordReliability } from './support/reliability-report.js';
import { MiB, measureWorkerMemory } from './support/worker-memory.js';
import { SOAK_SAFETY_TIMEOUT_MS } from './support/progress-watch.js';

const IMAGES = 5000;
const WIDTH = 64;
const HEIGHT = 48;
/** Growth allowed from the first half's peak to the second half's. */
const PLATEAU_RATIO = 1.2;
/** A worker with one lift thread on images this small stays far below this. */
const PEAK_BOUND_BYTES = 512 * MiB;

test('a worker processing 5,000 images plateaus in memory', { timeout: SOAK_SAFETY_TIMEOUT_MS }, async () => {
  const dir = await tempDir('memory');
  try {
    const result = await measureWorkerMemory({ dir, images: IMAGES, width: WIDTH, height: HEIGHT, scenes: 250, stallMs: 2 * 60_000 });
    const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
    const figures = {
      command: 'node scripts/run-tests.mjs test/reliability-memory',
      images: IMAGES,
      imageSize: `${WIDTH}x${HEIGHT}`,
      stages: 'ingest,lift,synthesize (one worker process, one lift thread, local store)',
      seconds: Math.round(result.seconds),
      readyRssMiB: mib(result.readyRssBytes),
      peakRssMiB: mib(result.peakRssBytes),
      firstHalfPeakMiB: mib(result.firstHalfPeakBytes),
      secondHalfPeakMiB: mib(result.secondHalfPeakBytes),
      secondToFirstHalfRatio: Math.round((result.secondHalfPeakBytes / result.firstHalfPeakBytes) * 1000) / 1000,
      // Every tenth sample.
      samples: result.samples.filter((_, i) => i % 10 === 0).map((s) => `${Math.round(s.seconds)} s: ${s.images} images, ${mib(s.rssBytes)} MiB`),
    };
    console.log(`worker memory: ${JSON.stringify({ ...figures, samples: undefined })}`);
    await recordReliability('workerMemory', figures);

    assert.equal(result.run.status, 'completed', result.run.error);
    assert.equal(result.run.totals.completed, IMAGES, 'every image went through');
    const halves = [result.samples.filter((s) => s.images < IMAGES / 2).length, result.samples.filter((s) => s.images >= IMAGES / 2).length];
    assert.ok(halves.every((n) => n >= 5), `enough samples in each half: ${halves.join(', ')}`);
    assert.ok(
      result.secondHalfPeakBytes <= PLATEAU_RATIO * result.firstHalfPeakBytes,
      `RSS kept growing: ${figures.secondHalfPeakMiB} MiB peak in the second half against ${figures.firstHalfPeakMiB} MiB in the first`,
    );
    assert.ok(result.peakRssBytes <= PEAK_BOUND_BYTES, `peak RSS ${figures.peakRssMiB} MiB is over ${PEAK_BOUND_BYTES / MiB} MiB`);
  } finally {
    await removeDir(dir);
  }
});
