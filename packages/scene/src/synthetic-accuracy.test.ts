/**
 * Issue 2, Done-when 1 (the lift's part): on 200 seeded synthetic scenes fed their true depth and
 * instance masks, the lifted boxes match the generator's truth — median centre error ≤ 2 cm and
 * median size error ≤ 3 cm. Truth and scene graph share @spatialforge/core's canonical frame
 * (z up, origin under the camera, x right, y forward); truth `center`/`size` are the axis-aligned
 * box of the whole object, ours that of its visible, denoised points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateScene } from '@spatialforge/synth';
import type { Frame } from '@spatialforge/core';
import { liftFrame } from './lift.js';

const SCENES = 200;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test(`lifting ${SCENES} synthetic scenes from their true depth and masks recovers the true boxes`, (t) => {
  const centreErrors: number[] = [];
  const sizeErrors: number[] = [];
  const heightErrors: number[] = [];
  let objects = 0, lost = 0, colourMatches = 0, canonical = 0;
  for (let seed = 0; seed < SCENES; seed++) {
    const scene = generateScene({ seed });
    const frame: Frame = {
      imageId: scene.id,
      rgb: scene.rgb,
      depth: scene.depth,
      intrinsics: scene.intrinsics,
      intrinsicsSource: 'provided',
      objects: scene.objects.map((o) => ({ id: o.id, label: o.label, mask: Uint8Array.from(scene.instances, (v) => (v === o.maskValue ? 1 : 0)) })),
    };
    const graph = liftFrame(frame);
    if (graph.canonical) {
      canonical++;
      heightErrors.push(Math.abs(graph.camera.height! - scene.camera.height));
    }
    for (const truth of scene.objects) {
      objects++;
      const lifted = graph.objects.find((o) => o.id === truth.id);
      if (!lifted) {
        // Every object stays in the scene graph (duplicates included): a missing one is a loss.
        lost++;
        continue;
      }
      centreErrors.push(Math.hypot(...lifted.centre.map((c, k) => c - truth.center[k])));
      // An object's size error is its worst axis.
      sizeErrors.push(Math.max(...lifted.size.map((s, k) => Math.abs(s - truth.size[k]))));
      if (lifted.colour === truth.colour) colourMatches++;
    }
  }
  const centre = median(centreErrors), size = median(sizeErrors);
  t.diagnostic(`${objects} objects in ${SCENES} scenes (${canonical} canonical): median centre error ${(centre * 100).toFixed(2)} cm, ` +
    `median size error (worst axis) ${(size * 100).toFixed(2)} cm, median camera-height error ${(median(heightErrors) * 1000).toFixed(1)} mm, ` +
    `colour names right ${((100 * colourMatches) / centreErrors.length).toFixed(1)} %, lost ${lost}`);
  assert.equal(canonical, SCENES, 'every synthetic scene has a floor');
  assert.ok(median(heightErrors) <= 0.01, `camera height error ${median(heightErrors)} m`);
  assert.ok(centre <= 0.02, `median centre error ${centre} m`);
  assert.ok(size <= 0.03, `median size error ${size} m`);
  assert.ok(lost <= objects * 0.01, `${lost} of ${objects} objects were dropped`);
  assert.ok(colourMatches >= centreErrors.length * 0.95, `colour names right for ${colourMatches} of ${centreErrors.length}`);
});
