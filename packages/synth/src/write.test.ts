import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FrameManifest } from '@spatialforge/core';
import { type EpisodeManifest, type SceneTruth, generateEpisode, generateScene, writeEpisode, writeScene } from './index.js';

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'synth-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a written scene reads back: 16-bit depth within 0.5 mm, instances and RGB exact, manifest and truth complete', async () => {
  await withTempDir(async (dir) => {
    const scene = generateScene({ seed: 11 });
    await writeScene(scene, dir);

    const manifest = JSON.parse(await readFile(join(dir, 'frame.json'), 'utf8')) as FrameManifest;
    assert.equal(manifest.image, 'rgb.png');
    assert.deepEqual(manifest.depth, { uri: 'depth.png', scale: 0.001 });
    assert.deepEqual(manifest.intrinsics, scene.intrinsics);
    assert.deepEqual(manifest.objects, scene.objects.map((o) => ({ id: o.id, label: o.label, mask: 'instances.png', maskValue: o.maskValue })));

    // A 16-bit PNG must be read as grey16, or sharp converts it to sRGB and the values change.
    const depth = await sharp(join(dir, 'depth.png')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    assert.deepEqual([depth.info.width, depth.info.height, depth.info.channels], [scene.width, scene.height, 1]);
    assert.equal(depth.data.length, scene.width * scene.height * 2);
    const units = new Uint16Array(depth.data.buffer, depth.data.byteOffset, depth.data.length / 2);
    let valid = 0;
    for (let i = 0; i < units.length; i++) {
      const metres = scene.depth.data[i];
      if (metres === 0) {
        assert.equal(units[i], 0);
        continue;
      }
      assert.ok(Math.abs(units[i] * 0.001 - metres) <= 0.0005 + 1e-7, `pixel ${i}: ${units[i]} mm vs ${metres} m`);
      valid++;
    }
    assert.ok(valid > units.length / 2);

    const instances = await sharp(join(dir, 'instances.png')).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    assert.equal(instances.info.channels, 1);
    assert.deepEqual(new Uint8Array(instances.data), scene.instances);

    const rgb = await sharp(join(dir, 'rgb.png')).raw().toBuffer({ resolveWithObject: true });
    assert.equal(rgb.info.channels, 3);
    assert.deepEqual(new Uint8Array(rgb.data), scene.rgb.data);

    const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as SceneTruth;
    assert.deepEqual(truth.objects, scene.objects);
    assert.deepEqual(truth.camera, scene.camera);
  });
});

test('a written episode has one scene folder per frame and the true distances in episode.json', async () => {
  await withTempDir(async (dir) => {
    const episode = generateEpisode({ seed: 4, frames: 3 });
    await writeEpisode(episode, dir);
    const manifest = JSON.parse(await readFile(join(dir, 'episode.json'), 'utf8')) as EpisodeManifest;
    assert.deepEqual(manifest.a, episode.a);
    assert.deepEqual(manifest.b, episode.b);
    assert.deepEqual(manifest.frames.map((f) => f.dir), ['frame-000', 'frame-001', 'frame-002']);
    assert.deepEqual(manifest.frames.map((f) => f.gap), episode.truth.map((t) => t.gap));
    for (const [index, frame] of manifest.frames.entries()) {
      const truth = JSON.parse(await readFile(join(dir, frame.dir, 'truth.json'), 'utf8')) as SceneTruth;
      assert.deepEqual(truth.objects, episode.frames[index].objects);
    }
  });
});
