import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateDepthNoise } from './depth-noise.js';
import { seededRandom } from './random.js';

/** A standard normal draw (Box-Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

test('measures Gaussian depth noise per depth, whatever the surface slope, ignoring depth edges', () => {
  const width = 320, height = 240;
  const random = seededRandom(7);
  const depth = new Float32Array(width * height);
  // Left half: a wall sloping from 1.0 to 1.4 m across its columns, noise σ = 4 mm. Right half: a
  // wall at 3 m, noise σ = 2 cm, with a box at 2.5 m in front of part of it (a depth edge every row).
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const p = v * width + u;
      if (u < width / 2) depth[p] = 1 + (0.4 * u) / (width / 2) + 0.004 * gaussian(random);
      else depth[p] = (u < 200 ? 2.5 : 3) + 0.02 * gaussian(random);
    }
  }
  const noise = estimateDepthNoise(depth, width, height);
  assert.ok(Math.abs(noise.sigmaAt(1.2) - 0.004) < 0.0006, `σ at 1.2 m: ${noise.sigmaAt(1.2)}`);
  assert.ok(Math.abs(noise.sigmaAt(3) - 0.02) < 0.003, `σ at 3 m: ${noise.sigmaAt(3)}`);
  // A depth with no triples of its own takes the nearest measured depth's noise.
  assert.ok(Math.abs(noise.sigmaAt(6) - 0.02) < 0.003, `σ at 6 m: ${noise.sigmaAt(6)}`);
});

test('exact depth (a rendered plane) has no noise; an image without depth has none either', () => {
  const width = 64, height = 48;
  const depth = new Float32Array(width * height);
  for (let p = 0; p < depth.length; p++) depth[p] = 2 + 0.01 * (p % width);
  assert.ok(estimateDepthNoise(depth, width, height).sigmaAt(2.3) < 1e-6);
  assert.equal(estimateDepthNoise(new Float32Array(width * height), width, height).sigmaAt(2), 0);
});
