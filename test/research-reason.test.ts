/**
 * Done-when 3 of issue 8: the `/v1/reason` handler answers the triangle, closest-object and
 * fits-inside questions on synthetic scenes correctly, with the built-in planner and with a language
 * model (the OpenAI-compatible test server playing an LLM that calls the scene tools and answers from
 * their results).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { QARecord, SceneGraph } from '@spatialforge/core';
import { sceneFromBoxes, synthesizeQA } from '@spatialforge/qa';
import { generateScene } from '@spatialforge/synth';
import { Ajv } from 'ajv';
import { REASON_REQUEST_SCHEMA, REASON_RESPONSE_SCHEMA, handleReasonRequest, type ChatRequest } from '@spatialforge/research';
import { startOpenAITestServer, type TestReply } from '@spatialforge/research/testing';

const run = promisify(execFile);
const repoRoot = new URL('../', import.meta.url).pathname;
const TYPES = ['closest_to', 'farthest_from', 'triangle_equilateral', 'triangle_right', 'fits_inside', 'fits_on', 'fits_under', 'sort_by_camera_distance'];
const SEEDS = [3, 11, 42];

/** A synthetic scene's scene graph from its exact ground truth. */
function syntheticScene(seed: number): SceneGraph {
  const synthetic = generateScene({ seed, width: 160, height: 120 });
  return sceneFromBoxes(
    synthetic.objects.map((o) => ({ id: o.id, label: o.label, colour: o.colour, centre: o.center, size: o.size })),
    { imageId: synthetic.id, cameraHeight: synthetic.camera.height },
  );
}

function questionsFor(scene: SceneGraph): QARecord[] {
  return synthesizeQA(scene, { seed: 7, units: 'metric', maxPerImage: 100, types: TYPES, defaultQuota: 3 });
}

/** A hand-built scene whose answers are known by construction (metres, canonical frame). */
const handScene = sceneFromBoxes([
  // A 3-4-5 right triangle of centres: lamp–chair 3 m, chair–plant 4 m, plant–lamp 5 m.
  { id: 'lamp', label: 'lamp', centre: [0, 2, 0.45], size: [0.3, 0.3, 0.9] },
  { id: 'chair', label: 'chair', centre: [3, 2, 0.45], size: [0.5, 0.5, 0.9] },
  { id: 'plant', label: 'plant', centre: [3, 6, 0.45], size: [0.4, 0.4, 0.9] },
  // A mug that fits in a box; the box does not fit in the mug.
  { id: 'mug', label: 'mug', centre: [0.5, 2.5, 0.05], size: [0.08, 0.08, 0.1] },
  { id: 'box', label: 'box', centre: [0.9, 2.5, 0.2], size: [0.4, 0.3, 0.4] },
]);

test('the built-in planner answers the hand-built scene as constructed', async () => {
  const ask = (question: string) => handleReasonRequest({ scene: handScene, question });
  const right = await ask('Do the lamp, the chair and the plant form a roughly right triangle?');
  assert.equal(right.fact?.value, true);
  assert.equal(right.planner, 'builtin');
  assert.deepEqual(right.steps.slice(0, 3).map((s) => s.fact.value), [3, 4, 5]);
  assert.match(right.answer, /^The lamp and the chair are 3 meters apart\. .* The largest angle is about 90 degrees\. So yes, the lamp, the chair and the plant form a roughly right triangle\.$/);
  const equilateral = await ask('Are the lamp, the chair and the plant about equally far from one another?');
  assert.equal(equilateral.fact?.value, false);
  assert.equal((await ask('Would the mug fit inside the box?')).fact?.value, true);
  assert.equal((await ask('Could the box be put inside the mug?')).fact?.value, false);
  // Looser phrasings than the catalog's.
  assert.equal((await ask('Is the box big enough to hold the mug?')).fact?.value, true);
  const nearest = await ask('What is nearest to the chair?');
  assert.equal(nearest.type, 'closest_to');
  assert.equal(nearest.fact?.value, 'box');
  // Chair at (3, 2): the lamp is 3 m away, the plant 4 m, the mug 2.55 m.
  assert.equal((await ask('Of the lamp, the plant and the mug, which is closest to the chair?')).fact?.value, 'mug');
  await assert.rejects(ask('What colour is the sky?'), /cannot read/);
});

test('the built-in planner answers every multi-object question of synthetic scenes like the dataset does', async () => {
  let asked = 0;
  for (const seed of SEEDS) {
    const scene = syntheticScene(seed);
    for (const record of questionsFor(scene)) {
      const result = await handleReasonRequest({ scene, question: record.question });
      assert.equal(result.type, record.type, record.question);
      assert.deepEqual(result.fact, record.fact, record.question);
      assert.equal(result.answer, result.answer.trim());
      assert.ok(result.steps.length >= 2, 'the answer carries its steps');
      asked++;
    }
  }
  assert.ok(asked >= 30, `asked ${asked} questions`);
});

interface ListedObject {
  id: string;
  name: string;
  /** Every name a question may use for it. */
  names: string[];
}

/**
 * Plays an LLM with tool calling: lists the objects, measures what the question needs, then answers
 * from the tool results it was sent (it never sees the scene itself).
 */
function toolCallingLlm(request: ChatRequest): TestReply {
  const question = request.messages.find((m) => m.role === 'user')!.content as string;
  const results = request.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content as string) as Record<string, unknown>);
  if (results.length === 0) return { toolCalls: [{ name: 'list_objects', arguments: {} }] };
  const objects = results[0].objects as ListedObject[];
  const text = question.toLowerCase();
  // The objects in the order the question names them.
  const named = objects
    .map((o) => {
      const phrase = o.names.find((n) => text.includes(n.toLowerCase())) ?? o.name;
      return { o: { ...o, name: phrase }, at: text.indexOf(phrase.toLowerCase()) };
    })
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.o);
  const measured = results.slice(1);
  if (/closest|nearest|least far/.test(text)) {
    // The anchor is the object after "to" (or the last named); the others are the candidates.
    const anchor = named.find((o) => text.includes(`to ${o.name.toLowerCase()}`)) ?? named.at(-1)!;
    const listed = named.filter((o) => o !== anchor);
    if (measured.length === 0) return { toolCalls: listed.map((o) => ({ name: 'distance', arguments: { a: anchor.id, b: o.id } })) };
    const distances = measured.map((r) => r.metres as number);
    const best = listed[distances.indexOf(Math.min(...distances))];
    return { content: `${best.name[0].toUpperCase()}${best.name.slice(1)} is the closest to ${anchor.name}.` };
  }
  if (/triangle|equally|the same/.test(text)) {
    const [a, b, c] = named;
    if (measured.length === 0) {
      return { toolCalls: [[a, b], [b, c], [c, a]].map(([p, q]) => ({ name: 'distance', arguments: { a: p.id, b: q.id } })) };
    }
    const sides = measured.map((r) => r.metres as number).sort((x, y) => x - y);
    const holds = /equilateral|equally|the same/.test(text)
      ? sides[2] / sides[0] <= 1.15
      : Math.abs((Math.acos((sides[0] ** 2 + sides[1] ** 2 - sides[2] ** 2) / (2 * sides[0] * sides[1])) * 180) / Math.PI - 90) <= 10;
    return { content: holds ? 'Yes, they do.' : 'No, they do not.' };
  }
  if (/fit|hold|inside/.test(text)) {
    // "Is B big enough to hold A?" names the container first.
    const [a, b] = /hold/.test(text) ? [named[1], named[0]] : named;
    if (measured.length === 0) return { toolCalls: [a, b].map((o) => ({ name: 'size', arguments: { object: o.id } })) };
    const [inner, outer] = measured.map((r) => r.extents_sorted as number[]);
    return { content: inner.every((v, i) => v < outer[i]) ? `Yes, ${a.name} fits inside ${b.name}.` : `No, ${a.name} is too big.` };
  }
  return { content: 'I do not know.' };
}

test('with a tool-calling LLM, the answers come from the scene tools and agree with the dataset', { timeout: 60_000 }, async (t) => {
  const server = await startOpenAITestServer(toolCallingLlm);
  t.after(() => server.close());
  const llm = { endpoint: server.url, model: 'test-llm', apiKey: 'llm-key' };
  let asked = 0;
  for (const seed of SEEDS) {
    const scene = syntheticScene(seed);
    const records = questionsFor(scene).filter((r) => ['closest_to', 'triangle_equilateral', 'triangle_right', 'fits_inside'].includes(r.type));
    for (const record of records) {
      const before = server.requests.length;
      const result = await handleReasonRequest({ scene, question: record.question }, { llm });
      assert.equal(result.planner, 'llm');
      assert.deepEqual(result.fact, record.fact, `${record.question} → ${result.answer}`);
      assert.equal(result.toolCalls![0].name, 'list_objects');
      assert.ok(result.toolCalls!.length >= 3, `the model measured before answering: ${record.question} ${JSON.stringify(result.toolCalls)}`);
      assert.equal(server.requests.length - before, 3, 'list, measure, answer');
      asked++;
    }
  }
  assert.ok(asked >= 12, `asked ${asked} questions`);
  const first = server.requests[0].body;
  assert.deepEqual(first.tools?.map((tool) => tool.function.name), ['list_objects', 'distance', 'direction', 'size', 'compare']);
  assert.ok(server.requests.every((r) => r.authorization === 'Bearer llm-key'));
  // The tool results the model saw are the scene's measurements.
  const second = server.requests[1].body.messages.at(-1)!;
  assert.equal(second.role, 'tool');
});

test('the model is stopped after the step limit and asked to answer; bad tool arguments go back to it as errors', async (t) => {
  const scene = handScene;
  const server = await startOpenAITestServer((request) => {
    if (request.tool_choice === 'none') return { content: 'The box is closest to the chair.' };
    return { toolCalls: [{ name: 'distance', arguments: { a: 'the sofa', b: 'chair' } }] };
  });
  t.after(() => server.close());
  const result = await handleReasonRequest({ scene, question: 'Which of the lamp, the mug and the box is nearest to the chair?' }, { llm: { endpoint: server.url, model: 'm', maxSteps: 2 } });
  assert.equal(server.requests.length, 3);
  assert.deepEqual(result.toolCalls!.map((c) => c.result), [{ error: 'no single object matches a = "the sofa"; call list_objects for the ids' }, { error: 'no single object matches a = "the sofa"; call list_objects for the ids' }]);
  assert.equal(result.fact?.value, 'box');
  assert.equal(result.fact?.predicate, 'closest_to');
});

test('the route schemas accept real requests and answers and reject a body without a question', async () => {
  const ajv = new Ajv({ strict: false });
  const validRequest = ajv.compile(REASON_REQUEST_SCHEMA);
  const validResponse = ajv.compile(REASON_RESPONSE_SCHEMA);
  const body = JSON.parse(JSON.stringify({ scene: handScene, question: 'Would the mug fit inside the box?' }));
  assert.ok(validRequest(body), JSON.stringify(validRequest.errors));
  assert.ok(validResponse(JSON.parse(JSON.stringify(await handleReasonRequest(body)))), JSON.stringify(validResponse.errors));
  assert.equal(validRequest({ scene: body.scene }), false);
  assert.equal(validRequest.errors?.[0].params.missingProperty, 'question');
});

test('spatialforge reason answers from a scene.json with numbered steps and the fact', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-reason-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'scene.json'), JSON.stringify(handScene));
  const env = { ...process.env, LLM_ENDPOINT: '', LLM_MODEL: '' };
  const { stdout } = await run(process.execPath, ['apps/cli/bin/spatialforge.js', 'reason', join(dir, 'scene.json'), 'Do the lamp, the chair and the plant form a roughly right triangle?'], { cwd: repoRoot, env });
  const lines = stdout.trim().split('\n');
  assert.match(lines[0], /So yes, the lamp, the chair and the plant form a roughly right triangle\.$/);
  assert.deepEqual(lines.filter((l) => /^\d\. /.test(l)).length, 4);
  assert.equal(lines.at(-1), 'fact: {"predicate":"triangle_right","objects":["lamp","chair","plant"],"value":true}');
});
