import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vec3 } from '@spatialforge/core';
import { COLOUR_NAMES, PALETTE, generateScene, project, toFrame, type SyntheticScene } from './index.js';

/** Camera-frame point of pixel (u, v) at its depth, turned into the canonical frame with the scene's pose. */
function backProject(scene: SyntheticScene, u: number, v: number): Vec3 {
  const { fx, fy, cx, cy } = scene.intrinsics;
  const z = scene.depth.data[v * scene.width + u];
  const x = ((u - cx) * z) / fx;
  const y = ((v - cy) * z) / fy;
  const r = scene.camera.rotation;
  const [px, py, pz] = scene.camera.position;
  return [r[0] * x + r[1] * y + r[2] * z + px, r[3] * x + r[4] * y + r[5] * z + py, r[6] * x + r[7] * y + r[8] * z + pz];
}

function boxCorners(center: Vec3, size: Vec3): Vec3[] {
  const corners: Vec3[] = [];
  for (const sx of [-0.5, 0.5]) for (const sy of [-0.5, 0.5]) for (const sz of [-0.5, 0.5]) corners.push([center[0] + sx * size[0], center[1] + sy * size[1], center[2] + sz * size[2]]);
  return corners;
}

test('a seed always gives the same scene, and another seed a different one', () => {
  const a = generateScene({ seed: 42 });
  const b = generateScene({ seed: 42 });
  assert.equal(a.id, b.id);
  assert.deepEqual(a.objects, b.objects);
  assert.deepEqual(a.camera, b.camera);
  assert.deepEqual(a.rgb.data, b.rgb.data);
  assert.deepEqual(a.depth.data, b.depth.data);
  assert.deepEqual(a.instances, b.instances);
  const c = generateScene({ seed: 43 });
  assert.notDeepEqual(c.objects, a.objects);
  assert.notEqual(c.id, a.id);
});

test('floor pixels have the depth of the ray meeting the floor plane, from the camera height and pitch alone', () => {
  for (const seed of [1, 2, 3]) {
    const scene = generateScene({ seed, rgbNoise: 0 });
    const { height: h, pitch } = scene.camera;
    const { fx, fy, cx, cy } = scene.intrinsics;
    const { backWall, leftWall, rightWall } = scene.room;
    let checked = 0;
    for (let v = 0; v < scene.height; v += 7) {
      for (let u = 0; u < scene.width; u += 7) {
        const p = v * scene.width + u;
        if (scene.instances[p] !== 0) continue;
        // Unit-z ray (a, b, 1) pitched down by `pitch`: it drops b·cos(pitch) + sin(pitch) per unit depth.
        const drop = ((v - cy) / fy) * Math.cos(pitch) + Math.sin(pitch);
        if (drop <= 0) continue;
        const depth = h / drop;
        const forward = depth * (Math.cos(pitch) - ((v - cy) / fy) * Math.sin(pitch));
        const across = (depth * (u - cx)) / fx;
        // Skip rays that meet a wall before the floor, or end beyond the sensor's range.
        if ((backWall !== undefined && forward >= backWall) || (leftWall !== undefined && across <= leftWall) || (rightWall !== undefined && across >= rightWall)) continue;
        if (depth > 10) continue;
        assert.ok(Math.abs(scene.depth.data[p] - depth) < 1e-4 * depth, `seed ${seed} pixel (${u}, ${v}): depth ${scene.depth.data[p]} vs floor ${depth}`);
        checked++;
      }
    }
    assert.ok(checked > 500, `only ${checked} floor pixels checked`);
  }
});

test('a positive roll tips the camera right side down: the floor is nearer on the right of a row', () => {
  const scene = generateScene({ seed: 5, roll: 0.1, objectCount: 1, rgbNoise: 0 });
  const row = scene.height - 5;
  const left = scene.depth.data[row * scene.width + 5];
  const right = scene.depth.data[row * scene.width + scene.width - 5];
  assert.ok(scene.instances[row * scene.width + 5] === 0 && scene.instances[row * scene.width + scene.width - 5] === 0);
  assert.ok(right < left, `right ${right} should be nearer than left ${left}`);
});

test('truth boxes project inside the image, below the camera, at 1-5 m', () => {
  const projected = new Float64Array(3);
  for (let seed = 0; seed < 20; seed++) {
    const scene = generateScene({ seed });
    for (const object of scene.objects) {
      for (const corner of boxCorners(object.center, object.size)) {
        const [u, v, z] = project(scene.camera, corner, projected);
        assert.ok(z > 0 && u >= 0 && u <= scene.width - 1 && v >= 0 && v <= scene.height - 1, `seed ${seed} ${object.id} corner at (${u}, ${v}, ${z})`);
      }
      assert.ok(object.center[2] + object.size[2] / 2 < scene.camera.height, `seed ${seed} ${object.id} reaches above the camera`);
      const range = Math.hypot(object.center[0], object.center[1], object.center[2] - scene.camera.height);
      assert.ok(range >= 1 && range <= 5, `seed ${seed} ${object.id} at ${range} m`);
      assert.ok(Math.min(...object.size) >= 0.04, `seed ${seed} ${object.id} size ${object.size}`);
    }
  }
});

test('every object owns pixels in the instance map, and its pixels lie inside its truth box', () => {
  for (let seed = 0; seed < 6; seed++) {
    const scene = generateScene({ seed });
    const values = new Set(scene.instances);
    assert.deepEqual([...values].sort((a, b) => a - b), [0, ...scene.objects.map((o) => o.maskValue).sort((a, b) => a - b)]);
    assert.deepEqual(scene.objects.map((o) => o.id), scene.objects.map((o) => `o${o.maskValue}`));
    const tolerance = 0.005;
    const counts = new Map<number, number>();
    for (let v = 0; v < scene.height; v++) {
      for (let u = 0; u < scene.width; u++) {
        const value = scene.instances[v * scene.width + u];
        if (value === 0) continue;
        counts.set(value, (counts.get(value) ?? 0) + 1);
        const object = scene.objects[value - 1];
        const point = backProject(scene, u, v);
        for (let i = 0; i < 3; i++) {
          assert.ok(Math.abs(point[i] - object.center[i]) <= object.size[i] / 2 + tolerance, `seed ${seed} pixel (${u}, ${v}) of ${object.id} lies outside its box on axis ${i}`);
        }
      }
    }
    for (const object of scene.objects) assert.ok((counts.get(object.maskValue) ?? 0) >= 100, `seed ${seed} ${object.id} has ${counts.get(object.maskValue)} pixels`);
  }
});

test('boxes from the visible points of each object match the truth (what a lift can reach)', () => {
  const centreErrors: number[] = [];
  const sizeErrors: number[] = [];
 for (let seed = 0; seed < 8; seed++) {
    const scene = generateScene({ seed });
    const min = scene.objects.map((): Vec3 => [Infinity, Infinity, Infinity]);
    const max = scene.objects.map((): Vec3 => [-Infinity, -Infinity, -Infinity]);
    for (let v = 0; v < scene.height; v++) {
      for (let u = 0; u < scene.width; u++) {
        const value = scene.instances[v * scene.width + u];
        if (value === 0) continue;
        const point = backProject(scene, u, v);
        for (let i = 0; i < 3; i++) {
          min[value - 1][i] = Math.min(min[value - 1][i], point[i]);
          max[value - 1][i] = Math.max(max[value - 1][i], point[i]);
        }
      }
    }
    scene.objects.forEach((object, k) => {
      const centre = [0, 1, 2].map((i) => (min[k][i] + max[k][i]) / 2);
      centreErrors.push(Math.hypot(...centre.map((c, i) => c - object.center[i])));
      for (let i = 0; i < 3; i++) sizeErrors.push(Math.abs(max[k][i] - min[k][i] - object.size[i]));
    });
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  assert.ok(median(centreErrors) < 0.01, `median centre error ${median(centreErrors)} m`);
  assert.ok(median(sizeErrors) < 0.01, `median size error ${median(sizeErrors)} m`);
});

test('the floor is the dominant horizontal plane: it shows at least twice as many pixels as any table top', () => {
  for (let seed = 0; seed < 8; seed++) {
    const scene = generateScene({ seed });
    const counts = new Map<number, number>();
    for (let v = 0; v < scene.height; v++) {
      for (let u = 0; u < scene.width; u++) {
        const p = v * scene.width + u;
        if (scene.depth.data[p] === 0) continue;
        const value = scene.instances[p];
        const level = value === 0 ? 0 : scene.objects[value - 1].center[2] + scene.objects[value - 1].size[2] / 2;
        if (value !== 0 && scene.objects[value - 1].label !== 'table' && scene.objects[value - 1].label !== 'counter') continue;
        if (Math.abs(backProject(scene, u, v)[2] - level) < 0.005) counts.set(value, (counts.get(value) ?? 0) + 1);
      }
    }
    const floor = counts.get(0) ?? 0;
    for (const [value, count] of counts) if (value !== 0) assert.ok(floor >= 2 * count, `seed ${seed}: floor ${floor} px, table o${value} top ${count} px`);
  }
});

test('shading and noise keep colour names: the mean colour of an object\'s pixels is nearest its own palette colour', () => {
  for (let seed = 0; seed < 10; seed++) {
    const scene = generateScene({ seed });
    const sums = scene.objects.map(() => [0, 0, 0, 0]);
    for (let p = 0; p < scene.instances.length; p++) {
      const value = scene.instances[p];
      if (value === 0) continue;
      const sum = sums[value - 1];
      for (let k = 0; k < 3; k++) sum[k] += scene.rgb.data[p * 3 + k];
      sum[3]++;
    }
    scene.objects.forEach((object, k) => {
      const mean = sums[k].slice(0, 3).map((total) => total / sums[k][3]);
      const distance = (name: keyof typeof PALETTE) => Math.hypot(...PALETTE[name].map((c, i) => c - mean[i]));
      const nearest = COLOUR_NAMES.reduce((best, name) => (distance(name) < distance(best) ? name : best));
      assert.equal(nearest, object.colour, `seed ${seed} ${object.id}: mean ${mean.map(Math.round)}`);
    });
  }
});

test('scenes hold what questions need: tables with things on them, repeated labels when asked, crowded scenes', () => {
  const crowded = generateScene({ seed: 9, objectCount: 10 });
  assert.equal(crowded.objects.length, 10);
  const tables = crowded.objects.filter((o) => o.label === 'table' || o.label === 'counter');
  assert.ok(tables.length >= 1);
  const onTables = crowded.objects.filter((o) => tables.some((t) => t.id === o.support));
  assert.ok(onTables.length >= 1);
  for (const item of onTables) {
    const table = tables.find((t) => t.id === item.support)!;
    // Standing on the top: its bottom is the table's top.
    assert.ok(Math.abs(item.center[2] - item.size[2] / 2 - (table.center[2] + table.size[2] / 2)) < 1e-9);
  }
  const doubled = generateScene({ seed: 9, objectCount: 5, tableCount: 0, duplicateLabel: true });
  const labels = doubled.objects.map((o) => o.label);
  assert.equal(new Set(labels).size, labels.length - 1, `labels ${labels}`);
  const single = generateScene({ seed: 9, objectCount: 5, tableCount: 0, duplicateLabel: false });
  assert.equal(new Set(single.objects.map((o) => o.label)).size, 5);
});

test('bad options are refused with the option named', () => {
  assert.throws(() => generateScene({ seed: 1, objectCount: 0 }), /objectCount/);
  assert.throws(() => generateScene({ seed: 1, objectCount: 3, tableCount: 4 }), /tableCount/);
  assert.throws(() => generateScene({ seed: 1, width: 10 }), /image size/);
});

test('toFrame hands the lift the scene as a Frame: exact depth, provided intrinsics, one mask per object', () => {
  const scene = generateScene({ seed: 3 });
  const frame = toFrame(scene);
  assert.equal(frame.imageId, scene.id);
  assert.equal(frame.intrinsicsSource, 'provided');
  assert.equal(frame.depth, scene.depth);
  assert.deepEqual(frame.objects.map((o) => [o.id, o.label]), scene.objects.map((o) => [o.id, o.label]));
  for (const [k, object] of frame.objects.entries()) {
    const expected = scene.instances.reduce((count, value) => count + (value === scene.objects[k].maskValue ? 1 : 0), 0);
    assert.equal(object.mask!.reduce((count, value) => count + value, 0), expected);
  }
});

test('stacked things rest on the top of a box or cabinet, and their truth names what carries them', () => {
  let stacked = 0;
  for (let seed = 0; seed < 12; seed++) {
    const scene = generateScene({ seed, objectCount: 7, tableCount: 1, stacks: 2 });
    assert.equal(scene.objects.length, 7);
    for (const object of scene.objects) {
      const carrier = scene.objects.find((o) => o.id === object.support);
      if (!carrier || carrier.label === 'table' || carrier.label === 'counter') continue;
      assert.ok(['box', 'cabinet'].includes(carrier.label), `${object.label} on a ${carrier.label}`);
      assert.ok(['book', 'box', 'bowl'].includes(object.label));
      // Its bottom is the carrier's top.
      assert.ok(Math.abs(object.center[2] - object.size[2] / 2 - (carrier.center[2] + carrier.size[2] / 2)) < 1e-9);
      stacked++;
    }
  }
  assert.ok(stacked >= 12, `${stacked} stacked things in 12 scenes`);
});
