import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, type QARecord, type SceneGraph } from '@spatialforge/core';
import { sceneFromBoxes, type KnownBox } from './box-scene.js';
import { QUESTION_TYPES, questionType } from './catalog.js';
import { formatClockHour, formatLength } from './format.js';
import { relationFamily, synthesizeQA, type SynthesisOptions } from './synthesize.js';
import type { QuestionTypeName } from './catalog.js';

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
  // Small, movable and long: it fits on the table but not inside the box.
  { id: 'racket', label: 'tennis racket', centre: [0.3, 1.6, 0.015], size: [0.7, 0.3, 0.03] },
];
const room = sceneFromBoxes(ROOM, { imageId: 'living-room' });
const flatRoom = sceneFromBoxes(ROOM, { imageId: 'living-room', canonical: false });
const everything: SynthesisOptions = { seed: 1, units: 'metric', maxPerImage: 10_000, defaultQuota: 1_000 };
const byId = new Map(room.objects.map((o) => [o.id, o]));

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

// Whether each answer is right is the oracle's job (oracle.test.ts); here the answer must say what the fact says.
test('answers state their facts: yes or no as the fact, the chosen object, the rounded value', () => {
  for (const record of synthesizeQA(room, everything)) {
    const spec = questionType(record.type);
    if (spec.valueKind === 'boolean' && spec.category !== 'reasoning') {
      assert.match(record.answer, record.fact.value ? /^Yes/ : /^No/, `${record.question} → ${record.answer}`);
    } else if (spec.valueKind === 'object' && spec.category === 'qualitative') {
      const winner = byId.get(record.fact.value as string)!;
      assert.ok(record.answer.toLowerCase().startsWith(winner.name) || record.answer.startsWith(`It is ${winner.name}`), `${record.question} → ${record.answer}`);
    } else if (spec.valueKind === 'length') {
      assert.ok(record.answer.includes(formatLength(record.fact.value as number, 'metric')), record.answer);
    } else if (record.type === 'direction_clock') {
      assert.ok(record.answer.includes(formatClockHour(record.fact.value as number)), record.answer);
    }
    assert.doesNotMatch(record.answer, /^(Correct|Not quite)/, 'plain questions get plain yes and no');
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

test('sampling is deterministic for a seed, differs across seeds, and one type\'s quota leaves other relation families alone', () => {
  const options: SynthesisOptions = { seed: 11, units: 'metric', maxPerImage: 1000, defaultQuota: 2 };
  const first = synthesizeQA(room, options);
  assert.deepEqual(synthesizeQA(room, options), first);
  const other = synthesizeQA(room, { ...options, seed: 12 });
  assert.notDeepEqual(other.map((r) => r.id).sort(), first.map((r) => r.id).sort());
  const moreLeft = synthesizeQA(room, { ...options, quotas: { left_of: 6 } });
  // Types of the same family share their pairs (one fact per pair and family), so only other families must stay the same.
  const withoutLeft = (records: QARecord[]) => records.filter((r) => relationFamily(r.type as QuestionTypeName) !== 'left/right').sort((a, b) => a.id.localeCompare(b.id));
  assert.deepEqual(withoutLeft(moreLeft), withoutLeft(first));
});

test('two of a label are named by colour, else by a qualifier on another axis than the question\'s', () => {
  const chair2: KnownBox = { id: 'chair2', label: 'chair', centre: [2, 5, 0.45], size: [0.5, 0.5, 0.9] };
  const twins = sceneFromBoxes([...ROOM, chair2], { imageId: 'twins' });
  const records = synthesizeQA(twins, everything);
  const aboutChairs = records.filter((r) => r.fact.objects.includes('chair') || r.fact.objects.includes('chair2'));
  assert.ok(aboutChairs.length > 20, 'both chairs are asked about');
  for (const record of aboutChairs) {
    const family = relationFamily(record.type as QuestionTypeName);
    const text = `${record.question} ${record.answer}`;
    assert.match(text, /the (left|right|nearer|farther) chair/, record.question);
    if (family === 'left/right' || record.type === 'direction_clock') assert.doesNotMatch(text, /the (left|right) chair/, record.question);
    if (family === 'near/far' || record.type === 'distance_camera' || record.type === 'sort_by_camera_distance' || record.type === 'direction_clock') {
      assert.doesNotMatch(text, /the (nearer|farther) chair/, record.question);
    }
  }
  const coloured = sceneFromBoxes([...ROOM.map((b) => (b.id === 'chair' ? { ...b, colour: 'red' } : b)), { ...chair2, colour: 'blue' }], { imageId: 'twins' });
  const named = synthesizeQA(coloured, everything).filter((r) => r.fact.objects.includes('chair2'));
  assert.ok(named.length > 0 && named.every((r) => r.question.includes('the blue chair')), 'colour comes first');

  const imperial = synthesizeQA(room, { ...everything, units: 'imperial', types: ['size_width', 'distance_camera'] });
  assert.ok(imperial.length > 0);
  for (const record of imperial) {
    assert.match(record.answer, /inch|feet|foot/);
    assert.ok(record.answer.includes(formatLength(record.fact.value as number, 'imperial')));
  }
});

test('one fact per pair and relation family: no record answers another', () => {
  const records = synthesizeQA(room, everything);
  const keys = records.filter((r) => questionType(r.type).arity === 2).map((r) => `${relationFamily(r.type as QuestionTypeName)}|${[...r.fact.objects].sort().join(',')}`);
  assert.equal(new Set(keys).size, keys.length);
});

test('refer: regions names objects as <regionN> with their boxes; three of a label are asked about', () => {
  const chairs: KnownBox[] = [-1.5, 0, 1.5].map((x, i) => ({ id: `c${i}`, label: 'chair', centre: [x, 3 + i, 0.45], size: [0.5, 0.5, 0.9] }));
  const scene = sceneFromBoxes([...chairs, { id: 't', label: 'table', centre: [0.5, 5, 0.375], size: [1.2, 0.8, 0.75] }], { imageId: 'three-chairs' });
  const records = synthesizeQA(scene, { ...everything, refer: 'regions' });
  assert.ok(records.length > 30);
  const order = scene.objects.map((o) => o.id);
  for (const record of records) {
    const text = `${record.question} ${record.answer} ${(record.steps ?? []).map((s) => s.text).join(' ')}`;
    assert.doesNotMatch(text, /chair|table/, 'no object labels in the text');
    const named = [...text.matchAll(/<region(\d+)>/g)].map((m) => Number(m[1]));
    assert.ok(named.length > 0, text);
    const regions = record.regions!;
    for (const n of named) assert.ok(regions.some((r) => r.region === n), `<region${n}> is listed`);
    for (const region of regions) {
      assert.equal(order[region.region], region.id, 'regions are numbered by the scene graph\'s object order');
      assert.deepEqual(region.box, scene.objects[region.region].box2d);
    }
    assert.deepEqual(regions.map((r) => r.id).sort(), [...new Set(record.fact.objects)].sort());
  }
  assert.ok(records.some((r) => r.fact.objects.includes('c1') && r.fact.objects.includes('c2')), 'two chairs in one question');
  // The facts are those of the names mode where both ask the same thing.
  const named = synthesizeQA(scene, everything);
  const byKey = new Map(named.map((r) => [`${r.type}|${r.fact.objects.join(',')}`, r.fact]));
  let same = 0;
  for (const record of records) {
    const fact = byKey.get(`${record.type}|${record.fact.objects.join(',')}`);
    if (fact) { assert.deepEqual(record.fact, fact); same++; }
  }
  assert.ok(same > 0);
});

test('a scene with one object asks only about that object', () => {
  const lonely = sceneFromBoxes([ROOM[0]], { imageId: 'lonely' });
  const records = synthesizeQA(lonely, everything);
  assert.deepEqual([...new Set(records.map((r) => r.type))].sort(), ['distance_camera', 'size_depth', 'size_height', 'size_width']);
});

test('a truncated or occluded object is asked about where it is, never about its size, what fits, its gap to another or how far it is above one', () => {
  const cut = sceneFromBoxes(ROOM.map((b) => (b.id === 'box' ? { ...b, truncated: true } : b.id === 'lamp' ? { ...b, occluded: true } : b)), { imageId: 'cut' });
  const records = synthesizeQA(cut, everything);
  const sizeTypes = /^(choice_)?(bigger|smaller|taller|shorter|wider|thinner)$|^size_|^fits_|^distance_gap$|^how_much_higher$/;
  const about = records.filter((r) => r.fact.objects.includes('box') || r.fact.objects.includes('lamp'));
  assert.ok(about.some((r) => r.type === 'left_of' || r.type === 'right_of' || r.type === 'choice_left' || r.type === 'choice_right'), 'positions are still asked');
  for (const record of about) assert.doesNotMatch(record.type, sizeTypes, record.question);
  assert.ok(records.some((r) => r.type === 'distance_gap'), 'gaps between whole objects are still asked');
});

test('an object lifted from sparse depth is asked its height and where it is, never its footprint: widths, depths, gaps or fits', () => {
  const sparse = new Set(['table', 'box', 'bin']);
  const graph = sceneFromBoxes(ROOM, { imageId: 'lidar-room' });
  graph.objects = graph.objects.map((o) => (sparse.has(o.id) ? { ...o, sparseDepth: { samples: 40, depth: o.centre[1] } } : o));
  const records = synthesizeQA(graph, everything);
  const footprintTypes = /^(choice_)?(wider|thinner)$|^size_(width|depth)$|^fits_|^distance_gap$/;
  const about = records.filter((r) => r.fact.objects.some((id) => sparse.has(id)));
  for (const record of about) assert.doesNotMatch(record.type, footprintTypes, record.question);
  const askedOfSparse = new Set(about.map((r) => r.type));
  for (const type of ['size_height', 'taller', 'left_of', 'distance_centre']) assert.ok(askedOfSparse.has(type as QuestionTypeName), `${type} is still asked of them`);
  assert.ok(records.some((r) => r.type === 'size_width'), 'the dense objects are still asked their widths');
});

test('how much closer one object is than another is asked of sparse-depth objects only when it exceeds half their longer sides', () => {
  const sparse = new Set(['table', 'box', 'bin']);
  const dense = sceneFromBoxes(ROOM, { imageId: 'lidar-room' });
  const graph = { ...dense, objects: dense.objects.map((o) => (sparse.has(o.id) ? { ...o, sparseDepth: { samples: 40, depth: o.centre[1] } } : o)) };
  // The centre of a sparse object may be off along the view by up to half its extent (its far side is not seen).
  const bound = (ids: string[]) =>
    ids.filter((id) => sparse.has(id)).reduce((sum, id) => sum + Math.max(...ROOM.find((b) => b.id === id)!.size.slice(0, 2)) / 2, 0);
  const closer = (records: QARecord[]) => records.filter((r) => r.type === 'how_much_closer' && r.fact.objects.some((id) => sparse.has(id)));
  const onlyCloser: SynthesisOptions = { ...everything, types: ['how_much_closer'] };
  const askedDense = closer(synthesizeQA(dense, onlyCloser));
  const askedSparse = closer(synthesizeQA(graph, onlyCloser));
  assert.ok(askedDense.some((r) => (r.fact.value as number) < bound(r.fact.objects)), 'dense depth asks some differences smaller than the bound');
  assert.ok(askedSparse.length > 0, 'clear differences are still asked of sparse objects');
  for (const record of askedSparse) assert.ok((record.fact.value as number) >= bound(record.fact.objects), record.question);
});
