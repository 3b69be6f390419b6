/**
 * Reading an input's bytes from wherever its URI points: a local path or `file://` URL, `s3://bucket/key`
 * (through @spatialforge/storage), or `http(s)://` (through HttpFetcher's SSRF guard and limits).
 * Every refusal is an InputError naming the input; failures worth retrying are plain SpatialforgeErrors.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '@spatialforge/core';
import { ObjectNotFoundError, openStore, parseS3Location, type ObjectStore } from '@spatialforge/storage';
import { HttpFetcher } from './http-fetch.js';
import { ingestMaxBytes } from './settings.js';

export interface ReadUriOptions {
  /** What the user gave, for messages. @defaultValue the URI */
  input?: string;
  /** Downloader for http(s) URIs. @defaultValue one shared fetcher configured from the environment */
  http?: HttpFetcher;
  /** Store for an `s3://bucket` location. @defaultValue one cached S3Store per bucket, configured from the environment */
  storeFor?: (bucketLocation: string) => ObjectStore;
  /** Largest file read, bytes. @defaultValue INGEST_MAX_BYTES (or the fetcher's limit for http) */
  maxBytes?: number;
  /** Refuse local paths and `file://` URIs (sources submitted over REST). */
  forbidLocalPaths?: boolean;
}

export type UriKind = 'local' | 's3' | 'http' | 'unsupported';

export function uriKind(uri: string): UriKind {
  if (/^https?:\/\//i.test(uri)) return 'http';
  if (/^s3:\/\//i.test(uri)) return 's3';
  if (/^file:\/\//i.test(uri)) return 'local';
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) return 'unsupported';
  return 'local';
}

/** The local path of a local URI (`file://` URL or path, relative to the working folder). */
export function localPathOf(uri: string): string {
  return uri.startsWith('file://') ? fileURLToPath(uri) : resolve(uri);
}

export async function readUri(uri: string, options: ReadUriOptions = {}): Promise<Uint8Array> {
  const input = options.input ?? uri;
  switch (uriKind(uri)) {
    case 'http':
      return (options.http ?? sharedFetcher()).fetch(uri, input);
    case 's3':
      return readS3(uri, input, options);
    case 'local':
      if (options.forbidLocalPaths) throw new InputError(`${input}: local paths are not accepted here`, 'local-path-forbidden', input);
      return readLocal(uri, input, options.maxBytes ?? ingestMaxBytes.read());
    default:
      throw new InputError(`${input}: unsupported URI scheme (use a path, file://, s3:// or http(s)://)`, 'unsupported-uri', input);
  }
}

async function readLocal(uri: string, input: string, maxBytes: number): Promise<Uint8Array> {
  let path: string;
  try {
    path = localPathOf(uri);
  } catch (err) {
    throw new InputError(`${input}: ${(err as Error).message}`, 'bad-uri', input);
  }
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`${input}: no such file`, 'not-found', input);
    if (code === 'EACCES' || code === 'EPERM') throw new InputError(`${input}: permission denied`, 'unreadable', input);
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new InputError(`${input}: not a regular file`, 'not-a-file', input);
    if (info.size > maxBytes) throw new InputError(`${input}: ${info.size} bytes, over the ${maxBytes}-byte limit`, 'too-large', input);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function readS3(uri: string, input: string, options: ReadUriOptions): Promise<Uint8Array> {
  const { bucket, key } = parseS3Uri(uri, input);
  if (!key) throw new InputError(`${input}: an s3:// URI must name an object (s3://bucket/key)`, 'bad-uri', input);
  const store = (options.storeFor ?? defaultStoreFor)(`s3://${bucket}`);
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) throw new InputError(`${input}: no such object`, 'not-found', input);
    throw err;
  }
  const maxBytes = options.maxBytes ?? ingestMaxBytes.read();
  if (bytes.length > maxBytes) throw new InputError(`${input}: ${bytes.length} bytes, over the ${maxBytes}-byte limit`, 'too-large', input);
  return bytes;
}

/** `s3://bucket/key` → its parts; InputError when malformed. */
export function parseS3Uri(uri: string, input: string = uri): { bucket: string; key: string } {
  try {
    const { bucket, prefix } = parseS3Location(uri);
    return { bucket, key: prefix };
  } catch (err) {
    throw new InputError(`${input}: ${(err as Error).message}`, 'bad-uri', input);
  }
}

let fetcher: HttpFetcher | undefined;
function sharedFetcher(): HttpFetcher {
  return (fetcher ??= new HttpFetcher());
}

const bucketStores = new Map<string, ObjectStore>();
/** One S3Store per `s3://bucket`, configured from the environment and kept for the process's life. */
export function defaultStoreFor(location: string): ObjectStore {
  let store = bucketStores.get(location);
  if (!store) bucketStores.set(location, (store = openStore(location)));
  return store;
}
