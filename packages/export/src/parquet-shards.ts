/**
 * Sharded Parquet in the Hugging Face layout (`data/train-00000-of-00003.parquet`), written by DuckDB.
 *
 * A shard's rows are staged as JSON lines in a temporary file beside it (image bytes in base64), and
 * DuckDB streams that file into Parquet with the `huggingface` features metadata. Staging on disk
 * rather than in a DuckDB table keeps memory flat whatever the shard size: an in-memory table holding
 * lists of QA structs and image blobs took about ten times the data's size. The shard count is known
 * only at the end, when the temporary files are renamed.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { QARecord } from '@spatialforge/core';
import type { DatasetRegion } from './regions.js';
import { COLUMNS, QA_FIELDS, ROW_GROUP_SIZE, huggingFaceMetadata, type QAField } from './schema.js';
import { FileSink } from './file-sink.js';

export interface ParquetRow {
  image: { bytes: Uint8Array; path: string };
  imageId: string;
  width: number;
  height: number;
  qa: readonly QARecord[];
  regions: readonly DatasetRegion[];
  /** The scene graph as JSON. */
  scene: string;
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** How each column is staged in JSON and read back: the image as base64 bytes and a path, the rest as they are. */
const STAGED_TYPES = COLUMNS.flatMap((c): [string, string][] =>
  c.name === 'image' ? [['image_bytes', 'VARCHAR'], ['image_path', 'VARCHAR']] : [[c.name, c.sql]],
);
const SELECT_COLUMNS = COLUMNS.map((c) =>
  c.name === 'image' ? `{'bytes': from_base64(image_bytes), 'path': image_path} AS image` : `"${c.name}"`,
).join(', ');
/** DuckDB's JSON reader refuses longer lines unless told; its buffers grow with this, so it follows the data. */
const MIN_OBJECT_SIZE = 16 * 1024 * 1024;

/** Shard file name in the HF layout: `train-00000-of-00003.parquet`. */
export function shardName(index: number, count: number, split = 'train'): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${split}-${pad(index)}-of-${pad(count)}.parquet`;
}

export class ParquetShardWriter {
  private staging?: FileSink;
  private rowsInShard = 0;
  private longestLine = 0;
  private readonly partials: string[] = [];

  constructor(
    private readonly dataDir: string,
    private readonly rowsPerShard: number,
  ) {}

  async add(row: ParquetRow): Promise<void> {
    const line = JSON.stringify({
      image_bytes: Buffer.from(row.image.bytes.buffer, row.image.bytes.byteOffset, row.image.bytes.byteLength).toString('base64'),
      image_path: row.image.path,
      image_id: row.imageId,
      width: row.width,
      height: row.height,
      qa: row.qa.map(qaStruct),
      regions: row.regions,
      scene: row.scene,
    });
    this.staging ??= new FileSink(this.stagingPath());
    await this.staging.write(`${line}\n`);
    this.longestLine = Math.max(this.longestLine, Buffer.byteLength(line));
    if (++this.rowsInShard >= this.rowsPerShard) await this.flushShard();
  }

  /** Writes the last shard (an empty one when no row came, so the dataset still has its schema) and names them all. */
  async close(): Promise<string[]> {
    if (this.rowsInShard > 0 || this.partials.length === 0) await this.flushShard();
    const names: string[] = [];
    for (const [index, partial] of this.partials.entries()) {
      const name = shardName(index, this.partials.length);
      await rename(join(this.dataDir, partial), join(this.dataDir, name));
      names.push(name);
    }
    return names;
  }

  /** Releases DuckDB and deletes the staged rows and the shards written so far (after a failure). */
  async abort(): Promise<void> {
    await this.staging?.end().catch(() => undefined);
    await rm(this.stagingPath(), { force: true });
    for (const partial of this.partials) await rm(join(this.dataDir, partial), { force: true });
  }

  private stagingPath(): string {
    return join(this.dataDir, `.train-${String(this.partials.length).padStart(5, '0')}.jsonl.partial`);
  }

  private async flushShard(): Promise<void> {
    const staging = this.stagingPath();
    const sink = this.staging ?? new FileSink(staging);
    await sink.end();
    this.staging = undefined;
    const partial = `.train-${String(this.partials.length).padStart(5, '0')}.parquet.partial`;
    const columns = STAGED_TYPES.map(([name, type]) => `"${name}": ${sqlString(type)}`).join(', ');
    const maximumObjectSize = Math.max(MIN_OBJECT_SIZE, 2 ** Math.ceil(Math.log2(this.longestLine + 1)));
    // A DuckDB of its own per shard, released after it: memory held by one copy is never carried into
    // the next, so a long export's peak is one shard's. One thread: the copy is I/O-bound, and each
    // thread would buffer its own row groups.
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    try {
      await connection.run(
        `COPY (SELECT ${SELECT_COLUMNS} FROM read_json(${sqlString(staging)}, format = 'newline_delimited', ` +
        `columns = {${columns}}, maximum_object_size = ${maximumObjectSize})) ` +
        `TO ${sqlString(join(this.dataDir, partial))} ` +
        `(FORMAT parquet, ROW_GROUP_SIZE ${ROW_GROUP_SIZE}, KV_METADATA {huggingface: ${sqlString(huggingFaceMetadata())}})`,
      );
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    await rm(staging);
    this.partials.push(partial);
    this.rowsInShard = 0;
    this.longestLine = 0;
  }
}

function qaStruct(record: QARecord): Record<QAField, string | null> {
  const fields: Record<QAField, string | null> = {
    id: record.id,
    type: record.type,
    category: record.category,
    question: record.question,
    answer: record.answer,
    fact: JSON.stringify(record.fact),
    steps: record.steps ? JSON.stringify(record.steps) : null,
  };
  return Object.fromEntries(QA_FIELDS.map((field) => [field, fields[field]])) as Record<QAField, string | null>;
}
