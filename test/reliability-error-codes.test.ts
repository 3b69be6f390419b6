/**
 * Error codes stay the same when images decode side by side. libvips keeps one error buffer per
 * process, so with several images decoding at once the text of one error can belong to another image
 * or read "Unknown error"; a worker decodes a batch's images concurrently, so a truncated file must be
 * recognised from its own bytes, or the same bad input gets a different code from run to run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { generateScene, writeScene } from '@spatialforge/synth';
import { normaliseImage } from '@spatialforge/ingest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDir, tempDir } from './factory-support.js';

test('truncated PNG, JPEG, GIF and WebP decoded among good images always fail as truncated', { timeout: 60_000 }, async () => {
  const dir = await tempDir('codes');
  try {
    const good: Buffer[] = [];
    for (let i = 0; i < 8; i++) {
      await writeScene(generateScene({ seed: 900 + i, width: 96, height: 72 }), join(dir, `s${i}`));
      good.push(await readFile(join(dir, `s${i}`, 'rgb.png')));
    }
    const cut = (bytes: Buffer) => bytes.subarray(0, bytes.length >> 1);
    const bad: Record<string, Buffer> = {
      png: cut(good[0]!),
      jpeg: cut(await sharp(good[1]!).jpeg().toBuffer()),
      gif: cut(await sharp(good[2]!).gif().toBuffer()),
      webp: cut(await sharp(good[3]!).webp().toBuffer()),
    };
    const codes = new Map<string, Set<string>>();
    for (let round = 0; round < 15; round++) {
      const outcomes = await Promise.all([
        ...good.map((bytes, i) => normaliseImage(bytes, { maxSide: 1024, input: `good-${i}` }).then(() => ['good', 'ok'], (err: { code: string }) => ['good', err.code])),
        ...Object.entries(bad).map(([format, bytes]) =>
          normaliseImage(bytes, { maxSide: 1024, input: `half.${format}` }).then(() => [format, 'ok'], (err: { code: string }) => [format, err.code])),
      ]);
      for (const [what, code] of outcomes) codes.set(what!, new Set([...(codes.get(what!) ?? []), code!]));
    }
    assert.deepEqual(
      Object.fromEntries([...codes].map(([what, set]) => [what, [...set]])),
      { good: ['ok'], png: ['truncated'], jpeg: ['truncated'], gif: ['truncated'], webp: ['truncated'] },
    );
  } finally {
    await removeDir(dir);
  }
});
