/** The one object-storage interface every stage writes through; LocalStore and S3Store implement it. */
import type { Readable } from 'node:stream';
import { SpatialforgeError } from '@spatialforge/core';

export interface PutOptions {
  /** MIME type stored with the object (S3 `Content-Type`); ignored by the local folder. */
  contentType?: string;
}

export interface ObjectStore {
  /** Where the store lives: an absolute folder path or `s3://bucket/prefix`. */
  readonly location: string;
  /** Writes atomically: readers see the old object or the whole new one, never a part. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** Throws ObjectNotFoundError when the key does not exist. */
  get(key: string): Promise<Uint8Array>;
  getOptional(key: string): Promise<Uint8Array | undefined>;
  /** Streams a (large) object, e.g. a dataset file to an HTTP response. Throws ObjectNotFoundError when missing. */
  getStream(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /**
   * Keys starting with `prefix`, relative to the store root. LocalStore and AWS S3 list in lexicographic
   * order; some S3-compatible servers (s3rver) do not, so callers that need an order sort.
   */
  list(prefix: string): AsyncIterable<string>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every key starting with `prefix`. */
  deletePrefix?(prefix: string): Promise<void>;
  /** A URL that downloads the object without credentials for `expiresSeconds` (S3), or undefined (local folder). */
  downloadUrl(key: string, expiresSeconds: number): Promise<string | undefined>;
  /** The object's file path for a local folder store; undefined for remote stores. */
  localPath(key: string): string | undefined;
  /** Checks the store can be reached and written; throws StorageUnreachableError naming the location. Call at start. */
  verify(): Promise<void>;
  close?(): Promise<void>;
}

export class ObjectNotFoundError extends SpatialforgeError {
  constructor(readonly location: string, readonly key: string) {
    super(`no object ${JSON.stringify(key)} in ${location}`, 'not-found');
  }
}

/** The store (an S3 endpoint, a bucket, a folder) cannot be reached or written; the message names it. */
export class StorageUnreachableError extends SpatialforgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'storage-unreachable');
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export async function putJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, JSON.stringify(value), { contentType: 'application/json' });
}

export async function getJson<T>(store: ObjectStore, key: string): Promise<T> {
  return parseJson<T>(store, key, await store.get(key));
}

export async function getJsonOptional<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const bytes = await store.getOptional(key);
  return bytes === undefined ? undefined : parseJson<T>(store, key, bytes);
}

/**
 * A cached JSON object, when it reads back whole; undefined when there is none, or when it is cut
 * short or garbled: a writer killed mid-write, on a store whose writes are not atomic (s3rver, some
 * S3-compatible servers), leaves such an object, and whoever reads a cache should then compute the
 * value again and overwrite it rather than fail on every retry.
 */
export async function getCachedJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  try {
    return await getJsonOptional<T>(store, key);
  } catch (err) {
    if (err instanceof SpatialforgeError && err.code === 'corrupt-object') return undefined;
    throw err;
  }
}

function parseJson<T>(store: ObjectStore, key: string, bytes: Uint8Array): T {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as T;
  } catch (err) {
    throw new SpatialforgeError(`object ${key} in ${store.location} is not valid JSON: ${(err as Error).message}`, 'corrupt-object');
  }
}
