/**
 * Filling the model cache: download from the manifest's URLs (or a mirror base URL), or copy from a local
 * folder or an S3 prefix. Every file is hashed while it streams into a temporary file next to its
 * destination and renamed into place only when its digest (and size, when published) matches, so an
 * interrupted or corrupt transfer never leaves a file in the cache.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SpatialforgeError } from '@spatialforge/core';
import { ObjectNotFoundError, openStore, type ObjectStore, type OpenStoreOptions } from '@spatialforge/storage';
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

export interface PullOptions {
  cacheDir: string;
  /** Copy from this folder or `s3://bucket/prefix` (holding `<model>/<file>` or `<file>`) instead of downloading. */
  from?: string;
  /** Download `${baseUrl}/${model}/${file}` instead of the manifest URLs (a mirror, or a test server). */
  baseUrl?: string;
  /** Fetch again even when the cached file matches its digest; accept a new digest for unpublished ones. */
  force?: boolean;
  onProgress?: (progress: PullProgress) => void;
  /** S3 settings for `s3://` sources (default: S3_ENDPOINT, S3_REGION, AWS_* as the storage package reads them). */
  s3?: OpenStoreOptions['s3'];
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

/** `<model>/<file>`, then `<file>`, in a folder or under an S3 prefix. */
function storeCandidates(store: ObjectStore, model: string, file: string): Candidate[] {
  return [`${model}/${file}`, file].map((key) => ({
    source: store.localPath(key) ?? `${store.location}/${key}`,
    async open() {
      try {
        const local = store.localPath(key);
        const total = local === undefined ? undefined : (await stat(local)).size;
        return { stream: await store.getStream(key), total };
      } catch (err) {
        if (err instanceof ObjectNotFoundError || (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
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

function candidatesFor(manifest: ModelManifest, file: ModelFile, options: PullOptions, store?: ObjectStore): Candidate[] {
  if (store) return storeCandidates(store, manifest.name, file.name);
  if (options.baseUrl !== undefined) {
    return httpCandidates([`${options.baseUrl.replace(/\/+$/, '')}/${manifest.name}/${file.name}`]);
  }
  return httpCandidates(file.urls);
}

async function fetchFile(
  manifest: ModelManifest,
  file: ModelFile,
  dir: string,
  expected: string | undefined,
  options: PullOptions,
  store?: ObjectStore,
): Promise<PulledFile> {
  const candidates = candidatesFor(manifest, file, options, store);
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

/** The cached file when it already matches its expected digest (and size), else undefined. */
async function upToDate(path: string, file: ModelFile, expected: string | undefined): Promise<PulledFile | undefined> {
  if (expected === undefined) return undefined;
  const bytes = await stat(path).then((s) => s.size, () => undefined);
  if (bytes === undefined || (file.bytes !== undefined && bytes !== file.bytes)) return undefined;
  if ((await sha256File(path)) !== expected) return undefined;
  return { name: file.name, sha256: expected, bytes, action: 'up-to-date' };
}

/**
 * Makes every file of `manifest` present and verified in the cache, fetching those that are missing,
 * damaged or (with `force`) any. Files whose manifest publishes no digest are pinned to what was fetched;
 * without `force` a later fetch must match that pin.
 */
export async function pullModel(manifest: ModelManifest, options: PullOptions): Promise<PullResult> {
  const dir = modelDir(options.cacheDir, manifest.name);
  await mkdir(dir, { recursive: true });
  const pins = await readPins(dir);
  const store = options.from === undefined ? undefined : openStore(options.from, { s3: options.s3 });
  const files: PulledFile[] = [];
  try {
    for (const file of manifest.files) {
      const expected = options.force && file.sha256 === undefined ? undefined : expectedDigest(file, pins);
      const cached = options.force ? undefined : await upToDate(join(dir, file.name), file, expected);
      files.push(cached ?? (await fetchFile(manifest, file, dir, expected, options, store)));
    }
  } finally {
    await store?.close?.();
  }
  return { model: manifest.name, digest: modelDigest(Object.fromEntries(files.map((f) => [f.name, f.sha256]))), files };
}
