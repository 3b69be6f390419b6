/**
 * What `spatialforge eval --dataset PATH` and `spatialforge benchmark --dataset PATH` read.
 *
 * A QA folder: `qa.jsonl` (one QARecord a line) and the images, found in this order:
 *   1. `images/<imageId>.{png,jpg,jpeg,webp}` — the layout `spatialforge benchmark` writes;
 *   2. `data/*.parquet` shards with an `image` struct `{bytes, path}` column and an image id column
 *      (`image_id` or `imageId`) — the Hugging Face layout the export stage writes.
 * Object names (id → "the red chair", needed to score choice answers) come from a `names` field on
 * the record (benchmark folders), else from `scenes.jsonl` / `scene.json` scene graphs beside it,
 * else are read back from the question text (see `namesFromQuestion`).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { InputError, type QARecord, type SceneGraph } from '@spatialforge/core';
import type { EvalItem } from './scoring.js';

export interface EvalDataset {
  /** Where it was loaded from, for reports. */
  source: string;
  items: EvalItem[];
  /** Bytes of an image (PNG, JPEG or WebP) by image id. */
  image(imageId: string): Promise<Uint8Array>;
}

/** A benchmark record: a QARecord that also carries the names its question uses for its objects. */
export type BenchmarkRecord = QARecord & { names: Record<string, string> };

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export function parseQaJsonl(text: string, source: string): (QARecord & { names?: Record<string, string> })[] {
  return text
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim())
    .map(({ line, i }) => {
      let record: QARecord & { names?: Record<string, string> };
      try {
        record = JSON.parse(line);
      } catch {
        throw new InputError(`${source} line ${i + 1} is not JSON`, 'qa-jsonl-invalid', source, `line ${i + 1}`);
      }
      for (const field of ['id', 'imageId', 'type', 'category', 'question', 'answer', 'fact'] as const) {
        if (record[field] === undefined) throw new InputError(`${source} line ${i + 1} has no ${field}`, 'qa-record-invalid', source, field);
      }
      return record;
    });
}

/**
 * Names read back from a question when no scene graph is at hand: each object of the fact is
 * matched, in order, to a "the <words>" phrase of the question ("Which is closer, the red chair or
 * the table?" → o1: "the red chair", o2: "the table"). Questions name objects in the fact's order.
 */
export function namesFromQuestion(record: QARecord): Record<string, string> {
  const phrases = [...record.question.matchAll(/\bthe ((?:[a-z]+ ){0,2}?[a-z]+)(?=\s*(?:,|\?|\.|and\b|or\b|to\b|than\b|from\b|on\b|under\b|inside\b|in\b|is\b|are\b|form\b|$))/gi)]
    .map((m) => `the ${m[1]}`)
    .filter((p) => !/^the (camera|left|right|image|picture|photo|viewer|distance|floor|ground)$/i.test(p));
  const names: Record<string, string> = {};
  record.fact.objects.forEach((id, i) => {
    if (phrases[i]) names[id] = phrases[i];
  });
  return names;
}

function namesFromScenes(scenes: SceneGraph[]): Map<string, Record<string, string>> {
  return new Map(scenes.map((scene) => [scene.imageId, Object.fromEntries(scene.objects.map((o) => [o.id, o.name]))]));
}

async function readScenes(dir: string): Promise<SceneGraph[]> {
  const jsonl = join(dir, 'scenes.jsonl');
  if (await exists(jsonl)) {
    return (await readFile(jsonl, 'utf8')).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as SceneGraph);
  }
  const single = join(dir, 'scene.json');
  if (await exists(single)) return [JSON.parse(await readFile(single, 'utf8')) as SceneGraph];
  return [];
}

async function imageFolderReader(dir: string): Promise<((imageId: string) => Promise<Uint8Array>) | undefined> {
  if (!(await exists(dir))) return undefined;
  const byId = new Map<string, string>();
  for (const name of await readdir(dir)) {
    if (IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) byId.set(basename(name, extname(name)), join(dir, name));
  }
  return async (imageId) => {
    const path = byId.get(imageId);
    if (!path) throw new InputError(`no image for ${imageId} in ${dir}`, 'image-missing', dir, imageId);
    return readFile(path);
  };
}

async function parquetImageReader(dir: string): Promise<((imageId: string) => Promise<Uint8Array>) | undefined> {
  const dataDir = join(dir, 'data');
  if (!(await exists(dataDir))) return undefined;
  const shards = (await readdir(dataDir)).filter((f) => f.endsWith('.parquet')).map((f) => join(dataDir, f));
  if (shards.length === 0) return undefined;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const files = `[${shards.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')}]`;
  const columns = (await (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${files})`)).getRowObjects()).map((r) => String(r.column_name));
  const idColumn = ['image_id', 'imageId'].find((c) => columns.includes(c));
  if (!idColumn || !columns.includes('image')) {
    throw new InputError(`${dataDir}: Parquet shards need an image_id (or imageId) and an image column; found ${columns.join(', ')}`, 'dataset-layout', dataDir);
  }
  const reader = await connection.runAndReadAll(`SELECT DISTINCT ON ("${idColumn}") "${idColumn}" AS id, image.bytes AS bytes FROM read_parquet(${files})`);
  const byId = new Map<string, Uint8Array>();
  for (const row of reader.getRowObjects()) {
    const bytes = row.bytes as { bytes?: Uint8Array } | Uint8Array;
    byId.set(String(row.id), bytes instanceof Uint8Array ? bytes : (bytes.bytes ?? new Uint8Array()));
  }
  connection.closeSync();
  return async (imageId) => {
    const bytes = byId.get(imageId);
    if (!bytes) throw new InputError(`no image for ${imageId} in ${dataDir}`, 'image-missing', dataDir, imageId);
    return bytes;
  };
}

/** Loads a QA folder (see the file comment) or a `qa.jsonl` path inside one. */
export async function loadEvalDataset(path: string): Promise<EvalDataset> {
  const dir = path.endsWith('.jsonl') ? join(path, '..') : path;
  const qaPath = path.endsWith('.jsonl') ? path : join(dir, 'qa.jsonl');
  if (!(await exists(qaPath))) {
    throw new InputError(`${path} is not a spatialforge dataset: expected ${qaPath} (QA records) with images/ or data/*.parquet beside it`, 'dataset-layout', path);
  }
  const records = parseQaJsonl(await readFile(qaPath, 'utf8'), qaPath);
  const image = (await imageFolderReader(join(dir, 'images'))) ?? (await parquetImageReader(dir));
  if (!image) throw new InputError(`${dir} has no images/ folder and no data/*.parquet shards`, 'dataset-layout', dir);
  const sceneNames = namesFromScenes(await readScenes(dir));
  const items: EvalItem[] = records.map((record) => {
    const { names, ...plain } = record;
    return { record: plain, names: names ?? sceneNames.get(record.imageId) ?? namesFromQuestion(record) };
  });
  return { source: path, items, image };
}
