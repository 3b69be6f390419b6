/**
 * An independent oracle for the question catalog (issue 11, Done-when 1 and 2). Its rules are written
 * here from the definitions in this package's README, without the package's rules or facts: on synthetic
 * scenes (turned objects, things side by side on one table, things stacked on boxes and cabinets,
 * legged tables and solid counters) it rebuilds each record's answer from the generator's exact truth
 * (the own boxes; for "fits under" the true table top and legs) and every scored answer must agree.
 * It also counts, across all records: names that give the answer away, facts repeated for a pair and
 * relation family within one image, and fits questions whose base or holder cannot bear or hold.
 *
 * Skipped only as the README's margins allow: a record whose deciding quantity is within 1 mm of the
 * documented threshold (the margins, the resting tolerance, the triangle tolerances) is counted as a
 * near-tie, not scored: at that distance the oracle's own rounding decides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QARecord, SceneGraph, SceneObject, Vec3 } from '@spatialforge/core';
import { generateScene, type SyntheticScene, type TruthObject } from '@spatialforge/synth';
import { buildShape, type BoxPrimitive } from '../../synth/src/shapes.js';
import { synthesizeQA } from './synthesize.js';

const SCENES = 220;
const DEG = 180 / Math.PI;
/** The README's margins: 5 cm and 5 % for lengths, 3° for directions; 2 cm resting tolerance. */
const METRES = 0.05;
const DEGREES = 3;
const RESTING = 0.02;
const NEAR_TIE = 0.001;

// ---- The truth, as the oracle reads it ----

interface Thing {
  id: string;
  label: string;
  centre: Vec3;
  /** Own box: length along yaw, width, height. */
  dims: Vec3;
  yaw: number;
  bottom: number;
  top: number;
  truth: TruthObject;
}

function thingOf(truth: TruthObject): Thing {
  const { centre, size, yaw } = truth.obb;
  return { id: truth.id, label: truth.label, centre, dims: size, yaw, bottom: centre[2] - size[2] / 2, top: centre[2] + size[2] / 2, truth };
}

/** The footprint's outline as points every 1 cm along its edges (ground plane). */
function outline(t: Thing): [number, number][] {
  const [l, w] = t.dims;
  const c = Math.cos(t.yaw);
  const s = Math.sin(t.yaw);
  const at = (u: number, v: number): [number, number] => [t.centre[0] + c * u - s * v, t.centre[1] + s * u + c * v];
  const points: [number, number][] = [];
  const steps = (length: number) => Math.max(2, Math.ceil(length / 0.01));
  for (let i = 0; i <= steps(l); i++) {
    const u = -l / 2 + (l * i) / steps(l);
    points.push(at(u, -w / 2), at(u, w / 2));
  }
  for (let i = 0; i <= steps(w); i++) {
    const v = -w / 2 + (w * i) / steps(w);
    points.push(at(-l / 2, v), at(l / 2, v));
  }
  return points;
}

function insideFootprint(p: [number, number], t: Thing): boolean {
  const dx = p[0] - t.centre[0];
  const dy = p[1] - t.centre[1];
  const u = Math.cos(t.yaw) * dx + Math.sin(t.yaw) * dy;
  const v = -Math.sin(t.yaw) * dx + Math.cos(t.yaw) * dy;
  return Math.abs(u) <= t.dims[0] / 2 + 1e-9 && Math.abs(v) <= t.dims[1] / 2 + 1e-9;
}

/** Closest points of two own boxes by sampling their outlines (within about 1 cm), metres. */
function gap(a: Thing, b: Thing): number {
  const pa = outline(a);
  const pb = outline(b);
  let flat = Infinity;
  if (pa.some((p) => insideFootprint(p, b)) || pb.some((p) => insideFootprint(p, a))) flat = 0;
  else for (const p of pa) for (const q of pb) flat = Math.min(flat, Math.hypot(p[0] - q[0], p[1] - q[1]));
  const vertical = Math.max(0, a.bottom - b.top, b.bottom - a.top);
  return Math.hypot(flat, vertical);
}

const dist = (p: Vec3, q: Vec3) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
const volume = (t: Thing) => t.dims[0] * t.dims[1] * t.dims[2];
const width = (t: Thing) => Math.max(t.dims[0], t.dims[1]);
const depth = (t: Thing) => Math.min(t.dims[0], t.dims[1]);
const clearLength = (x: number, y: number) => Math.abs(x - y) >= METRES && Math.abs(x - y) >= 0.05 * Math.max(x, y);

/** Azimuth from the camera, degrees, positive right; and the footprint's span. */
function azimuth(t: Thing, camera: Vec3): { centre: number; left: number; right: number } {
  const of = (x: number, y: number) => Math.atan2(x - camera[0], y - camera[1]) * DEG;
  const corners = outline(t);
  const all = corners.map(([x, y]) => of(x, y));
  return { centre: of(t.centre[0], t.centre[1]), left: Math.min(...all), right: Math.max(...all) };
}

/** What each synthetic label affords (written here from the README's table, for the labels synth draws). */
const SUPPORTS = new Set(['table', 'counter', 'cabinet', 'box', 'suitcase', 'book']);
const HOLDS = new Set(['box', 'bin', 'bowl', 'mug', 'suitcase', 'backpack', 'cabinet', 'vase']);
const ROOM_UNDER = new Set(['table']);
const FIXED = new Set(['table', 'counter', 'sofa', 'cabinet']);

/** Free space under a table from its true primitives: below the top slab's underside, between the legs' inner faces. */
function spaceUnder(table: Thing, things: Thing[]): { height: number; long: number; short: number } | undefined {
  if (table.truth.shape !== 'table') return undefined;
  const base: Vec3 = [table.centre[0], table.centre[1], table.bottom];
  const parts = buildShape('table', table.truth.obb.size, base, table.yaw) as BoxPrimitive[];
  const slab = parts.reduce((hi, p) => (p.center[2] > hi.center[2] ? p : hi));
  const legs = parts.filter((p) => p !== slab);
  // Inner faces of the legs along the table's own axes.
  const own = (p: BoxPrimitive) => {
    const dx = p.center[0] - table.centre[0];
    const dy = p.center[1] - table.centre[1];
    return [Math.cos(table.yaw) * dx + Math.sin(table.yaw) * dy, -Math.sin(table.yaw) * dx + Math.cos(table.yaw) * dy];
  };
  const innerU = Math.min(...legs.map((p) => Math.abs(own(p)[0]) - p.half[0])) * 2;
  const innerV = Math.min(...legs.map((p) => Math.abs(own(p)[1]) - p.half[1])) * 2;
  const underside = slab.center[2] - slab.half[2];
  let floor = table.bottom;
  for (const other of things) {
    if (other === table || other.bottom >= table.top - RESTING) continue;
    if (outline(other).some((p) => insideFootprint(p, table)) || outline(table).some((p) => insideFootprint(p, other))) floor = Math.max(floor, Math.min(other.top, underside));
  }
  return { height: underside - floor, long: Math.max(innerU, innerV), short: Math.min(innerU, innerV) };
}

// ---- The oracle's answers ----

type Answer = { value: boolean | string | number | string[]; tie?: boolean } | { notApplicable: string };

function oracle(record: QARecord, things: Map<string, Thing>, camera: Vec3): Answer {
  const objects = record.fact.objects.map((id) => things.get(id)!);
  const [a, b, c] = objects;
  const all = [...things.values()];
  const pick = (aWins: boolean) => (aWins ? a.id : b.id);
  const lateral = () => {
    const [sa, sb] = [azimuth(a, camera), azimuth(b, camera)];
    const within = (s: typeof sa, x: number) => x >= s.left && x <= s.right;
    return { aLeft: sa.centre < sb.centre, tie: Math.abs(Math.abs(sa.centre - sb.centre) - DEGREES) < NEAR_TIE || within(sb, sa.centre) || within(sa, sb.centre) };
  };
  const aboveOf = (p: Thing, q: Thing) => p.bottom >= q.top - RESTING;
  const restingTie = (p: Thing, q: Thing) => Math.abs(p.bottom - (q.top - RESTING)) < NEAR_TIE;
  const higherWinner = () => {
    if (aboveOf(a, b)) return a.id;
    if (aboveOf(b, a)) return b.id;
    return a.top > b.top ? a.id : b.id;
  };
  const fromCamera = (t: Thing) => dist(t.centre, camera);
  const lengthTie = (x: number, y: number) => Math.abs(Math.abs(x - y) - Math.max(METRES, 0.05 * Math.max(x, y))) < NEAR_TIE;
  switch (record.type) {
    case 'left_of': case 'right_of': {
      const { aLeft, tie } = lateral();
      return { value: record.type === 'left_of' ? aLeft : !aLeft, tie };
    }
    case 'choice_left': case 'choice_right': {
      const { aLeft, tie } = lateral();
      return { value: pick(record.type === 'choice_left' ? aLeft : !aLeft), tie };
    }
    case 'above': return { value: aboveOf(a, b), tie: restingTie(a, b) || restingTie(b, a) };
    case 'below': return { value: aboveOf(b, a), tie: restingTie(a, b) || restingTie(b, a) };
    case 'choice_higher': return { value: higherWinner() };
    case 'choice_lower': return { value: higherWinner() === a.id ? b.id : a.id };
    case 'behind': case 'farther': return { value: fromCamera(a) > fromCamera(b), tie: lengthTie(fromCamera(a), fromCamera(b)) };
    case 'in_front_of': return { value: fromCamera(a) < fromCamera(b), tie: lengthTie(fromCamera(a), fromCamera(b)) };
    case 'choice_closer': return { value: pick(fromCamera(a) < fromCamera(b)), tie: lengthTie(fromCamera(a), fromCamera(b)) };
    case 'choice_farther': return { value: pick(fromCamera(a) > fromCamera(b)), tie: lengthTie(fromCamera(a), fromCamera(b)) };
    case 'bigger': case 'smaller': case 'choice_bigger': case 'choice_smaller': {
      const [va, vb] = [Math.cbrt(volume(a)), Math.cbrt(volume(b))];
      const more = va > vb;
      const value = record.type === 'bigger' ? more : record.type === 'smaller' ? !more : pick(record.type === 'choice_bigger' ? more : !more);
      return { value, tie: lengthTie(va, vb) };
    }
    case 'taller': case 'shorter': case 'choice_taller': case 'choice_shorter': {
      const more = a.dims[2] > b.dims[2];
      const value = record.type === 'taller' ? more : record.type === 'shorter' ? !more : pick(record.type === 'choice_taller' ? more : !more);
      return { value, tie: lengthTie(a.dims[2], b.dims[2]) };
    }
    case 'wider': case 'thinner': case 'choice_wider': case 'choice_thinner': {
      const more = width(a) > width(b);
      const value = record.type === 'wider' ? more : record.type === 'thinner' ? !more : pick(record.type === 'choice_wider' ? more : !more);
      return { value, tie: lengthTie(width(a), width(b)) };
    }
    case 'distance_centre': return { value: dist(a.centre, b.centre) };
    case 'distance_gap': return { value: gap(a, b) };
    case 'distance_horizontal': return { value: Math.hypot(a.centre[0] - b.centre[0], a.centre[1] - b.centre[1]) };
    case 'distance_vertical': return { value: Math.abs(a.centre[2] - b.centre[2]) };
    case 'size_width': return { value: width(a) };
    case 'size_depth': return { value: depth(a) };
    case 'size_height': return { value: a.dims[2] };
    case 'distance_camera': return { value: fromCamera(a) };
    case 'how_much_left': return { value: b.centre[0] - a.centre[0] };
    case 'how_much_higher': return { value: a.bottom - b.top };
    case 'how_much_closer': return { value: fromCamera(b) - fromCamera(a) };
    case 'direction_clock': {
      const degrees = Math.atan2(b.centre[0] - a.centre[0], b.centre[1] - a.centre[1]) * DEG;
      const hour = ((Math.round(degrees / 30) % 12) + 12) % 12;
      return { value: hour === 0 ? 12 : hour };
    }
    case 'closest_to': case 'farthest_from': {
      const listed = objects.slice(1);
      const distances = listed.map((t) => dist(t.centre, a.centre));
      const best = record.type === 'closest_to' ? Math.min(...distances) : Math.max(...distances);
      return { value: listed[distances.indexOf(best)].id };
    }
    case 'sort_by_camera_distance': return { value: [...objects].sort((p, q) => fromCamera(p) - fromCamera(q)).map((t) => t.id) };
    case 'triangle_equilateral': case 'triangle_right': {
      const sides = [dist(a.centre, b.centre), dist(b.centre, c.centre), dist(c.centre, a.centre)].sort((x, y) => x - y);
      if (record.type === 'triangle_equilateral') return { value: sides[2] / sides[0] <= 1.15 };
      const angle = Math.acos((sides[0] ** 2 + sides[1] ** 2 - sides[2] ** 2) / (2 * sides[0] * sides[1])) * DEG;
      return { value: Math.abs(angle - 90) <= 10 };
    }
    case 'fits_on': {
      if (!SUPPORTS.has(b.label)) return { notApplicable: `${b.label} bears nothing on top` };
      if (FIXED.has(a.label)) return { notApplicable: `${a.label} is not moved onto things` };
      const slack = Math.min(width(b) - width(a), depth(b) - depth(a));
      return { value: slack > 0, tie: Math.abs(Math.abs(slack) - METRES) < NEAR_TIE };
    }
    case 'fits_inside': {
      if (!HOLDS.has(b.label)) return { notApplicable: `${b.label} holds nothing inside` };
      if (FIXED.has(a.label)) return { notApplicable: `${a.label} is not put into things` };
      const [da, db] = [[...a.dims].sort((x, y) => y - x), [...b.dims].sort((x, y) => y - x)];
      const slack = Math.min(db[0] - da[0], db[1] - da[1], db[2] - da[2]);
      return { value: slack > 0, tie: Math.abs(Math.abs(slack) - METRES) < NEAR_TIE };
    }
    case 'fits_under': {
      if (!ROOM_UNDER.has(b.label)) return { notApplicable: `${b.label} has no room under it` };
      if (FIXED.has(a.label)) return { notApplicable: `${a.label} is not moved under things` };
      const space = spaceUnder(b, all);
      if (!space) return { notApplicable: `${b.id} is a solid block` };
      const fits = a.dims[2] < space.height && width(a) < space.long && depth(a) < space.short;
      return { value: fits };
    }
  }
  throw new Error(`the oracle has no rule for ${record.type}`);
}

// ---- Counted checks ----

/** Relation families, from the README. */
const FAMILY: Record<string, string> = {};
for (const [family, types] of Object.entries({
  lateral: ['left_of', 'right_of', 'choice_left', 'choice_right', 'how_much_left'],
  vertical: ['above', 'below', 'choice_higher', 'choice_lower', 'how_much_higher', 'distance_vertical'],
  depth: ['behind', 'in_front_of', 'choice_closer', 'choice_farther', 'how_much_closer'],
  size: ['bigger', 'smaller', 'choice_bigger', 'choice_smaller'],
  height: ['taller', 'shorter', 'choice_taller', 'choice_shorter'],
  width: ['wider', 'thinner', 'choice_wider', 'choice_thinner'],
})) for (const type of types) FAMILY[type] = family;

const LATERAL_WORDS = /\b(left|right|leftmost|rightmost)\s+(\w+)|\b(first|second|third|fourth|fifth)\s+(\w+)\s+from the (left|right)/g;
const DEPTH_WORDS = /\b(nearer|farther|nearest|farthest|\w+-nearest)\s+(\w+)/g;

/** Names that rest on the question's own axis: "the left chair" in a left/right question, "the nearer table" in a distance one. */
function leakingName(record: QARecord, labels: Set<string>): string | undefined {
  const family = FAMILY[record.type];
  const text = `${record.question} ${record.answer}`.toLowerCase();
  const names = (pattern: RegExp) => [...text.matchAll(pattern)].filter((m) => labels.has(m[2] ?? m[4])).map((m) => m[0]);
  if (family === 'lateral' || record.type === 'direction_clock') return names(LATERAL_WORDS)[0];
  if (family === 'depth' || record.type === 'distance_camera' || record.type === 'sort_by_camera_distance' || record.type === 'direction_clock') return names(DEPTH_WORDS)[0];
  return undefined;
}

/** ±1 cm on every centre coordinate and extent, ±0.5° on the yaw: what a good lift leaves. */
function jittered(truth: TruthObject, random: () => number): TruthObject {
  const cm = () => (random() * 2 - 1) * 0.01;
  const centre: Vec3 = [truth.obb.centre[0] + cm(), truth.obb.centre[1] + cm(), truth.obb.centre[2] + cm()];
  const size: Vec3 = [truth.obb.size[0] + cm(), truth.obb.size[1] + cm(), truth.obb.size[2] + cm()];
  const yaw = truth.obb.yaw + ((random() * 2 - 1) * 0.5) / DEG;
  return { ...truth, center: centre, obb: { centre, size, yaw } };
}

function sceneGraphOf(scene: SyntheticScene, random?: () => number): SceneGraph {
  const objects: SceneObject[] = scene.objects.map((exact) => {
    const truth = random ? jittered(exact, random) : exact;
    const [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
    const box: [number, number, number, number] = [x1, y1, x2, y2];
    for (let p = 0; p < scene.instances.length; p++) {
      if (scene.instances[p] !== truth.maskValue) continue;
      const u = p % scene.width;
      const v = Math.floor(p / scene.width);
      box[0] = Math.min(box[0], u); box[1] = Math.min(box[1], v); box[2] = Math.max(box[2], u + 1); box[3] = Math.max(box[3], v + 1);
    }
    const half = truth.size.map((s) => s / 2);
    return {
      id: truth.id, label: truth.label, colour: truth.colour, name: `the ${truth.label}`,
      centre: truth.center, size: truth.size,
      min: [truth.center[0] - half[0], truth.center[1] - half[1], truth.center[2] - half[2]],
      max: [truth.center[0] + half[0], truth.center[1] + half[1], truth.center[2] + half[2]],
      obb: truth.obb, pointCount: 1000, box2d: box, distanceFromCamera: dist(truth.center, scene.camera.position),
    };
  });
  return {
    imageId: scene.id, width: scene.width, height: scene.height,
    camera: { intrinsics: scene.intrinsics, intrinsicsSource: 'provided', position: scene.camera.position, height: scene.camera.height, pitch: scene.camera.pitch, rotation: scene.camera.rotation },
    canonical: true, objects, dropped: [],
  };
}

/** A mix: default scenes, one table with things side by side, stacks, crowded scenes with a repeated label. */
function sceneOptions(seed: number) {
  switch (seed % 4) {
    case 0: return { seed };
    case 1: return { seed, objectCount: 7, tableCount: 1 };
    case 2: return { seed, objectCount: 7, stacks: 2 };
    default: return { seed, objectCount: 8, stacks: 1, duplicateLabel: true };
  }
}

test(`on ${SCENES} synthetic scenes every scored answer agrees with the oracle, and no name leaks, no fact repeats, no fits question is absurd`, () => {
  const scored = new Map<string, number>();
  const skipped = new Map<string, number>();
  const failures: string[] = [];
  let leaks = 0;
  let repeats = 0;
  let absurd = 0;
  let checkedNames = 0;
  let stackedScenes = 0;
  let turned = 0;
  let legged = 0;
  let sideBySide = 0;
  for (let seed = 0; seed < SCENES; seed++) {
    const scene = generateScene({ ...sceneOptions(seed), width: 160, height: 120 });
    const graph = sceneGraphOf(scene);
    const things = new Map(scene.objects.map((t) => [t.id, thingOf(t)]));
    const camera = scene.camera.position;
    const labels = new Set(scene.objects.map((t) => t.label));
    const carriers = new Set(scene.objects.map((t) => t.support));
    if (scene.objects.some((t) => carriers.has(t.id) && (t.label === 'box' || t.label === 'cabinet'))) stackedScenes++;
    if (scene.objects.some((t) => t.shape === 'table')) legged++;
    turned += scene.objects.filter((t) => t.yaw > 0.2 && t.yaw < Math.PI - 0.2).length;
    if (scene.objects.some((t) => scene.objects.filter((o) => o.support === t.id).length >= 2)) sideBySide++;
    const records = synthesizeQA(graph, { seed: 3, units: 'metric', maxPerImage: 1000, defaultQuota: 3 });
    const facts = new Set<string>();
    for (const record of records) {
      const family = FAMILY[record.type] ?? record.type;
      if (record.fact.objects.length <= 2) {
        const key = `${family}|${[...record.fact.objects].sort().join(',')}`;
        if (facts.has(key)) { repeats++; failures.push(`repeated ${key} in ${scene.id}: ${record.question}`); }
        facts.add(key);
      }
      checkedNames++;
      const leak = leakingName(record, labels);
      if (leak) { leaks++; failures.push(`leaking name "${leak}": ${record.question}`); }
      const answer = oracle(record, things, camera);
      if ('notApplicable' in answer) {
        absurd++;
        failures.push(`absurd ${record.type}: ${answer.notApplicable}: ${record.question}`);
        continue;
      }
      if (answer.tie) { skipped.set(record.type, (skipped.get(record.type) ?? 0) + 1); continue; }
      scored.set(record.type, (scored.get(record.type) ?? 0) + 1);
      const { value } = answer;
      // Lengths within the oracle's 1 cm sampling and 2 %; everything else exactly.
      const fact = record.fact.value;
      const agrees = record.type !== 'direction_clock' && typeof value === 'number'
        ? typeof fact === 'number' && Math.abs(value - fact) <= Math.max(0.012, 0.02 * value)
        : JSON.stringify(value) === JSON.stringify(fact);
      if (!agrees) failures.push(`${scene.id} ${record.type} ${record.fact.objects.join(',')}: "${record.question}" → "${record.answer}" but the oracle says ${JSON.stringify(value)}`);
    }
  }
  const rows = [...scored].sort(([x], [y]) => x.localeCompare(y)).map(([type, n]) => `${type} ${n}${skipped.get(type) ? ` (near-ties skipped ${skipped.get(type)})` : ''}`);
  console.log(`oracle: scored per type: ${rows.join(', ')}`);
  console.log(`oracle: ${[...scored.values()].reduce((s, n) => s + n, 0)} scored; names checked ${checkedNames}, leaking ${leaks}; repeated facts ${repeats}; fits questions on things that cannot bear or hold ${absurd}`);
  console.log(`oracle: scenes with stacks ${stackedScenes}, with a legged table ${legged}, with two or more things side by side on one support ${sideBySide}; turned objects ${turned}`);
  assert.deepEqual(failures.slice(0, 20), []);
  assert.equal(leaks, 0);
  assert.equal(repeats, 0);
  assert.equal(absurd, 0);
  assert.ok(stackedScenes >= 40 && legged >= 40 && sideBySide >= 40 && turned >= 200, 'the scenes cover stacks, legged tables, things side by side and turned objects');
  for (const type of ['above', 'left_of', 'fits_under', 'fits_on', 'fits_inside', 'how_much_higher', 'choice_higher', 'distance_gap']) {
    assert.ok((scored.get(type) ?? 0) >= 20, `${type} scored ${scored.get(type) ?? 0} times`);
  }
});

test('with ±1 cm of lift error, every yes/no and choice answer on 100 scenes still matches the truth: the margins absorb it', () => {
  let state = 12345;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let scored = 0;
  let skipped = 0;
  const failures: string[] = [];
  for (let seed = 0; seed < 100; seed++) {
    const scene = generateScene({ ...sceneOptions(seed), width: 160, height: 120 });
    const things = new Map(scene.objects.map((t) => [t.id, thingOf(t)]));
    for (const record of synthesizeQA(sceneGraphOf(scene, random), { seed: 3, units: 'metric', maxPerImage: 1000, defaultQuota: 3 })) {
      if (record.category !== 'qualitative') continue;
      const answer = oracle(record, things, scene.camera.position);
      if ('notApplicable' in answer) continue;
      if (answer.tie) { skipped++; continue; }
      scored++;
      if (JSON.stringify(answer.value) !== JSON.stringify(record.fact.value)) failures.push(`${scene.id} ${record.type}: "${record.question}" → "${record.answer}", truth ${JSON.stringify(answer.value)}`);
    }
  }
  console.log(`oracle with ±1 cm error: ${scored} yes/no and choice answers scored, ${skipped} near-ties skipped`);
  assert.deepEqual(failures.slice(0, 20), []);
  assert.ok(scored > 5000);
});
