/**
 * `spatialforge scene` as a user runs it: a synthetic frame written by `synth` in, scene.json,
 * qa.jsonl and scene.png out; a bad frame refused with a message naming the field.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { QARecord, SceneGraph } from '@spatialforge/core';

const cli = fileURLToPath(new URL('../../bin/spatialforge.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('spatialforge scene', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sf-scene-cli-'));
    const made = await run(['synth', '--scenes', '1', '--seed', '7', '--out', dir]);
    assert.equal(made.code, 0, made.stderr);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes the scene graph, the questions and the picture', async () => {
    const out = join(dir, 'out');
    const result = await run(['scene', join(dir, 'scene-0000', 'frame.json'), '--out', out, '--seed', '3', '--units', 'imperial', '--qa-max', '12']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /support plane found/);
    const scene = JSON.parse(await readFile(join(out, 'scene.json'), 'utf8')) as SceneGraph;
    const truth = JSON.parse(await readFile(join(dir, 'scene-0000', 'truth.json'), 'utf8')) as { objects: { id: string }[] };
    assert.equal(scene.canonical, true);
    assert.deepEqual(
      [...scene.objects.map((o) => o.id), ...scene.dropped.map((d) => d.id)].sort(),
      truth.objects.map((o) => o.id).sort(),
      'every object is lifted or dropped with a reason',
    );
    const records = (await readFile(join(out, 'qa.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as QARecord);
    assert.ok(records.length > 0 && records.length <= 12, `${records.length} questions`);
    assert.ok(records.every((r) => r.imageId === scene.imageId));
    assert.ok(records.some((r) => /\b(feet|foot|inch|inches)\b/.test(r.answer)), 'some answer gives a length in feet or inches');
    assert.ok(records.every((r) => !/\b(meters?|centimeters?)\b/.test(r.answer)), 'no answer is in metric units');
    const picture = await sharp(await readFile(join(out, 'scene.png'))).metadata();
    assert.deepEqual([picture.width, picture.height], [scene.width + scene.height, scene.height]);
  });

  it('refuses a bad frame with a message naming the field', async () => {
    const manifest = JSON.parse(await readFile(join(dir, 'scene-0000', 'frame.json'), 'utf8'));
    manifest.intrinsics.fx = 0;
    const bad = join(dir, 'scene-0000', 'bad.json');
    await writeFile(bad, JSON.stringify(manifest));
    const result = await run(['scene', bad, '--out', join(dir, 'bad-out')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /intrinsics\.fx must be a positive number/);
  });
});
