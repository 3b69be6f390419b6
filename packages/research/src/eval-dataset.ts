/**
 * What `spatialforge eval --dataset PATH` and `spatialforge benchmark --dataset PATH` read.
 *
 * A dataset folder as `spatialforge export` / `run` writes it, or as `spatialforge benchmark` writes it:
 *   - QA records: `qa.jsonl` (one QARecord a line), else the `qa` column of `data/*.parquet`;
 *   - images: `images/<imageId>.{png,jpg,jpeg,webp}`, else the `image` struct `{bytes, path}` of the
 *     Parquet row with that `image_id`.
 * Object names (id → "the red chair", needed to score choice answers) come from a `names` field on
 * the record (benchmark folders), else from the scene graphs (the Parquet `scene` column,
 * `scenes.jsonl` or `scene.json`), else are read back from the question text (`namesFromQuestion`).
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

interface ParquetDataset {
  records: QARecord[];
  scenes: SceneGraph[];
  image(imageId: string): Promise<Uint8Array>;
}

/** The Hugging Face layout the export stage writes: one row per image with `image`, `image_id`, `qa` (structs) and `scene` (JSON). */
async function readParquetDataset(dir: string): Promise<ParquetDataset | undefined> {
  const dataDir = join(dir, 'data');
  if (!(await exists(dataDir))) return undefined;
  const shards = (await readdir(dataDir)).filter((f) => f.endsWith('.parquet')).sort().map((f) => join(dataDir, f));
  if (shards.length === 0) return undefined;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const source = `read_parquet([${shards.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')}])`;
  const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects().map((r) => String(r.column_name));
  for (const column of ['image', 'image_id']) {
    if (!columns.includes(column)) {
      throw new InputError(`${dataDir}: Parquet shards have no ${column} column (found ${columns.join(', ')})`, 'dataset-layout', dataDir, column);
    }
  }
  const records: QARecord[] = [];
  if (columns.includes('qa')) {
    const rows = (await connection.runAndReadAll(`SELECT image_id, q.* FROM (SELECT image_id, unnest(qa) AS q FROM ${source})`)).getRowObjectsJson();
    for (const row of rows) {
      const record: QARecord = {
        id: String(row.id),
        imageId: String(row.image_id),
        type: String(row.type),
        category: row.category as QARecord['category'],
        question: String(row.question),
        answer: String(row.answer),
        fact: JSON.parse(String(row.fact)),
      };
      if (row.steps) record.steps = JSON.parse(String(row.steps));
      records.push(record);
    }
  }
  const scenes = columns.includes('scene')
    ? (await connection.runAndReadAll(`SELECT scene FROM ${source} WHERE scene IS NOT NULL`)).getRowObjectsJson().map((r) => JSON.parse(String(r.scene)) as SceneGraph)
    : [];
  const lookup = await connection.prepare(`SELECT image.bytes AS bytes FROM ${source} WHERE image_id = $1 LIMIT 1`);
  // One query at a time on the connection.
  let queue: Promise<unknown> = Promise.resolve();
  const image = (imageId: string): Promise<Uint8Array> => {
    const result = queue.then(async () => {
      lookup.bindVarchar(1, imageId);
      const row = (await lookup.runAndReadAll()).getRowObjects()[0];
      const blob = row?.bytes as { bytes?: Uint8Array } | undefined;
      if (!blob?.bytes) throw new InputError(`no image for ${imageId} in ${dataDir}`, 'image-missing', dataDir, imageId);
      return blob.bytes;
    });
    queue = result.catch(() => undefined);
    return result;
  };
  return { records, scenes, image };
}

/** Loads a QA folder (see the file comment) or a `qa.jsonl` path inside one. */
export async function loadEvalDataset(path: string): Promise<EvalDataset> {
  const dir = path.endsWith('.jsonl') ? join(path, '..') : path;
  const qaPath = path.endsWith('.jsonl') ? path : join(dir, 'qa.jsonl');
  const parquet = await readParquetDataset(dir);
  let records: (QARecord & { names?: Record<string, string> })[];
  if (await exists(qaPath)) records = parseQaJsonl(await readFile(qaPath, 'utf8'), qaPath);
  else if (parquet && parquet.records.length > 0) records = parquet.records;
  else {
    throw new InputError(`${path} is not a spatialforge dataset: expected qa.jsonl with images/, or data/*.parquet shards with a qa column`, 'dataset-layout', path);
  }
  const image = (await imageFolderReader(join(dir, 'images'))) ?? parquet?.image;
  if (!image) throw new InputError(`${dir} has no images/ folder and no data/*.parquet shards`, 'dataset-layout', dir);
  const sceneNames = namesFromScenes([...(await readScenes(dir)), ...(parquet?.scenes ?? [])]);
  const items: EvalItem[] = records.map((record) => {
    const { names, image: _imagePath, ...plain } = record as typeof record & { image?: string };
    return { record: plain, names: names ?? sceneNames.get(record.imageId) ?? namesFromQuestion(record) };
  });
  return { source: path, items, image };
}
