/**
 * The demo's corpus: synthetic RGB-D scenes (@spatialforge/synth) written as scene folders plus a
 * `frames.jsonl` manifest naming each frame (the folders also hold ground truth files, which are not
 * frames, so the manifest is the source).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateScene, sceneFolderName, sceneManifest, writeScene } from '@spatialforge/synth';
import type { FrameManifest } from '@spatialforge/core';

export interface DemoInputOptions {
  scenes: number;
  seed: number;
  /** Image size, pixels. @defaultValue 640 × 480 */
  width?: number;
  height?: number;
}

/** Writes the scenes into `dir` (skipped when it already holds the same ones) and returns the manifest path. */
export async function writeDemoInput(dir: string, options: DemoInputOptions): Promise<string> {
  const manifestPath = join(dir, 'frames.jsonl');
  const markerPath = join(dir, 'demo.json');
  const marker = JSON.stringify(options);
  if ((await readFile(markerPath, 'utf8').catch(() => '')) === marker) return manifestPath;
  await mkdir(dir, { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < options.scenes; i++) {
    const name = sceneFolderName(i);
    const scene = generateScene({ seed: options.seed * 100_003 + i, width: options.width, height: options.height });
    await writeScene(scene, join(dir, name));
    lines.push(JSON.stringify(inFolder(sceneManifest(scene), name)));
  }
  await writeFile(manifestPath, `${lines.join('\n')}\n`);
  await writeFile(markerPath, marker);
  return manifestPath;
}

function inFolder(manifest: FrameManifest, folder: string): FrameManifest {
  return {
    ...manifest,
    image: `${folder}/${manifest.image}`,
    depth: manifest.depth && { ...manifest.depth, uri: `${folder}/${manifest.depth.uri}` },
    objects: manifest.objects?.map((o) => ('mask' in o ? { ...o, mask: `${folder}/${o.mask}` } : o)),
  };
}
