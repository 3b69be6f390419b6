import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liftFrame } from './lift.js';
import { aabbSize, boxWorldFrame } from './box-world.test-fixture.js';
import type { FixtureBox } from './box-world.test-fixture.js';

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

const boxes: FixtureBox[] = [
  { id: 'a', label: 'cabinet', at: [-0.6, 3], size: [0.6, 0.4, 0.8], yaw: 0, rgb: [200, 30, 30] },
  { id: 'b', label: 'box', at: [0.5, 2.5], size: [0.5, 0.3, 0.3], yaw: 0.6, rgb: [30, 60, 200] },
  { id: 'c', label: 'bin', at: [0.1, 4], size: [0.3, 0.3, 0.5], yaw: 0, rgb: [40, 160, 60] },
];

test('recovers the support plane, the camera pose and each object box in the canonical frame', () => {
  const scene = liftFrame(boxWorldFrame({ width: 640, height: 480, cameraHeight: 1.4, pitch: 0.45, boxes, wallAt: 6 }));
  assert.equal(scene.canonical, true);
  near(scene.camera.height!, 1.4, 0.005, 'camera height');
  near(scene.camera.pitch!, 0.45, 0.005, 'pitch');
  assert.deepEqual(scene.camera.position, [0, 0, scene.camera.height]);
  assert.equal(scene.dropped.length, 0);
  // Top faces seen at a grazing angle are sampled a few centimetres apart row to row (4 cm at 4 m),
  // so their far edge, and with it the y extent, can fall short by up to that much.
  for (const truth of boxes) {
    const object = scene.objects.find((o) => o.id === truth.id)!;
    const size = aabbSize(truth);
    near(object.centre[0], truth.at[0], 0.02, `${truth.id} x`);
    near(object.centre[1], truth.at[1], 0.025, `${truth.id} y`);
    near(object.centre[2], truth.size[2] / 2, 0.02, `${truth.id} z`);
    size.forEach((s, k) => near(object.size[k], s, k === 1 ? 0.04 : 0.02, `${truth.id} size ${k}`));
    near(object.distanceFromCamera, Math.hypot(truth.at[0], truth.at[1], truth.size[2] / 2 - 1.4), 0.03, `${truth.id} distance`);
    assert.ok(object.pointCount > 100);
  }
  const rotated = scene.objects.find((o) => o.id === 'b')!;
  near(rotated.obb.yaw, 0.6, 0.05, 'yaw of the turned box');
  near(rotated.obb.size[0], 0.5, 0.03, 'obb length');
  near(rotated.obb.size[1], 0.3, 0.03, 'obb width');
  assert.deepEqual(scene.objects.map((o) => [o.colour, o.name]), [['red', 'the cabinet'], ['blue', 'the box'], ['green', 'the bin']]);
});

test('lifting is deterministic', () => {
  const frame = boxWorldFrame({ boxes, wallAt: 6 });
  assert.deepEqual(liftFrame(frame), liftFrame(frame));
});

test('two objects of a label are told apart by position; three stay in the scene graph, named from the left', () => {
  const chair = (id: string, x: number, y: number): FixtureBox => ({ id, label: 'chair', at: [x, y], size: [0.45, 0.45, 0.9], yaw: 0, rgb: [90, 90, 90] });
  const two = liftFrame(boxWorldFrame({ boxes: [chair('r', 0.7, 3), chair('l', -0.7, 3)] }));
  assert.deepEqual(Object.fromEntries(two.objects.map((o) => [o.id, o.name])), { r: 'the right chair', l: 'the left chair' });
  const depthPair = liftFrame(boxWorldFrame({ boxes: [chair('far', 0, 4.5), chair('near', 0.05, 2.5)] }));
  assert.deepEqual(Object.fromEntries(depthPair.objects.map((o) => [o.id, o.name])), { far: 'the farther chair', near: 'the nearer chair' });
  const three = liftFrame(boxWorldFrame({ boxes: [chair('1', -1, 3), chair('2', 0, 3), chair('3', 1, 3), { ...boxes[1] }] }));
  assert.deepEqual(Object.fromEntries(three.objects.map((o) => [o.id, o.name])), { 1: 'the leftmost chair', 2: 'the second chair from the left', 3: 'the rightmost chair', b: three.objects.find((o) => o.id === 'b')!.name });
  assert.deepEqual(three.dropped, []);
});

test('objects with too few points or no depth are dropped with a reason', () => {
  const tiny: FixtureBox = { id: 'tiny', label: 'die', at: [0, 6], size: [0.03, 0.03, 0.03], yaw: 0, rgb: [250, 250, 250] };
  const frame = boxWorldFrame({ boxes: [boxes[0], tiny] });
  const blind = new Uint8Array(frame.depth.data.length);
  blind[0] = 1;
  frame.depth.data[0] = 0;
  // A box on bare floor (the bottom-left corner of the image) holds nothing off the floor: with its
  // depth samples it is still lifted (issue 12: a box with 10 samples is not dropped), as something flat on the floor.
  const floorOnly: [number, number, number, number] = [0, frame.depth.height - 20, 30, frame.depth.height];
  frame.objects.push({ id: 'blind', label: 'shadow', mask: blind }, { id: 'nothing', label: 'ghost' }, { id: 'rug', label: 'rug', box: floorOnly });
  const scene = liftFrame(frame);
  assert.deepEqual(scene.objects.map((o) => o.id), ['a', 'rug']);
  const rug = scene.objects[1];
  assert.ok(rug.max[2] < 0.05 && rug.min[2] > -0.05, `the rug lies on the floor: z ${rug.min[2]} to ${rug.max[2]}`);
  assert.deepEqual(scene.dropped.map((d) => [d.id, d.reason]), [['tiny', 'too-few-points'], ['blind', 'no-depth'], ['nothing', 'no-region']]);
  assert.ok(scene.dropped.every((d) => d.detail.length > 0));
});

test('a 2D box is lifted to the object in it, not the floor or the wall behind', () => {
  const scene = liftFrame(boxWorldFrame({ boxes, wallAt: 4.6, objectsAs: 'box' }));
  assert.equal(scene.dropped.length, 0);
  for (const truth of boxes) {
    const object = scene.objects.find((o) => o.id === truth.id)!;
    near(object.centre[0], truth.at[0], 0.03, `${truth.id} x`);
    near(object.centre[1], truth.at[1], 0.03, `${truth.id} y`);
    // Points near the floor are taken as floor (2 cm, growing beyond 2 m: 4 cm at 4 m), so a box
    // object's height is short by up to that much.
    aabbSize(truth).forEach((s, k) => near(object.size[k], s, k === 2 ? 0.05 : 0.04, `${truth.id} size ${k}`));
  }
});

test('a frame without a horizontal plane is lifted in camera-aligned axes and marked non-canonical', () => {
  // Looking straight ahead at a wall 2 m away with the floor out of view.
  const frame = boxWorldFrame({ cameraHeight: 20, pitch: 0, wallAt: 2, boxes: [] });
  const scene = liftFrame(frame);
  assert.equal(scene.canonical, false);
  assert.equal(scene.plane, undefined);
  assert.deepEqual(scene.camera.rotation, [1, 0, 0, 0, 0, 1, 0, -1, 0]);
  assert.deepEqual(scene.camera.position, [0, 0, 0]);
});

test("detector scores are carried to the scene objects; an object without one gets none", () => {
  const frame = boxWorldFrame({ boxes, wallAt: 4.6, objectsAs: 'box' });
  frame.objects.forEach((o, i) => {
    if (i > 0) o.score = 0.5 + i / 10;
  });
  const scene = liftFrame(frame);
  assert.equal(scene.objects.length, frame.objects.length);
  for (const input of frame.objects) assert.equal(scene.objects.find((o) => o.id === input.id)!.score, input.score, input.id);
  assert.ok(!('score' in scene.objects.find((o) => o.id === frame.objects[0]!.id)!));
});
