/**
 * Export memory: peak resident memory of writing a dataset in every format (Parquet, JSONL, LLaVA,
 * messages, WebDataset) from synthetic records, for runs of 1,000 and 20,000 images, each in a fresh
 * process. Every image is a distinct 160×120 JPEG of noise (about 15 kB) with a 10-object scene graph
 * and its QA pairs (synthesizeQA at the `run` defaults), and a third of the images carry regions with
 * COCO RLE masks, so every path of the writer is exercised.
 *
 * Goal (issue 15): memory that does not grow with the run: the peak of the 20,000-image run within
 * 10 % of the 1,000-image run's. `BENCH_EXPORT_SIZES=200,2000` picks other sizes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { QARecord } from '@spatialforge/core';
import { DatasetWriter, encodeRle, type RleMask } from '@spatialforge/export';
import { randomBoxScene, synthesizeQA } from '@spatialforge/qa';
import { atMost, writeResults } from './report.js';

const SIZES = (process.env.BENCH_EXPORT_SIZES ?? '1000,20000').split(',').map(Number);
const GOAL_GROWTH = 0.1;
const WIDTH = 160;
const HEIGHT = 120;

interface ChildResult {
  images: number;
  qaPairs: number;
  /** Peak resident set size of the process, MiB. */
  peakRssMiB: number;
  /** Largest V8 heap seen (sampled every 50 images), MiB. */
  peakHeapMiB: number;
  seconds: number;
  datasetMiB: number;
}

/** Images and QA for example `i`, with regions (numbered by the order of the fact's objects) on every third. */
async function example(i: number) {
  const scene = randomBoxScene(i, 10, { width: WIDTH, height: HEIGHT });
  scene.imageId = `bench${String(i).padStart(8, '0')}`;
  const noise = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let p = 0; p < noise.length; p++) noise[p] = ((p + 1) * 2654435761 + i * 40503) >>> 24;
  const bytes = new Uint8Array(await sharp(noise, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 85 }).toBuffer());
  let qa: QARecord[] = synthesizeQA(scene, { seed: 0, units: 'metric', maxPerImage: 24, defaultQuota: 2 }).map((r) => ({ ...r, imageId: scene.imageId }));
  const masks = new Map<string, RleMask>();
  if (i % 3 === 0) {
    const number = new Map(scene.objects.map((o, n) => [o.id, n]));
    qa = qa.map((r) => ({
      ...r,
      regions: r.fact.objects.filter((id) => number.has(id)).map((id) => ({ region: number.get(id)!, id, box: scene.objects[number.get(id)!]!.box2d })),
    }));
    const labels = new Uint8Array(WIDTH * HEIGHT);
    scene.objects.forEach((o, n) => {
      const [x1, y1, x2, y2] = o.box2d.map(Math.round);
      for (let y = y1!; y < y2!; y++) for (let x = x1!; x < x2!; x++) labels[y * WIDTH + x] = n + 1;
      masks.set(o.id, encodeRle(labels, WIDTH, HEIGHT, n + 1));
    });
  }
  return { imageId: scene.imageId, image: { bytes, path: `${scene.imageId}.jpg` }, width: WIDTH, height: HEIGHT, scene, qa, masks };
}

async function child(images: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-bench-export-'));
  try {
    const writer = new DatasetWriter(join(dir, 'dataset'), { formats: ['parquet', 'jsonl', 'llava', 'messages', 'webdataset'], refer: 'regions' });
    let peakHeap = 0;
    const started = performance.now();
    for (let i = 0; i < images; i++) {
      await writer.add(await example(i));
      if (i % 50 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    const summary = await writer.close();
    const seconds = (performance.now() - started) / 1000;
    const result: ChildResult = {
      images,
      qaPairs: summary.qaPairs,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      peakHeapMiB: peakHeap / 2 ** 20,
      seconds,
      datasetMiB: summary.files.reduce((sum, f) => sum + f.bytes, 0) / 2 ** 20,
    };
    console.log(JSON.stringify(result));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]));
} else {
  const rows: ChildResult[] = [];
  for (const images of SIZES) {
    const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(images)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const row = JSON.parse(output.trim().split('\n').pop()!) as ChildResult;
    rows.push(row);
    console.log(
      `${String(images).padStart(7)} images, ${String(row.qaPairs).padStart(7)} QA: peak RSS ${row.peakRssMiB.toFixed(1)} MiB, ` +
        `peak heap ${row.peakHeapMiB.toFixed(1)} MiB, ${(images / row.seconds).toFixed(0)} images/s, dataset ${row.datasetMiB.toFixed(0)} MiB`,
    );
  }
  const growth = rows[rows.length - 1]!.peakRssMiB / rows[0]!.peakRssMiB - 1;
  console.log(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(', ')} on ${cpus().length} cores`);
  const [small, large] = [rows[0]!, rows[rows.length - 1]!];
  writeResults({
    bench: 'export',
    title: `a streaming export of synthetic records (${WIDTH}×${HEIGHT} JPEG, QA with regions) to every format at once, ${SIZES.join(' and ')} images, each in a fresh process`,
    headline: rows.map((row) => ({
      measure: `peak RSS, ${row.images.toLocaleString('en-US')} images (${row.qaPairs.toLocaleString('en-US')} QA, ${row.datasetMiB.toFixed(0)} MiB dataset)`,
      value: `${row.peakRssMiB.toFixed(1)} MiB, ${(row.images / row.seconds).toFixed(0)} images/s`,
    })),
    goals: [atMost(`export peak RSS growth from ${small.images.toLocaleString('en-US')} to ${large.images.toLocaleString('en-US')} images (%)`, growth * 100, GOAL_GROWTH * 100)],
    figures: { formats: ['parquet', 'jsonl', 'llava', 'messages', 'webdataset'], refer: 'regions', rows },
  });
}
