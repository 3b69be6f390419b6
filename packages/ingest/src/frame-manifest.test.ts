import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFrameManifest } from './frame-manifest.js';

const context = { allowLocalAbsolute: true, forbidLocalPaths: false };

test('detector scores on manifest objects are kept, and a score outside [0, 1] is refused naming the field', () => {
  const manifest = parseFrameManifest(
    {
      image: '/data/rgb.png',
      objects: [
        { id: 'a', label: 'chair', box: [1, 2, 30, 40], score: 0.8 },
        { id: 'b', label: 'table', mask: '/data/instances.png', maskValue: 2, score: 0 },
        { id: 'c', label: 'lamp', box: [5, 5, 9, 9] },
      ],
    },
    context,
  );
  assert.deepEqual(manifest.objects!.map((o) => o.score), [0.8, 0, undefined]);
  assert.ok(!('score' in manifest.objects![2]!), 'an object without a score gets no score key');
  assert.throws(
    () => parseFrameManifest({ image: '/data/rgb.png', objects: [{ id: 'a', label: 'chair', box: [1, 2, 30, 40], score: 1.5 }] }, context),
    /objects\[0\]\.score" must be a detector confidence from 0 to 1/,
  );
});
