/**
 * Storage keys: `/`-separated relative paths such as `images/ab12….jpg`. Both backends accept exactly the
 * same keys, and a key that is accepted can never name anything outside the store's root: no `..` or `.`
 * segments, no absolute paths or drive letters, no backslashes, no control characters or NUL, no
 * percent-encoded bytes (`%2e%2e`, `%2f`), no empty segments. Keys are returned in Unicode NFC so the
 * same name typed two ways is one key.
 */
import { InputError } from '@spatialforge/core';

/** Name prefix of in-flight temporary files; reserved so no key can collide with one. */
export const RESERVED_SEGMENT_PREFIX = '.sf-tmp-';

/** Longest key in UTF-8 bytes (S3's limit). */
const MAX_KEY_BYTES = 1024;

/** A key (or list prefix) that is malformed (`bad-storage-key`) or would escape the store root (`path-escape`). */
export class StorageKeyError extends InputError {
  constructor(key: string, reason: string, code: 'bad-storage-key' | 'path-escape') {
    super(`storage key ${JSON.stringify(key)} is not allowed: ${reason}`, code, key);
  }
}

/** Returns the key in NFC form, or throws StorageKeyError. */
export function validateKey(key: string): string {
  checkKey(key, false);
  return key.normalize('NFC');
}

/**
 * A list prefix: "" (everything), a key-like string that may end in `/`, or a partial last segment
 * (`runs/ab` matches `runs/abc/x`). Returns it in NFC form.
 */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return '';
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, true);
  return prefix.normalize('NFC');
}

function checkKey(key: string, isPrefix: boolean): void {
  const what = isPrefix ? 'prefix' : 'key';
  if (typeof key !== 'string' || key.length === 0) throw new StorageKeyError(String(key), `empty ${what}`, 'bad-storage-key');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new StorageKeyError(key.slice(0, 64) + '…', `longer than ${MAX_KEY_BYTES} bytes`, 'bad-storage-key');
  }
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new StorageKeyError(key, 'control character or NUL', 'bad-storage-key');
  if (key.includes('\\')) throw new StorageKeyError(key, 'backslash', 'path-escape');
  if (/%[0-9a-f]{2}/i.test(key)) throw new StorageKeyError(key, 'percent-encoded bytes', 'path-escape');
  if (key.startsWith('/')) throw new StorageKeyError(key, 'absolute path', 'path-escape');
  if (/^[a-z]:/i.test(key)) throw new StorageKeyError(key, 'drive letter', 'path-escape');
  for (const segment of key.normalize('NFC').split('/')) {
    if (segment === '') throw new StorageKeyError(key, 'empty path segment', 'bad-storage-key');
    // NFKC catches look-alikes such as U+FF0E FULLWIDTH FULL STOP that some layers fold to '.'.
    const folded = segment.normalize('NFKC');
    if (folded === '.' || folded === '..') throw new StorageKeyError(key, `"${segment}" segment`, 'path-escape');
    if (segment.startsWith(RESERVED_SEGMENT_PREFIX)) {
      throw new StorageKeyError(key, `segments starting with ${RESERVED_SEGMENT_PREFIX} are reserved`, 'bad-storage-key');
    }
  }
}
