/**
 * Issue 12, Done-when 2: the lift on real frames with human 3D boxes (../shared/data/labelled: KITTI
 * and nuScenes with projected lidar depth, SUN RGB-D with a semi-dense projected cloud; README there).
 * Each frame's dataset 2D boxes go in as box objects; the lifted scene graph is compared with the
 * human boxes by what does not depend on where the origin is (the truth's origin is the camera, ours
 * the support plane below it; both are gravity-aligned with y forward and x right):
 * - heights (vertical extent) within [0.75×, 1.33×] of the human box's;
 * - pair distances (centre to centre) within [0.75×, 1.33×];
 * - the order of each pair left/right (x), front/behind (y) and above/below (z), counted where the
 *   truth's centres differ along that axis by more than a question's margin (max(5 cm, 5 % of the pair's
 *   distance)).
 * An object the lift loses counts as wrong in every figure it takes part in. Shares are averaged per
 * dataset, each dataset weighing the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SceneObject } from '@spatialforge/core';
import { liftFrame, loadFrameFile } from '@spatialforge/scene';

const labelled = fileURLToPath(new URL('../../shared/data/labelled/', import.meta.url));
const skip = existsSync(labelled) ? false : `needs the labelled real frames in ${labelled} (../shared next to the repository); not present here`;

interface TruthBox { id: string; label: string; center: [number, number, number]; size: [number, number, number] }
interface Tally { total: number; right: number }

const RATIO: [number, number] = [0.75, 1.33];
const AXES = ['left/right', 'front/behind', 'above/below'] as const;

const inRange = (ours: number, truth: number) => ours >= RATIO[0] * truth && ours <= RATIO[1] * truth;
const share = (t: Tally) => (t.total === 0 ? 1 : t.right / t.total);

interface Measured { heights: number; pairs: number; order: number }
let measured: Promise<Measured> | undefined;

test('real frames with human 3D boxes: heights and pair distances', { skip }, async () => {
  const { heights, pairs } = await (measured ??= measure());
  assert.ok(heights >= 0.8, `heights in range for ${(100 * heights).toFixed(1)} % (at least 80 %)`);
  assert.ok(pairs >= 0.8, `pair distances in range for ${(100 * pairs).toFixed(1)} % (at least 80 %)`);
});

test('real frames with human 3D boxes: the order of pairs right for at least 90 %', { skip }, async () => {
  const { order } = await (measured ??= measure());
  assert.ok(order >= 0.9, `pair order right for ${(100 * order).toFixed(1)} % (at least 90 %)`);
});

async function measure(): Promise<Measured> {
  const t = { diagnostic: (line: string) => console.log(`# ${line}`) };
  const perDataset = new Map<string, { heights: Tally; pairs: Tally; order: Tally[] }>();
  for (const folder of readdirSync(labelled).filter((name) => existsSync(join(labelled, name, 'truth.json'))).sort()) {
    const truth = JSON.parse(readFileSync(join(labelled, folder, 'truth.json'), 'utf8')) as { dataset: string; objects: TruthBox[] };
    const scene = liftFrame(await loadFrameFile(join(labelled, folder, 'frame.json')));
    const tally = perDataset.get(truth.dataset) ?? { heights: { total: 0, right: 0 }, pairs: { total: 0, right: 0 }, order: AXES.map(() => ({ total: 0, right: 0 })) };
    perDataset.set(truth.dataset, tally);
    const ours = new Map<string, SceneObject>(scene.objects.map((o) => [o.id, o]));
    const lines: string[] = [];
    for (const box of truth.objects) {
      const lifted = ours.get(box.id);
      const height = lifted ? lifted.max[2] - lifted.min[2] : NaN;
      tally.heights.total++;
      if (lifted && inRange(height, box.size[2])) tally.heights.right++;
      const flags = lifted ? [lifted.truncated && 'truncated', lifted.occluded && 'occluded'].filter(Boolean).join(' ') : '';
      lines.push(`${box.id} ${box.label}: height ${lifted ? height.toFixed(2) : scene.dropped.find((d) => d.id === box.id)?.reason ?? 'lost'} / ${box.size[2].toFixed(2)} m ${flags}`);
    }
    for (let i = 0; i < truth.objects.length; i++) {
      for (let j = i + 1; j < truth.objects.length; j++) {
        const [a, b] = [truth.objects[i], truth.objects[j]];
        const [la, lb] = [ours.get(a.id), ours.get(b.id)];
        const truthDistance = Math.hypot(...a.center.map((c, k) => c - b.center[k]));
        tally.pairs.total++;
        if (la && lb && inRange(Math.hypot(...la.centre.map((c, k) => c - lb.centre[k])), truthDistance)) tally.pairs.right++;
        const margin = Math.max(0.05, 0.05 * truthDistance);
        AXES.forEach((_, k) => {
          const truthDelta = a.center[k] - b.center[k];
          if (Math.abs(truthDelta) <= margin) return;
          tally.order[k].total++;
          if (la && lb && Math.sign(la.centre[k] - lb.centre[k]) === Math.sign(truthDelta)) tally.order[k].right++;
        });
      }
    }
    t.diagnostic(`${folder}: camera ${scene.camera.height?.toFixed(2) ?? '—'} m above the plane; ${lines.join('; ')}`);
  }
  const datasets = [...perDataset.keys()].sort();
  const mean = (pick: (tally: { heights: Tally; pairs: Tally; order: Tally[] }) => number) =>
    datasets.reduce((sum, name) => sum + pick(perDataset.get(name)!), 0) / datasets.length;
  const orderTally = (tally: { order: Tally[] }): Tally => tally.order.reduce((s, o) => ({ total: s.total + o.total, right: s.right + o.right }), { total: 0, right: 0 });
  for (const name of datasets) {
    const tally = perDataset.get(name)!;
    t.diagnostic(`${name}: heights in range ${tally.heights.right}/${tally.heights.total}, pair distances ${tally.pairs.right}/${tally.pairs.total}, ` +
      AXES.map((axis, k) => `${axis} ${tally.order[k].right}/${tally.order[k].total}`).join(', '));
  }
  const heights = mean((d) => share(d.heights));
  const pairs = mean((d) => share(d.pairs));
  const order = mean((d) => share(orderTally(d)));
  t.diagnostic(`averaged per dataset (${datasets.join(', ')}): heights within [0.75×, 1.33×] ${(100 * heights).toFixed(1)} %, ` +
    `pair distances ${(100 * pairs).toFixed(1)} %, pair order right ${(100 * order).toFixed(1)} %`);
  assert.deepEqual(datasets, ['kitti', 'nuscenes', 'sunrgbd'], 'the three datasets of the README');
  return { heights, pairs, order };
}
