import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { liftFrame } from './lift.js';
import type { SceneGraph } from '@spatialforge/core';
import { imageLabels, objectLabel, renderScenePicture } from './picture.js';
import { boxWorldFrame } from './box-world.test-fixture.js';

test('the scene picture is the image beside a square top-down map, with the image pixels kept', async () => {
  const frame = boxWorldFrame({ boxes: [{ id: 'a', label: 'cabinet', at: [0.3, 3], size: [0.6, 0.4, 0.8], yaw: 0.3, rgb: [200, 30, 30] }], wallAt: 6 });
  const scene = liftFrame(frame);
  const png = await renderScenePicture(frame, scene);
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [frame.rgb.width + frame.rgb.height, frame.rgb.height]);
  // A pixel away from every box and label is the frame's own pixel.
  const p = (frame.rgb.height - 2) * frame.rgb.width + 2;
  assert.deepEqual(Array.from(data.subarray(3 * ((frame.rgb.height - 2) * info.width + 2), 3 * ((frame.rgb.height - 2) * info.width + 2) + 3)), Array.from(frame.rgb.data.subarray(3 * p, 3 * p + 3)));
  // The map panel holds the object's red footprint somewhere.
  let red = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = frame.rgb.width; x < info.width; x++) {
      const o = 3 * (y * info.width + x);
      if (data[o] > 180 && data[o + 1] < 120 && data[o + 2] < 120) red++;
    }
  }
  assert.ok(red > 50, `red footprint pixels on the map: ${red}`);
});

test('labels of a crowd never overprint each other, and the lift flags are drawn into them', () => {
  // Ten boxes stacked almost on one spot: every label wants the same place above its box.
  const scene = liftFrame(boxWorldFrame({ boxes: [], wallAt: 6 }));
  const objects = Array.from({ length: 10 }, (_, k) => ({
    id: `o${k}`, label: 'car', colour: 'red', name: `the car ${k}`, centre: [k * 0.1, 3, 0.5], size: [1, 1, 1], min: [0, 2.5, 0], max: [1, 3.5, 1],
    obb: { centre: [k * 0.1, 3, 0.5], size: [1, 1, 1], yaw: 0 }, pointCount: 100, box2d: [100 + k * 3, 100 + k, 200 + k * 3, 180 + k], distanceFromCamera: 3,
    ...(k === 0 ? { truncated: true } : {}), ...(k === 1 ? { occluded: true, extendedToSupport: 0.12 } : {}),
  })) as SceneGraph['objects'];
  const crowded: SceneGraph = { ...scene, objects };
  const labels = imageLabels(crowded, 12);
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      const [a, b] = [labels[i].rect, labels[j].rect];
      assert.ok(a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1], `labels ${i} and ${j} overlap: ${a} / ${b}`);
    }
    const [x0, y0, x1, y1] = labels[i].rect;
    assert.ok(x0 >= 0 && y0 >= 0 && x1 <= crowded.width && y1 <= crowded.height, `label ${i} leaves the image: ${labels[i].rect}`);
  }
  assert.equal(objectLabel(objects[0]), 'car 0 · cut');
  assert.equal(objectLabel(objects[1]), 'car 1 · hidden · +12 cm to support');
});
