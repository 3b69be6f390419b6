/**
 * Done-when 2 of issue 8: on a synthetic episode (a gripper moving to an orange bottle), the reward
 * curve falls as the objects approach, tracks the generator's true distances, the success flag is
 * right (and false when the episode is cut short or played backwards), and the PNG plot shows it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { SceneGraph } from '@spatialforge/core';
import { loadFrameFile } from '@spatialforge/scene';
import { sceneFromBoxes, type KnownBox } from '@spatialforge/qa';
import { generateEpisode, writeEpisode, frameDir } from '@spatialforge/synth';
import { annotateEpisode, movingMedian, rewardFromScenes, REWARD_PLOT_SIZE, type RewardResult } from '@spatialforge/research';

const run = promisify(execFile);
const repoRoot = new URL('../', import.meta.url).pathname;
const FRAMES = 10;

test('moving median: centred, shrinking at the ends, skipping missing frames', () => {
  assert.deepEqual(movingMedian([5, 4, 9, 2, 1], 5), [5, 5, 4, 2, 1]);
  assert.deepEqual(movingMedian([3, null, 1, 2, 0], 3), [3, null, 1.5, 1, 0]);
  assert.deepEqual(movingMedian([1, 2, 3], 1), [1, 2, 3]);
});

/** A gripper moving along +x towards an orange bottle, with a second orange bottle and a green one further off (metres). */
function boxFrames(gripperX: number[]): { name: string; scene: SceneGraph }[] {
  return gripperX.map((x, i) => {
    const boxes: KnownBox[] = [
      { id: 'far', label: 'bottle', colour: 'orange', centre: [1.2, 2.6, 0.9], size: [0.08, 0.08, 0.25] },
      { id: 'green', label: 'bottle', colour: 'green', centre: [0.05, 2.0, 0.9], size: [0.08, 0.08, 0.25] },
      { id: 'target', label: 'bottle', colour: 'orange', centre: [0, 2, 0.9], size: [0.08, 0.08, 0.25] },
      { id: 'gripper', label: 'gripper', colour: 'gray', centre: [x, 2, 0.9], size: [0.1, 0.09, 0.11] },
    ];
    // The later frames list the far bottle first: identity must come from position, not order.
    const scene = sceneFromBoxes(i % 2 ? boxes.reverse() : boxes, { imageId: `f${i}` });
    // The target is the most visible orange bottle in the first frame.
    for (const o of scene.objects) o.pointCount = o.id === 'target' ? 5000 : 1000;
    return { name: `f${i}`, scene };
  });
}

test('objects are followed by colour, label and position; the gap falls to the threshold', () => {
  const xs = [-0.6, -0.5, -0.4, -0.3, -0.2, -0.1, -0.095];
  const result = rewardFromScenes(boxFrames(xs), { a: 'gripper', b: 'orange bottle', threshold: 0.05 });
  assert.ok(result.frames.every((f) => f.a?.id === 'gripper' && f.b?.id === 'target'), 'the same gripper and bottle in every frame');
  // Gap along x between the gripper's face (x + 0.05) and the bottle's side (-0.04).
  result.frames.forEach((f, i) => assert.ok(Math.abs(f.gap! - (-0.04 - (xs[i] + 0.05))) < 1e-9, `gap of frame ${i}`));
  assert.equal(result.success, true);
  assert.equal(result.firstSuccessFrame, 5);
  assert.equal(result.frames[0].reward, 0);
  assert.ok(Math.abs(result.frames.at(-1)!.reward! - (1 - 0.005 / 0.51)) < 1e-9);
  assert.throws(() => rewardFromScenes(boxFrames(xs), { a: 'robot arm', b: 'bottle' }), /no frame has an object matching "robot arm"/);
});

async function episodeFolder(dir: string): Promise<{ truth: { centerDistance: number; gap: number }[]; a: { id: string; phrase: string }; b: { id: string; phrase: string } }> {
  const episode = generateEpisode({ seed: 7, frames: FRAMES, width: 320, height: 240 });
  await writeEpisode(episode, dir);
  return episode;
}

function decreasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v <= values[i - 1] + 1e-9);
}

test('reward on a synthetic episode: falls as the gripper approaches, tracks the truth, success right, plot drawn', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-reward-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const episodeDir = join(dir, 'episode');
  const episode = await episodeFolder(episodeDir);
  const out = join(dir, 'out');
  const { stdout } = await run(process.execPath, ['apps/cli/bin/spatialforge.js', 'reward', '--frames', episodeDir, '--a', episode.a.phrase, '--b', episode.b.phrase, '--out', out], { cwd: repoRoot });
  assert.match(stdout, /→ success/);
  const result = JSON.parse(await readFile(join(out, 'reward.json'), 'utf8')) as RewardResult;

  assert.equal(result.frames.length, FRAMES);
  assert.ok(result.frames.every((f) => f.a?.id === episode.a.id && f.b?.id === episode.b.id), 'A and B are the episode\'s gripper and bottle in every frame');
  result.frames.forEach((f, i) => {
    assert.ok(Math.abs(f.centreDistance! - episode.truth[i].centerDistance) < 0.02, `frame ${i}: centre distance ${f.centreDistance} vs true ${episode.truth[i].centerDistance}`);
    assert.ok(Math.abs(f.gap! - episode.truth[i].gap) < 0.02, `frame ${i}: gap ${f.gap} vs true ${episode.truth[i].gap}`);
  });
  const smoothed = result.frames.map((f) => f.smoothedGap!);
  assert.ok(decreasing(smoothed), `the smoothed gap never rises: ${smoothed.map((g) => g.toFixed(3)).join(' ')}`);
  assert.ok(smoothed[0] - smoothed.at(-1)! > 0.2, 'and falls by the distance travelled');
  assert.ok(decreasing(result.frames.map((f) => -f.reward!)), 'the reward rises');
  assert.equal(result.success, true);
  assert.ok(result.final!.gap <= 0.05);

  const csv = (await readFile(join(out, 'reward.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv.length, FRAMES + 1);
  assert.equal(csv[0], 'frame,name,a_id,b_id,centre_distance_m,gap_m,smoothed_centre_distance_m,smoothed_gap_m,reward');

  const png = sharp(join(out, 'reward.png'));
  const meta = await png.metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', REWARD_PLOT_SIZE.width, REWARD_PLOT_SIZE.height]);
  const { data, info } = await png.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const count = (r: number, g: number, b: number) => {
    let n = 0;
    for (let i = 0; i < data.length; i += info.channels) if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 40) n++;
    return n;
  };
  assert.ok(count(0x1c, 0x7e, 0xd6) > 500, 'the gap curve is drawn');
  assert.ok(count(0xe0, 0x31, 0x31) > 200, 'the threshold line is drawn');
  assert.ok(count(0x2f, 0x9e, 0x44) > 30, 'the success marker is drawn');

  // Cut short before contact, and played backwards: no success.
  const inputs = await Promise.all(
    Array.from({ length: FRAMES }, async (_, i) => ({ name: frameDir(i), frame: await loadFrameFile(join(episodeDir, frameDir(i), 'frame.json')) })),
  );
  const options = { a: episode.a.phrase, b: episode.b.phrase, threshold: 0.05 };
  const truncated = await annotateEpisode(inputs.slice(0, FRAMES / 2), options);
  assert.equal(truncated.result.success, false);
  const reversed = await annotateEpisode([...inputs].reverse(), options);
  assert.equal(reversed.result.success, false);
  assert.ok(reversed.result.frames.at(-1)!.reward! < 0, 'moving away is a negative reward');
  assert.ok(decreasing(reversed.result.frames.map((f) => f.smoothedGap!).reverse()), 'the reversed curve rises');
});
