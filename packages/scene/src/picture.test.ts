import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { liftFrame } from './lift.js';
import { renderScenePicture } from './picture.js';
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
