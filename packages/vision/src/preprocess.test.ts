import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { Preprocess, ResizeSpec } from './manifest.js';
import { planResize, writeImageTensor } from './preprocess.js';
import { PreprocessPool } from './preprocess-pool.js';
import { bilinearKernel } from './preprocess-wasm.js';
import { resample } from './resample.js';
import { paintedImage } from './testing/fixtures.js';

describe('resample (PIL / OpenCV conventions)', () => {
  it('upsamples bilinearly with half-pixel centres and clamped edges', () => {
    const out = resample(new Float32Array([0, 10]), 2, 1, 1, 4, 1, { filter: 'bilinear', antialias: false });
    assert.deepEqual([...out], [0, 2.5, 7.5, 10]);
  });

  it('shrinks with two taps without antialias, and with a widened kernel with it', () => {
    const src = new Float32Array([0, 10, 20, 30]);
    assert.deepEqual([...resample(src, 4, 1, 1, 2, 1, { filter: 'bilinear', antialias: false })], [5, 25]);
    // PIL: centre 1, support 2, weights (0.75, 0.75, 0.25) over pixels 0..2, normalised.
    const aa = resample(src, 4, 1, 1, 2, 1, { filter: 'bilinear', antialias: true });
    assert.ok(Math.abs(aa[0] - 12.5 / 1.75) < 1e-5, String(aa[0]));
  });

  it('keeps a constant image constant with the bicubic kernel, and resamples a region', () => {
    const flat = resample(new Float32Array(5 * 4).fill(7), 5, 4, 1, 9, 7, { filter: 'bicubic', antialias: true });
    assert.ok(flat.every((v) => Math.abs(v - 7) < 1e-5));
    const src = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const centre = resample(src, 3, 3, 1, 1, 1, { filter: 'bilinear', antialias: false }, { x: 1, y: 1, width: 1, height: 1 });
    assert.deepEqual([...centre], [5]);
  });
});

describe('planResize', () => {
  const plan = (w: number, h: number, spec: ResizeSpec) => planResize(w, h, spec);

  it('letterboxes top-left (YOLOX) and centred (Metric3D)', () => {
    assert.deepEqual(plan(640, 480, { mode: 'letterbox', width: 416, height: 416, align: 'top-left', rounding: 'floor' }), {
      canvasWidth: 416, canvasHeight: 416, resizedWidth: 416, resizedHeight: 312, offsetX: 0, offsetY: 0, scaleX: 0.65, scaleY: 0.65,
    });
    const m3d = plan(640, 480, { mode: 'letterbox', width: 1064, height: 616, align: 'center', rounding: 'floor' });
    assert.deepEqual([m3d.resizedWidth, m3d.resizedHeight, m3d.offsetX, m3d.offsetY], [821, 616, 121, 0]);
  });

  it('keeps the aspect ratio with sides a multiple of 14, scaling as little as possible (DPT)', () => {
    const p = plan(640, 480, { mode: 'keep-aspect-multiple', width: 518, height: 518, multipleOf: 14 });
    assert.deepEqual([p.canvasWidth, p.canvasHeight], [686, 518]);
  });

  it('fits the shortest side unless the longest passes its limit (Grounding DINO)', () => {
    const spec: ResizeSpec = { mode: 'shortest-longest', shortestEdge: 800, longestEdge: 1333 };
    const normal = plan(640, 480, spec);
    assert.deepEqual([normal.canvasWidth, normal.canvasHeight], [1066, 800]);
    const panorama = plan(2000, 500, spec);
    assert.deepEqual([panorama.canvasWidth, panorama.canvasHeight], [1332, 333]);
  });

  it('resizes the shortest side and centre-crops (CLIP)', () => {
    const p = plan(640, 480, { mode: 'shortest-edge-crop', shortestEdge: 224, crop: 224 });
    assert.deepEqual([p.resizedWidth, p.resizedHeight, p.offsetX, p.offsetY, p.canvasWidth], [298, 224, -37, 0, 224]);
  });
});

describe('writeImageTensor', () => {
  const yoloxLike: Preprocess = {
    resize: { mode: 'letterbox', width: 4, height: 4, align: 'top-left', rounding: 'floor' },
    filter: 'bilinear',
    antialias: false,
    channelOrder: 'bgr',
    layout: 'nchw',
    rescale: 1,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    padValue: [114, 114, 114],
  };

  it('writes BGR planes, pads with the pad value, and normalises', () => {
    const image = paintedImage(4, 2, (x) => [10 + x, 20 + x, 30 + x]);
    const out = new Float32Array(3 * 16);
    writeImageTensor(image, planResize(4, 2, yoloxLike.resize), yoloxLike, out);
    // Plane 0 is blue, rows 0–1 hold the image, rows 2–3 the padding.
    assert.deepEqual([...out.subarray(0, 8)], [30, 31, 32, 33, 30, 31, 32, 33]);
    assert.deepEqual([...out.subarray(8, 16)], [114, 114, 114, 114, 114, 114, 114, 114]);
    assert.deepEqual([...out.subarray(32, 36)], [10, 11, 12, 13]);

    const normalised: Preprocess = { ...yoloxLike, channelOrder: 'rgb', layout: 'nhwc', rescale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1], padValue: [0, 0, 0] };
    const nhwc = new Float32Array(3 * 16);
    writeImageTensor(image, planResize(4, 2, normalised.resize), normalised, nhwc);
    assert.ok(Math.abs(nhwc[0] - (10 / 255 - 0.5) / 0.25) < 1e-6);
    assert.ok(Math.abs(nhwc[1] - (20 / 255 - 0.5) / 0.5) < 1e-6);
    assert.ok(Math.abs(nhwc[2] - (30 / 255 - 0.5) / 1) < 1e-6);
    assert.ok(Math.abs(nhwc[8 * 3] - -0.5 / 0.25) < 1e-6, 'padding normalised like pixels');
  });

  it('the fused bilinear path equals resampling then packing', () => {
    const image = paintedImage(97, 61, (x, y) => [(x * 7 + y) % 256, (x * y) % 256, (x + y * 3) % 256]);
    const pre: Preprocess = { ...yoloxLike, resize: { mode: 'letterbox', width: 64, height: 64, align: 'center', rounding: 'floor' } };
    const plan = planResize(97, 61, pre.resize);
    const fused = new Float32Array(3 * 64 * 64);
    writeImageTensor(image, plan, pre, fused);
    const resized = resample(image.data, 97, 61, 3, plan.resizedWidth, plan.resizedHeight, { filter: 'bilinear', antialias: false, clampTo8Bit: true });
    let worst = 0;
    for (let y = 0; y < plan.resizedHeight; y++) {
      for (let x = 0; x < plan.resizedWidth; x++) {
        for (let k = 0; k < 3; k++) {
          const expected = resized[(y * plan.resizedWidth + x) * 3 + (2 - k)];
          const got = fused[k * 4096 + (y + plan.offsetY) * 64 + x + plan.offsetX];
          worst = Math.max(worst, Math.abs(got - expected));
        }
      }
    }
    // Both round to 8 bits; floating-point order may differ by one level at exact halves.
    assert.ok(worst <= 1, `largest difference ${worst}`);
    assert.equal(fused[0], 114);
  });

  it('the fused path matches the reference resample at the YOLOX size, centre-cropped, in both layouts, frame after frame', () => {
    // Texture with hard edges everywhere (a hash of the pixel), where rounding differences would show.
    const textured = (seed: number) => paintedImage(640, 480, (x, y) => {
      const h = Math.imul(x * 73856093 ^ y * 19349663 ^ seed, 2654435761) >>> 0;
      return [h & 255, (h >>> 8) & 255, (h >>> 16) & 255];
    });
    const cases: { pre: Preprocess; canvas: number }[] = [
      { pre: { ...yoloxLike, resize: { mode: 'letterbox', width: 416, height: 416, align: 'top-left', rounding: 'floor' } }, canvas: 416 },
      {
        pre: { ...yoloxLike, resize: { mode: 'shortest-edge-crop', shortestEdge: 224, crop: 224 }, channelOrder: 'rgb', layout: 'nhwc', rescale: 1 / 255, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
        canvas: 224,
      },
    ];
    for (const { pre, canvas } of cases) {
      const plan = planResize(640, 480, pre.resize);
      const out = new Float32Array(3 * canvas * canvas);
      // The second frame reuses the cached tables and row buffer of the first.
      for (const seed of [1, 2]) {
        const image = textured(seed);
        writeImageTensor(image, plan, pre, out);
        const resized = resample(image.data, 640, 480, 3, plan.resizedWidth, plan.resizedHeight, { filter: 'bilinear', antialias: false, clampTo8Bit: true });
        const src = pre.channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0];
        let worst = 0;
        let total = 0;
        let count = 0;
        for (let y = Math.max(0, plan.offsetY); y < Math.min(canvas, plan.offsetY + plan.resizedHeight); y++) {
          for (let x = Math.max(0, plan.offsetX); x < Math.min(canvas, plan.offsetX + plan.resizedWidth); x++) {
            for (let k = 0; k < 3; k++) {
              const c = src[k];
              const expected = resized[((y - plan.offsetY) * plan.resizedWidth + x - plan.offsetX) * 3 + c];
              const at = pre.layout === 'nchw' ? k * canvas * canvas + y * canvas + x : (y * canvas + x) * 3 + k;
              const got = (out[at] * pre.std[c] + pre.mean[c]) / pre.rescale;
              const diff = Math.abs(got - expected);
              worst = Math.max(worst, diff);
              total += diff;
              count++;
            }
          }
        }
        // Fixed-point (OpenCV) against floating-point weights: at most one grey level, and rarely that.
        assert.ok(worst <= 1 + 1e-3, `${pre.resize.mode}: largest difference ${worst}`);
        assert.ok(total / count < 0.1, `${pre.resize.mode}: mean difference ${total / count}`);
      }
    }
  });
});

describe('WebAssembly SIMD bilinear kernel', () => {
  it('is the binary its .wat source compiles to', async () => {
    const { compileWat } = await import('./wasm/build.js');
    const committed = new Uint8Array(await readFile(new URL('./wasm/bilinear.wasm', import.meta.url)));
    assert.deepEqual(committed, await compileWat('bilinear.wat'), 'run node --import tsx packages/vision/src/wasm/build.ts');
  });

  it('writes the same bits as the JS path, over random sizes, plans, layouts, orders and normalisations', () => {
    assert.ok(bilinearKernel(), 'Node 20 has WebAssembly SIMD, so the kernel must load here');
    // Deterministic pseudo-random numbers (mulberry32), so a failure reproduces.
    let state = 0x5eed;
    const random = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const size = (max: number) => 1 + Math.floor(random() * max);
    const specs = (): ResizeSpec[] => [
      { mode: 'letterbox', width: size(300), height: size(300), align: random() < 0.5 ? 'top-left' : 'center', rounding: 'floor' },
      { mode: 'shortest-edge-crop', shortestEdge: size(200), crop: size(200) },
      { mode: 'stretch', width: size(300), height: size(300) },
    ];
    for (let trial = 0; trial < 40; trial++) {
      const width = size(400);
      const height = size(400);
      const image = paintedImage(width, height, () => [Math.floor(random() * 256), Math.floor(random() * 256), Math.floor(random() * 256)]);
      const identity = random() < 0.5;
      const pre: Preprocess = {
        resize: specs()[trial % 3],
        filter: 'bilinear',
        antialias: false,
        channelOrder: random() < 0.5 ? 'rgb' : 'bgr',
        layout: random() < 0.5 ? 'nchw' : 'nhwc',
        rescale: identity ? 1 : 1 / 255,
        mean: identity ? [0, 0, 0] : [random(), random(), random()],
        std: identity ? [1, 1, 1] : [0.1 + random(), 0.1 + random(), 0.1 + random()],
        padValue: [114, 114, 114],
      };
      const plan = planResize(width, height, pre.resize);
      const floats = plan.canvasWidth * plan.canvasHeight * 3;
      // Batch index 1 of 2: the kernel's region must land at its place in the batch and nowhere else.
      const js = new Float32Array(2 * floats).fill(-1);
      const wasm = new Float32Array(2 * floats).fill(-1);
      writeImageTensor(image, plan, pre, js, 1, 'js');
      writeImageTensor(image, plan, pre, wasm, 1, 'wasm');
      const first = js.findIndex((v, i) => !Object.is(v, wasm[i]));
      assert.equal(first, -1, `${width}×${height} ${JSON.stringify(pre.resize)} ${pre.layout} ${pre.channelOrder}: differs at ${first}`);
    }
  });
});

describe('PreprocessPool', () => {
  it('prepares SIMD-kernel images on the calling thread and the rest on its worker, as writeImageTensor does', async () => {
    const pool = new PreprocessPool();
    try {
      const images = [1, 2].map((seed) => paintedImage(120, 90, (x, y) => [(x * seed) & 255, (y * 3 + seed) & 255, (x ^ y) & 255]));
      const bilinear: Preprocess = {
        resize: { mode: 'letterbox', width: 64, height: 64, align: 'center', rounding: 'floor' },
        filter: 'bilinear', antialias: false, channelOrder: 'bgr', layout: 'nchw', rescale: 1, mean: [0, 0, 0], std: [1, 1, 1], padValue: [114, 114, 114],
      };
      // Bicubic with antialiasing has no SIMD kernel: the worker thread does it.
      const bicubic: Preprocess = { ...bilinear, filter: 'bicubic', antialias: true };
      for (const pre of [bilinear, bicubic]) {
        for (let round = 0; round < 2; round++) {
          const batch = await pool.prepare(images, pre);
          const plan = planResize(120, 90, pre.resize);
          const expected = new Float32Array(batch.data.length);
          images.forEach((img, b) => writeImageTensor(img, plan, pre, expected, b));
          assert.deepEqual(batch.shape, [2, 3, 64, 64]);
          assert.deepEqual(batch.data, expected, `${pre.filter}, round ${round}`);
          pool.release(batch);
        }
      }
    } finally {
      await pool.close();
    }
  });
});
