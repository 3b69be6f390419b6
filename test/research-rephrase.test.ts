/**
 * Rephrasing (issue 8): a rewrite that keeps the fact is kept, one that changes the number (or the
 * chosen object, or the yes/no) is rejected and the template text stays, and a re-run is answered
 * from the cache without a request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QARecord } from '@spatialforge/core';
import { sceneFromBoxes, synthesizeQA } from '@spatialforge/qa';
import { rephrase, type ChatRequest } from '@spatialforge/research';
import { startOpenAITestServer, type TestReply } from '@spatialforge/research/testing';

const scene = sceneFromBoxes([
  { id: 'o1', label: 'chair', colour: 'red', name: 'the red chair', centre: [-0.8, 2.5, 0.45], size: [0.5, 0.5, 0.9] },
  { id: 'o2', label: 'table', centre: [0.6, 3.2, 0.375], size: [1.2, 0.8, 0.75] },
  { id: 'o3', label: 'lamp', centre: [1.8, 4.4, 0.6], size: [0.3, 0.3, 1.2] },
]);
const names = Object.fromEntries(scene.objects.map((o) => [o.id, o.name]));
const all = synthesizeQA(scene, { seed: 5, units: 'metric', maxPerImage: 200, defaultQuota: 1, types: ['distance_centre', 'size_width', 'choice_closer', 'left_of', 'closest_to'] });
const byType = (type: string) => all.find((r) => r.type === type)!;
const records: QARecord[] = ['distance_centre', 'size_width', 'choice_closer', 'left_of', 'closest_to'].map(byType);

/** Plays the LLM: a faithful rewrite for some records, a fact-changing one for others. */
function rewriter(request: ChatRequest): TestReply {
  const sent = JSON.parse(request.messages.at(-1)!.content as string) as { question: string; answer?: string };
  const record = records.find((r) => r.question === sent.question)!;
  const [a, b] = record.fact.objects.map((id) => names[id]);
  switch (record.type) {
    case 'distance_centre': // Kept: same number and unit, in a code fence.
      return { content: '```json\n' + JSON.stringify({ question: `What's the distance from ${a} to ${b}?`, answer: `Roughly ${/[\d.]+ \w+/.exec(record.answer)![0]}.` }) + '\n```' };
    case 'size_width': // Rejected: the number changed.
      return { content: JSON.stringify({ question: `How broad is ${a}?`, answer: 'It is about 2 meters wide.' }) };
    case 'choice_closer': { // Rejected: the other object chosen.
      const wrong = record.fact.objects.find((id) => id !== record.fact.value)!;
      return { content: JSON.stringify({ question: `Which is nearer the camera, ${a} or ${b}?`, answer: `${names[wrong]}.` }) };
    }
    case 'left_of': // Kept: same yes/no.
      return { content: JSON.stringify({ question: `Is ${a} located left of ${b}?`, answer: record.fact.value ? 'Yes, it is on the left.' : 'No, it is on the right.' }) };
    default: // Chain of thought: only the question is rewritten; it still names every object.
      return { content: JSON.stringify({ question: `${sent.question.replace(/^Of /, 'Out of ')}` }) };
  }
}

test('rephrasing keeps rewrites that state the same fact, rejects the rest, and caches verdicts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-rephrase-'));
  const server = await startOpenAITestServer(rewriter);
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const options = { endpoint: server.url, model: 'rewriter-1', cacheDir: dir, namesFor: () => names };

  const first = await rephrase(records, options);
  assert.equal(server.requests.length, records.length);
  assert.deepEqual({ kept: first.kept, rejected: first.rejected, cached: first.cached, failed: first.failed }, { kept: 3, rejected: 2, cached: 0, failed: 0 });
  const out = (type: string) => first.records.find((r) => r.type === type)!;
  const original = (type: string) => records.find((r) => r.type === type)!;
  assert.match(out('distance_centre').question, /^What's the distance from/);
  assert.match(out('distance_centre').answer, /^Roughly /);
  assert.deepEqual(out('size_width'), original('size_width'), 'a changed number keeps the template text');
  assert.deepEqual(out('choice_closer'), original('choice_closer'), 'a changed choice keeps the template text');
  assert.match(out('left_of').question, /located left of/);
  assert.equal(out('closest_to').answer, original('closest_to').answer, 'a chain of thought keeps its answer');
  for (const record of first.records) {
    const before = original(record.type);
    assert.deepEqual([record.id, record.fact, record.steps], [before.id, before.fact, before.steps], 'ids, facts and steps never change');
  }

  const again = await rephrase(records, options);
  assert.equal(server.requests.length, records.length, 'no request on the re-run');
  assert.equal(again.cached, records.length);
  assert.deepEqual(again.records, first.records);

  // Another model is another cache.
  await rephrase(records.slice(0, 1), { ...options, model: 'rewriter-2' });
  assert.equal(server.requests.length, records.length + 1);
});
