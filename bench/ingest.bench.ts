/**
 * Ingest throughput per core: `normaliseImage` (sharp) side by side with libvips' own `vipsthumbnail`
 * on the same 100 generated 1920×1080 JPEGs, each capped to 1024 px and written as quality-90 JPEG with
 * 4:4:4 chroma and metadata stripped, one thread each (`sharp.concurrency(1)`, `VIPS_CONCURRENCY=1`).
 * vipsthumbnail runs as one process over all files (its start-up is paid once); normaliseImage also
 * reads each file, sniffs it, reads its header, applies orientation and colour conversion, and hashes
 * the output. Rounds alternate between the two so a busy neighbour on the machine hits both alike;
 * the median round counts. Goal (issue 3): normaliseImage ≥ 0.8× vipsthumbnail.
 *
 * Run: npm run bench ingest   (writes bench/results/ingest.json)
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { normaliseImage } from '@spatialforge/ingest';
import { atLeast, writeResults } from './report.js';

const IMAGES = 100;
const ROUNDS = 3;
const MAX_SIDE = 1024;
const WIDTH = 1920;
const HEIGHT = 1080;

interface Round {
  wallSeconds: number;
  cpuSeconds: number;
}

/** A photo-like scene: gradient sky, overlapping shapes, mild sensor noise (so JPEG sizes are realistic). */
async function scene(index: number, noise: Buffer): Promise<Buffer> {
  const shapes = Array.from({ length: 40 }, (_, k) => {
    const x = (k * 197 + index * 31) % WIDTH;
    const y = (k * 131 + index * 17) % HEIGHT;
    const r = 20 + ((k * 7 + index) % 90);
    return `<circle cx="${x}" cy="${y}" r="${r}" fill="hsl(${(k * 29 + index * 11) % 360},70%,50%)" opacity="0.7"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${(index * 17) % 360},60%,70%)"/><stop offset="1" stop-color="hsl(${(index * 17 + 120) % 360},50%,30%)"/>
    </linearGradient></defs><rect width="${WIDTH}" height="${HEIGHT}" fill="url(#g)"/>${shapes}</svg>`;
  return sharp(Buffer.from(svg))
    .composite([{ input: noise, raw: { width: WIDTH, height: HEIGHT, channels: 3 }, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function runSharp(files: string[]): Promise<Round> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const file of files) await normaliseImage(await readFile(file), { maxSide: MAX_SIDE, input: file });
  const used = process.cpuUsage(cpu);
  return { wallSeconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** One vipsthumbnail process over every file; CPU time from the shell's `times` (children's user + system). */
function runVips(files: string[], outDir: string): Round {
  const output = `${outDir}/%s.jpg[Q=90,strip,subsample-mode=off]`;
  const quoted = files.map((f) => `'${f}'`).join(' ');
  const start = performance.now();
  const result = spawnSync('bash', ['-c', `vipsthumbnail -s ${MAX_SIDE} -o '${output}' ${quoted} && times`], {
    env: { ...process.env, VIPS_CONCURRENCY: '1' },
    encoding: 'utf8',
  });
  const wallSeconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`vipsthumbnail failed: ${result.stderr || result.error}`);
  // `times` prints the shell's own user/system times, then its children's: "0m1.234s 0m0.056s".
  const children = result.stdout.trim().split('\n').at(-1)!;
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { wallSeconds, cpuSeconds: seconds[0] + seconds[1] };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function main() {
  const check = spawnSync('vipsthumbnail', ['--version'], { encoding: 'utf8' });
  if (check.status !== 0) {
    console.error('vipsthumbnail is not installed (Debian/Ubuntu: apt-get install libvips-tools); nothing to compare against');
    process.exit(1);
  }
  const dir = await mkdtemp(join(tmpdir(), 'spatialforge-bench-ingest-'));
  try {
    const inputDir = join(dir, 'in');
    const outDir = join(dir, 'out');
    await mkdir(inputDir);
    await mkdir(outDir);
    console.log(`generating ${IMAGES} ${WIDTH}×${HEIGHT} JPEGs …`);
    const noise = await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } } })
      .raw()
      .toBuffer();
    const generated = performance.now();
    for (let i = 0; i < IMAGES; i++) await writeFile(join(inputDir, `img${String(i).padStart(3, '0')}.jpg`), await scene(i, noise));
    console.log(`generated in ${((performance.now() - generated) / 1000).toFixed(1)} s`);
    const files = (await readdir(inputDir)).sort().map((f) => join(inputDir, f));
    const inputBytes = (await Promise.all(files.map((f) => readFile(f)))).reduce((n, b) => n + b.length, 0);

    sharp.concurrency(1);
    // Warm up both (page cache, library loading) on a few images.
    await runSharp(files.slice(0, 5));
    runVips(files.slice(0, 5), outDir);

    const sharpRounds: Round[] = [];
    const vipsRounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      sharpRounds.push(await runSharp(files));
      vipsRounds.push(runVips(files, outDir));
    }

    // Same job: both outputs are 1024 px on the long side.
    const ours = await normaliseImage(await readFile(files[0]), { maxSide: MAX_SIDE, input: files[0] });
    const theirs = await sharp(join(outDir, 'img000.jpg')).metadata();
    if (ours.width !== theirs.width || ours.height !== theirs.height) throw new Error(`outputs differ: ${ours.width}×${ours.height} vs ${theirs.width}×${theirs.height}`);

    const summarise = (rounds: Round[]) => ({
      imagesPerSecond: IMAGES / median(rounds.map((r) => r.wallSeconds)),
      imagesPerCpuSecond: IMAGES / median(rounds.map((r) => r.cpuSeconds)),
      rounds,
    });
    const normalise = summarise(sharpRounds);
    const vipsthumbnail = summarise(vipsRounds);
    const ratioWall = normalise.imagesPerSecond / vipsthumbnail.imagesPerSecond;
    const ratioCpu = normalise.imagesPerCpuSecond / vipsthumbnail.imagesPerCpuSecond;

    const row = (name: string, s: ReturnType<typeof summarise>) =>
      `${name.padEnd(28)} ${s.imagesPerSecond.toFixed(1).padStart(10)} ${s.imagesPerCpuSecond.toFixed(1).padStart(14)}`;
    console.log(`\n${IMAGES} images ${WIDTH}×${HEIGHT} → ${MAX_SIDE} px, 1 thread each, median of ${ROUNDS} rounds`);
    console.log(`${'method'.padEnd(28)} ${'images/s'.padStart(10)} ${'images/CPU-s'.padStart(14)}`);
    console.log(row(`normaliseImage (sharp ${sharp.versions.sharp})`, normalise));
    console.log(row(`vipsthumbnail (${check.stdout.trim()})`, vipsthumbnail));
    console.log(`ratio normaliseImage / vipsthumbnail: ${ratioWall.toFixed(2)}× wall, ${ratioCpu.toFixed(2)}× per CPU-second (goal ≥ 0.8×)`);

    writeResults({
      bench: 'ingest',
      title: `ingest normalisation of ${IMAGES} generated ${WIDTH}×${HEIGHT} JPEGs to ${MAX_SIDE} px, one thread, beside libvips' own vipsthumbnail`,
      headline: [{
        measure: 'images per CPU-second (per second wall)',
        value: `${normalise.imagesPerCpuSecond.toFixed(1)} (${normalise.imagesPerSecond.toFixed(1)})`,
        reference: `vipsthumbnail ${vipsthumbnail.imagesPerCpuSecond.toFixed(1)} (${vipsthumbnail.imagesPerSecond.toFixed(1)})`,
      }],
      goals: [
        atLeast('normaliseImage vs vipsthumbnail, per CPU-second (×)', ratioCpu, 0.8),
        atLeast('normaliseImage vs vipsthumbnail, wall (×)', ratioWall, 0.8),
      ],
      figures: {
        setup: {
          images: IMAGES,
          inputSize: `${WIDTH}x${HEIGHT}`,
          inputMeanBytes: Math.round(inputBytes / IMAGES),
          maxSide: MAX_SIDE,
          output: 'JPEG q90, 4:4:4, metadata stripped',
          threads: 1,
          rounds: ROUNDS,
        },
        normaliseImage: { libvips: sharp.versions.vips, sharp: sharp.versions.sharp, ...normalise },
        vipsthumbnail: { version: check.stdout.trim(), ...vipsthumbnail },
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
