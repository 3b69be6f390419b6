/**
 * Errors a caller can act on. `InputError` means the input itself is bad (do not retry; mark the
 * image failed with its code and message). Anything else thrown by a stage is treated as transient.
 */
export class SpatialforgeError extends Error {
  constructor(
    message: string,
    /** Stable machine-readable code, e.g. `depth-size-mismatch`. */
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: names the input (file, URI or image id) and, where there is one, the field. */
export class InputError extends SpatialforgeError {
  constructor(
    message: string,
    code: string,
    readonly input?: string,
    readonly field?: string,
  ) {
    super(message, code);
  }
}

/** A configuration error that must stop a process at start, naming the setting and the fix. */
export class ConfigError extends SpatialforgeError {
  constructor(message: string, readonly setting?: string) {
    super(message, 'config');
  }
}

export function isInputError(err: unknown): err is InputError {
  return err instanceof InputError;
}

/** What a failure code means and what the user can do about it: the run summary, failures.jsonl and `status` show both. */
export interface FailureExplanation {
  /** The reason, in a few words. */
  reason: string;
  /** The fix: what to change, run or give instead. */
  fix: string;
}

const REPLACE_FILE = 'replace or re-export the file (or leave it out of the source)';
const FIX_MANIFEST = 'correct the manifest (fields in packages/core/src/frame.ts); other lines and files still run';
const FIX_REFERENCE = 'use a path inside the source folder, an s3:// key or an http(s) URL';
const FIX_RETRY = 'usually passing: retry the failed images (POST /v1/runs/{id}/retry, or run the same command again)';

/** Per-image failure codes (ingest, manifests, URLs, perception, the factory) with their reason and fix. */
const FAILURES: Record<string, FailureExplanation> = {
  'no-depth': {
    reason: 'the image has no depth map and no depth model is configured',
    fix: 'spatialforge models pull metric3d-v2-vit-small, then --depth-model metric3d-v2-vit-small; or give frame manifests with depth',
  },
  truncated: { reason: 'the file ends before the image data does', fix: REPLACE_FILE },
  empty: { reason: 'the file is empty', fix: REPLACE_FILE },
  'not-an-image': { reason: 'the file is not an image (text, HTML, …)', fix: REPLACE_FILE },
  'corrupt-image': { reason: 'the image data cannot be decoded', fix: REPLACE_FILE },
  'unsupported-format': { reason: 'an image format this build cannot decode', fix: 'convert it to JPEG, PNG, WebP or AVIF' },
  'too-many-pixels': { reason: 'the image declares more pixels than ingest decodes', fix: 'downscale it first, or raise INGEST_MAX_PIXELS' },
  'too-small': { reason: 'the image is smaller than ingest accepts', fix: 'leave it out, or give the full-size image' },
  'aspect-ratio': { reason: 'the image is far narrower than a photo', fix: 'crop it, or leave it out' },
  'too-large': { reason: 'the file is larger than ingest reads', fix: 'shrink it, or raise INGEST_MAX_BYTES' },
  'svg-refused': { reason: 'SVG is refused (it can name external files)', fix: 'rasterise it to PNG' },
  'depth-size-mismatch': { reason: 'the depth map is not the size of the image', fix: 'give the depth map at the image’s resolution' },
  'bad-depth': { reason: 'the depth map cannot be read', fix: 'give a 16-bit PNG, a float TIFF or a .npy of metres with its scale' },
  'depth-empty': { reason: 'the depth map holds no valid measurement', fix: 'check the depth file and its scale' },
  'mask-size-mismatch': { reason: 'a mask is not the size of the image', fix: 'give masks at the image’s resolution' },
  'mask-value-absent': { reason: 'no pixel of the mask has the object’s maskValue', fix: 'correct maskValue or the mask file' },
  'bad-mask': { reason: 'a mask cannot be read', fix: 'give an 8- or 16-bit PNG mask' },
  'box-outside-image': { reason: 'an object box lies outside the image', fix: 'give boxes in pixels of this image' },
  'invalid-intrinsics': { reason: 'the intrinsics do not fit the image', fix: 'give fx, fy, cx, cy in pixels of this image' },
  'bad-manifest': { reason: 'a frame manifest file is malformed', fix: FIX_MANIFEST },
  'bad-manifest-line': { reason: 'a manifest line is malformed', fix: FIX_MANIFEST },
  'path-escape': { reason: 'a reference leaves the source’s folder', fix: FIX_REFERENCE },
  'bad-reference': { reason: 'a reference is not a usable path or URL', fix: FIX_REFERENCE },
  'unsupported-uri': { reason: 'a reference has an unsupported URI scheme', fix: FIX_REFERENCE },
  'relative-without-base': { reason: 'a relative reference with no base to resolve it against', fix: 'give the manifest a baseUri, or absolute URLs' },
  'local-path-forbidden': { reason: 'local paths are not accepted here', fix: 'use s3:// or http(s) references' },
  's3-bucket-forbidden': { reason: 'an S3 bucket this service does not read', fix: 'add it to SOURCE_S3_BUCKETS, or copy the files to an allowed bucket' },
  'not-found': { reason: 'the file or object does not exist', fix: 'correct the reference, or restore the file' },
  'missing-file': { reason: 'the file does not exist', fix: 'correct the reference, or restore the file' },
  'unreadable-file': { reason: 'the file cannot be read', fix: 'check its permissions' },
  'http-404': { reason: 'the URL answered 404', fix: 'correct the URL' },
  timeout: { reason: 'the download took too long or went silent', fix: FIX_RETRY },
  'redirect-loop': { reason: 'the URL redirects in a loop', fix: 'give the final URL' },
  'too-many-redirects': { reason: 'the URL redirects too often', fix: 'give the final URL' },
  'blocked-address': { reason: 'the URL resolves to a private, loopback or metadata address', fix: 'allow the host with INGEST_ALLOW_HOSTS if it is meant' },
  'unresolvable-host': { reason: 'the URL’s host name does not resolve', fix: 'correct the URL' },
  'depth-needs-focal': { reason: 'the depth model needs a focal length and none is known', fix: 'give intrinsics, or --fov DEGREES' },
  stalled: { reason: 'the batch’s workers died repeatedly while holding it', fix: FIX_RETRY },
  'batch-failed': { reason: 'the batch failed on every attempt', fix: FIX_RETRY },
  transient: { reason: 'a temporary failure that outlasted its retries (storage, network, a model)', fix: FIX_RETRY },
};

/** The reason and fix of a failure code; codes with a status (`http-500`) or no entry get a general one. */
export function explainFailure(code: string): FailureExplanation {
  const known = FAILURES[code];
  if (known) return known;
  if (/^http-\d+$/.test(code)) return { reason: `the URL answered HTTP ${code.slice(5)}`, fix: FIX_RETRY };
  return { reason: 'see the message', fix: 'correct the input the message names' };
}
