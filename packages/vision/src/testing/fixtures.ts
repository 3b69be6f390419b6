/** Test helpers: temporary model caches holding test graphs, and synthetic images. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RgbImage } from '@spatialforge/core';
import type { ModelManifest } from '../manifest.js';

export async function tempDir(prefix = 'sf-vision-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Writes `files` into `<cacheDir>/<manifest.name>/` and returns a copy of the manifest whose files carry
 * their digests and sizes (and no URLs), so loading goes through the normal verification path.
 */
export async function installModel(cacheDir: string, manifest: ModelManifest, files: Record<string, Uint8Array | string>): Promise<ModelManifest> {
  const dir = join(cacheDir, manifest.name);
  await mkdir(dir, { recursive: true });
  const described = [];
  for (const file of manifest.files) {
    const content = files[file.name];
    if (content === undefined) throw new Error(`no content for ${file.name}`);
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    await writeFile(join(dir, file.name), bytes);
    described.push({ name: file.name, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, urls: [] });
  }
  return { ...manifest, files: described };
}

export function solidImage(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

/** An image whose pixel (x, y) is `colour(x, y)`. */
export function paintedImage(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 3);
  return { width, height, data };
}
