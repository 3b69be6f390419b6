/**
 * Mirrors issue 2's Done-when 1 at the QA level: scenes whose boxes are known exactly. On the exact
 * scene graph every answer must match the truth computed here independently (quantities within 5 %);
 * on a scene graph with ±1 cm of lift error every yes/no and choice answer must still match the truth,
 * because questions closer than the margins are never asked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QARecord, SceneGraph, Vec3 } from '@spatialforge/core';
import { randomBoxScene, sceneFromBoxes, type KnownBox } from './box-scene.js';
import { questionType } from './catalog.js';
import { createRandom } from './random.js';
import { synthesizeQA } from './synthesize.js';

interface Truth { id: string; c: Vec3; s: Vec3 }

const sub = (a: Vec3, b: Vec3) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (v: number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
const volume = (t: Truth) => t.s[0] * t.s[1] * t.s[2];
const low = (t: Truth, axis: number) => t.c[axis] - t.s[axis] / 2;
const high = (t: Truth, axis: number) => t.c[axis] + t.s[axis] / 2;
const desc = (values: number[]) => [...values].sort((x, y) => y - x);

/** Each type's answer, computed from the true boxes without the package's fact functions. */
function truthOf(record: QARecord, truth: Map<string, Truth>, camera: Vec3): unknown {
  const [a, b, c] = record.fact.objects.map((id) => truth.get(id)!);
  const fromCamera = (t: Truth) => norm(sub(t.c, camera));
  const pick = (better: (p: Truth, q: Truth) => boolean) => (better(a, b) ? a.id : b.id);
  switch (record.type) {
    case 'left_of': return a.c[0] < b.c[0];
    case 'right_of': return a.c[0] > b.c[0];
    case 'above': return a.c[2] > b.c[2];
    case 'below': return a.c[2] < b.c[2];
    case 'behind': return a.c[1] > b.c[1];
    case 'in_front_of': return a.c[1] < b.c[1];
    case 'bigger': return volume(a) > volume(b);
    case 'smaller': return volume(a) < volume(b);
    case 'taller': return a.s[2] > b.s[2];
    case 'shorter': return a.s[2] < b.s[2];
    case 'wider': return a.s[0] > b.s[0];
    case 'thinner': return a.s[0] < b.s[0];
    case 'choice_left': return pick((p, q) => p.c[0] < q.c[0]);
    case 'choice_right': return pick((p, q) => p.c[0] > q.c[0]);
    case 'choice_higher': return pick((p, q) => p.c[2] > q.c[2]);
    case 'choice_lower': return pick((p, q) => p.c[2] < q.c[2]);
    case 'choice_closer': return pick((p, q) => fromCamera(p) < fromCamera(q));
    case 'choice_farther': return pick((p, q) => fromCamera(p) > fromCamera(q));
    case 'choice_bigger': return pick((p, q) => volume(p) > volume(q));
    case 'choice_smaller': return pick((p, q) => volume(p) < volume(q));
    case 'choice_taller': return pick((p, q) => p.s[2] > q.s[2]);
    case 'choice_shorter': return pick((p, q) => p.s[2] < q.s[2]);
    case 'choice_wider': return pick((p, q) => p.s[0] > q.s[0]);
    case 'choice_thinner': return pick((p, q) => p.s[0] < q.s[0]);
    case 'distance_centre': return norm(sub(a.c, b.c));
    case 'distance_gap': return norm([0, 1, 2].map((i) => Math.max(0, low(b, i) - high(a, i), low(a, i) - high(b, i))));
    case 'distance_horizontal': return norm(sub(a.c, b.c).slice(0, 2));
    case 'distance_vertical': return Math.abs(a.c[2] - b.c[2]);
    case 'size_width': return a.s[0];
    case 'size_depth': return a.s[1];
    case 'size_height': return a.s[2];
    case 'distance_camera': return fromCamera(a);
    case 'how_much_left': return b.c[0] - a.c[0];
    case 'how_much_higher': return a.c[2] - b.c[2];
    case 'how_much_closer': return fromCamera(b) - fromCamera(a);
    case 'direction_clock': {
      const degrees = (Math.atan2(b.c[0] - a.c[0], b.c[1] - a.c[1]) * 180) / Math.PI;
      const hour = (((Math.round(degrees / 30) % 12) + 12) % 12);
      return hour === 0 ? 12 : hour;
    }
    case 'closest_to':
    case 'farthest_from': {
      const listed = record.fact.objects.slice(1).map((id) => truth.get(id)!);
      const distances = listed.map((t) => norm(sub(t.c, a.c)));
      const best = record.type === 'closest_to' ? Math.min(...distances) : Math.max(...distances);
      return listed[distances.indexOf(best)].id;
    }
    case 'sort_by_camera_distance':
      return record.fact.objects.map((id) => truth.get(id)!).sort((p, q) => fromCamera(p) - fromCamera(q)).map((t) => t.id);
    case 'triangle_equilateral':
    case 'triangle_right': {
      const sides = [norm(sub(a.c, b.c)), norm(sub(b.c, c.c)), norm(sub(c.c, a.c))].sort((x, y) => x - y);
      if (record.type === 'triangle_equilateral') return sides[2] / sides[0] <= 1.15;
      const angle = (Math.acos((sides[0] ** 2 + sides[1] ** 2 - sides[2] ** 2) / (2 * sides[0] * sides[1])) * 180) / Math.PI;
      return Math.abs(angle - 90) <= 10;
    }
    case 'fits_on': {
      const [al, as] = desc(a.s.slice(0, 2));
      const [bl, bs] = desc(b.s.slice(0, 2));
      return al < bl && as < bs;
    }
    case 'fits_inside': return desc(a.s).every((side, i) => side < desc(b.s)[i]);
    case 'fits_under': {
      const beneath = [...truth.values()].filter((o) => o !== b && o.c[2] < low(b, 2)
        && low(o, 0) < high(b, 0) && high(o, 0) > low(b, 0) && low(o, 1) < high(b, 1) && high(o, 1) > low(b, 1));
      const floor = Math.max(0, ...beneath.map((o) => high(o, 2)));
      const [al, as] = desc(a.s.slice(0, 2));
      const [bl, bs] = desc(b.s.slice(0, 2));
      return a.s[2] < low(b, 2) - floor && al < bl && as < bs;
    }
    default: throw new Error(`no truth for ${record.type}`);
  }
}

function truthOfScene(scene: SceneGraph): Map<string, Truth> {
  return new Map(scene.objects.map((o) => [o.id, { id: o.id, c: o.centre, s: o.size }]));
}

/** The same boxes as a lift would report them: centres and sizes off by up to ±1 cm. */
function withLiftError(scene: SceneGraph, seed: number): SceneGraph {
  const random = createRandom(`lift-error|${seed}`);
  const off = () => (random.next() * 2 - 1) * 0.01;
  const boxes: KnownBox[] = scene.objects.map((o) => ({
    id: o.id, label: o.label, name: o.name,
    centre: o.centre.map((x) => x + off()) as Vec3,
    size: o.size.map((x) => x + off()) as Vec3,
  }));
  return sceneFromBoxes(boxes, { imageId: scene.imageId });
}

const SCENES = 40;
const options = { seed: 9, units: 'metric' as const, maxPerImage: 100_000, defaultQuota: 40 };

test(`on ${SCENES} exact scenes every answer matches the truth (quantities within 5 %)`, () => {
  let checked = 0;
  for (let seed = 0; seed < SCENES; seed++) {
    const scene = randomBoxScene(seed, 10);
    const truth = truthOfScene(scene);
    for (const record of synthesizeQA(scene, options)) {
      const expected = truthOf(record, truth, scene.camera.position);
      const { value } = record.fact;
      if (questionType(record.type).valueKind === 'length') {
        assert.ok(Math.abs((value as number) - (expected as number)) <= 0.05 * (expected as number), `${record.type}: ${value} vs ${expected}`);
      } else {
        assert.deepEqual(value, expected, `${record.question} → ${record.answer}`);
      }
      checked++;
    }
  }
  assert.ok(checked > SCENES * 100, `checked ${checked} records`);
});

test(`with ±1 cm of lift error, every yes/no and choice answer on ${SCENES} scenes still matches the truth`, () => {
  let checked = 0;
  for (let seed = 0; seed < SCENES; seed++) {
    const exact = randomBoxScene(seed, 10);
    const truth = truthOfScene(exact);
    const lifted = withLiftError(exact, seed);
    for (const record of synthesizeQA(lifted, options)) {
      if (record.category !== 'qualitative') continue;
      assert.deepEqual(record.fact.value, truthOf(record, truth, lifted.camera.position), `${record.question} → ${record.answer}`);
      checked++;
    }
  }
  assert.ok(checked > SCENES * 50, `checked ${checked} records`);
});
