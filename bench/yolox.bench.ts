/**
 * YOLOX-Nano on CPU: images/s through the detector adapter (letterbox preprocessing, ONNX Runtime,
 * grid decoding, NMS) at batch 1 and batch 8, side by side with a bare `session.run` on the same
 * preprocessed tensors — the adapter's overhead, goal ≤ 10 % (issue 4). The public export has a fixed
 * batch of 1 ([1, 3, 416, 416]), so "batch 8" is 8 images through one `detect` call, which loops over
 * them and preprocesses image k + 1 while ONNX Runtime runs image k. Rounds alternate adapter and bare
 * so a busy neighbour on the machine hits both alike; the median round counts. Run once with ONNX
 * Runtime's default threads and once with one intra-op thread (leaving a core for the JS side).
 *
 * Preprocessing alone (letterbox resize, BGR, float CHW) is timed too, its JavaScript path against its
 * WebAssembly SIMD path, in alternating rounds; the adapter uses the second where the runtime has it.
 *
 * Run: npm run bench yolox   (writes bench/results/yolox.json; needs ../shared/models and ../shared/data)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import ort from 'onnxruntime-node';
import type { RgbImage } from '@spatialforge/core';
import { createDetector, loadModel, planResize, releaseModels, writeImageTensor } from '@spatialforge/vision';
import { atMost, writeResults } from './report.js';

const ROUNDS = 31;
const WARMUP = 3;
/** Most the adapter may add to a bare session.run, per image, in CPU time and in wall time (issue 4). */
const GOAL = 0.1;
const shared = fileURLToPath(new URL('../../shared/', import.meta.url));
const FRAMES = [
  'nyu/rgb_00000.jpg', 'nyu/rgb_00050.jpg', 'nyu/rgb_00100.jpg', 'tum/color.png',
  'open3d-synthetic/color_00000.jpg', 'open3d-synthetic/color_00001.jpg', 'open3d-synthetic/color_00002.jpg', 'open3d-synthetic/color_00003.jpg',
];

interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function load(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(join(shared, 'data', 'rgbd', file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

async function measure(cacheDir: string, intraOpThreads: number, images: RgbImage[]) {
  const options = { cacheDir, source: join(shared, 'models'), intraOpThreads };
  const detector = await createDetector('yolox-nano', options);
  const model = await loadModel('yolox-nano', options);
  const graph = model.graphs.model;
  const pre = model.manifest.preprocess;
  // The tensors the adapter feeds, made once for the bare runs.
  const tensors = images.map((img) => {
    const plan = planResize(img.width, img.height, pre.resize);
    const data = new Float32Array(plan.canvasWidth * plan.canvasHeight * 3);
    writeImageTensor(img, plan, pre, data);
    return new ort.Tensor('float32', data, [1, 3, plan.canvasHeight, plan.canvasWidth]);
  });
  const bare = async () => {
    for (const t of tensors) await graph.run({ images: t });
  };
  const adapterBatch1 = async () => {
    for (const img of images) await detector.detect([img]);
  };
  const adapterBatch8 = async () => {
    await detector.detect(images);
  };
  for (let i = 0; i < WARMUP; i++) {
    await bare();
    await adapterBatch1();
    await adapterBatch8();
  }
  const rounds = { bare: [] as Timing[], batch1: [] as Timing[], batch8: [] as Timing[] };
  for (let r = 0; r < ROUNDS; r++) {
    const order: (keyof typeof rounds)[] = r % 2 === 0 ? ['bare', 'batch1', 'batch8'] : ['batch8', 'batch1', 'bare'];
    for (const which of order) rounds[which].push(await timed(which === 'bare' ? bare : which === 'batch1' ? adapterBatch1 : adapterBatch8));
  }
  const summary = (t: Timing[]) => {
    const wall = median(t.map((x) => x.wallMs));
    const cpu = median(t.map((x) => x.cpuMs));
    return { imagesPerSecond: (images.length * 1000) / wall, msPerImage: wall / images.length, cpuMsPerImage: cpu / images.length };
  };
  const bareSummary = summary(rounds.bare);
  const overhead = (s: ReturnType<typeof summary>) => ({ wall: s.msPerImage / bareSummary.msPerImage - 1, cpu: s.cpuMsPerImage / bareSummary.cpuMsPerImage - 1 });
  const batch1 = summary(rounds.batch1);
  const batch8 = summary(rounds.batch8);
  await releaseModels();
  return {
    intraOpThreads: intraOpThreads || 'ONNX Runtime default',
    dynamicBatch: graph.dynamicBatch,
    bareSessionRun: bareSummary,
    adapterBatch1: { ...batch1, overhead: overhead(batch1) },
    adapterBatch8: { ...batch8, overhead: overhead(batch8) },
  };
}

/** writeImageTensor's bilinear implementation: 'js' or 'wasm'. */
type BilinearImplementation = NonNullable<Parameters<typeof writeImageTensor>[5]>;

/** Preprocessing alone, per image: the JS and the WebAssembly SIMD bilinear paths, alternating rounds. */
async function measurePreprocessing(cacheDir: string, images: RgbImage[]) {
  const model = await loadModel('yolox-nano', { cacheDir, source: join(shared, 'models') });
  const pre = model.manifest.preprocess;
  const plans = images.map((img) => planResize(img.width, img.height, pre.resize));
  const out = new Float32Array(plans[0].canvasWidth * plans[0].canvasHeight * 3);
  const REPEATS = 10;
  const run = (bilinear: BilinearImplementation) => async () => {
    for (let i = 0; i < REPEATS; i++) images.forEach((img, b) => writeImageTensor(img, plans[b], pre, out, 0, bilinear));
  };
  const rounds: Record<BilinearImplementation, Timing[]> = { js: [], wasm: [] };
  for (let r = 0; r < ROUNDS + WARMUP; r++) {
    const order: BilinearImplementation[] = r % 2 === 0 ? ['js', 'wasm'] : ['wasm', 'js'];
    for (const which of order) {
      const t = await timed(run(which));
      if (r >= WARMUP) rounds[which].push(t);
    }
  }
  await releaseModels();
  const perImage = (t: Timing[]) => ({
    msPerImage: median(t.map((x) => x.wallMs)) / (images.length * REPEATS),
    cpuMsPerImage: median(t.map((x) => x.cpuMs)) / (images.length * REPEATS),
  });
  const js = perImage(rounds.js);
  const wasm = perImage(rounds.wasm);
  return { js, wasm, speedup: { wall: js.msPerImage / wasm.msPerImage, cpu: js.cpuMsPerImage / wasm.cpuMsPerImage } };
}

async function main() {
  if (!existsSync(join(shared, 'models', 'yolox_nano.onnx')) || !existsSync(join(shared, 'data', 'rgbd'))) {
    console.error(`skipped: ${shared} (models/yolox_nano.onnx and data/rgbd) is absent`);
    return;
  }
  const images = await Promise.all(FRAMES.map(load));
  const cacheDir = await mkdtemp(join(tmpdir(), 'spatialforge-bench-yolox-'));
  try {
    const preprocessing = await measurePreprocessing(cacheDir, images);
    const configs = [await measure(cacheDir, 0, images), await measure(cacheDir, 1, images)];
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
    console.log(`\nYOLOX-Nano 416×416 on ${images.length} real 640×480 frames, CPU (${cpus().length} × ${cpus()[0]?.model}), median of ${ROUNDS} rounds`);
    console.log(`${'threads'.padEnd(22)} ${'path'.padEnd(28)} ${'images/s'.padStart(9)} ${'ms/img'.padStart(8)} ${'CPU ms/img'.padStart(11)} ${'overhead wall'.padStart(14)} ${'overhead CPU'.padStart(13)}`);
    for (const c of configs) {
      const rows: [string, { imagesPerSecond: number; msPerImage: number; cpuMsPerImage: number; overhead?: { wall: number; cpu: number } }][] = [
        ['bare session.run', c.bareSessionRun],
        ['adapter, batch 1', c.adapterBatch1],
        ['adapter, batch 8 (looped)', c.adapterBatch8],
      ];
      for (const [name, s] of rows) {
        console.log(
          `${String(c.intraOpThreads).padEnd(22)} ${name.padEnd(28)} ${s.imagesPerSecond.toFixed(1).padStart(9)} ${s.msPerImage.toFixed(2).padStart(8)} ${s.cpuMsPerImage.toFixed(2).padStart(11)} ${(s.overhead ? pct(s.overhead.wall) : '').padStart(14)} ${(s.overhead ? pct(s.overhead.cpu) : '').padStart(13)}`,
        );
      }
    }
    console.log('overhead = adapter time per image / bare session.run time per image − 1 (goal ≤ 10 %); the export is fixed-batch, so batch 8 loops');
    for (const c of configs) {
      const verdict = (o: { wall: number; cpu: number }) => (o.cpu <= GOAL && o.wall <= GOAL ? 'met' : 'not met');
      console.log(`goal, ${c.intraOpThreads} threads: batch 1 ${verdict(c.adapterBatch1.overhead)}, batch 8 ${verdict(c.adapterBatch8.overhead)}`);
    }
    console.log(`\npreprocessing alone (640×480 → 416×312 letterbox, BGR, float CHW), median of ${ROUNDS} rounds`);
    console.log(`${'path'.padEnd(28)} ${'ms/img'.padStart(8)} ${'CPU ms/img'.padStart(11)}`);
    for (const [name, p] of [['JavaScript', preprocessing.js], ['WebAssembly SIMD', preprocessing.wasm]] as const) {
      console.log(`${name.padEnd(28)} ${p.msPerImage.toFixed(3).padStart(8)} ${p.cpuMsPerImage.toFixed(3).padStart(11)}`);
    }
    console.log(`WebAssembly SIMD is ${preprocessing.speedup.wall.toFixed(1)}× faster (wall), ${preprocessing.speedup.cpu.toFixed(1)}× (CPU)`);
    const threadsName = (c: (typeof configs)[number]) => (typeof c.intraOpThreads === 'number' ? `${c.intraOpThreads} ONNX Runtime thread` : c.intraOpThreads);
    const worse = (o: { wall: number; cpu: number }) => Math.max(o.wall, o.cpu) * 100;
    writeResults({
      bench: 'yolox',
      title: 'YOLOX-nano through the detector adapter (letterbox, ONNX Runtime, decoding, NMS) beside a bare session.run on the same tensors, 8 real frames',
      headline: [
        ...configs.map((c) => ({
          measure: `adapter overhead over bare session.run, ${threadsName(c)} (CPU, wall)`,
          value: `batch 1: ${pct(c.adapterBatch1.overhead.cpu)}, ${pct(c.adapterBatch1.overhead.wall)}; batch 8: ${pct(c.adapterBatch8.overhead.cpu)}, ${pct(c.adapterBatch8.overhead.wall)}`,
          reference: `bare ${c.bareSessionRun.msPerImage.toFixed(1)} ms/image (${c.bareSessionRun.imagesPerSecond.toFixed(1)} images/s)`,
        })),
        {
          measure: 'letterbox preprocessing alone, 640×480 → 416×312, CPU ms',
          value: `WebAssembly SIMD ${preprocessing.wasm.cpuMsPerImage.toFixed(3)}`,
          reference: `JavaScript ${preprocessing.js.cpuMsPerImage.toFixed(3)} (${preprocessing.speedup.cpu.toFixed(1)}×)`,
        },
      ],
      goals: configs.flatMap((c) => [
        atMost(`YOLOX adapter overhead, batch 1, ${threadsName(c)} (%, worse of CPU and wall)`, worse(c.adapterBatch1.overhead), GOAL * 100),
        atMost(`YOLOX adapter overhead, batch 8 looped, ${threadsName(c)} (%, worse of CPU and wall)`, worse(c.adapterBatch8.overhead), GOAL * 100,
          'the export has a fixed batch of 1, so batch 8 is a loop of eight session.run calls, each with its own decoding and NMS; the gap is not preprocessing (its row: well under a millisecond a frame)'),
      ]),
      figures: {
        setup: { model: 'yolox-nano (../shared/models/yolox_nano.onnx)', input: '[1, 3, 416, 416] fixed batch', frames: FRAMES, rounds: ROUNDS, warmup: WARMUP },
        onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
        preprocessing,
        configs,
      },
    });
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

await main();
