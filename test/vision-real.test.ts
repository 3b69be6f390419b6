/**
 * Real inference with the real weights in ../shared/models on the real RGB-D frames in
 * ../shared/data/rgbd: YOLOX-Nano finds the objects a person sees there, DeepLabV3 segments them where
 * they are. Boxes were drawn by hand on the frames (pixels, [x1, y1, x2, y2]).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Box2D, RgbImage } from '@spatialforge/core';
import { DeepLabSegmenter, VOC_CLASSES, createDetector, createSegmenter, iou, releaseModels, type Detection, type Detector } from '@spatialforge/vision';
import { tempDir } from '../packages/vision/src/testing/fixtures.js';

const shared = fileURLToPath(new URL('../../shared/', import.meta.url));
const models = `${shared}models`;
const frames = `${shared}data/rgbd/`;
const skip = existsSync(`${models}/yolox_nano.onnx`) && existsSync(frames) ? false : `../shared is absent (looked for ${models} and ${frames})`;

async function load(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(frames + file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Hand-labelled objects each matched to a distinct detection of the label with IoU ≥ `minIou`. */
function matched(detections: Detection[], label: string, truth: Box2D[], minIou: number): Box2D[] {
  const free = detections.filter((d) => d.label === label);
  const found: Box2D[] = [];
  for (const box of truth) {
    const best = free.map((d, i) => [iou(d.box, box), i] as const).sort((a, b) => b[0] - a[0])[0];
    if (best && best[0] >= minIou) {
      found.push(box);
      free.splice(best[1], 1);
    }
  }
  return found;
}

// TUM RGB-D fr1 office (tum/color.png): two desks pushed together, a purple office chair front left, a
// yellow chair front right, water bottles on the desks and the shelf.
const TUM = {
  chairs: [[5, 262, 240, 478], [372, 230, 532, 437]] as Box2D[],
  table: [28, 170, 632, 375] as Box2D,
  bottles: [[160, 27, 186, 108], [184, 30, 210, 108], [284, 24, 312, 108], [334, 117, 357, 196], [362, 134, 382, 196], [386, 140, 403, 183], [430, 138, 448, 182], [544, 112, 568, 180]] as Box2D[],
};
// NYU Depth v2 basement (nyu/rgb_00000.jpg): through the doorway two wooden dining chairs and a folding
// chair draped in red cloth around a table; a wooden chair at the right edge in front.
const NYU_CHAIRS: Box2D[] = [[468, 168, 512, 256], [512, 166, 560, 258], [570, 146, 622, 256], [592, 336, 638, 474]];
// Open3D synthetic living room (open3d-synthetic/color_00000.jpg): a white cantilever armchair.
const ARMCHAIR: Box2D = [338, 105, 612, 385];

describe('real models on real frames', { skip }, () => {
  let cache: { path: string; remove(): Promise<void> };
  let detector: Detector;
  before(async () => {
    cache = await tempDir();
    // The cache starts empty and is filled from ../shared/models as MODEL_SOURCE, digests checked.
    detector = await createDetector('yolox-nano', { cacheDir: cache.path, source: models });
  });
  after(async () => {
    await releaseModels();
    await cache.remove();
  });

  it('YOLOX finds the chairs, the desk and the bottles in the TUM office', async () => {
    const [dets] = await detector.detect([await load('tum/color.png')]);
    assert.equal(matched(dets, 'chair', TUM.chairs, 0.7).length, 2, 'both chairs');
    assert.equal(matched(dets, 'dining table', [TUM.table], 0.6).length, 1, 'the desks');
    const bottles = matched(dets, 'bottle', TUM.bottles, 0.5);
    assert.ok(bottles.length >= 4, `${bottles.length} of ${TUM.bottles.length} bottles`);
    for (const d of dets) assert.ok(d.score >= 0.3 && d.score <= 1);
  });

  it('YOLOX finds the chairs in the NYU basement, and batches give the same detections as single images', async () => {
    const files = ['nyu/rgb_00000.jpg', 'nyu/rgb_00050.jpg', 'nyu/rgb_00100.jpg', 'tum/color.png', 'open3d-synthetic/color_00000.jpg'];
    const images = await Promise.all(files.map(load));
    const batched = await detector.detect(images);
    const chairs = matched(batched[0], 'chair', NYU_CHAIRS, 0.5);
    assert.ok(chairs.length >= 3, `${chairs.length} of ${NYU_CHAIRS.length} chairs`);
    for (let i = 0; i < images.length; i++) assert.deepEqual(batched[i], (await detector.detect([images[i]]))[0], files[i]);
    // A vocabulary keeps only the classes it names.
    const [onlyBottles] = await detector.detect([images[3]], ['bottle']);
    assert.ok(onlyBottles.length >= 4 && onlyBottles.every((d) => d.label === 'bottle'));
  });

  it('DeepLabV3 segments the TUM chairs and desk inside their boxes, and the synthetic armchair', async () => {
    const segmenter = await createSegmenter('deeplabv3-mobilenet-voc', { cacheDir: cache.path, source: models });
    assert.ok(segmenter instanceof DeepLabSegmenter);
    const tum = await load('tum/color.png');
    const map = await segmenter.classMap(tum);
    const share = (cls: string, boxes: Box2D[]) => {
      const c = VOC_CLASSES.indexOf(cls as (typeof VOC_CLASSES)[number]);
      let total = 0;
      let inside = 0;
      map.forEach((v, i) => {
        if (v !== c) return;
        total++;
        const x = i % tum.width;
        const y = Math.floor(i / tum.width);
        if (boxes.some((b) => x >= b[0] && x < b[2] && y >= b[1] && y < b[3])) inside++;
      });
      return { total, inside: inside / total };
    };
    const chairPixels = share('chair', TUM.chairs);
    assert.ok(chairPixels.total > 5000 && chairPixels.inside >= 0.9, JSON.stringify(chairPixels));
    const tablePixels = share('diningtable', [TUM.table]);
    assert.ok(tablePixels.total > 1000 && tablePixels.inside >= 0.9, JSON.stringify(tablePixels));

    const boxes = [...TUM.chairs, TUM.table];
    const masks = await segmenter.segment(tum, boxes, ['chair', 'chair', 'dining table']);
    const coverage = masks.map((m, k) => {
      const [x1, y1, x2, y2] = boxes[k];
      let n = 0;
      m.forEach((v, i) => {
        if (!v) return;
        const x = i % tum.width;
        const y = Math.floor(i / tum.width);
        assert.ok(x >= x1 && x < x2 && y >= y1 && y < y2, 'mask pixels lie in their box');
        n++;
      });
      return n / ((x2 - x1) * (y2 - y1));
    });
    assert.ok(coverage[0] >= 0.25, `office chair covers ${coverage[0]} of its box`);
    assert.ok(coverage[1] >= 0.05 && coverage[2] >= 0.02, `yellow chair ${coverage[1]}, desk ${coverage[2]}`);

    // A label VOC lacks ("thing") falls back to the box's dominant class, here DeepLab's chair.
    const synthetic = await load('open3d-synthetic/color_00000.jpg');
    const [armchair] = await segmenter.segment(synthetic, [ARMCHAIR], ['thing']);
    const inBox = armchair.reduce((n, v) => n + v, 0);
    assert.ok(inBox / ((ARMCHAIR[2] - ARMCHAIR[0]) * (ARMCHAIR[3] - ARMCHAIR[1])) >= 0.02, `armchair mask ${inBox} px`);
    assert.equal(segmenter.digest, '48a46b346ca7e2e96760b8a10a302046a3b5a9ce55e59d4c659c36d9cbd44118');
    assert.equal(detector.digest, '695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14');
  });
});
