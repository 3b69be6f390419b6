/**
 * A worker processing 5,000 images keeps its memory bounded (issue 7, Faults): one `spatialforge
 * worker` process serving the run's image stages takes 5,000 small RGB-D frames while its resident set
 * is sampled. After warming up it plateaus: the peak over the second half of the images is at most
 * 1.2 × the peak over the first half, and the peak fits the memory the Kubernetes deployment requests
 * for the heaviest stage this worker serves. The figures go to bench/results/reliability.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { removeDir, tempDir } from './factory-support.js';
import { recordReliability } from './support/reliability-report.js';
import { MiB, WORKER_MEMORY_STAGES as STAGES, measureWorkerMemory } from './support/worker-memory.js';
import { SOAK_SAFETY_TIMEOUT_MS } from './support/progress-watch.js';

const IMAGES = 5000;
const WIDTH = 64;
const HEIGHT = 48;
/** Growth allowed from the first half's peak to the second half's. */
const PLATEAU_RATIO = 1.2;

interface Deployment {
  kind: string;
  spec: { template: { spec: { containers: { resources: { requests: { memory: string } } }[] } } };
}

/** A Kubernetes memory quantity (`512Mi`, `1Gi`, `2G`, bytes), in bytes. */
function quantityBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity);
  if (!match) throw new Error(`unreadable memory quantity ${quantity}`);
  const unit = { Ki: 1024, Mi: MiB, Gi: 1024 * MiB, k: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * unit;
}

/**
 * The most memory k8s/base requests for a worker of one of `stages`: a worker serving them all must fit
 * what its heaviest stage is guaranteed. The peak is not compared with a figure picked for one Node:
 * V8's young generation grew between Node 20 and 24 (this worker peaks near 280 MiB on Node 20, 470 on
 * Node 24, where 16 MiB semi-spaces bring it to 385), and higher still on a busy machine (565 MiB on
 * Node 24 in CI, beside the rest of the suite).
 */
function requestedMemoryBytes(stages: string[]): number {
  return Math.max(
    ...stages.map((stage) => {
      const documents = parseAllDocuments(readFileSync(new URL(`../k8s/base/workers/${stage}.yaml`, import.meta.url), 'utf8'));
      const deployment = documents.map((document) => document.toJS() as Deployment).find((document) => document.kind === 'Deployment');
      if (!deployment) throw new Error(`k8s/base/workers/${stage}.yaml has no Deployment`);
      return quantityBytes(deployment.spec.template.spec.containers[0]!.resources.requests.memory);
    }),
  );
}

test('a worker processing 5,000 images plateaus in memory', { timeout: SOAK_SAFETY_TIMEOUT_MS }, async () => {
  const dir = await tempDir('memory');
  try {
    const peakBoundBytes = requestedMemoryBytes(STAGES);
    const result = await measureWorkerMemory({ dir, images: IMAGES, width: WIDTH, height: HEIGHT, scenes: 250, stallMs: 2 * 60_000 });
    const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
    const figures = {
      command: 'node scripts/run-tests.mjs test/reliability-memory',
      images: IMAGES,
      imageSize: `${WIDTH}x${HEIGHT}`,
      stages: `${STAGES.join(',')} (one worker process, one lift thread, local store)`,
      node: process.version,
      seconds: Math.round(result.seconds),
      readyRssMiB: mib(result.readyRssBytes),
      peakRssMiB: mib(result.peakRssBytes),
      firstHalfPeakMiB: mib(result.firstHalfPeakBytes),
      secondHalfPeakMiB: mib(result.secondHalfPeakBytes),
      secondToFirstHalfRatio: Math.round((result.secondHalfPeakBytes / result.firstHalfPeakBytes) * 1000) / 1000,
      peakBoundMiB: mib(peakBoundBytes),
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
    assert.ok(
      result.peakRssBytes <= peakBoundBytes,
      `peak RSS ${figures.peakRssMiB} MiB is over ${figures.peakBoundMiB} MiB, the memory k8s/base requests for a ${STAGES.join(', ')} worker`,
    );
  } finally {
    await removeDir(dir);
  }
});
