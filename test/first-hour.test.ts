/**
 * Issue 13, the first hour of a new user, run as a user runs it: the `spatialforge` command in a child
 * process on folders made here. Plain photos with no depth model are refused before anything starts;
 * the demo's own input folder runs with no failures; a folder of broken frames writes every failure
 * with its code and fix, and `status --out` reads the same counts back from the stopped run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { explainFailure, type RunState } from '@spatialforge/core';
import { preflightRun, writeDemoInput, type FailureGroup, type FailureLine, type RunSummaryFile } from '@spatialforge/pipeline';
import { listManifests } from '@spatialforge/vision';
import { generateScene, sceneManifest, writeScene } from '@spatialforge/synth';
import { CLI, ROOT, removeDir, tempDir } from './factory-support.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[], env: Record<string, string>, cwd = ROOT): Promise<CliResult> {
  const started = Date.now();
  const clean = { ...process.env };
  delete clean.REDIS_URL;
  delete clean.OUTPUT;
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...clean, ...env }, timeout: 300_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** redis-server processes whose arguments name `dir` (a private Redis left behind). */
function redisServersIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (args.includes('redis-server') && args.includes(dir)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

let dir: string;
let emptyCache: string;
before(async () => {
  dir = await tempDir('first-hour');
  emptyCache = join(dir, 'empty-model-cache');
  await mkdir(emptyCache);
});
after(() => removeDir(dir));

describe('plain photos and no depth model', () => {
  test('are refused before any stage runs, naming `models pull` and a depth model; nothing is left running', async (t) => {
    const photos = join(dir, 'photos');
    await mkdir(photos);
    for (let i = 0; i < 6; i++) {
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 40 * i, g: 120, b: 200 } } }).jpeg().toFile(join(photos, `photo-${i}.jpg`));
    }
    const out = join(dir, 'photos-out');
    const result = await cli(['run', photos, '--out', out], { MODEL_CACHE_DIR: emptyCache });
    t.diagnostic(`refused after ${result.ms} ms wall (the CLI's start included)`);
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, /^error: 6 inputs .*photo-0\.jpg.* have no depth map/m);
    assert.match(result.stderr, /spatialforge models pull ([\w.-]+), then --depth-model \1/);
    const named = /models pull ([\w.-]+)/.exec(result.stderr)![1];
    assert.ok(listManifests('depth').some((m) => m.name === named), `${named} is a depth model`);
    assert.match(result.stderr, /frame manifests with depth/);
    // Refused before Redis, the store or any stage started: the output folder was never made.
    assert.equal(existsSync(out), false, 'nothing was written');
    assert.deepEqual(redisServersIn(out), []);
  });

  test('the depth model the fix names can be pulled: every file has a download URL', () => {
    const named = /models pull ([\w.-]+)/.exec(explainFailure('no-depth').fix)![1];
    const manifest = listManifests('depth').find((m) => m.name === named);
    assert.ok(manifest, `${named} is a depth model`);
    assert.ok(manifest.files.every((f) => f.urls.length > 0), `${named} downloads without an export step`);
  });

  test('a depth model in the model cache is used by default, and the run says so', async () => {
    const cache = join(dir, 'cache-with-depth');
    await mkdir(join(cache, 'metric3d-v2-vit-small'), { recursive: true });
    await writeFile(join(cache, 'metric3d-v2-vit-small', 'model.onnx'), 'weights');
    const items = (async function* () {
      yield { input: 'a.jpg', image: '/photos/a.jpg' };
      yield { input: 'b.jpg', image: '/photos/b.jpg' };
    })();
    const { options, notes } = await preflightRun({ source: { kind: 'uri', uri: '/photos' }, options: { stages: ['lift', 'synthesize'] } }, { items, env: { MODEL_CACHE_DIR: cache } });
    assert.equal(options.models?.depth, 'metric3d-v2-vit-small');
    assert.ok(options.stages.includes('depth'), 'the depth stage joins a run that left it out');
    assert.match(notes.join('\n'), /2 inputs have no depth map: using the depth model metric3d-v2-vit-small from the model cache/);
  });

  test('a corpus where some inputs carry depth is not refused (those without fail one by one)', async () => {
    const items = (async function* () {
      yield { input: 'plain.jpg', image: '/x/plain.jpg' };
      yield { input: 'frame.json', image: '/x/rgb.png', frame: { image: '/x/rgb.png', depth: { uri: '/x/depth.png', scale: 0.001 } } };
    })();
    const { options, notes } = await preflightRun({ source: { kind: 'uri', uri: '/x' } }, { items, env: { MODEL_CACHE_DIR: emptyCache } });
    assert.equal(options.models?.depth, undefined);
    assert.deepEqual(notes, []);
  });
});

test("the demo's own input folder given to `run` completes with 0 failures", { timeout: 300_000 }, async () => {
  const input = join(dir, 'demo', 'input');
  await writeDemoInput(input, { scenes: 3, seed: 5, width: 160, height: 120 });
  const out = join(dir, 'demo-again');
  const result = await cli(['run', input, '--out', out, '--qa-max', '6'], { MODEL_CACHE_DIR: emptyCache });
  assert.equal(result.code, 0, result.stderr);
  // demo.json and each scene's truth.json are not frames: skipped, said once, not failures.
  assert.match(result.stderr, /skipped 4 \.json files that are not a frame manifest/);
  assert.equal(result.stderr.match(/skipped \d+ \.json/g)?.length, 1);
  const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummaryFile;
  assert.equal(summary.status, 'completed');
  assert.deepEqual([summary.totals.inputs, summary.totals.completed, summary.totals.failed], [3, 3, 0]);
  assert.deepEqual(summary.failures, []);
  assert.equal(await readFile(join(out, 'failures.jsonl'), 'utf8'), '');
  assert.deepEqual(redisServersIn(out), []);
});

describe('a folder of broken frames', () => {
  /** Each bad frame file and the code its failure must carry (from the definitions of the codes). */
  const expected: Record<string, string> = {
    'truncated.json': 'truncated',
    'empty.json': 'empty',
    'html.json': 'not-an-image',
    'dot.json': 'too-small',
    'missing.json': 'not-found',
    'escape.json': 'path-escape',
    'depth-size.json': 'depth-size-mismatch',
    'broken.json': 'bad-manifest',
  };
  let folder: string;
  let out: string;
  let run: CliResult;

  before(async () => {
    folder = join(dir, 'broken');
    for (const i of [0, 1]) {
      const scene = generateScene({ seed: 40 + i, width: 160, height: 120 });
      await writeScene(scene, join(folder, `good-${i}`));
    }
    const good = sceneManifest(generateScene({ seed: 40, width: 160, height: 120 }));
    const png = await readFile(join(folder, 'good-0', 'rgb.png'));
    const bad = join(folder, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'half.png'), png.subarray(0, png.length >> 1));
    await writeFile(join(bad, 'zero.png'), new Uint8Array(0));
    await writeFile(join(bad, 'page.png'), '<html><body>sign in</body></html>');
    await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toFile(join(bad, 'dot.png'));
    await writeFile(join(bad, 'small-depth.png'), await sharp(new Uint16Array(20 * 15).fill(1500), { raw: { width: 20, height: 15, channels: 1 } }).toColourspace('grey16').png().toBuffer());
    const frameWith = (image: string, depth = '../good-0/depth.png') => JSON.stringify({ image, depth: { uri: depth, scale: 0.001 }, intrinsics: good.intrinsics });
    await writeFile(join(bad, 'truncated.json'), frameWith('half.png'));
    await writeFile(join(bad, 'empty.json'), frameWith('zero.png'));
    await writeFile(join(bad, 'html.json'), frameWith('page.png'));
    await writeFile(join(bad, 'dot.json'), frameWith('dot.png'));
    await writeFile(join(bad, 'missing.json'), frameWith('gone.png'));
    await writeFile(join(bad, 'escape.json'), frameWith('../../../etc/hostname.png'));
    await sharp({ create: { width: 160, height: 120, channels: 3, background: '#a05030' } }).png().toFile(join(bad, 'other.png'));
    await writeFile(join(bad, 'depth-size.json'), frameWith('other.png', 'small-depth.png'));
    await writeFile(join(bad, 'broken.json'), '{"image": "half.png", ');
    out = join(dir, 'broken-out');
    run = await cli(['run', folder, '--out', out, '--qa-max', '4', '--batch-size', '4'], { MODEL_CACHE_DIR: emptyCache });
  });

  test('failures.jsonl names every bad file with its code, stage, message and fix; the good frames complete', async () => {
    assert.equal(run.code, 0, run.stderr);
    const lines = (await readFile(join(out, 'failures.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as FailureLine);
    const byFile = Object.fromEntries(lines.map((l) => [l.input.slice(join(folder, 'bad').length + 1), l.code]));
    assert.deepEqual(byFile, expected);
    for (const line of lines) {
      assert.ok(line.stage && line.message.length > 0, JSON.stringify(line));
      assert.equal(line.fix, explainFailure(line.code).fix);
      assert.notEqual(line.fix, explainFailure('an-unknown-code').fix, `${line.code} has a fix of its own`);
    }
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummaryFile;
    const bad = Object.keys(expected).length;
    assert.deepEqual([summary.totals.inputs, summary.totals.completed, summary.totals.failed], [2 + bad, 2, bad]);
  });

  test('the run ends with the failures grouped by code: count, inputs, reason and fix', () => {
    assert.match(run.stdout, /failures by code:/);
    for (const code of Object.values(expected)) {
      const { reason, fix } = explainFailure(code);
      assert.ok(run.stdout.includes(`1 ${code} (`) && run.stdout.includes(reason) && run.stdout.includes(`fix: ${fix}`), `${code} in\n${run.stdout}`);
    }
    assert.match(run.stdout, /every failure: .*failures\.jsonl; again later: spatialforge status --out/);
  });

  test('`status --out DIR` afterwards starts the stopped run\'s Redis and shows the same counts', async () => {
    assert.deepEqual(redisServersIn(out), [], 'the run stopped its Redis');
    const status = await cli(['status', '--out', out, '--json'], {});
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout) as RunState & { failureGroups: FailureGroup[] };
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummaryFile;
    assert.deepEqual(shown.totals, summary.totals);
    assert.deepEqual(shown.failureGroups, summary.failures);
    assert.deepEqual(redisServersIn(out), [], 'status stopped the Redis it started');
    const text = await cli(['status', '--out', out], {});
    assert.match(text.stdout, /failures by code:/);
  });
});
