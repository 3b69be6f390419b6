/**
 * Issue 15, Done-when 3, the export side of `--refer regions`: an image with three chairs, a table with
 * masks and a lamp given as a box. QA records naming `<regionN>` are built here (the QA engine's
 * region templates are tested in packages/qa); the export stage runs on a real local store holding the
 * ingest, lift and synthesize outputs, and every format carries each named region with its box and its
 * mask, decoded by an independent COCO RLE decoder in Python and compared with the painted truth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DatasetInfo, QARecord, QARegion, SceneGraph } from '@spatialforge/core';
import { resolveRunOptions, stageRegistry, storeKeys, type IngestedFrame, type RunStageContext, type RunStageHandler } from '@spatialforge/pipeline';
import { sceneFromBoxes } from '@spatialforge/qa';
import { openStore, putJson } from '@spatialforge/storage';

const WIDTH = 96;
const HEIGHT = 72;
const IMAGE_ID = 'a1b2c3d4e5f60718';
const DIGEST = 'test-digest';

/** The painted truth: each masked object's pixels (row-major indices) and its value in the label PNG. */
const MASKED = [
  { id: 'chair-0', label: 'chair', value: 1, x: [4, 20], y: [30, 60] },
  { id: 'chair-1', label: 'chair', value: 2, x: [30, 44], y: [28, 62] },
  { id: 'chair-2', label: 'chair', value: 3, x: [52, 63], y: [33, 58] },
  { id: 'table-0', label: 'table', value: 4, x: [66, 92], y: [40, 70] },
] as const;

function labelMask(): Uint8Array {
  const values = new Uint8Array(WIDTH * HEIGHT);
  for (const object of MASKED) {
    for (let y = object.y[0]; y < object.y[1]; y++) {
      for (let x = object.x[0]; x < object.x[1]; x++) {
        // A notch in each shape so a transposed (row-major) RLE would not decode to the same pixels.
        if (x === object.x[0] && y < object.y[0] + 5) continue;
        values[y * WIDTH + x] = object.value;
      }
    }
  }
  return values;
}

/** COCO compressed RLE → row-major 0/1 string, written from the COCO definition (maskApi.c rleFrString, column-major). */
const PYTHON_RLE_DECODER = String.raw`
import json, sys
def decode(rle):
    h, w = rle["size"]
    s, counts, p = rle["counts"], [], 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1f) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    column_major, value = [], 0
    for n in counts:
        column_major.extend([value] * n)
        value = 1 - value
    assert len(column_major) == h * w, (len(column_major), h, w)
    return "".join(str(column_major[x * h + y]) for y in range(h) for x in range(w))
print(json.dumps({key: decode(rle) for key, rle in json.load(sys.stdin).items()}))
`;

function record(n: number, question: string, answer: string, regions: QARegion[]): QARecord {
  return {
    id: `qa-${n}`,
    imageId: IMAGE_ID,
    type: 'left_of',
    category: 'qualitative',
    question,
    answer,
    fact: { predicate: 'left_of', objects: regions.map((r) => r.id), value: true },
    regions,
  };
}

test('--refer regions: every region a question names is in its record with its box and mask, in every format', async () => {
  const root = await mkdtemp(join(tmpdir(), 'sf-export-regions-'));
  try {
    const store = openStore(join(root, 'store'));
    const imageKey = storeKeys.image(IMAGE_ID, 'jpg');
    await store.put(imageKey, await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: 120, g: 110, b: 100 } } }).jpeg().toBuffer());
    const maskKey = storeKeys.stageArtefact('ingest', DIGEST, IMAGE_ID, 'masks.png');
    const values = labelMask();
    await store.put(maskKey, await sharp(Buffer.from(values), { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).png().toBuffer());
    const lampBox: [number, number, number, number] = [10, 2, 24, 20];
    const frame: IngestedFrame = {
      imageId: IMAGE_ID, input: 'room.json', width: WIDTH, height: HEIGHT, image: imageKey,
      objects: [...MASKED.map((o) => ({ id: o.id, label: o.label, mask: maskKey, maskValue: o.value })), { id: 'lamp-0', label: 'lamp', box: lampBox }],
    };
    const scene: SceneGraph = sceneFromBoxes([
      { id: 'chair-0', label: 'chair', centre: [-0.8, 2.5, 0.45], size: [0.45, 0.45, 0.9] },
      { id: 'chair-1', label: 'chair', centre: [-0.1, 2.4, 0.45], size: [0.45, 0.45, 0.9] },
      { id: 'chair-2', label: 'chair', centre: [0.5, 2.8, 0.45], size: [0.45, 0.45, 0.9] },
      { id: 'table-0', label: 'table', centre: [1.2, 2.9, 0.37], size: [1.0, 0.6, 0.74] },
      { id: 'lamp-0', label: 'lamp', centre: [-0.9, 3.5, 1.6], size: [0.3, 0.3, 0.5] },
    ], { imageId: IMAGE_ID, width: WIDTH, height: HEIGHT });
    const box = (id: string) => scene.objects.find((o) => o.id === id)!.box2d;
    const region = (n: number, id: string): QARegion => ({ region: n, id, box: box(id) });
    const qa = [
      record(1, 'Is <region0> to the left of <region1>?', 'Yes, <region0> is to the left of <region1>.', [region(0, 'chair-0'), region(1, 'chair-1')]),
      record(2, 'Which is closer to the camera, <region1> or <region2>?', '<region1> is closer.', [region(1, 'chair-1'), region(2, 'chair-2')]),
      record(3, 'How far is <region2> from <region3>?', '<region2> is about 70 centimeters from <region3>.', [region(2, 'chair-2'), region(3, 'table-0')]),
      record(4, 'Is <region4> above <region0>?', 'Yes.', [region(4, 'lamp-0'), region(0, 'chair-0')]),
    ];

    const runId = 'run-regions';
    const options = resolveRunOptions({ stages: ['ingest', 'lift', 'synthesize', 'export'], formats: ['parquet', 'jsonl', 'llava', 'messages', 'webdataset'], qa: { refer: 'regions' } as never });
    const outputKey = (stage: string, imageId: string) => storeKeys.stageOutput(stage as 'lift', DIGEST, imageId);
    await putJson(store, outputKey('ingest', IMAGE_ID), frame);
    await putJson(store, outputKey('lift', IMAGE_ID), scene);
    await putJson(store, outputKey('synthesize', IMAGE_ID), qa);
    const handler = (await stageRegistry.handler('export')) as RunStageHandler;
    const ctx: RunStageContext = { runId, options, store, completedImages: async () => [IMAGE_ID], outputKey, progress: async () => undefined };
    const info: DatasetInfo = await handler.run(ctx);
    assert.deepEqual(info.formats, options.formats);
    const file = async (path: string) => readFile(store.localPath(storeKeys.datasetFile(runId, path))!, 'utf8');

    // JSONL: each record carries the regions it names, with their masks.
    type Region = QARegion & { mask: { size: [number, number]; counts: string } | null };
    const lines = (await file('qa.jsonl')).trimEnd().split('\n').map((l) => JSON.parse(l) as Omit<QARecord, 'regions'> & { regions: Region[] });
    assert.equal(lines.length, qa.length);
    const masks: Record<string, Region['mask']> = {};
    for (const line of lines) {
      const named = [...`${line.question} ${line.answer}`.matchAll(/<region(\d+)>/g)].map((m) => Number(m[1]));
      assert.ok(named.length > 0);
      assert.doesNotMatch(line.question, /\b(chair|table|lamp)\b/, 'questions name regions only');
      for (const n of named) {
        const found = line.regions.find((r) => r.region === n);
        assert.ok(found, `${line.id}: <region${n}> is in its regions`);
        assert.deepEqual(found.box, box(found.id), `${line.id}: <region${n}> has its object's box`);
        masks[found.id] = found.mask;
      }
    }
    assert.deepEqual(Object.keys(masks).sort(), ['chair-0', 'chair-1', 'chair-2', 'lamp-0', 'table-0']);
    assert.equal(masks['lamp-0'], null, 'a box-only object has no mask');

    const withMask = Object.fromEntries(Object.entries(masks).filter(([, m]) => m !== null));
    const decoded = JSON.parse(execFileSync('python3', ['-c', PYTHON_RLE_DECODER], { input: JSON.stringify(withMask), encoding: 'utf8' })) as Record<string, string>;
    for (const object of MASKED) {
      assert.deepEqual(masks[object.id]!.size, [HEIGHT, WIDTH]);
      const truth = Array.from(values, (v) => (v === object.value ? '1' : '0')).join('');
      assert.equal(decoded[object.id], truth, `${object.id}: the decoded mask is the painted one`);
    }

    // The per-image formats carry the image's regions once each, by region number.
    const imageRegions = [0, 1, 2, 3, 4].map((n) => {
      const id = ['chair-0', 'chair-1', 'chair-2', 'table-0', 'lamp-0'][n]!;
      return { region: n, id, box: box(id), mask: masks[id] };
    });
    const llava = JSON.parse(await file('llava.json')) as { regions: Region[] }[];
    assert.deepEqual(llava[0].regions, imageRegions);
    assert.deepEqual((JSON.parse((await file('messages.jsonl')).trim()) as { regions: Region[] }).regions, imageRegions);
    const tar = store.localPath(storeKeys.datasetFile(runId, 'webdataset/train-000000.tar'))!;
    const sample = JSON.parse(execFileSync('tar', ['-xOf', tar, `${IMAGE_ID}.json`], { encoding: 'utf8' })) as { regions: Region[]; qa: QARecord[] };
    assert.deepEqual(sample.regions, imageRegions);
    assert.deepEqual(sample.qa, qa);

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const parquet = store.localPath(storeKeys.datasetFile(runId, 'data/train-00000-of-00001.parquet'))!.replaceAll("'", "''");
      const rows = (await connection.runAndReadAll(`SELECT to_json(regions)::VARCHAR AS regions FROM read_parquet('${parquet}')`)).getRowObjectsJS();
      assert.deepEqual(JSON.parse(rows[0]!.regions as string), imageRegions, 'Parquet: the regions column');
    } finally {
      connection.closeSync();
      instance.closeSync();
    }

    const card = await file('README.md');
    assert.match(card, /objects are named as `<regionN>` \(`--refer regions`, SpatialRGPT's format\): 5 regions over 1 images, 4 of them with a mask/);
    assert.match(card, /COCO compressed RLE/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
