/**
 * Adapters checked end to end through ONNX Runtime on small graphs that have the public exports' exact
 * input and output names, types and shapes, and whose outputs are known functions of their inputs
 * (a pixel read back, a token looked up, a box turned into a mask, a depth ramp). Each expectation is
 * computed from the reference processors' formulas, not from the adapter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Box2D } from '@spatialforge/core';
import { createDepthEstimator, createDetector, createSceneFilter, createSegmenter } from '../factory.js';
import type { ModelManifest } from '../manifest.js';
import {
  clipVitB32, depthAnythingV2MetricIndoorSmall, depthPro, groundingDinoTiny, metric3dVitSmall, owlv2Base, owlvitBase, slimsam77, yoloxNano,
} from '../models/index.js';
import { CLIP_MEAN, CLIP_STD, IMAGENET_MEAN, IMAGENET_STD } from '../models/hub.js';
import { COCO_CLASSES } from '../models/labels.js';
import { loadModel, releaseModels } from '../runtime.js';
import { installModel, paintedImage, solidImage, tempDir } from '../testing/fixtures.js';
import { OnnxGraph } from '../testing/onnx-graph.js';
import type { Detection } from '../types.js';

const FLOAT = 1;
const INT64 = 7;
let cache: { path: string; remove(): Promise<void> };

before(async () => {
  cache = await tempDir();
});
after(async () => {
  await releaseModels();
  await cache.remove();
});

function assertBox(actual: Box2D, expected: Box2D, tolerance: number, what: string): void {
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tolerance, `${what}: got [${actual.map((x) => x.toFixed(2))}], expected [${expected}]`));
}

function byLabel(detections: Detection[]): Record<string, Detection[]> {
  const out: Record<string, Detection[]> = {};
  for (const d of detections) (out[d.label] ??= []).push(d);
  return out;
}

/** A CLIP-style byte-level BPE tokenizer.json with one token per lower-case letter (no merges). */
function letterTokenizer(): { json: string; id: (token: string) => number } {
  const vocab: Record<string, number> = { '!': 0 };
  for (const c of 'abcdefghijklmnopqrstuvwxyz') {
    vocab[c] = Object.keys(vocab).length;
    vocab[`${c}</w>`] = Object.keys(vocab).length;
  }
  const start = Object.keys(vocab).length;
  const added = [
    { id: start, content: '<|startoftext|>' },
    { id: start + 1, content: '<|endoftext|>' },
  ];
  const json = JSON.stringify({ model: { type: 'BPE', vocab, merges: [] }, added_tokens: added });
  const id = (token: string) => (token === '<|startoftext|>' ? start : token === '<|endoftext|>' ? start + 1 : vocab[token]);
  return { json, id };
}

/** The letter tokens CLIP-BPE gives a word with the tokenizer above: its letters, the last one ending "</w>". */
function letterTokens(word: string): string[] {
  const letters = [...word];
  return letters.map((c, i) => (i === letters.length - 1 ? `${c}</w>` : c));
}

describe('YOLOX adapter on a dynamic-batch graph', () => {
  it('letterboxes BGR with pad 114, decodes the grid, runs batches and keeps each image its own detections', async () => {
    const anchors = 3549;
    const row = 85;
    const C = new Float32Array(anchors * row);
    const M = new Float32Array(anchors * row);
    const cup = COCO_CLASSES.indexOf('cup');
    const chair = COCO_CLASSES.indexOf('chair');
    // Stride-8 cell (10, 20): objectness = mean of input channel 0 / 255 (channel 0 must be blue).
    const a = 20 * 52 + 10;
    C.set([0.5, 0.25, Math.log(4), Math.log(4)], a * row);
    M[a * row + 4] = 1;
    C[a * row + 5 + cup] = 1;
    // Its neighbour, same class, fixed objectness 0.5: suppressed by NMS whenever the first is kept.
    const b = a + 1;
    C.set([0, 0.25, Math.log(4), Math.log(4), 0.5], b * row);
    C[b * row + 5 + cup] = 1;
    // Stride-32 cell (3, 4): a chair, score 0.8 × 0.9.
    const c = 2704 + 676 + 4 * 13 + 3;
    C.set([0.5, 0.5, Math.log(2), Math.log(2), 0.8], c * row);
    C[c * row + 5 + chair] = 0.9;

    const g = new OnnxGraph();
    const images = g.input('images', 'float32', ['batch', 3, 416, 416]);
    const blue = g.op('Slice', [images, g.ints([0]), g.ints([1]), g.ints([1])]);
    const perImage = g.op('Reshape', [g.op('ReduceMean', [blue], { axes: [1, 2, 3], keepdims: 0 }), g.ints([-1, 1, 1])]);
    const level = g.op('Div', [perImage, g.floats([255], [])]);
    g.op('Add', [g.floats(C, [1, anchors, row]), g.op('Mul', [g.floats(M, [1, anchors, row]), level])], {}, 'output');
    g.output('output', 'float32', ['batch', anchors, row]);
    const manifest = await installModel(cache.path, { ...yoloxNano, name: 'yolox-batch-test', graphs: { model: { ...yoloxNano.graphs.model, inputs: [{ name: 'images', type: 'float32', shape: ['batch', 3, 416, 416] }], outputs: [{ name: 'output', type: 'float32', shape: ['batch', anchors, row] }] } } }, { 'yolox_nano.onnx': g.toBytes() });

    const loaded = await loadModel(manifest.name, { manifest, cacheDir: cache.path });
    assert.equal(loaded.graphs.model.dynamicBatch, true);
    const detector = await createDetector(manifest.name, { manifest, cacheDir: cache.path, maxBatch: 2 });
    // 832×624 images: r = 0.5, resized to 416×312, 104 rows of padding at value 114.
    const blues = [200, 100, 60];
    const results = await detector.detect(blues.map((v) => solidImage(832, 624, [30, 60, v])));
    assert.equal(results.length, 3);
    const cupBox: Box2D = [136, 292, 200, 356];
    const neighbourBox: Box2D = [144, 292, 208, 356];
    results.forEach((dets, i) => {
      const objectness = (312 * blues[i] + 104 * 114) / 416 / 255;
      const labels = byLabel(dets);
      assertBox(labels.chair[0].box, [160, 224, 288, 352], 1e-3, 'chair');
      assert.ok(Math.abs(labels.chair[0].score - 0.72) < 1e-6);
      assert.equal(labels.cup.length, 1, `image ${i}: one cup after NMS`);
      if (objectness >= 0.5) {
        assertBox(labels.cup[0].box, cupBox, 1e-3, `cup ${i}`);
        assert.ok(Math.abs(labels.cup[0].score - objectness) < 1e-4, `cup score ${labels.cup[0].score} vs ${objectness}`);
      } else {
        // The first anchor's objectness fell below the neighbour's 0.5 (or the 0.3 threshold): the neighbour wins.
        assertBox(labels.cup[0].box, neighbourBox, 1e-3, `neighbour cup ${i}`);
        assert.ok(Math.abs(labels.cup[0].score - 0.5) < 1e-6);
      }
    });
    const onlyChairs = await detector.detect([solidImage(832, 624, [30, 60, 200])], ['chair']);
    assert.deepEqual(onlyChairs[0].map((d) => d.label), ['chair']);
  });
});

/** An OWL-style graph: patch p's logit for a query is W[s_q, p], s_q = Σ T[token] over unmasked tokens. */
function owlGraph(manifest: ModelManifest, table: Float32Array, weights: Float32Array, boxes: Float32Array, probe: [number, number]): Uint8Array {
  const spec = manifest.graphs.model;
  const size = spec.inputs[1].shape[2] as number;
  const patches = spec.outputs[0].shape[1] as number;
  const g = new OnnxGraph();
  const ids = g.input('input_ids', 'int64', ['num_queries', 16]);
  const pixels = g.input('pixel_values', 'float32', ['batch', 3, size, size]);
  const mask = g.input('attention_mask', 'int64', ['num_queries', 16]);
  const perToken = g.op('Gather', [g.floats(table, [table.length]), ids], { axis: 0 });
  const counted = g.op('Mul', [perToken, g.op('Cast', [mask], { to: FLOAT })]);
  const score = g.op('Cast', [g.op('ReduceSum', [counted, g.ints([1])], { keepdims: 0 })], { to: INT64 });
  const perQuery = g.op('Gather', [g.floats(weights, [weights.length / patches, patches]), score], { axis: 0 });
  const logits = g.op('Unsqueeze', [g.op('Transpose', [perQuery], { perm: [1, 0] }), g.ints([0])]);
  const perImage = g.op('Reshape', [g.op('ReduceMean', [pixels], { axes: [1, 2, 3], keepdims: 0 }), g.ints([-1, 1, 1])]);
  g.op('Add', [logits, g.op('Mul', [perImage, g.floats([0], [])])], {}, 'logits');
  // Patch 2's centre x is the channel-0 pixel at `probe` (x, y) of the model input.
  const [px, py] = probe;
  const pixel = g.op('Reshape', [g.op('Slice', [pixels, g.ints([0, py, px]), g.ints([1, py + 1, px + 1]), g.ints([1, 2, 3])]), g.ints([-1, 1, 1])]);
  const select = new Float32Array(patches * 4);
  select[2 * 4] = 1;
  g.op('Add', [g.floats(boxes, [1, patches, 4]), g.op('Mul', [g.floats(select, [1, patches, 4]), pixel])], {}, 'pred_boxes');
  g.output('logits', 'float32', ['batch', patches, 'num_queries']);
  g.output('pred_boxes', 'float32', ['batch', patches, 4]);
  return g.toBytes();
}

describe('OWL adapters on graphs with the OWLv2 / OWL-ViT export signature', () => {
  for (const base of [owlv2Base, owlvitBase]) {
    it(`${base.name}: tokenises queries, reads boxes in the right frame, labels by the best query`, async () => {
      const tok = letterTokenizer();
      const patches = base.graphs.model.outputs[0].shape[1] as number;
      const size = base.graphs.model.inputs[1].shape[2] as number;
      const table = new Float32Array(Object.keys(JSON.parse(tok.json).model.vocab).length + 2);
      table[tok.id('t</w>')] = 1; // "cat" → s = 1
      table[tok.id('g</w>')] = 2; // "dog" → s = 2; "lamp" → s = 0
      const weights = new Float32Array(3 * patches).fill(-6);
      weights[1 * patches + 0] = 3; // patch 0: cat
      weights[2 * patches + 1] = 3; // patch 1: dog
      weights[1 * patches + 2] = 3; // patch 2: cat, at the probed pixel
      const boxes = new Float32Array(patches * 4);
      boxes.set([0.25, 0.25, 0.1, 0.1], 0);
      boxes.set([0.5, 0.3, 0.2, 0.1], 4);
      boxes.set([0, 0.6, 0.05, 0.05], 8);
      const probe: [number, number] = [size - 1, size - 1];
      const manifest = await installModel(cache.path, { ...base, name: `${base.name}-graph` }, {
        'model.onnx': owlGraph(base, table, weights, boxes, probe),
        'tokenizer.json': tok.json,
      });
      const detector = await createDetector(manifest.name, { manifest, cacheDir: cache.path, vocabulary: ['lamp'] });
      // Red 157 normalises to ≈ 0.5, keeping OWL-ViT's probed box inside the image.
      const image = solidImage(640, 480, [157, 100, 50]);
      const [dets] = await detector.detect([image], ['cat', 'dog', 'lamp']);
      const labels = byLabel(dets);
      assert.equal(labels.lamp, undefined);
      assert.equal(labels.dog.length, 1);
      assert.equal(labels.cat.length, 2);
      const sig3 = 1 / (1 + Math.exp(-3));
      for (const d of dets) assert.ok(Math.abs(d.score - sig3) < 1e-5);
      // Box (cx, cy, w, h) relative to the model input → image pixels.
      const toImage = (b: number[], probeValue: number): Box2D => {
        const cx = (b[0] + probeValue) * size;
        const [cy, w, h] = [b[1] * size, b[2] * size, b[3] * size];
        if (base.architecture === 'owlv2') {
          const r = size / 640; // letterbox: the padded square is 640 × 640 image pixels
          return [(cx - w / 2) / r, (cy - h / 2) / r, (cx + w / 2) / r, (cy + h / 2) / r];
        }
        return [((cx - w / 2) / size) * 640, ((cy - h / 2) / size) * 480, ((cx + w / 2) / size) * 640, ((cy + h / 2) / size) * 480];
      };
      // OWLv2 pads bottom-right with grey 0.5; OWL-ViT stretches, so the probe reads the image's red channel.
      const probeValue = base.architecture === 'owlv2' ? (0.5 - CLIP_MEAN[0]) / CLIP_STD[0] : (157 / 255 - CLIP_MEAN[0]) / CLIP_STD[0];
      assertBox(labels.dog[0].box, toImage([0.5, 0.3, 0.2, 0.1], 0), 1e-2, 'dog');
      const cats = labels.cat.sort((p, q) => p.box[1] - q.box[1]);
      assertBox(cats[0].box, toImage([0.25, 0.25, 0.1, 0.1], 0), 1e-2, 'cat');
      assertBox(cats[1].box, toImage([0, 0.6, 0.05, 0.05], probeValue), 0.05, 'probed cat');
      // No vocabulary: the detector's default one ("lamp") finds nothing.
      assert.deepEqual(await detector.detect([image]), [[]]);
    });
  }
});

describe('Grounding DINO adapter on a graph with the export signature', () => {
  it('builds "chair . dining table . lamp ." and labels boxes by their best phrase token', async () => {
    const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '.', 'chair', 'dining', 'table', 'lamp', '##s', 'a'];
    const vocab = Object.fromEntries(words.map((w, i) => [w, i]));
    const tokenizer = JSON.stringify({ model: { type: 'WordPiece', vocab, unk_token: '[UNK]', continuing_subword_prefix: '##' } });
    const queries = 900;
    // Logit of (query, token id): table[token][query].
    const table = new Float32Array(words.length * queries).fill(-6);
    const set = (token: string, query: number, logit: number) => (table[vocab[token] * queries + query] = logit);
    set('chair', 0, 3);
    set('dining', 1, 0);
    set('table', 1, 2.5);
    set('lamp', 2, -1); // sigmoid 0.27: under the 0.35 box threshold
    set('[CLS]', 3, 5); // special tokens never make a label
    set('.', 3, 5);
    const boxes = new Float32Array(queries * 4);
    boxes.set([0, 0.5, 0.2, 0.2], 0);
    boxes.set([0.3, 0.3, 0.2, 0.2], 4);
    boxes.set([0.7, 0.7, 0.1, 0.1], 8);
    boxes.set([0.5, 0.5, 0.9, 0.9], 12);

    const g = new OnnxGraph();
    const pixels = g.input('pixel_values', 'float32', ['batch', 3, 'height', 'width']);
    const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
    g.input('token_type_ids', 'int64', ['batch', 'sequence']);
    g.input('attention_mask', 'int64', ['batch', 'sequence']);
    g.input('pixel_mask', 'int64', ['batch', 'height', 'width']);
    const perToken = g.op('Gather', [g.floats(table, [words.length, queries]), ids], { axis: 0 });
    const byQuery = g.op('Transpose', [perToken], { perm: [0, 2, 1] });
    const padded = g.op('Concat', [byQuery, g.floats(new Float32Array(queries * 256).fill(-1e4), [1, queries, 256])], { axis: 2 });
    g.op('Slice', [padded, g.ints([0]), g.ints([256]), g.ints([2])], {}, 'logits');
    // Query 0's centre x = (model input width) / 2000, so the resize is visible in the output.
    const width = g.op('Cast', [g.op('Gather', [g.op('Shape', [pixels]), g.ints([3])], { axis: 0 })], { to: FLOAT });
    const cx = g.op('Reshape', [g.op('Div', [width, g.floats([2000], [])]), g.ints([1, 1, 1])]);
    const select = new Float32Array(queries * 4);
    select[0] = 1;
    g.op('Add', [g.floats(boxes, [1, queries, 4]), g.op('Mul', [g.floats(select, [1, queries, 4]), cx])], {}, 'pred_boxes');
    g.output('logits', 'float32', ['batch', queries, 256]);
    g.output('pred_boxes', 'float32', ['batch', queries, 4]);

    const manifest = await installModel(cache.path, { ...groundingDinoTiny, name: 'gdino-graph' }, { 'model.onnx': g.toBytes(), 'tokenizer.json': tokenizer });
    const detector = await createDetector(manifest.name, { manifest, cacheDir: cache.path });
    const [dets] = await detector.detect([solidImage(640, 480, [90, 90, 90])], ['chair', 'Dining Table', 'lamp']);
    const labels = byLabel(dets);
    assert.deepEqual(Object.keys(labels).sort(), ['Dining Table', 'chair']);
    // 640×480 → shortest side 800 → 1066×800 (1066 < 1333).
    const cxChair = 1066 / 2000;
    assertBox(labels.chair[0].box, [(cxChair - 0.1) * 640, 0.4 * 480, (cxChair + 0.1) * 640, 0.6 * 480], 1e-2, 'chair');
    assert.ok(Math.abs(labels.chair[0].score - 1 / (1 + Math.exp(-3))) < 1e-5);
    assertBox(labels['Dining Table'][0].box, [0.2 * 640, 0.2 * 480, 0.4 * 640, 0.4 * 480], 1e-2, 'table');
    assert.ok(Math.abs(labels['Dining Table'][0].score - 1 / (1 + Math.exp(-2.5))) < 1e-5);
  });
});

describe('SAM adapter on encoder/decoder graphs with the SlimSAM export signature', () => {
  it('prompts with boxes in encoder pixels, keeps the best-IoU mask, upsamples, crops and thresholds it', async () => {
    const enc = new OnnxGraph();
    const pixels = enc.input('pixel_values', 'float32', ['batch', 3, 1024, 1024]);
    const level = enc.op('ReduceMean', [pixels], { axes: [1, 2, 3], keepdims: 1 });
    enc.op('Expand', [level, enc.ints([1, 256, 64, 64])], {}, 'image_embeddings');
    enc.op('Expand', [enc.op('Mul', [level, enc.floats([0], [])]), enc.ints([1, 256, 64, 64])], {}, 'image_positional_embeddings');
    enc.output('image_embeddings', 'float32', ['batch', 256, 64, 64]);
    enc.output('image_positional_embeddings', 'float32', ['batch', 256, 64, 64]);

    // Decoder: mask logit at 256×256 cell (i, j) = signed distance (1024-pixel units) inside the prompt box.
    const dec = new OnnxGraph();
    const prompt = dec.input('input_boxes', 'float32', ['batch', 'boxes', 4]);
    dec.input('image_embeddings', 'float32', ['batch', 256, 64, 64]);
    dec.input('image_positional_embeddings', 'float32', ['batch', 256, 64, 64]);
    const coord = (k: number) => dec.op('Unsqueeze', [dec.op('Slice', [prompt, dec.ints([k]), dec.ints([k + 1]), dec.ints([2])]), dec.ints([3, 4])]);
    const xs = new Float32Array(256 * 256);
    const ys = new Float32Array(256 * 256);
    for (let i = 0; i < 256; i++) for (let j = 0; j < 256; j++) [xs[i * 256 + j], ys[i * 256 + j]] = [(j + 0.5) * 4, (i + 0.5) * 4];
    const X = dec.floats(xs, [1, 1, 1, 256, 256]);
    const Y = dec.floats(ys, [1, 1, 1, 256, 256]);
    const inside = dec.op('Min', [
      dec.op('Sub', [X, coord(0)]),
      dec.op('Sub', [coord(2), X]),
      dec.op('Sub', [Y, coord(1)]),
      dec.op('Sub', [coord(3), Y]),
    ]);
    const wrong = dec.op('Sub', [inside, dec.floats([1000], [])]);
    dec.op('Concat', [wrong, inside, wrong], { axis: 2 }, 'pred_masks');
    const zero = dec.op('Mul', [dec.op('ReduceSum', [prompt, dec.ints([2])], { keepdims: 1 }), dec.floats([0], [])]);
    dec.op('Add', [dec.floats([0.1, 0.9, 0.2], [1, 1, 3]), zero], {}, 'iou_scores');
    dec.output('iou_scores', 'float32', ['batch', 'boxes', 3]);
    dec.output('pred_masks', 'float32', ['batch', 'boxes', 3, 256, 256]);

    const manifest = await installModel(cache.path, { ...slimsam77, name: 'sam-graph' }, {
      'vision_encoder.onnx': enc.toBytes(),
      'prompt_encoder_mask_decoder.onnx': dec.toBytes(),
    });
    const segmenter = await createSegmenter(manifest.name, { manifest, cacheDir: cache.path });
    const image = solidImage(640, 480, [120, 130, 140]);
    const boxes: Box2D[] = [[100, 50, 300, 250], [400, 300, 620, 470]];
    const masks = await segmenter.segment(image, boxes);
    assert.equal(masks.length, 2);
    masks.forEach((mask, k) => {
      const [x1, y1, x2, y2] = boxes[k];
      assert.equal(mask.length, 640 * 480);
      let wrong = 0;
      for (let y = 0; y < 480; y++) {
        for (let x = 0; x < 640; x++) {
          const cx = x + 0.5;
          const cy = y + 0.5;
          const margin = Math.min(cx - x1, x2 - cx, cy - y1, y2 - cy);
          if (Math.abs(margin) < 2) continue; // edge pixels depend on the upsampling kernel
          if (mask[y * 640 + x] !== (margin > 0 ? 1 : 0)) wrong++;
        }
      }
      assert.equal(wrong, 0, `box ${k}: ${wrong} pixels disagree with the box`);
    });
    assert.deepEqual(await segmenter.segment(image, []), []);
  });
});

/** Mean over channels of the normalised pixel, for a grey level g (0–255). */
function normalisedGrey(g: number, mean: number[], std: number[], rescale: number): number {
  return [0, 1, 2].reduce((s, c) => s + (g * rescale - mean[c]) / std[c], 0) / 3;
}

/** A depth graph: depth = a + b × (mean over channels of the input), shaped like `output`. */
function depthGraph(manifest: ModelManifest, a: number, b: number, focal?: number): Uint8Array {
  const spec = manifest.graphs.model;
  const g = new OnnxGraph();
  const pixels = g.input(spec.inputs[0].name, 'float32', spec.inputs[0].shape);
  const mean = g.op('ReduceMean', [pixels], { axes: [1], keepdims: 0 });
  g.op('Add', [g.floats([a], []), g.op('Mul', [mean, g.floats([b], [])])], {}, spec.outputs[0].name);
  g.output(spec.outputs[0].name, 'float32', spec.outputs[0].shape);
  if (focal !== undefined) {
    const zero = g.op('Mul', [g.op('ReduceMean', [pixels], { axes: [1, 2, 3], keepdims: 0 }), g.floats([0], [])]);
    g.op('Add', [g.floats([focal], [1]), zero], {}, spec.outputs[1].name);
    g.output(spec.outputs[1].name, 'float32', spec.outputs[1].shape);
  }
  return g.toBytes();
}

describe('depth adapters on graphs with the public exports’ signatures', () => {
  // A vertical ramp: grey level grows down the image, so the depth graphs return a known plane z(y).
  const ramp = (y: number) => Math.round(40 + (180 * y) / 479);
  const vertical = paintedImage(640, 480, (_x, y) => [ramp(y), ramp(y), ramp(y)]);
  // A horizontal ramp, to see a horizontal crop.
  const across = (x: number) => Math.round(30 + (200 * x) / 639);
  const horizontal = paintedImage(640, 480, (x) => [across(x), across(x), across(x)]);

  it('Depth Anything V2 metric: multiple-of-14 input, metres resized back to the image', async () => {
    const manifest = await installModel(cache.path, { ...depthAnythingV2MetricIndoorSmall, name: 'da-graph' }, { 'model.onnx': depthGraph(depthAnythingV2MetricIndoorSmall, 5, 2) });
    const estimator = await createDepthEstimator(manifest.name, { manifest, cacheDir: cache.path });
    const { depth, focalPx } = await estimator.estimate(vertical);
    assert.equal(focalPx, undefined);
    assert.deepEqual([depth.width, depth.height], [640, 480]);
    for (const y of [20, 120, 240, 360, 460]) {
      const expected = 5 + 2 * normalisedGrey(ramp(y), IMAGENET_MEAN, IMAGENET_STD, 1 / 255);
      for (const x of [5, 320, 635]) {
        assert.ok(Math.abs(depth.data[y * 640 + x] - expected) < 0.03, `(${x},${y}): ${depth.data[y * 640 + x]} vs ${expected}`);
      }
    }
  });

  it('DepthPro: 1536² input in [-1, 1], depth in metres and the focal length scaled to the image', async () => {
    const manifest = await installModel(cache.path, { ...depthPro, name: 'depthpro-graph' }, { 'model.onnx': depthGraph(depthPro, 3, 1, 1200), 'model.onnx_data': 'unused weights' });
    const estimator = await createDepthEstimator(manifest.name, { manifest, cacheDir: cache.path });
    const { depth, focalPx } = await estimator.estimate(vertical);
    assert.ok(Math.abs((focalPx as number) - (1200 * 640) / 1536) < 1e-3);
    for (const y of [20, 240, 460]) {
      const expected = 3 + normalisedGrey(ramp(y), [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], 1 / 255);
      assert.ok(Math.abs(depth.data[y * 640 + 100] - expected) < 0.02, `y=${y}: ${depth.data[y * 640 + 100]} vs ${expected}`);
    }
  });

  it('Metric3D v2: centred letterbox cropped off, canonical depth scaled by fx·scale/1000', async () => {
    const manifest = await installModel(cache.path, { ...metric3dVitSmall, name: 'metric3d-graph' }, { 'model.onnx': depthGraph(metric3dVitSmall, 10, 2) });
    const estimator = await createDepthEstimator(manifest.name, { manifest, cacheDir: cache.path });
    await assert.rejects(estimator.estimate(horizontal), /needs the image's focal length/);
    const fx = 500;
    const { depth } = await estimator.estimate(horizontal, { focalPx: fx });
    const scale = Math.min(616 / 480, 1064 / 640);
    for (const x of [3, 160, 320, 480, 636]) {
      const canonical = 10 + 2 * normalisedGrey(across(x), [123.675, 116.28, 103.53], [58.395, 57.12, 57.375], 1);
      const expected = (canonical * fx * scale) / 1000;
      assert.ok(Math.abs(depth.data[240 * 640 + x] - expected) < 0.02, `x=${x}: ${depth.data[240 * 640 + x]} vs ${expected}`);
    }
  });
});

describe('CLIP scene filter on graphs with the CLIP ViT-B/32 export signature', () => {
  it('centre-crops, normalises and keeps images closest to a positive prompt', async () => {
    const tok = letterTokenizer();
    const vocabSize = Object.keys(JSON.parse(tok.json).model.vocab).length + 2;
    const dims = 512;
    // Text: the sum of one-hot rows of the prompt's tokens.
    const oneHot = new Float32Array(vocabSize * dims);
    for (let t = 0; t < vocabSize; t++) oneHot[t * dims + t] = 1;
    const promptVector = (word: string) => {
      const v = new Float32Array(dims);
      for (const t of ['<|startoftext|>', ...letterTokens(word), '<|endoftext|>']) v[tok.id(t)] += 1;
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const text = new OnnxGraph();
    const ids = text.input('input_ids', 'int64', ['batch', 'sequence']);
    // The prompts are padded with <|endoftext|>; weight rows so padding adds nothing.
    const rows = oneHot.slice();
    rows.fill(0, tok.id('<|endoftext|>') * dims, (tok.id('<|endoftext|>') + 1) * dims);
    const gathered = text.op('Gather', [text.floats(rows, [vocabSize, dims]), ids], { axis: 0 });
    const summed = text.op('ReduceSum', [gathered, text.ints([1])], { keepdims: 0 });
    // Add the one <|endoftext|> a prompt has, whatever its padding.
    const end = new Float32Array(dims);
    end[tok.id('<|endoftext|>')] = 1;
    text.op('Add', [summed, text.floats(end, [1, dims])], {}, 'text_embeds');
    text.output('text_embeds', 'float32', ['batch', dims]);

    // Image: mean normalised colour → red towards "cat", blue towards "bus" (prompts with no letter in common).
    const vision = new OnnxGraph();
    const pixels = vision.input('pixel_values', 'float32', ['batch', 3, 224, 224]);
    const colour = vision.op('ReduceMean', [pixels], { axes: [2, 3], keepdims: 0 });
    const project = new Float32Array(3 * dims);
    project.set(promptVector('cat'), 0);
    project.set(promptVector('bus'), 2 * dims);
    vision.op('MatMul', [colour, vision.floats(project, [3, dims])], {}, 'image_embeds');
    vision.output('image_embeds', 'float32', ['batch', dims]);

    const manifest = await installModel(cache.path, { ...clipVitB32, name: 'clip-graph' }, {
      'vision_model.onnx': vision.toBytes(),
      'text_model.onnx': text.toBytes(),
      'tokenizer.json': tok.json,
    });
    const filter = await createSceneFilter(manifest.name, {
      manifest,
      cacheDir: cache.path,
      filter: { positive: ['cat', 'dog'], negative: ['bus', 'fly'], threshold: 0.5 },
    });
    const red: [number, number, number] = [255, 0, 0];
    const blue: [number, number, number] = [0, 0, 255];
    // Red centre, blue sides: only a centre crop sees red alone.
    const landscape = paintedImage(448, 224, (x) => (x >= 112 && x < 336 ? red : blue));
    const portrait = paintedImage(224, 448, (_x, y) => (y >= 112 && y < 336 ? red : blue));
    for (const image of [landscape, portrait, solidImage(300, 300, red)]) {
      const result = await filter.classify(image);
      assert.equal(result.best, 'cat');
      assert.equal(result.keep, true);
      assert.ok(result.score > 0.99, `score ${result.score}`);
    }
    const rejected = await filter.classify(solidImage(640, 480, blue));
    assert.equal(rejected.best, 'bus');
    assert.equal(rejected.keep, false);
    assert.ok(rejected.score < 0.01);
  });
});
