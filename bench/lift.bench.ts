/**
 * The lift stage on 640×480 synthetic frames with 10 objects each, side by side with the same job done
 * the way the open pipelines do it in Open3D (bench/lift_open3d.py, python3-open3d): RANSAC plane on
 * the scene cloud; per object its masked depth points, statistical outlier removal, voxel
 * down-sampling, DBSCAN keeping the largest cluster, an oriented box. Same frames (true depth and
 * instance masks, written to a temp folder for Python), same parameters, one thread each
 * (`OMP_NUM_THREADS=1`; Node runs JavaScript on one thread). Rounds alternate between the two so a
 * busy neighbour on the machine hits both alike; the median round counts, in CPU time (the wall
 * clock on a shared machine also counts other processes' turns). Outputs are compared: each
 * object's canonical axis-aligned box from both, and each against the generator's truth.
 *
 * Goal (issue 2): at least 5× faster than the Open3D path (10× is the aim). Issue 12: hard scenes lifted
 * from jittered boxes alone, with dense (Kinect-like) and sparse (lidar-like) depth of the same
 * layouts; a sparse frame must cost no more than a dense one.
 * Run: npm run bench lift   (writes bench/results/lift.json)
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, SceneGraph } from '@spatialforge/core';
import { generateHardScene, generateScene } from '@spatialforge/synth';
import type { HardDepth, SyntheticScene } from '@spatialforge/synth';
import { liftFrame, writeNpy } from '@spatialforge/scene';
import { atLeast, atMost, writeResults } from './report.js';

const FRAMES = 10;
const OBJECTS = 10;
const ROUNDS = 3;
/** Our side is fast enough to lift every frame several times per round, for a steadier figure. */
const OUR_REPEATS = 5;
const GOAL = 5;
const AIM = 10;
/** Hard scenes (issue 12) lifted from boxes alone, with Kinect-like (dense) and lidar-like (sparse) depth of the same layouts. */
const HARD_FRAMES = 10;

interface PythonObject {
  id: string;
  dropped?: boolean;
  centre: number[];
  size: number[];
  obbExtent: number[];
  points: number;
}

interface PythonRun {
  open3d: string;
  rounds: { cpuSeconds: number; wallSeconds: number; sceneSeconds: number; objectSeconds: number }[];
  frames: Record<string, { height: number; objects: PythonObject[] }>;
}

function frameOf(scene: SyntheticScene): Frame {
  return {
    imageId: scene.id,
    rgb: scene.rgb,
    depth: scene.depth,
    intrinsics: scene.intrinsics,
    intrinsicsSource: 'provided',
    objects: scene.objects.map((o) => ({ id: o.id, label: o.label, mask: Uint8Array.from(scene.instances, (v) => (v === o.maskValue ? 1 : 0)) })),
  };
}

/** The same hard layouts with dense (Kinect-like) or sparse (lidar rings) depth, objects as jittered boxes only. */
function hardFrames(sensor: HardDepth): { frames: Frame[]; validShare: number } {
  const frames: Frame[] = [];
  let valid = 0, pixels = 0;
  for (let seed = 0; seed < HARD_FRAMES; seed++) {
    const scene = generateHardScene({ seed, sensor });
    for (const z of scene.depth.data) if (z > 0) valid++;
    pixels += scene.depth.data.length;
    frames.push({
      imageId: scene.id, rgb: scene.rgb, depth: scene.depth, intrinsics: scene.intrinsics, intrinsicsSource: 'provided',
      objects: scene.objects.flatMap((o, k) => (scene.boxes[k] ? [{ id: o.id, label: o.label, box: scene.boxes[k]! }] : [])),
    });
  }
  return { frames, validShare: valid / pixels };
}

function scenes(): SyntheticScene[] {
  const out: SyntheticScene[] = [];
  for (let seed = 1000; out.length < FRAMES; seed++) {
    try {
      out.push(generateScene({ seed, objectCount: OBJECTS }));
    } catch {
      // This seed's room could not hold ten objects; take the next one.
    }
  }
  return out;
}

async function writeFrames(all: SyntheticScene[], dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const [i, scene] of all.entries()) {
    const name = `frame-${String(i).padStart(3, '0')}`;
    const folder = join(dir, name);
    await mkdir(folder);
    await writeFile(join(folder, 'depth.npy'), writeNpy([scene.height, scene.width], scene.depth.data));
    await writeFile(join(folder, 'instances.npy'), writeNpy([scene.height, scene.width], Float32Array.from(scene.instances)));
    const meta = { intrinsics: scene.intrinsics, objects: scene.objects.map((o) => ({ id: o.id, maskValue: o.maskValue })) };
    await writeFile(join(folder, 'meta.json'), JSON.stringify(meta));
    names.push(name);
  }
  return names;
}

/** The first interpreter that can import open3d (a pyenv shim may shadow the Debian one). */
function findPython(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import open3d'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new Error('no python3 with open3d found: install python3-open3d (Debian) or pip install open3d');
}

function runOpen3d(python: string, dir: string): PythonRun {
  const script = new URL('./lift_open3d.py', import.meta.url).pathname;
  const result = spawnSync(python, [script, dir, '1'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  if (result.status !== 0) throw new Error(`lift_open3d.py failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as PythonRun;
}

function runOurs(frames: Frame[]): { cpuSeconds: number; wallSeconds: number; graphs: SceneGraph[] } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  let graphs: SceneGraph[] = [];
  for (let r = 0; r < OUR_REPEATS; r++) graphs = frames.map((frame) => liftFrame(frame));
  const used = process.cpuUsage(cpu);
  return { cpuSeconds: (used.user + used.system) / 1e6 / OUR_REPEATS, wallSeconds: (performance.now() - start) / 1000 / OUR_REPEATS, graphs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const distance = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const worstAxis = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...[0, 1, 2].map((k) => Math.abs(a[k] - b[k])));
const cm = (metres: number) => `${(metres * 100).toFixed(2)} cm`;

const all = scenes();
const frames = all.map(frameOf);
const dir = await mkdtemp(join(tmpdir(), 'sf-lift-bench-'));
try {
  const names = await writeFrames(all, dir);
  const python = findPython();
  runOurs(frames); // warm the JIT
  // The same frames without objects: back-projection and the support plane alone, to split our time
  // the way the Open3D side reports its own.
  const sceneOnly = frames.map((frame) => ({ ...frame, objects: [] }));
  const ours: ReturnType<typeof runOurs>[] = [];
  const oursSceneOnly: ReturnType<typeof runOurs>[] = [];
  const theirs: PythonRun[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(runOurs(frames));
    oursSceneOnly.push(runOurs(sceneOnly));
    theirs.push(runOpen3d(python, dir));
  }

  const dense = hardFrames('kinect'), sparse = hardFrames('lidar');
  runOurs(sparse.frames);
  const denseRounds: number[] = [], sparseRounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    denseRounds.push(runOurs(dense.frames).cpuSeconds);
    sparseRounds.push(runOurs(sparse.frames).cpuSeconds);
  }
  const boxes = dense.frames.reduce((n, f) => n + f.objects.length, 0) / HARD_FRAMES;
  const denseMs = (median(denseRounds) / HARD_FRAMES) * 1000, sparseMs = (median(sparseRounds) / HARD_FRAMES) * 1000;

  const ourMs = (median(ours.map((r) => r.cpuSeconds)) / FRAMES) * 1000;
  const ourWallMs = (median(ours.map((r) => r.wallSeconds)) / FRAMES) * 1000;
  const ourSceneMs = (median(oursSceneOnly.map((r) => r.cpuSeconds)) / FRAMES) * 1000;
  const ourObjectMs = ourMs - ourSceneMs;
  const theirRounds = theirs.map((r) => r.rounds[0]);
  const theirMs = (median(theirRounds.map((r) => r.cpuSeconds)) / FRAMES) * 1000;
  const theirWallMs = (median(theirRounds.map((r) => r.wallSeconds)) / FRAMES) * 1000;
  const theirSceneMs = (median(theirRounds.map((r) => r.sceneSeconds)) / FRAMES) * 1000;
  const theirObjectMs = (median(theirRounds.map((r) => r.objectSeconds)) / FRAMES) * 1000;
  const speedup = theirMs / ourMs;
  const objectSpeedup = theirObjectMs / ourObjectMs;

  // Outputs: ours vs Open3D's, and each vs the truth.
  const centreDiffs: number[] = [], sizeDiffs: number[] = [], ourCentreErr: number[] = [], theirCentreErr: number[] = [];
  const ourSizeErr: number[] = [], theirSizeErr: number[] = [], heightDiffs: number[] = [];
  let compared = 0, missing = 0;
  const differences: { what: string; centre: number; size: number }[] = [];
  const last = theirs[theirs.length - 1];
  ours[0].graphs.forEach((graph, i) => {
    const py = last.frames[names[i]];
    heightDiffs.push(Math.abs((graph.camera.height ?? NaN) - py.height));
    for (const truth of all[i].objects) {
      const a = graph.objects.find((o) => o.id === truth.id);
      const b = py.objects.find((o) => o.id === truth.id);
      if (!a || !b || b.dropped) {
        missing++;
        continue;
      }
      compared++;
      centreDiffs.push(distance(a.centre, b.centre));
      sizeDiffs.push(worstAxis(a.size, b.size));
      differences.push({ what: `${names[i]} ${truth.id} ${truth.label}`, centre: centreDiffs.at(-1)!, size: sizeDiffs.at(-1)! });
      ourCentreErr.push(distance(a.centre, truth.center));
      theirCentreErr.push(distance(b.centre, truth.center));
      ourSizeErr.push(worstAxis(a.size, truth.size));
      theirSizeErr.push(worstAxis(b.size, truth.size));
    }
  });

  const row = (name: string, ms: string, wall: string, detail: string) => `${name.padEnd(34)}${ms.padStart(12)}${wall.padStart(12)}   ${detail}`;
  console.log(`lift: ${FRAMES} synthetic frames of 640×480 with ${OBJECTS} objects, one thread each, CPU ms per frame (median of ${ROUNDS} rounds)`);
  console.log(row('', 'CPU ms', 'wall ms', ''));
  console.log(row('spatialforge liftFrame (TypeScript)', ourMs.toFixed(1), ourWallMs.toFixed(1), `scene cloud + plane ${ourSceneMs.toFixed(1)} ms, objects ${ourObjectMs.toFixed(1)} ms (with colours and names)`));
  console.log(row(`Open3D ${last.open3d} (Python)`, theirMs.toFixed(1), theirWallMs.toFixed(1), `scene cloud + plane ${theirSceneMs.toFixed(1)} ms, objects ${theirObjectMs.toFixed(1)} ms`));
  console.log(`speed-up: ${speedup.toFixed(1)}× per frame (goal ≥ ${GOAL}×, aim ${AIM}×)${speedup >= GOAL ? '' : '  — BELOW GOAL'}; ` +
    `objects alone ${objectSpeedup.toFixed(1)}×, scene cloud + plane alone ${(theirSceneMs / ourSceneMs).toFixed(1)}× (ours RANSAC-scores a 3,000-point sample, Open3D the whole cloud)`);
  console.log(`outputs, ${compared} objects compared (${missing} missing on one side): ours vs Open3D centre max ${cm(Math.max(...centreDiffs))}, median ${cm(median(centreDiffs))}; ` +
    `size (worst axis) max ${cm(Math.max(...sizeDiffs))}, median ${cm(median(sizeDiffs))}; camera height max ${cm(Math.max(...heightDiffs))}`);
  differences.sort((a, b) => b.centre + b.size - (a.centre + a.size));
  console.log(`largest differences: ${differences.slice(0, 3).map((d) => `${d.what} (centre ${cm(d.centre)}, size ${cm(d.size)})`).join('; ')}`);
  console.log(`hard frames, boxes only (${HARD_FRAMES} frames of 640×480, ${boxes.toFixed(1)} boxes each): dense Kinect-like depth (${(100 * dense.validShare).toFixed(0)} % of pixels) ` +
    `${denseMs.toFixed(1)} CPU ms/frame, sparse lidar-like depth (${(100 * sparse.validShare).toFixed(1)} %) ${sparseMs.toFixed(1)} CPU ms/frame: ` +
    `sparse/dense ${(sparseMs / denseMs).toFixed(2)} (goal ≤ 1)${sparseMs <= denseMs ? '' : '  — ABOVE GOAL'}`);
  console.log(`vs truth, median centre / size error: ours ${cm(median(ourCentreErr))} / ${cm(median(ourSizeErr))}, Open3D ${cm(median(theirCentreErr))} / ${cm(median(theirSizeErr))}`);

  const figures = {
    frames: FRAMES,
    objectsPerFrame: OBJECTS,
    image: [640, 480],
    rounds: ROUNDS,
    timing: 'CPU time per frame, median round; one thread each (OMP_NUM_THREADS=1 for Open3D)',
    ours: { msPerFrame: ourMs, wallMsPerFrame: ourWallMs, sceneAndPlaneMsPerFrame: ourSceneMs, objectsMsPerFrame: ourObjectMs },
    open3d: { version: last.open3d, msPerFrame: theirMs, wallMsPerFrame: theirWallMs, sceneAndPlaneMsPerFrame: theirSceneMs, objectsMsPerFrame: theirObjectMs },
    speedup,
    objectSpeedup,
    hardBoxFrames: {
      frames: HARD_FRAMES,
      boxesPerFrame: boxes,
      dense: { depth: 'Kinect-like', validShare: dense.validShare, msPerFrame: denseMs },
      sparse: { depth: 'lidar-like rings', validShare: sparse.validShare, msPerFrame: sparseMs },
      sparseOverDense: sparseMs / denseMs,
      goal: 'sparse ≤ dense',
    },
    goal: GOAL,
    aim: AIM,
    outputs: {
      compared,
      missing,
      centreDifferenceMax: Math.max(...centreDiffs),
      centreDifferenceMedian: median(centreDiffs),
      sizeDifferenceMax: Math.max(...sizeDiffs),
      sizeDifferenceMedian: median(sizeDiffs),
      cameraHeightDifferenceMax: Math.max(...heightDiffs),
      largestDifferences: differences.slice(0, 5),
      truth: {
        ours: { centreErrorMedian: median(ourCentreErr), sizeErrorMedian: median(ourSizeErr) },
        open3d: { centreErrorMedian: median(theirCentreErr), sizeErrorMedian: median(theirSizeErr) },
      },
    },
  };
  writeResults({
    bench: 'lift',
    title: `lift on ${FRAMES} synthetic 640×480 frames with ${OBJECTS} objects, one thread, beside the Open3D ${last.open3d} path (bench/lift_open3d.py) on the same frames`,
    headline: [
      { measure: 'lift, CPU ms per frame', value: `${ourMs.toFixed(1)} ms`, reference: `Open3D ${theirMs.toFixed(1)} ms` },
      { measure: 'objects alone, CPU ms per frame', value: `${ourObjectMs.toFixed(1)} ms`, reference: `Open3D ${theirObjectMs.toFixed(1)} ms` },
      { measure: 'scene cloud + support plane, CPU ms per frame', value: `${ourSceneMs.toFixed(1)} ms`, reference: `Open3D ${theirSceneMs.toFixed(1)} ms` },
      { measure: 'hard frames, boxes only, sparse lidar-like depth, CPU ms per frame', value: `${sparseMs.toFixed(1)} ms`, reference: `dense Kinect-like depth ${denseMs.toFixed(1)} ms` },
    ],
    goals: [
      atLeast('lift per frame vs Open3D (× faster, CPU time; issue 12 goal)', speedup, GOAL),
      atLeast('lift per frame vs Open3D (× faster, CPU time; aim)', speedup, AIM,
        'between 9.4× and 12.8× in runs on the same 2-core AMD EPYC machine: the objects pass, not the scene cloud and plane (about 20× faster than Open3D\'s), holds it back'),
      atMost('hard box frames: sparse lidar-like over dense Kinect-like depth (CPU time)', sparseMs / denseMs, 1),
      atLeast('lift objects alone vs Open3D (× faster, CPU time)', objectSpeedup, AIM,
        'the geometry kernels (voxel down-sampling, DBSCAN, grid outlier removal) now cost about 9 ms of the objects\' time per frame, so even at zero cost objects alone would be about 8×; the rest is the object pass of liftFrame in packages/scene: every mask scanned over the whole image, points copied several times per object, image-sized buffers allocated per frame (a CPU profile of the lift thread)'),
    ],
    figures,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
