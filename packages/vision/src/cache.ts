/**
 * The local model cache: `<cacheDir>/<model>/<file>`, plus `pins.json` holding the digests pinned on first
 * pull for files whose manifest publishes none. Checks files against their expected digests.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@spatialforge/core';
import type { ModelFile, ModelManifest } from './manifest.js';

const PINS_FILE = 'pins.json';

export function modelDir(cacheDir: string, model: string): string {
  return join(cacheDir, model);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export type Pins = Record<string, string>;

export async function readPins(dir: string): Promise<Pins> {
  try {
    return JSON.parse(await readFile(join(dir, PINS_FILE), 'utf8')) as Pins;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

export async function writePin(dir: string, file: string, sha256: string): Promise<void> {
  const pins = { ...(await readPins(dir)), [file]: sha256 };
  const tmp = join(dir, `.${PINS_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(pins, null, 2)}\n`);
  await rename(tmp, join(dir, PINS_FILE));
}

/** The digest a file must have: the manifest's published one, else the one pinned at first pull. */
export function expectedDigest(file: ModelFile, pins: Pins): string | undefined {
  return file.sha256 ?? pins[file.name];
}

/**
 * A model's digest: the file's sha256 for a one-file model, otherwise the sha256 of the sorted
 * "name sha256" lines of its files. Stage outputs record it.
 */
export function modelDigest(fileDigests: Record<string, string>): string {
  const names = Object.keys(fileDigests).sort();
  if (names.length === 1) return fileDigests[names[0]];
  return createHash('sha256')
    .update(names.map((n) => `${n} ${fileDigests[n]}\n`).join(''))
    .digest('hex');
}

export type FileState = 'ok' | 'missing' | 'corrupt' | 'wrong-size' | 'unpinned' | 'unchecked';

export interface FileStatus {
  name: string;
  path: string;
  state: FileState;
  bytes?: number;
  /** The file's sha256 (when hashed). */
  sha256?: string;
  expected?: string;
}

export interface ModelStatus {
  manifest: ModelManifest;
  dir: string;
  files: FileStatus[];
  /** Every file present and matching its digest (or present, when not hashed). */
  installed: boolean;
  /** The model digest, when every file was hashed and matched. */
  digest?: string;
}

/**
 * Looks at a model's files in the cache. With `hash`, each present file is hashed and compared with its
 * expected digest; without, only presence and size are checked (state `unchecked`).
 */
export async function inspectModel(manifest: ModelManifest, cacheDir: string, { hash }: { hash: boolean }): Promise<ModelStatus> {
  const dir = modelDir(cacheDir, manifest.name);
  const pins = await readPins(dir);
  const files: FileStatus[] = [];
  for (const file of manifest.files) {
    const path = join(dir, file.name);
    const expected = expectedDigest(file, pins);
    let bytes: number;
    try {
      bytes = (await stat(path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      files.push({ name: file.name, path, state: 'missing', expected });
      continue;
    }
    if (file.bytes !== undefined && bytes !== file.bytes) {
      files.push({ name: file.name, path, state: 'wrong-size', bytes, expected });
      continue;
    }
    if (!hash) {
      files.push({ name: file.name, path, state: 'unchecked', bytes, expected });
      continue;
    }
    const sha256 = await sha256File(path);
    const state: FileState = expected === undefined ? 'unpinned' : sha256 === expected ? 'ok' : 'corrupt';
    files.push({ name: file.name, path, state, bytes, sha256, expected });
  }
  const installed = files.every((f) => f.state === 'ok' || f.state === 'unpinned' || f.state === 'unchecked');
  const digest =
    hash && installed ? modelDigest(Object.fromEntries(files.map((f) => [f.name, f.sha256 as string]))) : undefined;
  return { manifest, dir, files, installed, digest };
}

/** The command that installs a model's files, or how to produce them when nothing can be downloaded. */
export function fixFor(manifest: ModelManifest, force = false): string {
  const downloadable = manifest.files.every((f) => f.urls.length > 0);
  if (!downloadable && manifest.exportHint) return manifest.exportHint;
  return `spatialforge models pull ${manifest.name}${force ? ' --force' : ''}`;
}

/** One sentence per problem file, naming the file, the expected digest and the fix. */
export function describeProblem(status: ModelStatus, file: FileStatus): string | undefined {
  const { manifest } = status;
  const want = file.expected ? `expected sha256 ${file.expected}` : 'no published digest; pinned on first pull';
  switch (file.state) {
    case 'ok':
    case 'unpinned':
    case 'unchecked':
      return undefined;
    case 'missing':
      return `model ${manifest.name}: file ${file.path} is missing (${want}); fix: ${fixFor(manifest)}`;
    case 'wrong-size':
      return (
        `model ${manifest.name}: file ${file.path} has ${file.bytes} bytes, expected ${manifest.files.find((f) => f.name === file.name)?.bytes} ` +
        `(${want}); it is truncated or a different export; fix: ${fixFor(manifest, true)}`
      );
    case 'corrupt':
      return (
        `model ${manifest.name}: file ${file.path} has sha256 ${file.sha256}, ${want}; ` +
        `it is corrupt or a different export; fix: ${fixFor(manifest, true)}`
      );
  }
}

/**
 * Hashes every file of each model and throws one ConfigError listing every missing, truncated or
 * mismatched file with its expected digest and the fix. Files without any digest are pinned now
 * (trust on first use). Returns the statuses, each with its model digest.
 */
export async function verifyInstalled(manifests: ModelManifest[], cacheDir: string): Promise<ModelStatus[]> {
  const statuses: ModelStatus[] = [];
  const problems: string[] = [];
  for (const manifest of manifests) {
    const status = await inspectModel(manifest, cacheDir, { hash: true });
    for (const file of status.files) {
      const problem = describeProblem(status, file);
      if (problem) problems.push(problem);
      else if (file.state === 'unpinned') await writePin(status.dir, file.name, file.sha256 as string);
    }
    statuses.push(status);
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), 'MODEL_CACHE_DIR');
  return statuses;
}
