/**
 * Streams examples into a dataset folder in the formats asked for:
 *
 *   data/train-00000-of-0000N.parquet   Hugging Face layout, one row per image (see schema.ts)
 *   qa.jsonl                            one QA record per line, with its image's path
 *   llava.json                          one LLaVA conversation per image
 *   images/<imageId>.<ext>              the images, when JSONL or LLaVA refer to them
 *   README.md                           the dataset card
 *
 * Memory stays bounded by one Parquet shard; text formats are streamed with back-pressure.
 */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { InputError, type ExportFormat, type QACategory, type QARecord, type SceneGraph, type Units } from '@spatialforge/core';
import { renderDatasetCard } from './dataset-card.js';
import { ParquetShardWriter } from './parquet-shards.js';
import { TextSink } from './text-sink.js';

export interface DatasetExample {
  imageId: string;
  /** Encoded image (PNG or JPEG) and its original file name. */
  image: { bytes: Uint8Array; path: string };
  /** Pixels. */
  width: number;
  height: number;
  scene: SceneGraph;
  qa: QARecord[];
}

export interface DatasetWriterOptions {
  formats: ExportFormat[];
  /** Images per Parquet shard; memory holds one shard's images. @defaultValue 500 */
  rowsPerShard?: number;
  /** Dataset name on the card. @defaultValue the output folder's name */
  name?: string;
  /** Units the answers use, stated on the card. @defaultValue 'metric' */
  units?: Units;
  /** SPDX id of the annotations' licence, or "other". @defaultValue 'other' */
  license?: string;
  /** Extra text for the card's "How it was made" (source corpus, run options). */
  description?: string;
  /** Replace an earlier dataset in the folder instead of refusing to write over it. @defaultValue false */
  overwrite?: boolean;
}

export interface DatasetSummary {
  outDir: string;
  /** Every file written (data files, card, and the images under `images/`), relative to `outDir`, sorted. */
  files: { path: string; bytes: number }[];
  /** The images written under `images/` for JSONL and LLaVA (none for Parquet alone, which embeds them). */
  imageFiles: { count: number; bytes: number };
  /** Images (one record each). */
  records: number;
  qaPairs: number;
  shards: number;
  countsByType: Record<string, number>;
  countsByCategory: Record<QACategory, number>;
}

export const DEFAULT_ROWS_PER_SHARD = 500;
const INVALID_EXAMPLE = 'invalid-dataset-example';
const OUTPUTS = ['data', 'qa.jsonl', 'llava.json', 'images', 'README.md'];

interface OpenOutputs {
  parquet?: ParquetShardWriter;
  jsonl?: TextSink;
  llava?: TextSink;
}

export class DatasetWriter {
  readonly outDir: string;
  private readonly formats: ReadonlySet<ExportFormat>;
  private readonly rowsPerShard: number;
  private outputs?: OpenOutputs;
  /** Serialises add() and close(): each waits for the previous call. */
  private queue: Promise<unknown> = Promise.resolve();
  private state: 'open' | 'closed' | 'failed' = 'open';
  private readonly imageIds = new Set<string>();
  private qaPairs = 0;
  private imagesWithoutQA = 0;
  private llavaEntries = 0;
  private readonly imageFiles = { count: 0, bytes: 0 };
  private readonly images: { path: string; bytes: number }[] = [];
  private readonly countsByType: Record<string, number> = {};
  private readonly countsByCategory: Record<QACategory, number> = { qualitative: 0, quantitative: 0, reasoning: 0 };

  constructor(outDir: string, private readonly options: DatasetWriterOptions) {
    this.outDir = resolve(outDir);
    if (options.formats.length === 0) throw new InputError('at least one export format is needed', 'no-export-format', undefined, 'formats');
    for (const format of options.formats) {
      if (!['parquet', 'jsonl', 'llava'].includes(format)) throw new InputError(`unknown export format "${format}"`, 'unknown-export-format', undefined, 'formats');
    }
    this.formats = new Set(options.formats);
    this.rowsPerShard = options.rowsPerShard ?? DEFAULT_ROWS_PER_SHARD;
    if (!Number.isInteger(this.rowsPerShard) || this.rowsPerShard < 1) {
      throw new InputError(`rowsPerShard must be a whole number ≥ 1, got ${options.rowsPerShard}`, 'invalid-export-options', undefined, 'rowsPerShard');
    }
  }

  /** Adds one image and its QA pairs; calls are applied in order. */
  add(example: DatasetExample): Promise<void> {
    return this.enqueue(() => this.write(example));
  }

  /** Finishes every file, writes the card, and reports what was written. */
  close(): Promise<DatasetSummary> {
    return this.enqueue(async () => {
      const summary = await this.finish();
      this.state = 'closed';
      return summary;
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.state !== 'open') throw new Error(`dataset writer for ${this.outDir} is ${this.state}`);
      try {
        return await work();
      } catch (err) {
        // A rejected example changed nothing; anything else may leave the formats out of step.
        if (!(err instanceof InputError && err.code === INVALID_EXAMPLE)) {
          this.state = 'failed';
          await this.outputs?.parquet?.abort();
        }
        throw err;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async open(): Promise<OpenOutputs> {
    await mkdir(this.outDir, { recursive: true });
    const existing = (await readdir(this.outDir)).filter((name) => OUTPUTS.includes(name));
    if (existing.length > 0) {
      if (!this.options.overwrite) {
        throw new InputError(`${this.outDir} already holds a dataset (${existing.join(', ')}); choose an empty folder or overwrite`, 'dataset-exists', this.outDir);
      }
      for (const name of existing) await rm(join(this.outDir, name), { recursive: true, force: true });
    }
    const outputs: OpenOutputs = {};
    if (this.formats.has('parquet')) {
      await mkdir(join(this.outDir, 'data'));
      outputs.parquet = await ParquetShardWriter.open(join(this.outDir, 'data'), this.rowsPerShard);
    }
    if (this.formats.has('jsonl') || this.formats.has('llava')) await mkdir(join(this.outDir, 'images'));
    if (this.formats.has('jsonl')) outputs.jsonl = new TextSink(join(this.outDir, 'qa.jsonl'));
    if (this.formats.has('llava')) {
      outputs.llava = new TextSink(join(this.outDir, 'llava.json'));
      await outputs.llava.write('[');
    }
    return outputs;
  }

  private async write(example: DatasetExample): Promise<void> {
    validate(example, this.imageIds);
    this.outputs ??= await this.open();
    const { parquet, jsonl, llava } = this.outputs;
    this.imageIds.add(example.imageId);
    const imagePath = `images/${example.imageId}${imageExtension(example.image)}`;
    if (jsonl || llava) {
      await writeFile(join(this.outDir, imagePath), example.image.bytes);
      this.imageFiles.count++;
      this.imageFiles.bytes += example.image.bytes.length;
      this.images.push({ path: imagePath, bytes: example.image.bytes.length });
    }
    if (parquet) {
      await parquet.add({
        image: example.image,
        imageId: example.imageId,
        width: example.width,
        height: example.height,
        qa: example.qa,
        scene: JSON.stringify(example.scene),
      });
    }
    if (jsonl) {
      const lines = example.qa.map((record) => JSON.stringify(withImage(record, imagePath)));
      if (lines.length) await jsonl.write(`${lines.join('\n')}\n`);
    }
    if (llava && example.qa.length > 0) {
      const conversation = { id: example.imageId, image: imagePath, conversations: llavaTurns(example.qa) };
      await llava.write(`${this.llavaEntries++ === 0 ? '\n' : ',\n'}${JSON.stringify(conversation)}`);
    }
    this.qaPairs += example.qa.length;
    if (example.qa.length === 0) this.imagesWithoutQA++;
    for (const record of example.qa) {
      this.countsByType[record.type] = (this.countsByType[record.type] ?? 0) + 1;
      this.countsByCategory[record.category]++;
    }
  }

  private async finish(): Promise<DatasetSummary> {
    const outputs = (this.outputs ??= await this.open());
    const shardNames = outputs.parquet ? await outputs.parquet.close() : [];
    await outputs.jsonl?.end();
    if (outputs.llava) {
      await outputs.llava.write('\n]\n');
      await outputs.llava.end();
    }
    const paths = [
      ...shardNames.map((name) => `data/${name}`),
      ...(outputs.jsonl ? ['qa.jsonl'] : []),
      ...(outputs.llava ? ['llava.json'] : []),
    ];
    const files = await Promise.all(paths.map(async (path) => ({ path, bytes: (await stat(join(this.outDir, path))).size })));
    const card = renderDatasetCard({
      name: this.options.name ?? basename(this.outDir),
      formats: [...this.formats],
      units: this.options.units ?? 'metric',
      license: this.options.license ?? 'other',
      description: this.options.description,
      records: this.imageIds.size,
      qaPairs: this.qaPairs,
      imagesWithoutQA: this.imagesWithoutQA,
      countsByType: this.countsByType,
      countsByCategory: this.countsByCategory,
      files,
      imageFiles: this.imageFiles,
    });
    await writeFile(join(this.outDir, 'README.md'), card);
    files.push({ path: 'README.md', bytes: Buffer.byteLength(card) }, ...this.images);
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return {
      outDir: this.outDir,
      files,
      imageFiles: { ...this.imageFiles },
      records: this.imageIds.size,
      qaPairs: this.qaPairs,
      shards: shardNames.length,
      countsByType: { ...this.countsByType },
      countsByCategory: { ...this.countsByCategory },
    };
  }
}

function validate(example: DatasetExample, seen: ReadonlySet<string>): void {
  const fail = (message: string, field: string) => {
    throw new InputError(`image ${example.imageId || '(no id)'}: ${message}`, INVALID_EXAMPLE, example.imageId, field);
  };
  if (!example.imageId || /[/\\]/.test(example.imageId)) fail('imageId must be a non-empty name without slashes', 'imageId');
  if (seen.has(example.imageId)) fail('already in the dataset (one record per image)', 'imageId');
  if (!(example.image?.bytes instanceof Uint8Array) || example.image.bytes.length === 0) fail('image bytes are empty', 'image.bytes');
  if (!Number.isInteger(example.width) || !Number.isInteger(example.height) || example.width <= 0 || example.height <= 0) {
    fail(`width and height must be whole pixels > 0, got ${example.width}×${example.height}`, 'width');
  }
  for (const record of example.qa) if (record.imageId !== example.imageId) fail(`QA ${record.id} belongs to image ${record.imageId}`, 'qa');
}

/** The image's extension from its path, else from its magic bytes (PNG, JPEG, WebP). */
function imageExtension(image: DatasetExample['image']): string {
  const fromPath = extname(image.path).toLowerCase();
  if (/^\.[a-z0-9]{1,5}$/.test(fromPath)) return fromPath;
  const b = image.bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return '.png';
  if (b[0] === 0xff && b[1] === 0xd8) return '.jpg';
  if (String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') return '.webp';
  return '.bin';
}

/** A QA record with its image's path placed after the image id. */
function withImage(record: QARecord, image: string) {
  const { id, imageId, ...rest } = record;
  return { id, imageId, image, ...rest };
}

/** LLaVA turns: each question from the human, each answer from the model; `<image>` opens the first turn. */
function llavaTurns(qa: readonly QARecord[]): { from: 'human' | 'gpt'; value: string }[] {
  return qa.flatMap((record, i) => [
    { from: 'human' as const, value: i === 0 ? `<image>\n${record.question}` : record.question },
    { from: 'gpt' as const, value: record.answer },
  ]);
}
