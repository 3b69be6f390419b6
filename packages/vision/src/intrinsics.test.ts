import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveIntrinsics } from './intrinsics.js';

describe('resolveIntrinsics', () => {
  const base = { width: 640, height: 480, fovDegrees: 60 };
  const nyu = { fx: 518.8579, fy: 519.46961, cx: 325.58245, cy: 253.73617 };

  it('prefers provided intrinsics, then the depth model, then EXIF, then the field-of-view prior', () => {
    const all = { ...base, provided: nyu, depthModelFocalPx: 500, exifFocal35mm: 26 };
    assert.deepEqual(resolveIntrinsics(all), { intrinsics: nyu, source: 'provided' });
    assert.deepEqual(resolveIntrinsics({ ...all, provided: undefined }), {
      intrinsics: { fx: 500, fy: 500, cx: 320, cy: 240 },
      source: 'depth-model',
    });
    const exif = resolveIntrinsics({ ...base, exifFocal35mm: 26 });
    assert.equal(exif.source, 'exif');
    // 26 mm equivalent: f = 26 · diag(640, 480) / diag(36, 24) = 26 · 800 / 43.267 px.
    assert.ok(Math.abs(exif.intrinsics.fx - (26 * 800) / Math.hypot(36, 24)) < 1e-9);
    const prior = resolveIntrinsics(base);
    assert.equal(prior.source, 'fov-prior');
    assert.ok(Math.abs(prior.intrinsics.fx - 320 / Math.tan(Math.PI / 6)) < 1e-9);
  });

  it('skips unusable values and rejects an impossible field of view', () => {
    const r = resolveIntrinsics({ ...base, provided: { ...nyu, fx: Number.NaN }, depthModelFocalPx: 0, exifFocal35mm: -3 });
    assert.equal(r.source, 'fov-prior');
    assert.throws(() => resolveIntrinsics({ ...base, fovDegrees: 180 }), /field-of-view/);
  });
});
