import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHardScene } from './hard.js';
import { generateScene } from './scene.js';
import { writeScene } from './write.js';

/** Bounding box [x0, y0, x1, y1) of the pixels holding `value` in the instance map. */
function visibleBox(instances: Uint8Array, width: number, value: number): number[] | undefined {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  instances.forEach((v, p) => {
    if (v !== value) return;
    const u = p % width, r = Math.floor(p / width);
    x0 = Math.min(x0, u); y0 = Math.min(y0, r); x1 = Math.max(x1, u + 1); y1 = Math.max(y1, r + 1);
  });
  return x1 < 0 ? undefined : [x0, y0, x1, y1];
}

test('hard scenes: boxes are each object\'s visible extent moved by at most 5 % per edge; objects overlap and run past the border', () => {
  let cut = 0, overlapping = 0;
  for (let seed = 0; seed < 12; seed++) {
    const scene = generateHardScene({ seed });
    scene.objects.forEach((object, k) => {
      const visible = visibleBox(scene.instances, scene.width, object.maskValue);
      const box = scene.boxes[k];
      assert.equal(box === undefined, visible === undefined);
      if (!box || !visible) return;
      const [w, h] = [visible[2] - visible[0], visible[3] - visible[1]];
      box.forEach((edge, e) => assert.ok(Math.abs(edge - visible[e]) <= 0.05 * (e % 2 === 0 ? w : h) + 1e-9, `seed ${seed} ${object.id} edge ${e}: ${edge} vs ${visible[e]}`));
      assert.ok(box[0] >= 0 && box[1] >= 0 && box[2] <= scene.width && box[3] <= scene.height);
      if (visible[0] === 0 || visible[1] === 0 || visible[2] === scene.width || visible[3] === scene.height) cut++;
      scene.boxes.forEach((other, j) => {
        if (j > k && other && Math.min(box[2], other[2]) > Math.max(box[0], other[0]) && Math.min(box[3], other[3]) > Math.max(box[1], other[1])) overlapping++;
      });
    });
  }
  assert.ok(cut >= 3, `objects cut by the border in 12 scenes: ${cut}`);
  assert.ok(overlapping >= 12, `overlapping box pairs in 12 scenes: ${overlapping}`);
});

test('Kinect-like depth has holes and noise along edges; lidar-like depth is rings of returns on a few per cent of pixels', () => {
  const exact = generateScene({ seed: 3, objectCount: 9, rules: { maxOverlap: 0.35, margin: -60 } }).depth.data;
  const kinect = generateHardScene({ seed: 3, objectCount: 9 }).depth.data;
  const lidar = generateHardScene({ seed: 3, objectCount: 9, sensor: 'lidar' }).depth.data;
  let holes = 0, changed = 0, valid = 0, lidarValid = 0, lidarOff = 0;
  for (let p = 0; p < exact.length; p++) {
    if (!(exact[p] > 0)) continue;
    valid++;
    if (kinect[p] === 0) holes++;
    else if (Math.abs(kinect[p] - exact[p]) > 1e-6) changed++;
    if (lidar[p] > 0) {
      lidarValid++;
      if (Math.abs(lidar[p] - exact[p]) > 0.1) lidarOff++;
    }
  }
  assert.ok(holes > 0.001 * valid && holes < 0.1 * valid, `Kinect holes: ${holes} of ${valid}`);
  assert.ok(changed > 0.9 * (valid - holes), 'Kinect depth is noisy');
  assert.ok(lidarValid > 0.01 * exact.length && lidarValid < 0.1 * exact.length, `lidar returns on ${lidarValid} of ${exact.length} pixels`);
  assert.ok(lidarOff < 0.01 * lidarValid, `lidar returns off by > 10 cm: ${lidarOff}`);
});

test('a hard scene is written with its boxes (no masks) in frame.json', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-hard-'));
  try {
    const scene = generateHardScene({ seed: 1, sensor: 'lidar' });
    await writeScene(scene, dir);
    const manifest = JSON.parse(await readFile(join(dir, 'frame.json'), 'utf8'));
    assert.deepEqual(manifest.objects.map((o: { box: number[] }) => o.box), scene.boxes.filter(Boolean));
    assert.ok(manifest.objects.every((o: object) => !('mask' in o)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('occlusion truth: an object alone is wholly seen; objects cut by the border show up to it; objects in front hide others', () => {
  for (const seed of [0, 1, 2]) {
    // The renderer and the silhouette tracer agree pixel for pixel when nothing else is in view.
    const [alone] = generateScene({ seed, objectCount: 1 }).objects;
    assert.equal(alone.visibleShare, 1, `seed ${seed}: a lone object is seen whole`);
    assert.equal(alone.cutByBorder, false);
  }
  let cut = 0, cutAtBorder = 0, hidden = 0;
  for (let seed = 0; seed < 12; seed++) {
    const scene = generateHardScene({ seed });
    for (const object of scene.objects) {
      assert.ok(object.visibleShare >= 0 && object.visibleShare <= 1);
      const visible = visibleBox(scene.instances, scene.width, object.maskValue);
      if (object.cutByBorder) {
        cut++;
        if (visible && (visible[0] === 0 || visible[1] === 0 || visible[2] === scene.width || visible[3] === scene.height)) cutAtBorder++;
      } else if (object.visibleShare < 0.9) hidden++;
    }
  }
  // An object goes out of view where it crosses the border, unless another hides it just there.
  assert.ok(cut >= 3 && cutAtBorder >= 0.9 * cut, `objects cut by the border ${cut}, of them showing up to it ${cutAtBorder}`);
  assert.ok(hidden >= 12, `objects in 12 hard scenes that others hide by more than a tenth: ${hidden}`);
});
