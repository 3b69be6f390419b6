/** `spatialforge inspect`: one frame lifted and drawn; an image it cannot lift says why. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { removeDir, runCli, syntheticCorpus, tempDir } from './factory-support.js';

test('inspect draws a lifted frame and explains an image without depth', { timeout: 60_000 }, async () => {
  const dir = await tempDir('inspect');
  try {
    await syntheticCorpus(join(dir, 'corpus'), 1, 61);
    const picture = join(dir, 'scene.png');
    const lifted = await runCli(['inspect', join(dir, 'corpus', 'scene-0000', 'frame.json'), '--out', picture]);
    assert.equal(lifted.code, 0, lifted.output);
    assert.match(lifted.output, /scene\.png: \d+ objects lifted .* scene gravity-aligned, \d+ QA pairs/);
    const meta = await sharp(picture).metadata();
    assert.equal(meta.format, 'png');
    assert.ok(meta.width! > 240, 'the picture holds the image and the top-down view');

    const flat = join(dir, 'flat.png');
    await sharp({ create: { width: 96, height: 64, channels: 3, background: '#336699' } }).png().toFile(flat);
    const refused = await runCli(['inspect', flat, '--out', join(dir, 'flat-out.png')]);
    assert.equal(refused.code, 1);
    assert.match(refused.output, /error: .*flat\.png has no depth map and no depth model is configured: configure one/);
  } finally {
    await removeDir(dir);
  }
});
