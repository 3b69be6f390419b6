/**
 * The model registry: every model spatialforge knows, by name. Each model is one JSON document in
 * packages/vision/models/<name>.json (a ModelManifest: files with their digests and URLs, graphs,
 * preprocessing, postprocessing, and `notes` on where those come from), read here by one loader and
 * checked at start, so a model is added or corrected by editing data, not code.
 *
 * A file's `sha256` is the published digest when the host publishes one; a file without it is pinned
 * at first pull (trust on first use, in the model folder's pins.json) and checked against that pin after.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { ConfigError } from '@spatialforge/core';
import type { ModelManifest, ModelTask } from '../manifest.js';
import { COCO_CLASSES, VOC_CLASSES } from './labels.js';

const MANIFEST_DIR = new URL('../../models/', import.meta.url);

/** Label sets a manifest names in `labels` (class names in the model's output order). */
const LABEL_SETS: Record<string, readonly string[]> = { coco: COCO_CLASSES, voc: VOC_CLASSES };

const TASKS: readonly ModelTask[] = ['detect', 'segment', 'depth', 'filter'];

/** Parses and checks one manifest document; a malformed one is a ConfigError naming the file and the field. */
export function parseManifest(text: string, file: string): ModelManifest {
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(`model manifest ${file}: ${field} ${problem}`);
  };
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    return fail('(document)', `is not valid JSON (${(err as Error).message})`);
  }
  for (const field of ['name', 'architecture', 'description', 'licence', 'homepage'] as const) {
    if (typeof doc[field] !== 'string' || !doc[field]) fail(field, 'must be a non-empty string');
  }
  if (`${doc.name as string}.json` !== file) fail('name', `must match the file name (${file})`);
  if (!TASKS.includes(doc.task as ModelTask)) fail('task', `must be one of ${TASKS.join(', ')}`);
  if (!Array.isArray(doc.files) || doc.files.length === 0) fail('files', 'must list the model’s files');
  (doc.files as Record<string, unknown>[]).forEach((f, i) => {
    if (typeof f.name !== 'string' || !f.name) fail(`files[${i}].name`, 'must be a file name');
    if (f.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(String(f.sha256))) fail(`files[${i}].sha256`, 'must be 64 lower-case hex digits');
    if (!Array.isArray(f.urls)) fail(`files[${i}].urls`, 'must be a list of download URLs (empty when the files must be exported)');
  });
  const graphs = doc.graphs as Record<string, { file?: unknown }> | undefined;
  if (!graphs || typeof graphs !== 'object' || Object.keys(graphs).length === 0) fail('graphs', 'must name at least one ONNX graph');
  for (const [role, graph] of Object.entries(graphs!)) {
    if (!(doc.files as { name: string }[]).some((f) => f.name === graph.file)) fail(`graphs.${role}.file`, 'must be one of the files');
  }
  if (typeof doc.preprocess !== 'object' || doc.preprocess === null) fail('preprocess', 'must be an object');
  if (typeof doc.postprocess !== 'object' || doc.postprocess === null) fail('postprocess', 'must be an object');
  if (doc.labels !== undefined && !(typeof doc.labels === 'string' && doc.labels in LABEL_SETS)) {
    fail('labels', `must name a label set: ${Object.keys(LABEL_SETS).join(', ')}`);
  }
  const { labels, ...rest } = doc;
  return { ...(rest as unknown as ModelManifest), ...(labels ? { labels: LABEL_SETS[labels as string] } : {}) };
}

/** Every manifest in packages/vision/models, by task (detect, segment, depth, filter) then name. */
function loadManifests(): ModelManifest[] {
  const files = readdirSync(MANIFEST_DIR).filter((f) => f.endsWith('.json'));
  const manifests = files.map((file) => parseManifest(readFileSync(new URL(file, MANIFEST_DIR), 'utf8'), file));
  return manifests.sort((a, b) => TASKS.indexOf(a.task) - TASKS.indexOf(b.task) || a.name.localeCompare(b.name));
}

export const MODELS: readonly ModelManifest[] = loadManifests();

export function listManifests(task?: ModelTask): ModelManifest[] {
  return MODELS.filter((m) => task === undefined || m.task === task);
}

export function getManifest(name: string): ModelManifest {
  const manifest = MODELS.find((m) => m.name === name);
  if (!manifest) {
    throw new ConfigError(`unknown model "${name}": known models are ${MODELS.map((m) => m.name).join(', ')}`);
  }
  return manifest;
}

// The models by name, for code and tests that refer to one directly.
export const yoloxNano = getManifest('yolox-nano');
export const owlv2Base = getManifest('owlv2-base');
export const owlvitBase = getManifest('owlvit-base');
export const groundingDinoTiny = getManifest('grounding-dino-tiny');
export const deeplabV3MobilenetVoc = getManifest('deeplabv3-mobilenet-voc');
export const slimsam77 = getManifest('slimsam-77');
export const depthAnythingV2MetricIndoorSmall = getManifest('depth-anything-v2-metric-indoor-small');
export const depthAnythingV2MetricOutdoorSmall = getManifest('depth-anything-v2-metric-outdoor-small');
export const depthPro = getManifest('depthpro');
export const metric3dVitSmall = getManifest('metric3d-v2-vit-small');
export const clipVitB32 = getManifest('clip-vit-b32');

export { COCO_CLASSES, VOC_CLASSES } from './labels.js';
