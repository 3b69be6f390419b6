/**
 * Sharded Parquet in the Hugging Face layout (`data/train-00000-of-00003.parquet`), written through
 * an in-memory DuckDB table: rows are appended until a shard is full, copied to a temporary Parquet
 * file with the `huggingface` features metadata, and the table is emptied, so memory holds at most
 * one shard. The shard count is known only at the end, when the temporary files are renamed.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DuckDBInstance, blobValue, listValue, structValue,
  type DuckDBAppender, type DuckDBConnection, type DuckDBListType, type DuckDBValue,
} from '@duckdb/node-api';
import type { QARecord } from '@spatialforge/core';
import { COLUMNS, QA_FIELDS, ROW_GROUP_SIZE, huggingFaceMetadata, type QAField } from './schema.js';

export interface ParquetRow {
  image: { bytes: Uint8Array; path: string };
  imageId: string;
  width: number;
  height: number;
  qa: readonly QARecord[];
  /** The scene graph as JSON. */
  scene: string;
}

const TABLE = 'shard';
const QA_COLUMN = COLUMNS.findIndex((column) => column.name === 'qa');
const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Shard file name in the HF layout: `train-00000-of-00003.parquet`. */
export function shardName(index: number, count: number, split = 'train'): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${split}-${pad(index)}-of-${pad(count)}.parquet`;
}

/** The temporary name of a shard whose final name waits for the shard count. */
export function partialShardName(index: number, split = 'train'): string {
  return `.${split}-${String(index).padStart(5, '0')}.parquet.partial`;
}

export class ParquetShardWriter {
  private rowsInShard = 0;
  private readonly partials: string[] = [];

  private constructor(
    private readonly dataDir: string,
    private readonly rowsPerShard: number,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private appender: DuckDBAppender,
  ) {}

  static async open(dataDir: string, rowsPerShard: number): Promise<ParquetShardWriter> {
    // Two threads: the machine is shared with the pipeline's workers.
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE ${TABLE} (${COLUMNS.map((c) => `"${c.name}" ${c.sql}`).join(', ')})`);
    return new ParquetShardWriter(dataDir, rowsPerShard, instance, connection, await connection.createAppender(TABLE));
  }

  async add(row: ParquetRow): Promise<void> {
    const appender = this.appender;
    appender.appendStruct(structValue({ bytes: blobValue(row.image.bytes), path: row.image.path }));
    appender.appendVarchar(row.imageId);
    appender.appendInteger(row.width);
    appender.appendInteger(row.height);
    // The column's type, so an image without questions still gets a typed empty list.
    appender.appendList(listValue(row.qa.map(qaStruct)), appender.columnType(QA_COLUMN) as DuckDBListType);
    appender.appendVarchar(row.scene);
    appender.endRow();
    if (++this.rowsInShard >= this.rowsPerShard) await this.flushShard();
  }

  /** Writes the last shard (an empty one when no row came, so the dataset still has its schema) and names them all. */
  async close(): Promise<string[]> {
    if (this.rowsInShard > 0 || this.partials.length === 0) await this.flushShard();
    this.appender.closeSync();
    this.connection.closeSync();
    this.instance.closeSync();
    const names: string[] = [];
    for (const [index, partial] of this.partials.entries()) {
      const name = shardName(index, this.partials.length);
      await rename(join(this.dataDir, partial), join(this.dataDir, name));
      names.push(name);
    }
    return names;
  }

  /** Releases DuckDB and deletes the shards written so far (after a failure). */
  async abort(): Promise<void> {
    try {
      this.appender.closeSync();
    } catch {
      // Already closed, or holding rows that are being thrown away.
    }
    this.connection.closeSync();
    this.instance.closeSync();
    for (const partial of this.partials) await rm(join(this.dataDir, partial), { force: true });
  }

  private async flushShard(): Promise<void> {
    this.appender.closeSync();
    const partial = partialShardName(this.partials.length);
    const metadata = sqlString(huggingFaceMetadata());
    await this.connection.run(
      `COPY ${TABLE} TO ${sqlString(join(this.dataDir, partial))} ` +
        `(FORMAT parquet, ROW_GROUP_SIZE ${ROW_GROUP_SIZE}, KV_METADATA {huggingface: ${metadata}})`,
    );
    this.partials.push(partial);
    await this.connection.run(`DELETE FROM ${TABLE}`);
    this.rowsInShard = 0;
    this.appender = await this.connection.createAppender(TABLE);
  }
}

function qaStruct(record: QARecord): DuckDBValue {
  const fields: Record<QAField, string | null> = {
    id: record.id,
    type: record.type,
    category: record.category,
    question: record.question,
    answer: record.answer,
    fact: JSON.stringify(record.fact),
    steps: record.steps ? JSON.stringify(record.steps) : null,
  };
  return structValue(Object.fromEntries(QA_FIELDS.map((field) => [field, fields[field]])));
}
