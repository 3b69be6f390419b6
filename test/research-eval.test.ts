/**
 * Done-when 1 of issue 8: `spatialforge eval` against an OpenAI-compatible test server whose answers
 * err in known ways reports exactly the scores worked out by hand below, for every metric and type;
 * transient errors are retried; a second run asks nothing; the API key never reaches an output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { QACategory } from '@spatialforge/core';
import { evaluate, loadEvalDataset, type BenchmarkRecord, type EvalScores } from '@spatialforge/research';
import { startOpenAITestServer, type TestReply } from '@spatialforge/research/testing';

const run = promisify(execFile);
const repoRoot = new URL('../', import.meta.url).pathname;
const API_KEY = 'sk-test-secret-7d1f';

interface Case {
  type: string;
  category: QACategory;
  predicate: string;
  objects: string[];
  truth: number | boolean | string;
  /** What the "VLM" answers. */
  reply: string;
  /** Transient failure served before the answer. */
  fault?: TestReply;
}

const names = { o1: 'the red chair', o2: 'the table', o3: 'the lamp' };

// Every controlled error, with the verdict it must get noted beside it.
const cases: Case[] = [
  // left_of: yes/no. Correct, correct, wrong, wrong → accuracy 2/4.
  { type: 'left_of', category: 'qualitative', predicate: 'left_of', objects: ['o1', 'o2'], truth: true, reply: 'Yes, it is.' },
  { type: 'left_of', category: 'qualitative', predicate: 'left_of', objects: ['o2', 'o1'], truth: false, reply: 'No.', fault: { status: 500 } },
  { type: 'left_of', category: 'qualitative', predicate: 'left_of', objects: ['o1', 'o3'], truth: true, reply: 'No, it is not.' },
  { type: 'left_of', category: 'qualitative', predicate: 'left_of', objects: ['o3', 'o1'], truth: false, reply: 'Yes' },
  // choice_closer: correct, wrong object, no object → 1/3.
  { type: 'choice_closer', category: 'qualitative', predicate: 'closer', objects: ['o1', 'o2'], truth: 'o1', reply: 'The red chair is closer.' },
  { type: 'choice_closer', category: 'qualitative', predicate: 'closer', objects: ['o2', 'o3'], truth: 'o3', reply: 'The table.', fault: { status: 429, retryAfterSeconds: 0 } },
  { type: 'choice_closer', category: 'qualitative', predicate: 'closer', objects: ['o1', 'o3'], truth: 'o1', reply: 'I am not sure.' },
  // distance_centre (metres): 1.1/1.0 in both; 6/2 = 3× in neither; no number; 1.5/1.2 = 1.25 in both;
  // 5 ft = 1.524 m, 1.524/3 = 0.508 in [0.5, 2] only → number 4/5, [0.5, 2] 3/5, [0.75, 1.33] 2/5.
  { type: 'distance_centre', category: 'quantitative', predicate: 'distance_centre', objects: ['o1', 'o2'], truth: 1.0, reply: 'about 1.1 meters' },
  { type: 'distance_centre', category: 'quantitative', predicate: 'distance_centre', objects: ['o1', 'o3'], truth: 2.0, reply: 'They are 6 meters apart.', fault: { drop: true } },
  { type: 'distance_centre', category: 'quantitative', predicate: 'distance_centre', objects: ['o2', 'o3'], truth: 0.5, reply: 'It is hard to say from this image.' },
  { type: 'distance_centre', category: 'quantitative', predicate: 'distance_centre', objects: ['o2', 'o1'], truth: 1.2, reply: '150 cm' },
  { type: 'distance_centre', category: 'quantitative', predicate: 'distance_centre', objects: ['o3', 'o1'], truth: 3.0, reply: 'about 5 feet' },
  // width (metres): 2/0.34 = 5.9× in neither; 1.5 ft = 0.4572 m, 0.4572/0.8 = 0.57 in [0.5, 2] only
  // → number 2/2, [0.5, 2] 1/2, [0.75, 1.33] 0/2.
  { type: 'size_width', category: 'quantitative', predicate: 'size_width', objects: ['o1'], truth: 0.34, reply: 'two meters' },
  { type: 'size_width', category: 'quantitative', predicate: 'size_width', objects: ['o2'], truth: 0.8, reply: 'one and a half feet' },
  // direction_clock: 3 vs 2 (1 h), 1 vs 12 (1 h, wrapping), 7 vs 5 (2 h) → ±1 h 2/3, number 3/3.
  { type: 'direction_clock', category: 'quantitative', predicate: 'direction_clock', objects: ['o1', 'o2'], truth: 2, reply: "The table is at 3 o'clock from the red chair." },
  { type: 'direction_clock', category: 'quantitative', predicate: 'direction_clock', objects: ['o2', 'o3'], truth: 12, reply: "at 1 o'clock" },
  { type: 'direction_clock', category: 'quantitative', predicate: 'direction_clock', objects: ['o3', 'o1'], truth: 5, reply: "At 7 o'clock." },
  // closest_to (reasoning): correct, wrong → 1/2.
  { type: 'closest_to', category: 'reasoning', predicate: 'closest_to', objects: ['o1', 'o2', 'o3'], truth: 'o2', reply: 'The table is closest to the red chair.' },
  { type: 'closest_to', category: 'reasoning', predicate: 'closest_to', objects: ['o2', 'o1', 'o3'], truth: 'o1', reply: 'The lamp.' },
];

// The scores by hand, from the notes above.
const expected = {
  byType: {
    left_of: { questions: 4, accuracy: 2 / 4 },
    choice_closer: { questions: 3, accuracy: 1 / 3 },
    distance_centre: { questions: 5, numberRate: 4 / 5, within2x: 3 / 5, within133: 2 / 5 },
    size_width: { questions: 2, numberRate: 2 / 2, within2x: 1 / 2, within133: 0 / 2 },
    direction_clock: { questions: 3, numberRate: 3 / 3, clockWithin1: 2 / 3 },
    closest_to: { questions: 2, accuracy: 1 / 2 },
  },
  byGroup: {
    qualitative: { questions: 7, accuracy: 3 / 7 },
    quantitative: { questions: 7, numberRate: 6 / 7, within2x: 4 / 7, within133: 2 / 7 },
    direction: { questions: 3, numberRate: 3 / 3, clockWithin1: 2 / 3 },
    reasoning: { questions: 2, accuracy: 1 / 2 },
  },
  overall: { questions: 19, accuracy: 4 / 9, numberRate: 9 / 10, within2x: 4 / 7, within133: 2 / 7, clockWithin1: 2 / 3 },
};

async function writeBenchmarkFolder(dir: string): Promise<{ images: Map<string, Buffer> }> {
  await mkdir(join(dir, 'images'), { recursive: true });
  const images = new Map<string, Buffer>();
  for (const [imageId, colour] of [['img-a', '#c03030'], ['img-b', '#3050c0']] as const) {
    const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: colour } }).png().toBuffer();
    images.set(imageId, png);
    await writeFile(join(dir, 'images', `${imageId}.png`), png);
  }
  const records: BenchmarkRecord[] = cases.map((c, i) => ({
    id: `q${String(i).padStart(2, '0')}`,
    imageId: i % 2 === 0 ? 'img-a' : 'img-b',
    type: c.type,
    category: c.category,
    question: `Question ${i} (${c.type}) about ${c.objects.map((o) => names[o as keyof typeof names]).join(' and ')}?`,
    answer: typeof c.truth === 'number' && c.type !== 'direction_clock' ? `${c.truth} meters` : String(c.truth),
    fact: { predicate: c.predicate, objects: c.objects, value: c.truth },
    names,
  }));
  await writeFile(join(dir, 'qa.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { images };
}

/** Plays the VLM: answers each question with its case's reply, after its one transient fault. */
function vlm(images: Map<string, Buffer>) {
  const faulted = new Set<number>();
  const dataUrls = new Map([...images].map(([id, png]) => [`data:image/png;base64,${png.toString('base64')}`, id]));
  return (request: import('@spatialforge/research').ChatRequest): TestReply => {
    const message = request.messages.at(-1)!;
    assert.equal(message.role, 'user');
    assert.ok(Array.isArray(message.content));
    const text = message.content.find((p) => p.type === 'text');
    const image = message.content.find((p) => p.type === 'image_url');
    assert.ok(text?.type === 'text' && image?.type === 'image_url', 'question text and image part');
    const index = Number(/^Question (\d+)/.exec(text.text)![1]);
    assert.equal(dataUrls.get(image.image_url.url), index % 2 === 0 ? 'img-a' : 'img-b', 'the image of the question, as a data URL');
    const c = cases[index];
    if (c.fault && !faulted.has(index)) {
      faulted.add(index);
      return c.fault;
    }
    return { content: c.reply };
  };
}

function assertScores(scores: Pick<EvalScores, 'byType' | 'byGroup' | 'overall'>): void {
  for (const [type, want] of Object.entries(expected.byType)) {
    const { category: _c, kind: _k, ...got } = scores.byType[type];
    assert.deepEqual(got, want, `scores for ${type}`);
  }
  assert.deepEqual(Object.keys(scores.byType).sort(), Object.keys(expected.byType).sort());
  assert.deepEqual(scores.byGroup, expected.byGroup);
  assert.deepEqual(scores.overall, expected.overall);
}

test('eval CLI reports the hand-computed scores, retries transient errors, and a re-run asks nothing', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-eval-'));
  const { images } = await writeBenchmarkFolder(join(dir, 'bench'));
  const server = await startOpenAITestServer(vlm(images));
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const out = join(dir, 'out');
  const args = ['apps/cli/bin/spatialforge.js', 'eval', '--endpoint', server.url, '--model', 'test-vlm', '--dataset', join(dir, 'bench'), '--out', out, '--concurrency', '3'];
  const env = { ...process.env, EVAL_API_KEY: API_KEY };

  const first = await run(process.execPath, args, { cwd: repoRoot, env });
  const faults = cases.filter((c) => c.fault).length;
  assert.equal(server.requests.length, cases.length + faults, 'each question once, plus one retry per transient fault');
  assert.ok(server.requests.every((r) => r.authorization === `Bearer ${API_KEY}`), 'the key is sent as a bearer token');
  const scores = JSON.parse(await readFile(join(out, 'scores.json'), 'utf8')) as EvalScores;
  assertScores(scores);
  assert.deepEqual(scores.requests, { asked: cases.length, reused: 0, failed: 0, retries: faults });

  const markdown = await readFile(join(out, 'scores.md'), 'utf8');
  assert.match(markdown, /\| \*\*test-vlm\*\* \| 42\.9 % \(n=7\) \| 85\.7 % \(n=7\) \| 57\.1 % \(n=7\) \| 28\.6 % \(n=7\) \| 66\.7 % \(n=3\) \| 50\.0 % \(n=2\) \|/);
  assert.match(markdown, /\| SpatialVLM † \| 75\.2 % \| 99\.0 % \| 37\.2 % \|/);
  assert.match(markdown, /\| distance_centre \| quantitative \| 5 \| — \| 80\.0 % \| 60\.0 % \| 40\.0 % \| — \|/);
  const png = await sharp(join(out, 'scores.png')).metadata();
  assert.equal(png.format, 'png');
  assert.equal(png.width, 1200);

  const second = await run(process.execPath, args, { cwd: repoRoot, env });
  assert.equal(server.requests.length, cases.length + faults, 'the re-run makes no new requests');
  const again = JSON.parse(await readFile(join(out, 'scores.json'), 'utf8')) as EvalScores;
  assertScores(again);
  assert.deepEqual(again.requests, { asked: 0, reused: cases.length, failed: 0, retries: 0 });

  for (const file of ['scores.json', 'scores.md', 'answers.jsonl', 'scored.jsonl']) {
    assert.ok(!(await readFile(join(out, file), 'utf8')).includes(API_KEY), `the key is not in ${file}`);
  }
  for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) assert.ok(!output.includes(API_KEY), 'the key is not printed');
});

test('a crash mid-run resumes with only the missing questions; a request that keeps failing is scored wrong and asked again next time', { timeout: 30_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-eval-resume-'));
  const { images } = await writeBenchmarkFolder(join(dir, 'bench'));
  const answer = vlm(images);
  let failing = true;
  const server = await startOpenAITestServer((request) => {
    const text = JSON.stringify(request.messages);
    // Question 8 (the 6-metre answer) keeps failing while `failing` is set.
    if (failing && text.includes('Question 8 ')) return { status: 503 };
    return answer(request);
  });
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const dataset = await loadEvalDataset(join(dir, 'bench'));
  const out = join(dir, 'out');
  const options = { endpoint: server.url, model: 'test-vlm', dataset, outDir: out, retries: 2, retryBaseMs: 1, concurrency: 2 };

  const first = await evaluate(options);
  assert.deepEqual(first.failures.map((f) => f.id), ['q08'], JSON.stringify(first.failures[0]));
  assert.match(first.failures[0].error, /HTTP 503/);
  assert.equal(first.scores.unanswered, 1);
  // Question 8 was out of range anyway, so only its "states a number" changes: 3/5 instead of 4/5.
  assert.equal(first.scores.byType.distance_centre.numberRate, 3 / 5);
  assert.equal(first.scores.byType.distance_centre.within2x, 3 / 5);

  // Simulate a crash: keep the first 5 cached answers and a torn sixth line.
  const lines = (await readFile(join(out, 'answers.jsonl'), 'utf8')).trim().split('\n');
  await writeFile(join(out, 'answers.jsonl'), `${lines.slice(0, 5).join('\n')}\n${lines[5].slice(0, 20)}`);
  failing = false;
  const before = server.requests.length;
  const second = await evaluate(options);
  assert.equal(server.requests.length - before, cases.length - 5 + 1, 'only the 14 missing questions are asked (question 8 once more after its dropped connection)');
  assert.deepEqual(second.failures, []);
  assertScores(second.scores);
});
