/**
 * Measures one `spatialforge worker` process's memory while it processes a corpus: its resident set
 * (VmRSS from /proc/<pid>/status, threads included) is sampled as the images go through, and the
 * peaks of the first and the second half of the images are compared. A worker that holds on to
 * something per image grows through the second half; a bounded one plateaus after warming up.
 *
 * The worker serves every image stage of the run (ingest, lift, synthesize); the export, a one-off
 * per run whose memory is not per image, runs in this process. The store is a local folder.
 * Used by test/reliability-memory.test.ts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RunOptions, RunState } from '@spatialforge/core';
import { createFactory, writeDemoInput, type Factory } from '@spatialforge/pipeline';
import { startRedis, type RedisServer } from '@spatialforge/queue';
import { startCli, uniquePrefix, type CliProcess } from '../factory-support.js';
import { ProgressWatch, runProgress } from './progress-watch.js';

export interface WorkerMemoryOptions {
  /** Folder for the corpus, Redis and the store (the caller removes it). */
  dir: string;
  images: number;
  /** Image size, pixels. */
  width: number;
  height: number;
  /** Distinct synthetic scenes; the other images are variants of them (one pixel changed each). */
  scenes: number;
  /** Milliseconds between samples. @defaultValue 250 */
  sampleMs?: number;
  /** Longest the run may go without an image finishing a stage (or the export moving on), milliseconds. */
  stallMs: number;
}

export interface MemorySample {
  /** Seconds since the run was created. */
  seconds: number;
  /** Images through the worker's last stage (synthesize) so far. */
  images: number;
  rssBytes: number;
}

export interface WorkerMemoryResult {
  images: number;
  seconds: number;
  /** RSS once the worker was ready, before any image. */
  readyRssBytes: number;
  peakRssBytes: number;
  /** Peak while the first half of the images went through, and while the second half did. */
  firstHalfPeakBytes: number;
  secondHalfPeakBytes: number;
  samples: MemorySample[];
  run: RunState;
}

/** The stages the measured worker process serves. */
export const WORKER_MEMORY_STAGES = ['ingest', 'lift', 'synthesize'];

const OPTIONS: Partial<RunOptions> = { batchSize: 16, qa: { maxPerImage: 3 }, stages: ['ingest', 'lift', 'synthesize', 'export'] };

/** Writes `images` inputs: `scenes` synthetic RGB-D scenes and single-pixel variants of their pictures. */
async function writeCorpus(dir: string, options: WorkerMemoryOptions): Promise<string> {
  const scenesManifest = await writeDemoInput(join(dir, 'scenes'), { scenes: options.scenes, seed: 11, width: options.width, height: options.height });
  const frames = (await readFile(scenesManifest, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { image: string; [key: string]: unknown });
  await mkdir(join(dir, 'scenes', 'variants'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < options.images; i++) {
    const frame = frames[i % frames.length]!;
    const variant = Math.floor(i / frames.length);
    if (variant === 0) {
      lines.push(JSON.stringify(frame));
      continue;
    }
    // Variant v flips the top bit of pixel v's red channel: a different picture, the same depth and masks.
    const { data, info } = await sharp(join(dir, 'scenes', frame.image)).raw().toBuffer({ resolveWithObject: true });
    data[(variant % (info.width * info.height)) * info.channels]! ^= 0x80;
    const image = `variants/${i}.png`;
    await writeFile(join(dir, 'scenes', image), await sharp(data, { raw: info }).png().toBuffer());
    lines.push(JSON.stringify({ ...frame, image }));
  }
  const manifest = join(dir, 'scenes', 'memory.jsonl');
  await writeFile(manifest, `${lines.join('\n')}\n`);
  return manifest;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

export async function measureWorkerMemory(options: WorkerMemoryOptions): Promise<WorkerMemoryResult> {
  const manifest = await writeCorpus(join(options.dir, 'corpus'), options);
  let redis: RedisServer | undefined;
  let worker: CliProcess | undefined;
  let factory: Factory | undefined;
  try {
    redis = await startRedis({ dir: join(options.dir, 'redis'), appendOnly: false });
    const prefix = uniquePrefix();
    const output = join(options.dir, 'store');
    const env = { REDIS_URL: redis.url, OUTPUT: output, QUEUE_PREFIX: prefix, WORKER_THREADS: '1', WORKER_HEARTBEAT_SECONDS: '1' };
    worker = startCli(['worker', '--port', '0', '--stages', WORKER_MEMORY_STAGES.join(',')], env);
    factory = await createFactory({ redisUrl: redis.url, output, prefix, heartbeatSeconds: 1 });
    await factory.startCoordinator();
    await factory.startWorkers(['export'], { threads: 1 });
    await worker.waitForOutput(/worker ready/, 120_000);
    const pid = worker.child.pid!;
    const readyRssBytes = rssBytes(pid);

    const created = await factory.coordinator.createRun({ source: { kind: 'uri', uri: manifest }, options: OPTIONS });
    const started = Date.now();
    const samples: MemorySample[] = [];
    const watch = new ProgressWatch(options.stallMs, `the ${options.images}-image run`);
    let run: RunState | undefined;
    for (;;) {
      run = (await factory.coordinator.getRun(created.id))!;
      const images = run.stages.find((s) => s.stage === 'synthesize')!.done;
      if (worker.child.exitCode !== null) throw new Error(`the worker exited (${worker.child.exitCode}):\n${worker.output().slice(-3000)}`);
      samples.push({ seconds: (Date.now() - started) / 1000, images, rssBytes: rssBytes(pid) });
      if (run.status !== 'running' && run.status !== 'pending') break;
      watch.check(runProgress(run), () => JSON.stringify(run!.stages));
      await new Promise((resolve) => setTimeout(resolve, options.sampleMs ?? 250));
    }
    const seconds = (Date.now() - started) / 1000;
    while (run.status === 'exporting') {
      await new Promise((resolve) => setTimeout(resolve, 250));
      run = (await factory.coordinator.getRun(created.id))!;
      watch.check(runProgress(run), () => `exporting: ${JSON.stringify(run!.stages)}`);
    }
    const half = options.images / 2;
    const peak = (list: MemorySample[]) => Math.max(0, ...list.map((s) => s.rssBytes));
    return {
      images: options.images,
      seconds,
      readyRssBytes,
      peakRssBytes: peak(samples),
      firstHalfPeakBytes: peak(samples.filter((s) => s.images < half)),
      secondHalfPeakBytes: peak(samples.filter((s) => s.images >= half)),
      samples,
      run,
    };
  } finally {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await factory?.close();
    await redis?.stop();
  }
}

export const MiB = 1024 * 1024;
