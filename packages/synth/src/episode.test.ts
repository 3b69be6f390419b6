import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxGap, generateEpisode } from './index.js';

test('in an episode the gripper closes on the orange bottle: distances fall every frame to the final gap', () => {
  for (const seed of [0, 1, 2]) {
    const episode = generateEpisode({ seed, frames: 8, finalGap: 0.01, width: 320, height: 240 });
    assert.equal(episode.frames.length, 8);
    assert.equal(episode.a.phrase, 'gripper');
    assert.equal(episode.b.phrase, 'orange bottle');
    for (let i = 1; i < episode.truth.length; i++) {
      assert.ok(episode.truth[i].centerDistance < episode.truth[i - 1].centerDistance, `seed ${seed} frame ${i}: centre distance rose`);
      assert.ok(episode.truth[i].gap < episode.truth[i - 1].gap, `seed ${seed} frame ${i}: gap rose`);
    }
    assert.ok(episode.truth[0].gap > 0.25, `seed ${seed} starts only ${episode.truth[0].gap} m apart`);
    assert.ok(Math.abs(episode.truth[7].gap - 0.01) < 1e-9, `seed ${seed} ends ${episode.truth[7].gap} m apart`);
  }
});

test('episode truth matches each frame: the same ids throughout, only the gripper moves, distances from the boxes', () => {
  const episode = generateEpisode({ seed: 7, frames: 4 });
  const [first, ...rest] = episode.frames;
  for (const [index, frame] of episode.frames.entries()) {
    const a = frame.objects.find((o) => o.id === episode.a.id)!;
    const b = frame.objects.find((o) => o.id === episode.b.id)!;
    assert.equal(a.label, 'gripper');
    assert.equal(b.label, 'bottle');
    assert.equal(b.colour, 'orange');
    assert.equal(episode.truth[index].gap, boxGap(a, b));
    assert.ok(frame.instances.includes(a.maskValue) && frame.instances.includes(b.maskValue));
  }
  // The still objects' geometry; how much of each the moving gripper hides changes from frame to frame.
  const still = (frame: (typeof episode.frames)[number]) =>
    frame.objects.filter((o) => o.id !== episode.a.id).map(({ visibleShare: _visible, cutByBorder: _cut, ...geometry }) => geometry);
  for (const frame of rest) {
    assert.deepEqual(frame.camera, first.camera);
    assert.deepEqual(still(frame), still(first));
  }
  assert.deepEqual(generateEpisode({ seed: 7, frames: 4 }).truth, episode.truth);
  assert.throws(() => generateEpisode({ seed: 7, frames: 1 }), /frames/);
});
