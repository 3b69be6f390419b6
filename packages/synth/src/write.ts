/**
 * Writing synthetic scenes as the factory's RGB-D sources: a frame manifest next to its PNGs, plus
 * the ground truth.
 *
 * Folder layout: `frame.json` (a FrameManifest), `rgb.png` (8-bit RGB), `depth.png` (16-bit grey,
 * millimetres, 0 = no measurement), `instances.png` (8-bit grey, 0 = background, k = mask value k)
 * and `truth.json` (objects and camera; canonical frame, metres). An episode is a folder of such
 * frame folders plus `episode.json`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Box2D, DepthMap, FrameManifest } from '@spatialforge/core';
import type { EpisodeFrameTruth, EpisodeObject, SyntheticEpisode } from './episode.js';
import type { Room } from './render.js';
import type { SceneCamera, SyntheticScene, TruthObject } from './scene.js';

/** Metres per unit of the depth PNG. */
export const DEPTH_SCALE = 0.001;

export const SCENE_FILES = {
  manifest: 'frame.json',
  rgb: 'rgb.png',
  depth: 'depth.png',
  instances: 'instances.png',
  truth: 'truth.json',
  episode: 'episode.json',
} as const;

/** The contents of `truth.json`. */
export interface SceneTruth {
  id: string;
  width: number;
  height: number;
  camera: SceneCamera;
  room: Room;
  objects: TruthObject[];
}

/** The frame manifest; a hard scene's objects are its detector-like boxes (none for an object fully hidden), others' their masks. */
export function sceneManifest(scene: SyntheticScene & { boxes?: (Box2D | undefined)[] }): FrameManifest {
  const { boxes } = scene;
  return {
    image: SCENE_FILES.rgb,
    depth: { uri: SCENE_FILES.depth, scale: DEPTH_SCALE },
    intrinsics: scene.intrinsics,
    objects: boxes
      ? scene.objects.flatMap((object, k) => (boxes[k] ? [{ id: object.id, label: object.label, box: boxes[k]! }] : []))
      : scene.objects.map((object) => ({ id: object.id, label: object.label, mask: SCENE_FILES.instances, maskValue: object.maskValue })),
  };
}

export function sceneTruth(scene: SyntheticScene): SceneTruth {
  return { id: scene.id, width: scene.width, height: scene.height, camera: scene.camera, room: scene.room, objects: scene.objects };
}

/** The folder of scene `index` of a corpus (`spatialforge synth`, the demo): scene-0000, scene-0001, … */
export function sceneFolderName(index: number): string {
  return `scene-${String(index).padStart(4, '0')}`;
}

/** Writes the scene's five files into `dir` (created if missing). */
export async function writeScene(scene: SyntheticScene & { boxes?: (Box2D | undefined)[] }, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { width, height } = scene;
  await Promise.all([
    writeFile(join(dir, SCENE_FILES.manifest), `${JSON.stringify(sceneManifest(scene), null, 2)}\n`),
    writeFile(join(dir, SCENE_FILES.truth), `${JSON.stringify(sceneTruth(scene), null, 2)}\n`),
    sharp(scene.rgb.data, { raw: { width, height, channels: 3 } }).png().toFile(join(dir, SCENE_FILES.rgb)),
    sharp(depthMillimetres(scene.depth), { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toFile(join(dir, SCENE_FILES.depth)),
    sharp(scene.instances, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, SCENE_FILES.instances)),
  ]);
}

/** Depth as 16-bit PNG units (DEPTH_SCALE metres each), rounded; 0 stays 0 and beyond 65.535 m clamps. */
export function depthMillimetres(depth: DepthMap): Uint16Array {
  const out = new Uint16Array(depth.data.length);
  for (let i = 0; i < out.length; i++) {
    const value = depth.data[i];
    out[i] = value > 0 ? Math.min(65535, Math.round(value / DEPTH_SCALE)) : 0;
  }
  return out;
}

/** The contents of an episode's `episode.json`. */
export interface EpisodeManifest {
  id: string;
  a: EpisodeObject;
  b: EpisodeObject;
  /** Per frame: its folder (relative to episode.json) and the true A–B distances, metres. */
  frames: (EpisodeFrameTruth & { dir: string })[];
}

/** Folder name of frame `index`: `frame-000`, `frame-001`, ... */
export function frameDir(index: number): string {
  return `frame-${String(index).padStart(3, '0')}`;
}

/** Writes each frame as a scene folder (`frame-000/`, ...) under `dir`, and `episode.json`. */
export async function writeEpisode(episode: SyntheticEpisode, dir: string): Promise<EpisodeManifest> {
  await mkdir(dir, { recursive: true });
  for (const [index, frame] of episode.frames.entries()) await writeScene(frame, join(dir, frameDir(index)));
  const manifest: EpisodeManifest = {
    id: episode.id,
    a: episode.a,
    b: episode.b,
    frames: episode.truth.map((truth) => ({ ...truth, dir: frameDir(truth.index) })),
  };
  await writeFile(join(dir, SCENE_FILES.episode), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
