/**
 * `spatialforge benchmark` on a dataset written by the export package: quotas per type, whole images
 * held out of the training QA, near-duplicates removed, balanced yes/no, a dataset card, and a
 * folder `eval` reads back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { QARecord } from '@spatialforge/core';
import { DatasetWriter } from '@spatialforge/export';
import { randomBoxScene, synthesizeQA } from '@spatialforge/qa';
import { buildBenchmark, duplicateKey, loadEvalDataset, type BenchmarkRecord, type EvalScores } from '@spatialforge/research';

const run = promisify(execFile);
const repoRoot = new URL('../', import.meta.url).pathname;
const IMAGES = 24;
const TYPES = ['left_of', 'choice_closer', 'distance_centre', 'direction_clock', 'closest_to', 'fits_inside'];

async function writeDataset(dir: string): Promise<{ records: QARecord[]; duplicates: number }> {
  const writer = new DatasetWriter(dir, { formats: ['parquet'] });
  const records: QARecord[] = [];
  let duplicates = 0;
  for (let i = 0; i < IMAGES; i++) {
    const scene = randomBoxScene(i, 8, { imageId: `img-${String(i).padStart(2, '0')}` });
    const qa = synthesizeQA(scene, { seed: 1, units: 'metric', maxPerImage: 40, defaultQuota: 3, types: TYPES });
    // A second wording of the first question of each image: a near-duplicate.
    const copy = { ...qa[0], id: `${qa[0].id}-reworded`, question: `Reworded: ${qa[0].question}` };
    duplicates++;
    const png = await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: i * 10, g: 80, b: 120 } } }).png().toBuffer();
    await writer.add({ imageId: scene.imageId, image: { bytes: png, path: `${scene.imageId}.png` }, width: 16, height: 12, scene, qa: [...qa, copy] });
    records.push(...qa, copy);
  }
  await writer.close();
  return { records, duplicates };
}

const readJsonl = async <T>(path: string): Promise<T[]> => (await readFile(path, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

test('benchmark: per-type quotas from held-out images, no near-duplicates, balanced yes/no, a card, and eval can read it', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-benchmark-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { records, duplicates } = await writeDataset(join(dir, 'run', 'dataset'));
  const out = join(dir, 'bench');
  const { stdout } = await run(process.execPath, ['apps/cli/bin/spatialforge.js', 'benchmark', '--run-dir', join(dir, 'run'), '--out', out, '--per-type', '6', '--quota', 'fits_inside=4', '--seed', '3'], { cwd: repoRoot });
  assert.match(stdout, new RegExp(`${duplicates} near-duplicates removed`));

  const test = await readJsonl<BenchmarkRecord>(join(out, 'qa.jsonl'));
  const train = await readJsonl<QARecord>(join(out, 'train-qa.jsonl'));
  const heldOut = (await readFile(join(out, 'heldout-images.txt'), 'utf8')).trim().split('\n');

  const perType = new Map<string, number>();
  for (const r of test) perType.set(r.type, (perType.get(r.type) ?? 0) + 1);
  for (const type of TYPES) assert.equal(perType.get(type), type === 'fits_inside' ? 4 : 6, `quota of ${type}`);

  const held = new Set(heldOut);
  assert.ok(test.every((r) => held.has(r.imageId)), 'test questions come from held-out images');
  assert.ok(train.every((r) => !held.has(r.imageId)), 'no held-out image is in the training QA');
  assert.ok(heldOut.length <= IMAGES / 2 && heldOut.length > 0);
  assert.ok(test.length + train.length <= records.length - duplicates);
  const trainImages = new Set(train.map((r) => r.imageId));
  assert.equal(trainImages.size + held.size, IMAGES, 'every image is in one split');

  const keys = [...test, ...train].map(duplicateKey);
  assert.equal(new Set(keys).size, keys.length, 'no near-duplicates left');
  assert.ok(![...test, ...train].some((r) => r.id.endsWith('-reworded')), 'the reworded copies went, their originals stayed');

  const yesNo = test.filter((r) => r.type === 'left_of' || r.type === 'fits_inside');
  for (const type of ['left_of', 'fits_inside']) {
    const ofType = yesNo.filter((r) => r.type === type);
    assert.equal(ofType.filter((r) => r.fact.value === true).length, ofType.length / 2, `${type} is half yes, half no`);
  }
  for (const r of test.filter((r) => r.type === 'choice_closer')) {
    assert.ok(r.fact.objects.every((id) => r.names[id]?.startsWith('the ')), 'names from the scene graphs travel with the record');
  }

  const card = await readFile(join(out, 'README.md'), 'utf8');
  assert.match(card, /# Spatial VQA benchmark/);
  assert.match(card, /\| closest_to \| reasoning \| 6 \| 6 \|/);
  assert.match(card, new RegExp(`${heldOut.length} images held out of training`));

  const images = await readdir(join(out, 'images'));
  assert.deepEqual(images.sort(), [...new Set(test.map((r) => `${r.imageId}.png`))].sort());
  const loaded = await loadEvalDataset(out);
  assert.equal(loaded.items.length, test.length);
  assert.deepEqual(loaded.items[0].names, test[0].names);
  assert.equal((await sharp(Buffer.from(await loaded.image(test[0].imageId))).metadata()).width, 16);

  // The text-only prior answers each yes/no type with its majority: on balanced yes/no that is exactly 50 %.
  await run(process.execPath, ['apps/cli/bin/spatialforge.js', 'eval', '--baseline', 'prior', '--dataset', out, '--out', join(dir, 'prior')], { cwd: repoRoot });
  const prior = JSON.parse(await readFile(join(dir, 'prior', 'scores.json'), 'utf8')) as EvalScores;
  assert.equal(prior.byType.left_of.accuracy, 0.5);
  assert.equal(prior.byType.fits_inside.accuracy, 0.5);
  assert.equal(prior.byType.distance_centre.numberRate, 1, 'the prior always states a length');
  assert.equal(prior.requests.asked, test.length);

  // The same seed gives the same split.
  const again = await buildBenchmark(await loadEvalDataset(join(dir, 'run', 'dataset')), join(dir, 'bench2'), { perType: 6, quotas: { fits_inside: 4 }, seed: 3 });
  assert.deepEqual(again.split.test, test);
  assert.deepEqual(again.split.heldOutImages, heldOut);
});
