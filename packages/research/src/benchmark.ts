/**
 * `spatialforge benchmark`: a balanced test split of a generated dataset, for `spatialforge eval`.
 *
 * 1. Near-duplicates go: two questions about the same image, of the same type, on the same objects
 *    with the same fact are one question in other words (the order of objects counts only where it
 *    changes the question's meaning: the anchor of "closest to A", the order of a clock direction).
 * 2. Whole images are held out, so no test image is seen in training: images are drawn in a seeded
 *    order and held out while they bring questions of a type still short of its quota (for yes/no
 *    types, of its half of yes or of no), until every quota is met or `maxHeldOutShare` of the
 *    images is held out.
 * 3. From the held-out images, each type's quota is drawn (seeded); yes/no types alternate true and
 *    false answers so "always yes" scores 50 %.
 * The training QA is every question of the other images; held-out images' other questions are in
 * neither split.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QARecord } from '@spatialforge/core';
import { CHOICE_TYPES, createRandom, isQuestionTypeName, questionType, type Random } from '@spatialforge/qa';
import type { BenchmarkRecord, EvalDataset } from './eval-dataset.js';
import { imageMimeType } from './openai-client.js';
import { answerKind, type EvalItem } from './scoring.js';

export interface BenchmarkOptions {
  /** Test questions per type. @defaultValue 50 */
  perType?: number;
  /** Per-type overrides of `perType`. */
  quotas?: Record<string, number>;
  /** Most images held out, as a share of all images. @defaultValue 0.5 */
  maxHeldOutShare?: number;
  /** @defaultValue 0 */
  seed?: number;
}

export interface BenchmarkSplit {
  test: BenchmarkRecord[];
  train: QARecord[];
  heldOutImages: string[];
  duplicatesRemoved: number;
  /** Test questions per type, and the quota when it was not met. */
  counts: Record<string, { questions: number; quota: number }>;
}

/** Types whose question does not change when its objects are listed in another order. */
const SYMMETRIC_TYPES = new Set([
  ...CHOICE_TYPES, 'distance_centre', 'distance_gap', 'distance_horizontal', 'distance_vertical',
  'triangle_equilateral', 'triangle_right', 'sort_by_camera_distance',
]);
/** Types that name an anchor first, then a set of objects in any order. */
const ANCHORED_TYPES = new Set(['closest_to', 'farthest_from']);

/** The identity of a question's content, for near-duplicate removal. */
export function duplicateKey(record: QARecord): string {
  const { objects } = record.fact;
  const key = SYMMETRIC_TYPES.has(record.type)
    ? [...objects].sort()
    : ANCHORED_TYPES.has(record.type)
      ? [objects[0], ...objects.slice(1).sort()]
      : objects;
  return JSON.stringify([record.imageId, record.type, key, record.fact.predicate, record.fact.value]);
}

function shuffled<T>(items: T[], random: Random): T[] {
  return random.sample([...items], items.length);
}

/** Takes up to `count` records, alternating true and false answers for yes/no types. */
function drawBalanced(records: QARecord[], count: number, random: Random): QARecord[] {
  const pool = shuffled(records, random);
  if (answerKind(pool[0] ?? records[0]) !== 'yesno') return pool.slice(0, count);
  const yes = pool.filter((r) => r.fact.value === true);
  const no = pool.filter((r) => r.fact.value === false);
  const out: QARecord[] = [];
  while (out.length < count && (yes.length || no.length)) {
    const takeYes = yes.length > 0 && (no.length === 0 || out.length % 2 === 0);
    out.push((takeYes ? yes : no).shift()!);
  }
  return out;
}

export function splitBenchmark(items: EvalItem[], options: BenchmarkOptions = {}): BenchmarkSplit {
  const perType = options.perType ?? 50;
  const maxShare = options.maxHeldOutShare ?? 0.5;
  const random = createRandom(`benchmark|${options.seed ?? 0}`);
  const quotaOf = (type: string) => options.quotas?.[type] ?? perType;

  const seen = new Set<string>();
  const unique: EvalItem[] = [];
  for (const item of [...items].sort((a, b) => (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0))) {
    const key = duplicateKey(item.record);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(item);
  }

  const byImage = new Map<string, EvalItem[]>();
  for (const item of unique) byImage.set(item.record.imageId, [...(byImage.get(item.record.imageId) ?? []), item]);
  const images = shuffled([...byImage.keys()].sort(), random);
  const maxHeldOut = Math.floor(images.length * maxShare);
  // What the held-out images must bring: each type's quota, split evenly between yes and no for yes/no types.
  const need = (record: QARecord): { key: string; quota: number } => {
    const quota = quotaOf(record.type);
    if (answerKind(record) !== 'yesno') return { key: record.type, quota };
    return { key: `${record.type}|${record.fact.value}`, quota: record.fact.value ? Math.ceil(quota / 2) : Math.floor(quota / 2) };
  };
  const available = new Map<string, number>();
  const heldOut = new Set<string>();
  for (const imageId of images) {
    if (heldOut.size >= maxHeldOut) break;
    const needs = byImage.get(imageId)!.map((i) => need(i.record));
    if (!needs.some(({ key, quota }) => (available.get(key) ?? 0) < quota)) continue;
    heldOut.add(imageId);
    for (const { key } of needs) available.set(key, (available.get(key) ?? 0) + 1);
  }

  const testPool = new Map<string, EvalItem[]>();
  for (const imageId of heldOut) {
    for (const item of byImage.get(imageId)!) testPool.set(item.record.type, [...(testPool.get(item.record.type) ?? []), item]);
  }
  const test: BenchmarkRecord[] = [];
  const counts: BenchmarkSplit['counts'] = {};
  for (const type of [...new Set(unique.map((i) => i.record.type))].sort()) {
    const pool = testPool.get(type) ?? [];
    const drawn = drawBalanced(pool.map((i) => i.record), quotaOf(type), random);
    const namesById = new Map(pool.map((i) => [i.record.id, i.names]));
    for (const record of drawn.sort((a, b) => (a.id < b.id ? -1 : 1))) test.push({ ...record, names: namesById.get(record.id)! });
    counts[type] = { questions: drawn.length, quota: quotaOf(type) };
  }
  const train = unique.filter((i) => !heldOut.has(i.record.imageId)).map((i) => i.record);
  return { test, train, heldOutImages: [...heldOut].sort(), duplicatesRemoved: items.length - unique.length, counts };
}

const EXTENSIONS: Record<string, string> = { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/webp': '.webp' };

function datasetCard(split: BenchmarkSplit, source: string, options: BenchmarkOptions): string {
  const categories = new Map<string, number>();
  for (const r of split.test) categories.set(r.category, (categories.get(r.category) ?? 0) + 1);
  const yesNo = split.test.filter((r) => typeof r.fact.value === 'boolean');
  const yes = yesNo.filter((r) => r.fact.value === true).length;
  return [
    '---',
    'task_categories:',
    '- visual-question-answering',
    'tags:',
    '- spatial-reasoning',
    '- spatialforge',
    'configs:',
    '- config_name: default',
    '  data_files:',
    '  - split: test',
    '    path: qa.jsonl',
    '---',
    '',
    '# Spatial VQA benchmark',
    '',
    `A balanced test split of \`${source}\`, made by \`spatialforge benchmark\` (seed ${options.seed ?? 0}).`,
    '',
    `- ${split.test.length} questions about ${new Set(split.test.map((r) => r.imageId)).size} images (\`qa.jsonl\`, images in \`images/\`).`,
    `- ${split.heldOutImages.length} images held out of training (\`heldout-images.txt\`); the training QA of the other images is \`train-qa.jsonl\` (${split.train.length} questions).`,
    `- ${split.duplicatesRemoved} near-duplicate questions removed (same image, type, objects and fact).`,
    `- Yes/no answers: ${yes} yes, ${yesNo.length - yes} no.`,
    `- Categories: ${[...categories].map(([c, n]) => `${c} ${n}`).join(', ')}.`,
    '',
    'Each line of `qa.jsonl` is a QA record (`id, imageId, type, category, question, answer, fact`, and `steps` for',
    'chain-of-thought types) plus `names`, the words the question uses for each object id, used to score choices.',
    '`fact.value` is metres for lengths, a clock hour for directions, a boolean, an object id, or ordered ids.',
    '',
    'Score a model behind an OpenAI-compatible endpoint:',
    '',
    '```sh',
    'spatialforge eval --endpoint http://localhost:8000/v1 --model MODEL --dataset . --out eval/MODEL',
    '```',
    '',
    '## Questions per type',
    '',
    '| type | category | questions | quota |',
    '|---|---|---:|---:|',
    ...Object.entries(split.counts).map(([type, c]) => {
      const category = split.test.find((r) => r.type === type)?.category ?? (isQuestionTypeName(type) ? questionType(type).category : '');
      return `| ${type} | ${category} | ${c.questions} | ${c.quota}${c.questions < c.quota ? ' (short)' : ''} |`;
    }),
    '',
  ].join('\n');
}

export interface BenchmarkFiles {
  qa: string;
  train: string;
  heldOut: string;
  card: string;
  summary: string;
  images: string;
}

/** Splits a dataset and writes the benchmark folder that `loadEvalDataset` reads. */
export async function buildBenchmark(dataset: EvalDataset, outDir: string, options: BenchmarkOptions = {}): Promise<{ split: BenchmarkSplit; files: BenchmarkFiles }> {
  const split = splitBenchmark(dataset.items, options);
  const files: BenchmarkFiles = {
    qa: join(outDir, 'qa.jsonl'),
    train: join(outDir, 'train-qa.jsonl'),
    heldOut: join(outDir, 'heldout-images.txt'),
    card: join(outDir, 'README.md'),
    summary: join(outDir, 'benchmark.json'),
    images: join(outDir, 'images'),
  };
  await mkdir(files.images, { recursive: true });
  for (const imageId of new Set(split.test.map((r) => r.imageId))) {
    const bytes = await dataset.image(imageId);
    await writeFile(join(files.images, `${imageId}${EXTENSIONS[imageMimeType(bytes)] ?? '.bin'}`), bytes);
  }
  const jsonl = (records: object[]) => records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
  await writeFile(files.qa, jsonl(split.test));
  await writeFile(files.train, jsonl(split.train));
  await writeFile(files.heldOut, split.heldOutImages.join('\n') + (split.heldOutImages.length ? '\n' : ''));
  await writeFile(files.card, datasetCard(split, dataset.source, options));
  await writeFile(
    files.summary,
    `${JSON.stringify({ source: dataset.source, options, questions: split.test.length, trainQuestions: split.train.length, heldOutImages: split.heldOutImages.length, duplicatesRemoved: split.duplicatesRemoved, counts: split.counts }, null, 2)}\n`,
  );
  return { split, files };
}
