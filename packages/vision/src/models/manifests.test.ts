/**
 * The model manifests are data: one JSON document per model in packages/vision/models, read by one
 * loader that refuses a malformed document naming the file and the field.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError } from '@spatialforge/core';
import { COCO_CLASSES, MODELS, parseManifest } from './index.js';

const dir = new URL('../../models/', import.meta.url);

test('every document in packages/vision/models is a model, under its own name', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(MODELS.map((m) => `${m.name}.json`).sort(), files);
  for (const model of MODELS) {
    for (const graph of Object.values(model.graphs)) assert.ok(model.files.some((f) => f.name === graph.file), `${model.name}: ${graph.file}`);
    assert.ok(model.files.every((f) => f.sha256 !== undefined || f.urls.length > 0 || model.exportHint), `${model.name}: each file has a digest, a URL or an export hint`);
  }
  assert.equal(MODELS.find((m) => m.name === 'yolox-nano')!.labels, COCO_CLASSES, 'a label set named in the document resolves to its classes');
});

test('a malformed document is refused naming the file and the field', () => {
  const yolox = JSON.parse(readFileSync(new URL('yolox-nano.json', dir), 'utf8')) as Record<string, unknown>;
  const refused = (doc: unknown, file: string, field: RegExp) =>
    assert.throws(() => parseManifest(typeof doc === 'string' ? doc : JSON.stringify(doc), file), (err: unknown) =>
      err instanceof ConfigError && err.message.includes(file) && field.test(err.message));
  refused('{ "name": ', 'yolox-nano.json', /not valid JSON/);
  refused(yolox, 'other.json', /name must match the file name/);
  refused({ ...yolox, task: 'classify' }, 'yolox-nano.json', /task must be one of/);
  refused({ ...yolox, files: [{ name: 'yolox_nano.onnx', sha256: 'abc', urls: [] }] }, 'yolox-nano.json', /files\[0\]\.sha256 must be 64/);
  refused({ ...yolox, graphs: { model: { file: 'other.onnx', inputs: [], outputs: [] } } }, 'yolox-nano.json', /graphs\.model\.file must be one of the files/);
  refused({ ...yolox, labels: 'imagenet' }, 'yolox-nano.json', /labels must name a label set/);
});
