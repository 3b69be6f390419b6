/**
 * Listing a run's inputs. A source is a local folder (of images or of frame files), an S3 prefix
 * (the same), a JSONL manifest (each line an image reference string, `{ "image": … }`, or a full frame
 * manifest), a `.txt` list (one image reference per line, `#` comments), a single frame `.json`, a
 * single image, or URLs given inline. References resolve as references.ts says.
 *
 * A folder (or prefix) holding frame manifests is a folder of frames: each frame file is an item and the
 * files beside them (images, depth maps, masks, ground truth) are parts of frames; a folder without any
 * is a folder of images. A `.json` file that parses but is not a frame manifest (no "image" field: a
 * scene's truth.json, a demo.json) is not an input: it is skipped and counted, and `onSkipped` is told
 * once, at the end of the listing. Hidden files and folders (names starting with `.`) and symbolic links
 * are skipped. Items come in key order.
 *
 * A malformed line or frame file becomes an item carrying its error (the coordinator records the
 * failure and the run goes on); only a missing or empty source stops the listing, with an InputError.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError, type FrameManifest, type RunSource } from '@spatialforge/core';
import { LocalStore, type ObjectStore } from '@spatialforge/storage';
import { ManifestProblem, isFrame, manifestError, parseFrameManifest } from './frame-manifest.js';
import { defaultStoreFor, localPathOf, parseS3Uri, readUri, uriKind, type ReadUriOptions } from './read-uri.js';
import { checkS3Bucket, folderBase, manifestBase, resolveReference, withDir, type ReferenceBase, type ReferenceContext } from './references.js';

export type SourceItem =
  | {
      /** What the user gave (a path, a URI, `manifest.jsonl line 12`), for messages and failure records. */
      input: string;
      /** Absolute URI (or absolute local path) of the image. */
      image: string;
      /** The frame manifest with every reference resolved, for RGB-D inputs. */
      frame?: FrameManifest;
      error?: undefined;
    }
  | { input: string; error: InputError; image?: undefined; frame?: undefined };

export interface ListSourceOptions extends Pick<ReadUriOptions, 'http' | 'storeFor' | 'maxBytes'> {
  /** Refuse local paths in the source and in everything it names (sources submitted over REST). */
  forbidLocalPaths?: boolean;
  /**
   * S3 buckets the source and everything it names may be in (sources submitted over REST: SOURCE_S3_BUCKETS);
   * "*" allows any. @defaultValue any bucket
   */
  allowS3Buckets?: readonly string[];
  /** Told once per folder listing how many `.json` files were skipped as not frame manifests, with examples. */
  onSkipped?: (note: string) => void;
}

/** File extensions listed as images from folders and prefixes (lower case). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg', '.jpeg', '.jpe', '.png', '.gif', '.webp', '.tif', '.tiff', '.avif', '.heic', '.heif', '.bmp', '.svg',
]);
const MANIFEST_EXTENSIONS = new Set(['.jsonl', '.ndjson']);

/** Human name of a source, for messages. */
export function describeSource(source: RunSource): string {
  if (source.kind === 'uri') return source.uri;
  if (source.kind === 'jsonl') return source.baseUri ? `uploaded manifest (base ${source.baseUri})` : 'uploaded manifest';
  return `${source.urls.length} inline URL${source.urls.length === 1 ? '' : 's'}`;
}

export async function* listSource(source: RunSource, options: ListSourceOptions = {}): AsyncGenerator<SourceItem> {
  const name = describeSource(source);
  let count = 0;
  for await (const item of listItems(source, options)) {
    count++;
    yield item;
  }
  if (count === 0) throw new InputError(`${name}: the source holds no images`, 'source-empty', name);
}

function listItems(source: RunSource, options: ListSourceOptions): AsyncIterable<SourceItem> {
  const forbidLocalPaths = options.forbidLocalPaths ?? false;
  const s3Buckets = allowedBuckets(options);
  switch (source.kind) {
    case 'urls':
      return referenceLines(source.urls, 'inline URL', 'txt', { allowLocalAbsolute: !forbidLocalPaths, forbidLocalPaths, s3Buckets });
    case 'jsonl': {
      const base = source.baseUri ? checkedFolderBase(source.baseUri, 'baseUri', s3Buckets) : undefined;
      return referenceLines(splitLines(source.text), 'uploaded manifest', 'jsonl', { base, allowLocalAbsolute: false, forbidLocalPaths, s3Buckets });
    }
    case 'uri':
      return listUri(source.uri, options);
  }
}

async function* listUri(uri: string, options: ListSourceOptions): AsyncGenerator<SourceItem> {
  const kind = uriKind(uri);
  if (kind === 'unsupported') throw new InputError(`${uri}: unsupported source (a folder, s3://, http(s)://, .jsonl or .txt)`, 'unsupported-source', uri);
  if (kind === 'local' && options.forbidLocalPaths) throw new InputError(`${uri}: local paths are not accepted here`, 'local-path-forbidden', uri);
  const s3Buckets = allowedBuckets(options);
  if (kind === 's3') checkS3Bucket(parseS3Uri(uri).bucket, s3Buckets, uri);
  const extension = extname(kind === 'http' ? new URL(uri).pathname : uri).toLowerCase();
  const local = kind === 'local';
  const context = (base: ReferenceBase): ReferenceContext => ({ base, allowLocalAbsolute: local, forbidLocalPaths: options.forbidLocalPaths ?? false, s3Buckets });

  if (MANIFEST_EXTENSIONS.has(extension) || extension === '.txt') {
    const lines = local ? await localLines(uri) : splitLines(await readSourceText(uri, options));
    yield* referenceLines(lines, uri, extension === '.txt' ? 'txt' : 'jsonl', context(manifestBase(uri)));
    return;
  }
  if (extension === '.json') {
    if (local) await requireLocal(uri, 'file');
    const item = await frameFileItem(uri, context(manifestBase(uri)), options);
    yield 'notManifest' in item
      ? { input: uri, error: new InputError(`${uri}: not a frame manifest: expected a JSON object with an "image" field`, 'bad-manifest', uri) }
      : item;
    return;
  }
  if (kind === 'http' || IMAGE_EXTENSIONS.has(extension)) {
    if (local) await requireLocal(uri, 'file');
    yield { input: uri, image: local ? localPathOf(uri) : uri };
    return;
  }
  if (local) {
    await requireLocal(uri, 'folder');
    const root = localPathOf(uri);
    yield* folderItems(new LocalStore(root), '', (key) => `${root}/${key}`, context(folderBase(root)), options);
    return;
  }
  const { bucket, key: prefix } = parseS3Uri(uri.replace(/\/+$/, ''));
  const store = (options.storeFor ?? defaultStoreFor)(`s3://${bucket}`);
  yield* folderItems(store, prefix ? `${prefix}/` : '', (key) => `s3://${bucket}/${key}`, context(folderBase(`s3://${bucket}/${prefix}`)), options);
}

/**
 * A folder holding frame manifests is a folder of frames: its frame files are the items, and the images,
 * depth maps, masks and other files beside them are parts of those frames. A folder without any is a
 * folder of images. JSON files that are not manifests are skipped and reported once through onSkipped.
 */
async function* folderItems(
  store: ObjectStore,
  prefix: string,
  uriOf: (key: string) => string,
  context: ReferenceContext,
  options: ListSourceOptions,
): AsyncGenerator<SourceItem> {
  const visible = async function* (wanted: (extension: string) => boolean) {
    for await (const key of store.list(prefix)) {
      if (key.split('/').some((segment) => segment.startsWith('.'))) continue;
      if (wanted(extname(key).toLowerCase())) yield key;
    }
  };
  let frames = 0;
  const skipped: string[] = [];
  const readFrame = (key: string) => {
    const uri = uriOf(key);
    return frameFileItem(uri, { ...context, base: withDir(context.base!, uri) }, options, FRAME_FOLDER_HINT);
  };
  for await (const item of mapInOrder(visible((ext) => ext === '.json'), FRAME_READS_IN_FLIGHT, readFrame)) {
    if ('notManifest' in item) {
      skipped.push(item.notManifest);
      continue;
    }
    frames++;
    yield item;
  }
  if (skipped.length > 0) {
    const examples = skipped.slice(0, 3).map((uri) => uri.slice(uriOf('').length)).join(', ');
    options.onSkipped?.(
      `${uriOf(prefix)}: skipped ${skipped.length} .json file${skipped.length === 1 ? '' : 's'} that ${skipped.length === 1 ? 'is' : 'are'} not a frame manifest ` +
        `(no "image" field; e.g. ${examples}${skipped.length > 3 ? ', …' : ''})`,
    );
  }
  if (frames > 0) return;
  for await (const key of visible((ext) => IMAGE_EXTENSIONS.has(ext))) yield { input: uriOf(key), image: uriOf(key) };
}

const FRAME_FOLDER_HINT = ' (a folder holding .json files is read as a folder of frame manifests)';
/** Frame files read at once: an S3 prefix of 100k frames is not 100k sequential round trips. */
const FRAME_READS_IN_FLIGHT = 16;

/** `map` over an async iterable with up to `limit` calls in flight, yielding results in input order. */
async function* mapInOrder<T, R>(source: AsyncIterable<T>, limit: number, map: (value: T) => Promise<R>): AsyncGenerator<R> {
  const window: Promise<R>[] = [];
  for await (const value of source) {
    const result = map(value);
    result.catch(() => undefined); // rejections are rethrown when the result's turn comes, never left unhandled
    window.push(result);
    if (window.length >= limit) yield await window.shift()!;
  }
  while (window.length > 0) yield await window.shift()!;
}

/** A `.json` file in a folder source that parses but is not a frame manifest (see folderItems). */
interface NotAManifest {
  notManifest: string;
}

/**
 * Reads one frame file. A JSON value without an "image" field comes back as NotAManifest: in a folder
 * it is some other file of the corpus; named on its own it is a bad manifest (see listUri).
 */
async function frameFileItem(uri: string, context: ReferenceContext, options: ListSourceOptions, hint = ''): Promise<SourceItem | NotAManifest> {
  try {
    const text = Buffer.from(await readUri(uri, { ...options, input: uri })).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ManifestProblem(`not valid JSON (${(err as Error).message})${hint}`);
    }
    if (typeof value !== 'object' || value === null || !('image' in value)) return { notManifest: uri };
    const frame = parseFrameManifest(value, context);
    return isFrame(frame) ? { input: uri, image: frame.image, frame } : { input: uri, image: frame.image };
  } catch (err) {
    if (err instanceof InputError && err.input === uri) return { input: uri, error: err };
    return { input: uri, error: manifestError(err, 'bad-manifest', uri) };
  }
}

/** One item per non-blank line: a reference (txt) or a JSON string / frame manifest (jsonl). */
async function* referenceLines(
  lines: Iterable<string> | AsyncIterable<string>,
  manifest: string,
  format: 'jsonl' | 'txt',
  context: ReferenceContext,
): AsyncGenerator<SourceItem> {
  let number = 0;
  for await (const raw of lines) {
    number++;
    const line = (number === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (!line || (format === 'txt' && line.startsWith('#'))) continue;
    const input = `${manifest} line ${number}`;
    try {
      if (format === 'txt') {
        yield { input, image: resolveReference(line, context, input) };
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new ManifestProblem(`not valid JSON (${(err as Error).message})`);
      }
      if (typeof value === 'string') {
        yield { input, image: resolveReference(value, context, input) };
        continue;
      }
      const frame = parseFrameManifest(value, context);
      yield isFrame(frame) ? { input, image: frame.image, frame } : { input, image: frame.image };
    } catch (err) {
      if (err instanceof InputError && err.input === input) yield { input, error: err };
      else yield { input, error: manifestError(err, 'bad-manifest-line', input) };
    }
  }
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/** Streams a local manifest line by line, so a manifest of millions of lines is never held whole. */
async function localLines(uri: string): Promise<AsyncIterable<string>> {
  const path = await requireLocal(uri, 'file');
  return createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
}

async function readSourceText(uri: string, options: ListSourceOptions): Promise<string> {
  try {
    return Buffer.from(await readUri(uri, { ...options, input: uri })).toString('utf8');
  } catch (err) {
    if (err instanceof InputError && (err.code === 'not-found' || err.code === 'http-404')) {
      throw new InputError(`${uri}: the source does not exist (${err.message})`, 'source-missing', uri);
    }
    throw err;
  }
}

/** The local path of a source, which must exist and be of the kind wanted. */
async function requireLocal(uri: string, want: 'file' | 'folder'): Promise<string> {
  const path = localPathOf(uri);
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new InputError(`${uri}: the source does not exist`, 'source-missing', uri);
    throw err;
  });
  if (want === 'folder' && !info.isDirectory()) {
    throw new InputError(`${uri}: not a folder, image, .json frame, .jsonl manifest or .txt URL list`, 'unsupported-source', uri);
  }
  if (want === 'file' && !info.isFile()) throw new InputError(`${uri}: not a file`, 'unsupported-source', uri);
  return path;
}

function checkedFolderBase(uri: string, field: string, s3Buckets: ReadonlySet<string> | undefined): ReferenceBase {
  const kind = uriKind(uri);
  if (kind === 'unsupported') throw new InputError(`${field} ${uri}: unsupported URI scheme`, 'unsupported-uri', uri, field);
  if (kind === 's3') checkS3Bucket(parseS3Uri(uri, field).bucket, s3Buckets, `${field} ${uri}`);
  return folderBase(uri);
}

function allowedBuckets(options: ListSourceOptions): ReadonlySet<string> | undefined {
  return options.allowS3Buckets ? new Set(options.allowS3Buckets) : undefined;
}
