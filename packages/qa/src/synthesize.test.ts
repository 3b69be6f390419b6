import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, type QARecord, type SceneGraph } from '@spatialforge/core';
import { sceneFromBoxes, type KnownBox } from './box-scene.js';
import { QUESTION_TYPES, questionType } from './catalog.js';
import { COMPARISONS, compare, type ComparisonName } from './facts.js';
import { formatClockHour, formatLength } from './format.js';
import { synthesizeQA, type SynthesisOptions } from './synthesize.js';

/**
 * A living room built so every type has candidates: three objects at the corners of a near-equilateral
 * triangle, a near-right angle at the chair, a shelf with free space under it, a mug that fits in the box.
 */
const ROOM: KnownBox[] = [
  { id: 'table', label: 'table', centre: [0, 3, 0.375], size: [1.2, 0.8, 0.75] },
  { id: 'chair', label: 'chair', centre: [-1.2, 3, 0.45], size: [0.5, 0.5, 0.9] },
  { id: 'mug', label: 'mug', centre: [0.2, 3.1, 0.8], size: [0.09, 0.09, 0.1] },
  { id: 'box', label: 'box', centre: [1.5, 2.0, 0.15], size: [0.45, 0.35, 0.3] },
  { id: 'shelf', label: 'shelf', centre: [1.5, 4.5, 1.3], size: [0.9, 0.25, 0.04] },
  { id: 'lamp', label: 'lamp', centre: [-1.2, 4.8, 0.8], size: [0.4, 0.4, 1.6] },
  { id: 'plant', label: 'plant', centre: [-1.1, 1.3, 0.35], size: [0.35, 0.35, 0.7] },
  { id: 'bin', label: 'bin', centre: [1.1, 1.3, 0.2], size: [0.3, 0.3, 0.4] },
];
const room = sceneFromBoxes(ROOM, { imageId: 'living-room' });
const flatRoom = sceneFromBoxes(ROOM, { imageId: 'living-room', canonical: false });
const everything: SynthesisOptions = { seed: 1, units: 'metric', maxPerImage: 10_000, defaultQuota: 1_000 };
const byId = new Map(room.objects.map((o) => [o.id, o]));
const CHOICE_RELATION: Record<string, ComparisonName> = {
  choice_left: 'left_of', choice_right: 'right_of', choice_higher: 'above', choice_lower: 'below',
  choice_closer: 'closer', choice_farther: 'farther', choice_bigger: 'bigger', choice_smaller: 'smaller',
  choice_taller: 'taller', choice_shorter: 'shorter', choice_wider: 'wider', choice_thinner: 'thinner',
};

function assertValidRecord(record: QARecord, scene: SceneGraph): void {
  const spec = questionType(record.type);
  assert.match(record.id, /^[0-9a-f]{32}$/);
  assert.equal(record.imageId, scene.imageId);
  assert.equal(record.category, spec.category);
  for (const text of [record.question, record.answer, ...(record.steps ?? []).map((s) => s.text)]) {
    assert.doesNotMatch(text, /[{}]|undefined|NaN/, `${record.type}: unfilled "${text}"`);
    assert.match(text, /^[A-Z0-9]/, `${record.type}: "${text}" starts with a capital`);
  }
  const ids = new Set(scene.objects.map((o) => o.id));
  for (const id of record.fact.objects) assert.ok(ids.has(id), `${record.type}: unknown object ${id}`);
  assert.equal(record.fact.predicate, record.type);
  const { value } = record.fact;
  switch (spec.valueKind) {
    case 'boolean': assert.equal(typeof value, 'boolean'); break;
    case 'object': assert.ok(typeof value === 'string' && record.fact.objects.includes(value)); break;
    case 'length': assert.ok(typeof value === 'number' && value > 0); break;
    case 'clock': assert.ok(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 12); break;
    case 'order': assert.deepEqual([...(value as string[])].sort(), [...record.fact.objects].sort()); break;
  }
  if (spec.category === 'reasoning') assert.ok(record.steps && record.steps.length >= 2, `${record.type}: steps`);
  else assert.equal(record.steps, undefined);
}

test('every type of the catalog produces valid records on a hand-built scene', () => {
  const records = synthesizeQA(room, everything);
  const types = new Set(records.map((r) => r.type));
  assert.deepEqual([...types].sort(), QUESTION_TYPES.map((t) => t.type).sort());
  for (const record of records) assertValidRecord(record, room);
  assert.equal(new Set(records.map((r) => r.id)).size, records.length, 'ids are unique');
  for (const type of ['triangle_equilateral', 'triangle_right', 'fits_on', 'fits_under', 'fits_inside']) {
    const values = new Set(records.filter((r) => r.type === type).map((r) => r.fact.value));
    assert.deepEqual([...values].sort(), [false, true], `${type} is asked in both its true and false forms`);
  }
});

test('yes/no and choice answers agree with the geometry, quantities show the rounded value', () => {
  const camera = room.camera.position;
  for (const record of synthesizeQA(room, everything)) {
    const objects = record.fact.objects.map((id) => byId.get(id)!);
    if (record.type in COMPARISONS) {
      const truth = compare(record.type as ComparisonName, objects[0], objects[1], camera);
      assert.equal(record.fact.value, truth, `${record.question}`);
      assert.match(record.answer, truth ? /^(Yes|Correct)/ : /^(No|Not quite)/, `${record.question} → ${record.answer}`);
    } else if (record.type in CHOICE_RELATION) {
      const [a, b] = objects;
      const winner = compare(CHOICE_RELATION[record.type], a, b, camera) ? a : b;
      assert.equal(record.fact.value, winner.id);
      assert.ok(record.answer.toLowerCase().startsWith(winner.name) || record.answer.startsWith(`It is ${winner.name}`), `${record.question} → ${record.answer}`);
    } else if (questionType(record.type).valueKind === 'length') {
      assert.ok(record.answer.includes(formatLength(record.fact.value as number, 'metric')), record.answer);
    } else if (record.type === 'direction_clock') {
      assert.ok(record.answer.includes(formatClockHour(record.fact.value as number)), record.answer);
    }
  }
});

test('a scene without gravity never asks a question that needs "up"', () => {
  const records = synthesizeQA(flatRoom, everything);
  assert.ok(records.length > 0);
  const upTypes = new Set<string>(QUESTION_TYPES.filter((t) => t.needsUp).map((t) => t.type));
  assert.ok(upTypes.has('above') && upTypes.has('size_height') && upTypes.has('direction_clock'));
  for (const record of records) assert.ok(!upTypes.has(record.type), `${record.type} asked of a non-canonical scene`);
  const asked = new Set(records.map((r) => r.type));
  for (const t of QUESTION_TYPES) if (!t.needsUp) assert.ok(asked.has(t.type), `${t.type} still asked`);
});

test('quotas per type, the per-image cap, and the types filter', () => {
  const records = synthesizeQA(room, { seed: 3, units: 'metric', maxPerImage: 1000, defaultQuota: 2, quotas: { left_of: 5, size_width: 0 } });
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  assert.equal(counts.get('left_of'), 5);
  assert.equal(counts.get('size_width'), undefined);
  for (const [type, count] of counts) if (type !== 'left_of') assert.ok(count <= 2, `${type}: ${count}`);
  assert.equal(counts.get('distance_centre'), 2);

  const capped = synthesizeQA(room, { seed: 3, units: 'metric', maxPerImage: 20, defaultQuota: 2 });
  assert.equal(capped.length, 20);
  assert.equal(new Set(capped.map((r) => r.type)).size, 20, 'the cap is shared round-robin across types');

  const filtered = synthesizeQA(room, { seed: 3, units: 'metric', maxPerImage: 100, types: ['bigger', 'closest_to'] });
  assert.deepEqual([...new Set(filtered.map((r) => r.type))].sort(), ['bigger', 'closest_to']);
  assert.throws(() => synthesizeQA(room, { seed: 3, units: 'metric', maxPerImage: 10, types: ['left'] }), (err: unknown) => err instanceof InputError && err.field === 'types');
  assert.throws(() => synthesizeQA(room, { seed: 3, units: 'metric', maxPerImage: -1 }), InputError);
  assert.throws(() => synthesizeQA(room, { seed: 3, units: 'metric', maxPerImage: 9, quotas: { above: 1.5 } }), (err: unknown) => err instanceof InputError && err.field === 'quotas.above');
});

test('yes/no questions are balanced between their true and false forms', () => {
  const records = synthesizeQA(room, { seed: 5, units: 'metric', maxPerImage: 1000, defaultQuota: 2 });
  for (const t of QUESTION_TYPES.filter((t) => t.category === 'qualitative' && t.valueKind === 'boolean')) {
    const values = records.filter((r) => r.type === t.type).map((r) => r.fact.value);
    assert.deepEqual(values.sort(), [false, true], t.type);
  }
});

test('sampling is deterministic for a seed, differs across seeds, and one type\'s quota leaves the others alone', () => {
  const options: SynthesisOptions = { seed: 11, units: 'metric', maxPerImage: 1000, defaultQuota: 2 };
  const first = synthesizeQA(room, options);
  assert.deepEqual(synthesizeQA(room, options), first);
  const other = synthesizeQA(room, { ...options, seed: 12 });
  assert.notDeepEqual(other.map((r) => r.id).sort(), first.map((r) => r.id).sort());
  const moreLeft = synthesizeQA(room, { ...options, quotas: { left_of: 6 } });
  const withoutLeft = (records: QARecord[]) => records.filter((r) => r.type !== 'left_of').sort((a, b) => a.id.localeCompare(b.id));
  assert.deepEqual(withoutLeft(moreLeft), withoutLeft(first));
});

test('objects sharing a name are left out of questions; imperial units read in inches and feet', () => {
  const twins = sceneFromBoxes([...ROOM, { id: 'chair2', label: 'chair', centre: [2, 5, 0.45], size: [0.5, 0.5, 0.9] }], { imageId: 'twins' });
  const records = synthesizeQA(twins, everything);
  for (const record of records) assert.ok(!record.fact.objects.includes('chair') && !record.fact.objects.includes('chair2'));

  const imperial = synthesizeQA(room, { ...everything, units: 'imperial', types: ['size_width', 'distance_camera'] });
  assert.ok(imperial.length > 0);
  for (const record of imperial) {
    assert.match(record.answer, /inch|feet|foot/);
    assert.ok(record.answer.includes(formatLength(record.fact.value as number, 'imperial')));
  }
});

test('a scene with one object asks only about that object', () => {
  const lonely = sceneFromBoxes([ROOM[0]], { imageId: 'lonely' });
  const records = synthesizeQA(lonely, everything);
  assert.deepEqual([...new Set(records.map((r) => r.type))].sort(), ['distance_camera', 'size_depth', 'size_height', 'size_width']);
});
