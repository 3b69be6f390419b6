/**
 * Resolving the image, depth and mask references written in manifests and URL lists.
 *
 * Rules (issue 7: manifest paths cannot escape their root):
 * - A relative reference resolves against the manifest's folder and must stay inside the source's root:
 *   the folder given as the source, or the manifest's own folder for a manifest file. `..` is followed
 *   only while it stays inside; percent-encoded dots, slashes, backslashes and NUL (`%2e`, `%2f`, `%5c`,
 *   `%00`) and backslashes are refused outright, for every kind of base.
 * - `http(s)://` and `s3://` references are taken as they are (downloads are still SSRF-checked).
 * - Absolute local paths and `file://` URIs are accepted only where their owner wrote them on purpose:
 *   in manifests and frame files read from local disk and in URLs given inline on the command line.
 *   A manifest fetched from S3 or HTTP, or uploaded as text, cannot name local files (`path-escape`),
 *   and with `forbidLocalPaths` (the REST service) no local path is accepted at all (`local-path-forbidden`).
 * - With an S3 bucket allow-list (the REST service: SOURCE_S3_BUCKETS), an `s3://` reference to any other
 *   bucket is refused (`s3-bucket-forbidden`): the service reads S3 with its own credentials, which may
 *   reach buckets (its own output included) that the submitter has no business reading.
 */
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '@spatialforge/core';
import { parseS3Uri, uriKind } from './read-uri.js';

/** Where relative references resolve (`dir`) and what they may not leave (`root`). */
export type ReferenceBase =
  | { kind: 'local'; dir: string; root: string }
  | { kind: 's3'; bucket: string; dir: string; root: string }
  | { kind: 'http'; dir: URL; root: URL };

export interface ReferenceContext {
  base?: ReferenceBase;
  /** Accept absolute local paths and file:// URIs (the reference's owner wrote them on this machine). */
  allowLocalAbsolute: boolean;
  /** Refuse every local path (REST submissions). */
  forbidLocalPaths: boolean;
  /** S3 buckets references may name; undefined (or a set holding "*"): any. */
  s3Buckets?: ReadonlySet<string>;
}

/** Throws `s3-bucket-forbidden` for a bucket outside the allow-list (undefined, or holding "*": any bucket). */
export function checkS3Bucket(bucket: string, allowed: ReadonlySet<string> | undefined, input: string): void {
  if (!allowed || allowed.has('*') || allowed.has(bucket)) return;
  throw new InputError(
    `${input}: s3://${bucket} is not among the S3 buckets this service reads from (SOURCE_S3_BUCKETS${allowed.size ? `: ${[...allowed].join(', ')}` : ' is empty'})`,
    's3-bucket-forbidden',
    input,
  );
}

/** The folder of a manifest file at `uri`, which is also its root. */
export function manifestBase(uri: string): ReferenceBase {
  return folderBase(parentOf(uri));
}

/** A folder URI (local path, `s3://bucket/prefix`, `http(s)://host/dir/`) as both base and root. */
export function folderBase(uri: string): ReferenceBase {
  const kind = uriKind(uri);
  if (kind === 's3') {
    const { bucket, key } = parseS3Uri(uri.replace(/\/+$/, ''));
    return { kind: 's3', bucket, dir: key, root: key };
  }
  if (kind === 'http') {
    const dir = new URL(uri.endsWith('/') ? uri : `${uri}/`);
    return { kind: 'http', dir, root: dir };
  }
  const path = uri.startsWith('file://') ? fileURLToPath(uri) : resolve(uri);
  return { kind: 'local', dir: path, root: path };
}

/** The same root, resolving from a sub-folder (a frame file deep inside a folder source). */
export function withDir(base: ReferenceBase, fileUri: string): ReferenceBase {
  const parent = folderBase(parentOf(fileUri));
  return { ...base, dir: parent.dir } as ReferenceBase;
}

function parentOf(uri: string): string {
  if (uriKind(uri) === 'http') return new URL('.', uri).href;
  const slash = uri.replace(/\/+$/, '').lastIndexOf('/');
  if (uriKind(uri) === 's3') return uri.slice(0, slash);
  const path = uri.startsWith('file://') ? fileURLToPath(uri) : resolve(uri);
  return resolve(path, '..');
}

/** Resolves one reference to an absolute URI (local references become absolute paths). */
export function resolveReference(ref: unknown, context: ReferenceContext, input: string): string {
  const refuse = (reason: string, code = 'path-escape'): never => {
    throw new InputError(`${input}: reference ${JSON.stringify(ref)} refused: ${reason}`, code, input);
  };
  if (typeof ref !== 'string' || ref.trim() === '') return refuse('expected a non-empty string', 'bad-reference');
  if (ref.length > 4096) return refuse('longer than 4096 characters', 'bad-reference');
  if (/[\u0000-\u001f\u007f]/.test(ref)) return refuse('control character or NUL', 'bad-reference');
  const kind = uriKind(ref);
  if (kind === 'http') {
    try {
      return new URL(ref).href;
    } catch {
      return refuse('not a valid URL', 'bad-reference');
    }
  }
  if (kind === 's3') {
    const { bucket, key } = parseS3Uri(ref, input);
    checkS3Bucket(bucket, context.s3Buckets, input);
    return `s3://${bucket}/${key}`;
  }
  if (kind === 'unsupported') return refuse('unsupported URI scheme (use a relative path, s3:// or http(s)://)', 'unsupported-uri');
  const absolute = ref.startsWith('file://') || isAbsolute(ref) || /^[a-z]:[\\/]/i.test(ref);
  if (absolute || !context.base || context.base.kind === 'local') {
    if (context.forbidLocalPaths) return refuse('local paths are not accepted here', 'local-path-forbidden');
  }
  if (absolute) {
    if (!context.allowLocalAbsolute) return refuse('absolute local paths are only accepted in manifests read from local disk');
    try {
      return ref.startsWith('file://') ? fileURLToPath(ref) : resolve(ref);
    } catch (err) {
      return refuse((err as Error).message, 'bad-reference');
    }
  }
  if (/%(2e|2f|5c|00)/i.test(ref)) return refuse('percent-encoded dot, slash, backslash or NUL');
  if (ref.includes('\\')) return refuse('backslash in a path');
  const base = context.base;
  if (!base) return refuse('a relative path needs a base location (give the manifest a baseUri)', 'relative-without-base');
  switch (base.kind) {
    case 'local': {
      const path = resolve(base.dir, ref);
      const inside = relative(base.root, path);
      if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return refuse(`leaves ${base.root}`);
      return path;
    }
    case 's3': {
      const key = posix.normalize(posix.join(base.dir, ref));
      const insideRoot = base.root === '' ? !key.startsWith('../') && key !== '..' : key.startsWith(`${base.root}/`);
      if (!insideRoot || key.startsWith('/')) return refuse(`leaves s3://${base.bucket}/${base.root}`);
      checkS3Bucket(base.bucket, context.s3Buckets, input);
      return `s3://${base.bucket}/${key}`;
    }
    case 'http': {
      const url = new URL(ref, base.dir);
      if (url.origin !== base.root.origin || !url.pathname.startsWith(base.root.pathname)) return refuse(`leaves ${base.root.href}`);
      return url.href;
    }
  }
}
