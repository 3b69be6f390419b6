/**
 * Filling the model cache: download from the manifest's URLs (or a mirror base URL), or copy from a local
 * folder or an S3 prefix. Every file is hashed while it streams into a temporary file next to its
 * destination and renamed into place only when its digest (and size, when published) matches, so an
 * interrupted or corrupt transfer never leaves a file in the cache.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SpatialforgeError } from '@spatialforge/core';
import { expectedDigest, modelDigest, modelDir, readPins, sha256File, writePin } from './cache.js';
import type { ModelFile, ModelManifest } from './manifest.js';

/** A model file could not be fetched or did not match its digest; the message lists each attempt. */
export class ModelDownloadError extends SpatialforgeError {
  constructor(message: string) {
    super(message, 'model-download');
  }
}

export interface PullProgress {
  model: string;
  file: string;
  /** Bytes received so far. */
  received: number;
  /** Expected bytes, when the source says. */
  total?: number;
  /** Where the bytes come from (URL, path or s3:// key). */
  source: string;
}

/** The part of an S3 client `models pull --from s3://…` uses (an @aws-sdk/client-s3 S3Client fits). */
export interface S3Getter {
  send(command: unknown): Promise<{ Body?: unknown; ContentLength?: number }>;
}

export interface PullOptions {
  cacheDir: string;
  /** Copy from this folder or `s3://bucket/prefix` (holding `<model>/<file>` or `<file>`) instead of downloading. */
  from?: string;
  /** Download `${baseUrl}/${model}/${file}` instead of the manifest URLs (a mirror, or a test server). */
  baseUrl?: string;
  /** Fetch again even when the cached file matches its digest; accept a new digest for unpublished ones. */
  force?: boolean;
  onProgress?: (progress: PullProgress) => void;
  /** S3 client for `s3://` sources; default: a new S3Client from @aws-sdk/client-s3 (path-style). */
  s3?: S3Getter;
}

export interface PulledFile {
  name: string;
  sha256: string;
  bytes: number;
  action: 'fetched' | 'up-to-date';
  source?: string;
}

export interface PullResult {
  model: string;
  digest: string;
  files: PulledFile[];
}

interface Candidate {
  source: string;
  open(): Promise<{ stream: Readable; total?: number } | undefined>;
}

function isS3(uri: string): boolean {
  return uri.startsWith('s3://');
}

function folderCandidates(dir: string, model: string, file: string): Candidate[] {
  return [join(dir, model, file), join(dir, file)].map((path) => ({
    source: path,
    async open() {
      try {
        const { size } = await stat(path);
        return { stream: createReadStream(path), total: size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
  }));
}

async function defaultS3(): Promise<S3Getter> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({ forcePathStyle: true });
}

function s3Candidates(uri: string, model: string, file: string, client: () => Promise<S3Getter>): Candidate[] {
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  const keys = [`${model}/${file}`, file].map((k) => (prefix ? `${prefix}/${k}` : k));
  return keys.map((key) => ({
    source: `s3://${bucket}/${key}`,
    async open() {
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      try {
        const res = await (await client()).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { stream: res.Body as Readable, total: res.ContentLength };
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
        throw err;
      }
    },
  }));
}

function httpCandidates(urls: string[]): Candidate[] {
  return urls.map((url) => ({
    source: url,
    async open() {
      const res = await fetch(url, { redirect: 'follow' });
      if (res.status === 404) return undefined;
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      const length = Number(res.headers.get('content-length'));
      return {
        stream: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
        total: Number.isFinite(length) && length > 0 ? length : undefined,
      };
    },
  }));
}

/** Streams `stream` into `path`, hashing it; returns the digest and size. */
async function writeHashed(
  stream: Readable,
  path: string,
  onBytes: (received: number) => void,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes(bytes);
      callback(null, chunk);
    },
  });
  await pipeline(stream, tap, createWriteStream(path, { flags: 'wx' }));
  return { sha256: hash.digest('hex'), bytes };
}

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

function candidatesFor(manifest: ModelManifest, file: ModelFile, options: PullOptions): Candidate[] {
  if (options.from !== undefined) {
    if (isS3(options.from)) {
      let client: Promise<S3Getter> | undefined;
      const getClient = () => (client ??= options.s3 ? Promise.resolve(options.s3) : defaultS3());
      return s3Candidates(options.from, manifest.name, file.name, getClient);
    }
    return folderCandidates(options.from, manifest.name, file.name);
  }
  if (options.baseUrl !== undefined) {
    return httpCandidates([`${options.baseUrl.replace(/\/+$/, '')}/${manifest.name}/${file.name}`]);
  }
  return httpCandidates(file.urls);
}

async function fetchFile(manifest: ModelManifest, file: ModelFile, dir: string, expected: string | undefined, options: PullOptions): Promise<PulledFile> {
  const candidates = candidatesFor(manifest, file, options);
  if (candidates.length === 0) {
    throw new ModelDownloadError(
      `model ${manifest.name}: no download URL for ${file.name}${manifest.exportHint ? `; ${manifest.exportHint}` : ''}`,
    );
  }
  const attempts: string[] = [];
  for (const candidate of candidates) {
    const tmp = join(dir, `.${file.name}.${process.pid}.${randomUUID().slice(0, 8)}.partial`);
    try {
      const opened = await candidate.open();
      if (!opened) {
        attempts.push(`${candidate.source}: not found`);
        continue;
      }
      const total = file.bytes ?? opened.total;
      const { sha256, bytes } = await writeHashed(opened.stream, tmp, (received) =>
        options.onProgress?.({ model: manifest.name, file: file.name, received, total, source: candidate.source }),
      );
      if (file.bytes !== undefined && bytes !== file.bytes) {
        attempts.push(`${candidate.source}: got ${bytes} bytes, expected ${file.bytes}`);
        continue;
      }
      if (expected !== undefined && sha256 !== expected) {
        attempts.push(`${candidate.source}: got sha256 ${sha256}, expected ${expected}`);
        continue;
      }
      await rename(tmp, join(dir, file.name));
      if (file.sha256 === undefined) await writePin(dir, file.name, sha256);
      return { name: file.name, sha256, bytes, action: 'fetched', source: candidate.source };
    } catch (err) {
      attempts.push(`${candidate.source}: ${(err as Error).message}`);
    } finally {
      await removeQuietly(tmp);
    }
  }
  throw new ModelDownloadError(
    `model ${manifest.name}: could not fetch ${file.name}; nothing was written to ${dir}:\n  ${attempts.join('\n  ')}`,
  );
}

/**
 * Makes every file of `manifest` present and verified in the cache, fetching those that are missing,
 * damaged or (with `force`) any. Files whose manifest publishes no digest are pinned to what was fetched.
 */
export async function pullModel(manifest: ModelManifest, options: PullOptions): Promise<PullResult> {
  const dir = modelDir(options.cacheDir, manifest.name);
  await mkdir(dir, { recursive: true });
  const pins = await readPins(dir);
  const files: PulledFile[] = [];
  for (const file of manifest.files) {
    const expected = options.force && file.sha256 === undefined ? undefined : expectedDigest(file, pins);
    const path = join(dir, file.name);
    if (!options.force && expected !== undefined) {
      const present = await stat(path).then((s) => s.size, () => undefined);
      if (present !== undefined && (file.bytes === undefined || present === file.bytes) && (await sha256File(path)) === expected) {
        files.push({ name: file.name, sha256: expected, bytes: present, action: 'up-to-date' });
        continue;
      }
    }
    files.push(await fetchFile(manifest, file, dir, expected, options));
  }
  return { model: manifest.name, digest: modelDigest(Object.fromEntries(files.map((f) => [f.name, f.sha256]))), files };
}
