/**
 * The factory end to end against its own parts. The same synthetic RGB-D frames (640×480, the demo's
 * corpus) go, in the same process and the same run of the benchmark:
 *
 * 1. through the pure functions alone, one frame after another on one thread: ingest's
 *    `normaliseFrame`, `loadFrame` + `liftFrame` on the normalised bytes, `synthesizeQA`, and the
 *    export's `DatasetWriter` (Parquet, JSONL, LLaVA, the image files). This is the work a frame needs.
 * 2. through the real `spatialforge run` path (`LocalRun`: coordinator and every stage's workers in
 *    one process, a redis-server with AOF, the folder store, the CPU pool for lift and synthesize),
 *    with every handler timed from inside (bench/e2e-stage.ts wraps each real handler).
 *
 * CPU time is the process's (all its threads: JavaScript, the CPU pool, libvips, GC) plus, for the run,
 * redis-server's. Goal (issue 14): the run's CPU per image ≤ 1.3× the pure loop's. The breakdown
 * shows where the rest goes: per stage the handler's wall and thread CPU against its pure function,
 * the threads outside the handlers, Redis commands and store objects per image.
 *
 * Frames: E2E_FRAMES (default 1000). Run: E2E_FRAMES=100 npm run bench e2e   (writes bench/results/e2e.json)
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import type { FrameManifest, RunOptions, StageName } from '@spatialforge/core';
import { STAGES } from '@spatialforge/core';
import { DatasetWriter } from '@spatialforge/export';
import { listSource, normaliseFrame, type SourceItem } from '@spatialforge/ingest';
import { LocalRun, StageRegistry, resolveRunOptions, stageRegistry, writeDemoInput } from '@spatialforge/pipeline';
import { synthesizeQA } from '@spatialforge/qa';
import { openRedis, startRedis } from '@spatialforge/queue';
import { liftFrame, loadFrame } from '@spatialforge/scene';
import { CHANNEL, type HandlerSpan } from './e2e-channel.js';
import { atMost, writeResults } from './report.js';

const FRAMES = Number(process.env.E2E_FRAMES ?? 1000);
if (!Number.isInteger(FRAMES) || FRAMES < 1) throw new Error(`E2E_FRAMES must be a whole number ≥ 1, got ${process.env.E2E_FRAMES}`);
const GOAL_RATIO = 1.3;
/** The pure functions a stage's handler is built around (stages without one only move data). */
const PURE_OF: Partial<Record<StageName, string>> = { ingest: 'normaliseFrame', lift: 'loadFrame + liftFrame', synthesize: 'synthesizeQA', export: 'DatasetWriter' };

const cpuSeconds = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
};
/** CPU seconds this process spent in the kernel (file writes and their fsyncs, reads, sockets). */
const systemSeconds = () => process.cpuUsage().system / 1e6;

/** CPU seconds of one thread of this process (Linux schedstat). */
const taskCpuSeconds = (tid: number) => {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return 0;
  }
};

const allTasksCpu = () => new Map(readdirSync('/proc/self/task').map((t) => [Number(t), taskCpuSeconds(Number(t))]));

async function items(manifest: string): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of listSource({ kind: 'uri', uri: manifest })) out.push(item);
  return out;
}

/** The pure loop: every frame through the four functions, one after another. Returns CPU seconds per function. */
async function pureLoop(frames: SourceItem[], options: RunOptions, outDir: string) {
  const seconds = { normaliseFrame: 0, 'loadFrame + liftFrame': 0, synthesizeQA: 0, DatasetWriter: 0 };
  const time = async <T>(name: keyof typeof seconds, work: () => Promise<T> | T): Promise<T> => {
    const start = cpuSeconds();
    const result = await work();
    seconds[name] += cpuSeconds() - start;
    return result;
  };
  const wallStart = performance.now();
  const mainStart = taskCpuSeconds(process.pid);
  const processStart = cpuSeconds();
  const systemStart = systemSeconds();
  const writer = new DatasetWriter(outDir, { formats: options.formats, name: 'e2e-bench', units: options.units, description: 'end-to-end bench' });
  let qaPairs = 0;
  for (const item of frames) {
    const normalised = await time('normaliseFrame', () => normaliseFrame(item, { maxSide: options.maxSide }));
    const files = new Map<string, Uint8Array>([['image.jpg', normalised.image.bytes]]);
    if (normalised.depth) files.set('depth.npy', normalised.depth.npy);
    for (const mask of normalised.masks) files.set(mask.name, mask.png);
    const manifest: FrameManifest = { image: 'image.jpg', depth: normalised.depth && { uri: 'depth.npy' }, intrinsics: normalised.intrinsics, objects: normalised.objects };
    const scene = await time('loadFrame + liftFrame', async () => {
      const frame = await loadFrame(manifest, async (key) => files.get(key)!, { imageId: normalised.image.imageId, sourceName: item.input, fovDegrees: options.fovDegrees });
      return liftFrame(frame, { seed: options.seed });
    });
    const qa = await time('synthesizeQA', () => synthesizeQA(scene, { ...options.qa, units: options.units, seed: options.seed }));
    qaPairs += qa.length;
    await time('DatasetWriter', () => writer.add({
      imageId: normalised.image.imageId, image: { bytes: normalised.image.bytes, path: `${normalised.image.imageId}.jpg` },
      width: normalised.image.width, height: normalised.image.height, scene, qa,
    }));
  }
  await time('DatasetWriter', () => writer.close());
  const total = cpuSeconds() - processStart;
  const mainThread = taskCpuSeconds(process.pid) - mainStart;
  return { cpuSeconds: total, wallSeconds: (performance.now() - wallStart) / 1000, byFunction: seconds, threads: { mainThread, others: total - mainThread }, kernelSeconds: systemSeconds() - systemStart, qaPairs };
}

/** The registry with every handler wrapped in bench/e2e-stage.ts (same identities, same digests). */
function timedRegistry(): StageRegistry {
  return new StageRegistry(stageRegistry.all().map((definition) => {
    const url = new URL('./e2e-stage.ts', import.meta.url);
    url.searchParams.set('stage', definition.stage);
    url.searchParams.set('module', definition.module);
    return { ...definition, module: url.href };
  }));
}

function redisInfo(text: string): Map<string, string> {
  return new Map(text.split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
}

/** Redis calls by command (`INFO commandstats`) and CPU seconds of redis-server (`INFO cpu`). */
async function redisCounters(redis: ReturnType<typeof openRedis>) {
  const info = redisInfo(await redis.info('all'));
  const calls: Record<string, number> = {};
  for (const [key, value] of info) {
    if (key.startsWith('cmdstat_')) calls[key.slice(8)] = Number(/calls=(\d+)/.exec(value)![1]);
  }
  const cpu = ['used_cpu_user', 'used_cpu_sys', 'used_cpu_user_children', 'used_cpu_sys_children'].reduce((sum, k) => sum + Number(info.get(k) ?? 0), 0);
  return { calls, cpuSeconds: cpu };
}

/** Files and bytes the run left in the store, by top-level area and stage (`cache/lift`, `images`, ...). */
function storeObjects(root: string): Record<string, { files: number; bytes: number }> {
  const out: Record<string, { files: number; bytes: number }> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const parts = relative(root, path).split(sep);
        const area = parts[0] === 'cache' ? `cache/${parts[1]}` : parts[0] === 'runs' ? `runs/${parts[2]}` : parts[0]!;
        out[area] ??= { files: 0, bytes: 0 };
        out[area].files++;
        out[area].bytes += statSync(path).size;
      }
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

async function endToEnd(manifest: string, dir: string, options: RunOptions) {
  const redisServer = await startRedis({ dir: join(dir, 'redis') });
  const previousUrl = process.env.REDIS_URL;
  process.env.REDIS_URL = redisServer.url;
  const redis = openRedis(redisServer.url);
  const spans: HandlerSpan[] = [];
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event) => spans.push((event as { data: HandlerSpan }).data);
  const out = join(dir, 'run');
  const local = new LocalRun({ input: manifest, out, options, registry: timedRegistry(), log: (line) => process.stderr.write(`${line}\n`) });
  try {
    const redisBefore = await redisCounters(redis);
    const tasksBefore = allTasksCpu();
    const cpuStart = cpuSeconds();
    const systemStart = systemSeconds();
    const wallStart = performance.now();
    await local.start();
    const result = await local.finish(undefined, 500);
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const processCpu = cpuSeconds() - cpuStart;
    const kernelSeconds = systemSeconds() - systemStart;
    const tasksAfter = allTasksCpu();
    const redisAfter = await redisCounters(redis);
    if (result.run.status !== 'completed') throw new Error(`the run ended ${result.run.status}: ${result.run.error ?? ''}`);
    // Spans posted just before completion may still be in flight on the channel.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const threadDelta = (tid: number) => (tasksAfter.get(tid) ?? 0) - (tasksBefore.get(tid) ?? 0);
    const poolThreads = new Set(spans.filter((s) => s.tid !== process.pid).map((s) => s.tid));
    const mainThread = threadDelta(process.pid);
    const pool = [...poolThreads].reduce((sum, tid) => sum + threadDelta(tid), 0);
    // A pool thread's CPU before its first handler call: loading tsx, the handler modules and the store.
    const poolStartup = [...poolThreads].reduce((sum, tid) => sum + Math.min(...spans.filter((s) => s.tid === tid).map((s) => s.threadCpuBeforeMs)) / 1000, 0);
    const calls: Record<string, number> = {};
    for (const [command, n] of Object.entries(redisAfter.calls)) {
      const delta = n - (redisBefore.calls[command] ?? 0);
      if (delta > 0) calls[command] = delta;
    }
    return {
      wallSeconds,
      processCpuSeconds: processCpu,
      kernelSeconds,
      redisCpuSeconds: redisAfter.cpuSeconds - redisBefore.cpuSeconds,
      threads: { mainThread, cpuPool: pool, cpuPoolStartup: poolStartup, cpuPoolThreads: poolThreads.size, others: processCpu - mainThread - pool },
      spans,
      redisCalls: calls,
      store: storeObjects(join(out, '.store')),
      qaPairs: result.run.totals.qaPairs,
      completed: result.run.totals.completed,
    };
  } finally {
    channel.close();
    await local.stop();
    redis.disconnect();
    await redisServer.stop();
    if (previousUrl === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = previousUrl;
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-bench-e2e-'));
  try {
    const inputStart = performance.now();
    const manifest = await writeDemoInput(join(dir, 'input'), { scenes: FRAMES, seed: 14 });
    const inputSeconds = (performance.now() - inputStart) / 1000;
    const frames = await items(manifest);
    const options = resolveRunOptions({});
    // Warm-up: JIT and page cache for both sides.
    await pureLoop(frames.slice(0, Math.min(10, FRAMES)), options, join(dir, 'warm-up'));
    const pure = await pureLoop(frames, options, join(dir, 'pure'));
    const run = await endToEnd(manifest, dir, options);
    const images = run.completed;
    if (images !== FRAMES) throw new Error(`${FRAMES} frames in, ${images} completed`);

    const pureCpuPerImage = pure.cpuSeconds / FRAMES;
    const runCpuPerImage = (run.processCpuSeconds + run.redisCpuSeconds) / images;
    const ratio = runCpuPerImage / pureCpuPerImage;
    const ms = (seconds: number) => seconds * 1000;

    const stageRows = STAGES.map((stage) => {
      const spans = run.spans.filter((s) => s.stage === stage);
      const perImage = (sum: number) => sum / images;
      const pureName = PURE_OF[stage];
      const pureMs = pureName ? ms(pure.byFunction[pureName as keyof typeof pure.byFunction]) / FRAMES : 0;
      const onPool = spans.some((s) => s.tid !== process.pid);
      return {
        stage,
        calls: spans.length,
        handlerWallMsPerImage: perImage(spans.reduce((sum, s) => sum + s.wallMs, 0)),
        // Only a pool thread runs one handler at a time: on the main thread, handlers interleave.
        handlerThreadCpuMsPerImage: onPool ? perImage(spans.reduce((sum, s) => sum + s.threadCpuMs, 0)) : undefined,
        pureFunction: pureName,
        pureCpuMsPerImage: pureName ? pureMs : undefined,
      };
    });
    const redisCallsPerImage = Object.values(run.redisCalls).reduce((a, b) => a + b, 0) / images;
    const storeFilesPerImage = Object.values(run.store).reduce((a, b) => a + b.files, 0) / images;

    console.log(`\n${FRAMES} synthetic 640×480 RGB-D frames (input written in ${inputSeconds.toFixed(1)} s)`);
    console.log(`pure loop, one thread:  ${(FRAMES / pure.wallSeconds).toFixed(1)} images/s, ${ms(pureCpuPerImage).toFixed(1)} CPU ms/image ` +
      `(main thread ${ms(pure.threads.mainThread / FRAMES).toFixed(1)}, in the kernel ${ms(pure.kernelSeconds / FRAMES).toFixed(1)}, other threads ${ms(pure.threads.others / FRAMES).toFixed(1)}; ${Object.entries(pure.byFunction).map(([k, v]) => `${k} ${ms(v / FRAMES).toFixed(1)}`).join(', ')})`);
    console.log(`spatialforge run:       ${(images / run.wallSeconds).toFixed(1)} images/s, ${ms(runCpuPerImage).toFixed(1)} CPU ms/image ` +
      `(process ${ms(run.processCpuSeconds / images).toFixed(1)}, in the kernel ${ms(run.kernelSeconds / images).toFixed(1)}: main thread ${ms(run.threads.mainThread / images).toFixed(1)}, CPU pool ${ms(run.threads.cpuPool / images).toFixed(1)} (start-up ${ms(run.threads.cpuPoolStartup / images).toFixed(1)}), other threads ${ms(run.threads.others / images).toFixed(1)}; redis-server ${ms(run.redisCpuSeconds / images).toFixed(1)})`);
    console.log(`ratio: ${ratio.toFixed(2)}× the pure loop's CPU per image (goal ≤ ${GOAL_RATIO}×)`);
    console.log('stage        handler wall ms/img   handler CPU ms/img (pool thread)   pure CPU ms/img');
    for (const r of stageRows) {
      console.log(`${r.stage.padEnd(12)} ${r.handlerWallMsPerImage.toFixed(2).padStart(19)} ${(r.handlerThreadCpuMsPerImage?.toFixed(2) ?? '').padStart(34)} ${(r.pureCpuMsPerImage !== undefined ? `${r.pureCpuMsPerImage.toFixed(2)} (${r.pureFunction})` : '').padStart(17)}`);
    }
    console.log(`Redis: ${redisCallsPerImage.toFixed(1)} commands per image (${Object.entries(run.redisCalls).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([c, n]) => `${c} ${(n / images).toFixed(1)}`).join(', ')})`);
    console.log(`store: ${storeFilesPerImage.toFixed(1)} objects written per image (${Object.entries(run.store).map(([a, v]) => `${a} ${(v.files / images).toFixed(1)} (${(v.bytes / images / 1024).toFixed(0)} KiB)`).join(', ')})`);

    const overheadMs = ms(runCpuPerImage - pureCpuPerImage);
    writeResults({
      bench: 'e2e',
      title: `spatialforge run (embedded redis-server, folder store, every stage) over ${FRAMES} synthetic 640×480 RGB-D frames, beside the same frames through the pure functions alone in one loop`,
      headline: [
        { measure: 'spatialforge run, images/s (wall)', value: (images / run.wallSeconds).toFixed(1), reference: `pure loop on one thread ${(FRAMES / pure.wallSeconds).toFixed(1)}` },
        { measure: 'CPU ms per image (process + redis-server)', value: ms(runCpuPerImage).toFixed(1), reference: `pure loop ${ms(pureCpuPerImage).toFixed(1)} (${ratio.toFixed(2)}×)` },
        {
          measure: 'where the CPU goes, ms per image',
          value: `main thread ${ms(run.threads.mainThread / images).toFixed(1)}, CPU pool ${ms(run.threads.cpuPool / images).toFixed(1)} (its start-up ${ms(run.threads.cpuPoolStartup / images).toFixed(1)}), ` +
            `other threads (V8 GC and compiler, libvips, libuv) ${ms(run.threads.others / images).toFixed(1)}, redis-server ${ms(run.redisCpuSeconds / images).toFixed(1)}; in the kernel ${ms(run.kernelSeconds / images).toFixed(1)}`,
          reference: `pure loop: main thread ${ms(pure.threads.mainThread / FRAMES).toFixed(1)}, other threads ${ms(pure.threads.others / FRAMES).toFixed(1)}; in the kernel ${ms(pure.kernelSeconds / FRAMES).toFixed(1)}`,
        },
        ...stageRows.filter((r) => r.pureFunction).map((r) => ({
          measure: `${r.stage} handler, ms per image`,
          value: `wall ${r.handlerWallMsPerImage.toFixed(1)}${r.handlerThreadCpuMsPerImage !== undefined ? `, CPU on its pool thread ${r.handlerThreadCpuMsPerImage.toFixed(1)}` : ' (calls overlap on the main thread)'}`,
          reference: `${r.pureFunction} alone: ${r.pureCpuMsPerImage!.toFixed(1)} CPU`,
        })),
        { measure: 'Redis commands / store objects written, per image', value: `${redisCallsPerImage.toFixed(1)} / ${storeFilesPerImage.toFixed(1)}` },
      ],
      goals: [atMost('spatialforge run CPU per image vs the pure loop (×)', ratio, GOAL_RATIO,
        'no single repeated decode or re-serialisation accounts for the rest; it is spread over V8\'s concurrent garbage collector and optimising compiler on their own threads ' +
        '(three isolates, the main thread and the CPU pool\'s, each compiling and collecting its own heap), the pool threads\' work around the handlers ' +
        '(stage-cache reads and writes, messages), the kernel\'s share of the fsynced store writes (twelve objects per image, four of them outputs of stages that pass data through ' +
        'when they have no model), and the orchestration on the main thread (BullMQ, the run state\'s Lua transitions); the headline rows give each part')],
      figures: {
        frames: FRAMES,
        options,
        pure: { ...pure, cpuMsPerImage: ms(pureCpuPerImage), imagesPerSecond: FRAMES / pure.wallSeconds },
        run: {
          imagesPerSecond: images / run.wallSeconds,
          wallSeconds: run.wallSeconds,
          cpuMsPerImage: ms(runCpuPerImage),
          overheadCpuMsPerImage: overheadMs,
          processCpuSeconds: run.processCpuSeconds,
          kernelSeconds: run.kernelSeconds,
          redisCpuSeconds: run.redisCpuSeconds,
          threadCpuSeconds: run.threads,
          qaPairs: run.qaPairs,
          stages: stageRows,
          redisCallsPerImage,
          redisCalls: run.redisCalls,
          storeFilesPerImage,
          store: run.store,
        },
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
