/**
 * WebDataset shards: POSIX ustar files of samples, each sample a group of files sharing a key
 * (`<key>.jpg`, `<key>.json`), the files of one sample next to each other, as the `webdataset` package
 * reads them (it groups a tar's members by the basename up to the first dot). A shard ends when it
 * holds `samples` samples or before a sample would take it past `megabytes` (10^6 bytes) of tar; a
 * sample larger than that gets a shard of its own. Shards are numbered `train-000000.tar`, … so the
 * brace pattern `train-{000000..000009}.tar` names them all.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShardSize } from '@spatialforge/core';
import { FileSink } from './file-sink.js';

export const DEFAULT_SHARD_SIZE: ShardSize = { samples: 1000 };

const BLOCK = 512;
/** ustar's name field; longer names would need a prefix or PAX headers. */
const MAX_NAME_BYTES = 100;

export interface SampleFile {
  /** Extension without the dot: `jpg`, `png`, `json`. */
  extension: string;
  bytes: Uint8Array;
}

export function webdatasetShardName(index: number, split = 'train'): string {
  return `${split}-${String(index).padStart(6, '0')}.tar`;
}

export class WebDatasetShardWriter {
  private shard?: FileSink;
  private samplesInShard = 0;
  private readonly names: string[] = [];
  private readonly maxBytes: number;
  private readonly maxSamples: number;

  constructor(private readonly dir: string, size: ShardSize) {
    this.maxSamples = 'samples' in size ? size.samples : Infinity;
    this.maxBytes = 'megabytes' in size ? size.megabytes * 1e6 : Infinity;
  }

  /** Appends one sample; `key` must hold no dot (webdataset splits names at the first one). */
  async add(key: string, files: readonly SampleFile[]): Promise<void> {
    const entries = files.map((file) => ({ header: tarHeader(`${key}.${file.extension}`, file.bytes.byteLength), file }));
    const sampleBytes = entries.reduce((sum, e) => sum + BLOCK + padded(e.file.bytes.byteLength), 0);
    if (this.shard && (this.samplesInShard >= this.maxSamples || this.shard.bytes + sampleBytes > this.maxBytes)) await this.endShard();
    if (!this.shard) {
      const name = webdatasetShardName(this.names.length);
      this.names.push(name);
      this.shard = new FileSink(join(this.dir, name));
    }
    for (const { header, file } of entries) {
      await this.shard.write(header);
      await this.shard.write(file.bytes);
      const padding = padded(file.bytes.byteLength) - file.bytes.byteLength;
      if (padding) await this.shard.write(new Uint8Array(padding));
    }
    this.samplesInShard++;
  }

  /** Ends the last shard and returns every shard's file name, in order. */
  async close(): Promise<string[]> {
    await this.endShard();
    return [...this.names];
  }

  /** Deletes the shards written so far (after a failure). */
  async abort(): Promise<void> {
    await this.shard?.end().catch(() => undefined);
    this.shard = undefined;
    for (const name of this.names) await rm(join(this.dir, name), { force: true });
  }

  private async endShard(): Promise<void> {
    if (!this.shard) return;
    // Two zero blocks end a tar archive.
    await this.shard.write(new Uint8Array(2 * BLOCK));
    await this.shard.end();
    this.shard = undefined;
    this.samplesInShard = 0;
  }
}

const padded = (bytes: number) => Math.ceil(bytes / BLOCK) * BLOCK;

/** A ustar header for a regular file (mode 0644, owner 0, modification time 0 so shards are reproducible). */
function tarHeader(name: string, size: number): Uint8Array {
  const header = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new Error(`tar member name ${name} is longer than ${MAX_NAME_BYTES} bytes`);
  const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, '0')}\0`;
  header.write(name, 0, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii'); // the checksum counts its own field as spaces
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}
