/**
 * Dense rewards for robot episodes (SpatialVLM section 5.2): the 3D distance between two objects named
 * by phrases ("gripper", "orange bottle") in every frame, a smoothed curve, a dense reward and a
 * success flag.
 *
 * - Each frame is lifted to a scene graph (canonical frame, metres). Objects are labelled apart
 *   before lifting (by id), so three bottles are all kept, not dropped as ambiguous.
 * - A phrase matches an object by label, or by colour and label ("orange bottle"); when some
 *   objects match colour and label, only those are candidates.
 * - Identity across frames: in the first frame where a phrase matches, the candidate with the most
 *   3D points (the most visible) is taken; afterwards, the candidate nearest (centre to centre) to
 *   where that object was last seen. A and B are never the same object.
 * - Distances per frame: between the centres and between the closest points (gap) of the two
 *   objects' axis-aligned boxes, metres. A frame where either object is not found has none.
 * - Smoothing: a centred moving median over `window` frames (5 by default), the window shrinking
 *   symmetrically at the ends so the first and last values are the measured ones; a median ignores
 *   a single-frame lifting outlier that a mean would smear over its neighbours.
 * - Dense reward: progress towards contact, 1 − smoothedGap(t) / smoothedGap(first frame): 0 at the
 *   start, 1 at contact, negative when moving away.
 * - Success: the smoothed gap of the last measured frame is at most `threshold` metres.
 */
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, type Frame, type FrameManifest, type SceneGraph, type SceneObject, type Vec3 } from '@spatialforge/core';
import { centreDistance, gapDistance } from '@spatialforge/qa';
import { liftFrame, loadFrame, loadFrameFile, type LiftOptions, type ReadRelative } from '@spatialforge/scene';
import { rewardPng } from './reward-plot.js';

/** One frame of an episode, in whichever form the caller has it. */
export interface RewardFrameInput {
  /** How reports name the frame (its folder or file). */
  name?: string;
  scene?: SceneGraph;
  frame?: Frame;
  /** A frame manifest and a reader for the files it names. */
  manifest?: FrameManifest;
  read?: ReadRelative;
}

export interface RewardOptions {
  /** Phrase naming object A, e.g. "gripper". */
  a: string;
  /** Phrase naming object B, e.g. "orange bottle". */
  b: string;
  /** Success when the final gap is at most this, metres. @defaultValue 0.05 */
  threshold?: number;
  /** Frames in the moving-median window (odd). @defaultValue 5 */
  window?: number;
  lift?: Partial<LiftOptions>;
}

export interface RewardTrack {
  id: string;
  label: string;
  colour: string;
  /** Centre in the canonical frame, metres. */
  centre: Vec3;
}

export interface RewardFrame {
  index: number;
  name: string;
  a: RewardTrack | null;
  b: RewardTrack | null;
  /** Metres; null when A or B was not found in the frame. */
  centreDistance: number | null;
  gap: number | null;
  smoothedCentreDistance: number | null;
  smoothedGap: number | null;
  reward: number | null;
}

export interface RewardResult {
  a: string;
  b: string;
  threshold: number;
  smoothing: string;
  reward: string;
  frames: RewardFrame[];
  /** The last frame with a measurement: its index and smoothed gap, metres. */
  final: { index: number; gap: number } | null;
  success: boolean;
  /** First frame whose smoothed gap is within the threshold, if any. */
  firstSuccessFrame: number | null;
}

const COLOUR_WORDS = new Set(['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown', 'black', 'white', 'gray', 'grey']);

function normalise(text: string): string {
  return text.toLowerCase().replace(/^(?:the|a|an)\s+/, '').replace(/\s+/g, ' ').trim();
}

/** Objects a phrase names: colour-and-label matches when there are any, else label matches. */
export function matchPhrase(phrase: string, objects: SceneObject[]): SceneObject[] {
  const wanted = normalise(phrase);
  const byLabel = objects.filter((o) => {
    const label = normalise(o.label);
    return wanted === label || wanted.endsWith(` ${label}`) || wanted === `${label}s`;
  });
  const words = wanted.split(' ');
  const colours = words.filter((w) => COLOUR_WORDS.has(w)).map((w) => (w === 'grey' ? 'gray' : w));
  if (colours.length === 0) return byLabel;
  const byColour = byLabel.filter((o) => colours.includes(o.colour));
  return byColour.length > 0 ? byColour : byLabel;
}

/** Centred moving median; the window shrinks symmetrically at the ends; nulls are skipped. */
export function movingMedian(values: (number | null)[], window = 5): (number | null)[] {
  const half = Math.floor(window / 2);
  return values.map((value, i) => {
    if (value === null) return null;
    const reach = Math.min(half, i, values.length - 1 - i);
    const around = values.slice(i - reach, i + reach + 1).filter((v): v is number => v !== null).sort((x, y) => x - y);
    const mid = Math.floor(around.length / 2);
    return around.length % 2 ? around[mid] : (around[mid - 1] + around[mid]) / 2;
  });
}

/** Lifts with every object labelled apart, so none is dropped as ambiguous; labels are restored after. */
function liftKeepingAll(frame: Frame, options: Partial<LiftOptions> | undefined): SceneGraph {
  const labels = new Map(frame.objects.map((o) => [o.id, o.label]));
  const scene = liftFrame({ ...frame, objects: frame.objects.map((o) => ({ ...o, label: `${o.label} ${o.id}` })) }, options);
  const restore = <T extends { id: string; label: string }>(o: T): T => ({ ...o, label: labels.get(o.id) ?? o.label });
  return { ...scene, objects: scene.objects.map(restore), dropped: scene.dropped.map(restore) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * The frame manifests of an episode folder, in order: `episode.json`'s frame folders (what
 * `spatialforge synth --episode` writes), else sub-folders holding a `frame.json`, else the folder's
 * `*.json` manifests, by name.
 */
export async function episodeFramePaths(dir: string): Promise<string[]> {
  const episodeFile = join(dir, 'episode.json');
  if (await exists(episodeFile)) {
    const episode = JSON.parse(await readFile(episodeFile, 'utf8')) as { frames?: { dir: string }[] };
    if (Array.isArray(episode.frames)) return episode.frames.map((f) => join(dir, f.dir, 'frame.json'));
  }
  const names = (await readdir(dir)).sort();
  const folders: string[] = [];
  for (const name of names) if (await exists(join(dir, name, 'frame.json'))) folders.push(join(dir, name, 'frame.json'));
  if (folders.length > 0) return folders;
  const manifests = names.filter((n) => n.endsWith('.json')).map((n) => join(dir, n));
  if (manifests.length === 0) throw new InputError(`${dir} holds no frames: expected episode.json, frame folders with frame.json, or *.json frame manifests`, 'episode-empty', dir);
  return manifests;
}

async function sceneOf(input: RewardFrameInput, lift: Partial<LiftOptions> | undefined, index: number): Promise<SceneGraph> {
  if (input.scene) return input.scene;
  if (input.frame) return liftKeepingAll(input.frame, lift);
  if (input.manifest && input.read) return liftKeepingAll(await loadFrame(input.manifest, input.read, { sourceName: input.name }), lift);
  throw new InputError(`frame ${input.name ?? index} has no scene, frame, or manifest with a reader`, 'reward-bad-frame', input.name, 'frames');
}

/** Picks the candidate to follow: nearest to where the object was last seen, else the most visible. */
function follow(candidates: SceneObject[], last: Vec3 | undefined): SceneObject | undefined {
  if (candidates.length === 0) return undefined;
  if (!last) return [...candidates].sort((p, q) => q.pointCount - p.pointCount)[0];
  const away = (o: SceneObject) => Math.hypot(o.centre[0] - last[0], o.centre[1] - last[1], o.centre[2] - last[2]);
  return [...candidates].sort((p, q) => away(p) - away(q))[0];
}

const track = (o: SceneObject): RewardTrack => ({ id: o.id, label: o.label, colour: o.colour, centre: o.centre });

/** The reward curve of scenes already lifted (pure). */
export function rewardFromScenes(scenes: { name: string; scene: SceneGraph }[], options: RewardOptions): RewardResult {
  const threshold = options.threshold ?? 0.05;
  const window = options.window ?? 5;
  if (!(threshold >= 0)) throw new InputError(`threshold must be ≥ 0 metres, got ${threshold}`, 'reward-bad-option', undefined, 'threshold');
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0) throw new InputError(`window must be an odd whole number of frames, got ${window}`, 'reward-bad-option', undefined, 'window');
  let lastA: Vec3 | undefined;
  let lastB: Vec3 | undefined;
  const measured = scenes.map(({ name, scene }, index) => {
    const a = follow(matchPhrase(options.a, scene.objects), lastA);
    const b = follow(matchPhrase(options.b, scene.objects).filter((o) => o !== a), lastB);
    if (a) lastA = a.centre;
    if (b) lastB = b.centre;
    const both = a && b;
    return {
      index,
      name,
      a: a ? track(a) : null,
      b: b ? track(b) : null,
      centreDistance: both ? centreDistance(a, b) : null,
      gap: both ? gapDistance(a, b) : null,
    };
  });
  if (measured.every((f) => f.a === null)) throw new InputError(`no frame has an object matching "${options.a}"`, 'reward-object-not-found', undefined, 'a');
  if (measured.every((f) => f.b === null)) throw new InputError(`no frame has an object matching "${options.b}"`, 'reward-object-not-found', undefined, 'b');
  const smoothedCentre = movingMedian(measured.map((f) => f.centreDistance), window);
  const smoothedGap = movingMedian(measured.map((f) => f.gap), window);
  const start = smoothedGap.find((g): g is number => g !== null);
  // Progress is measured against the starting gap (at least the threshold, so a start in contact is not a division by 0).
  const scale = Math.max(start ?? threshold, threshold, 1e-6);
  const frames: RewardFrame[] = measured.map((f, i) => ({
    ...f,
    smoothedCentreDistance: smoothedCentre[i],
    smoothedGap: smoothedGap[i],
    reward: smoothedGap[i] === null ? null : 1 - smoothedGap[i]! / scale,
  }));
  const last = [...frames].reverse().find((f) => f.smoothedGap !== null);
  const final = last ? { index: last.index, gap: last.smoothedGap! } : null;
  return {
    a: options.a,
    b: options.b,
    threshold,
    smoothing: `centred moving median over ${window} frames, shrinking symmetrically at the ends`,
    reward: 'progress towards contact: 1 - smoothedGap / smoothedGap(first measured frame)',
    frames,
    final,
    success: final !== null && final.gap <= threshold,
    firstSuccessFrame: frames.find((f) => f.smoothedGap !== null && f.smoothedGap <= threshold)?.index ?? null,
  };
}

export function rewardCsv(result: RewardResult): string {
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(Math.round(v * 1e6) / 1e6));
  const rows = result.frames.map((f) =>
    [f.index, JSON.stringify(f.name), f.a?.id ?? '', f.b?.id ?? '', cell(f.centreDistance), cell(f.gap), cell(f.smoothedCentreDistance), cell(f.smoothedGap), cell(f.reward)].join(','),
  );
  return ['frame,name,a_id,b_id,centre_distance_m,gap_m,smoothed_centre_distance_m,smoothed_gap_m,reward', ...rows].join('\n') + '\n';
}

/**
 * Annotates an episode: a folder (see `episodeFramePaths`) or frames in any form. Returns the result,
 * the CSV and the PNG plot; the REST route sends these back, the CLI writes them.
 */
export async function annotateEpisode(frames: string | RewardFrameInput[], options: RewardOptions): Promise<{ result: RewardResult; csv: string; png: Buffer }> {
  const scenes: { name: string; scene: SceneGraph }[] = [];
  if (typeof frames === 'string') {
    for (const path of await episodeFramePaths(frames)) {
      const name = path.slice(frames.length).replace(/^\/+/, '').replace(/\/frame\.json$/, '');
      scenes.push({ name, scene: liftKeepingAll(await loadFrameFile(path), options.lift) });
    }
  } else {
    for (const [index, input] of frames.entries()) scenes.push({ name: input.name ?? `frame-${index}`, scene: await sceneOf(input, options.lift, index) });
  }
  if (scenes.length === 0) throw new InputError('the episode has no frames', 'episode-empty', undefined, 'frames');
  const result = rewardFromScenes(scenes, options);
  return { result, csv: rewardCsv(result), png: await rewardPng(result) };
}

/** Writes reward.json, reward.csv and reward.png into `outDir`. */
export async function writeRewardFiles(outDir: string, annotated: { result: RewardResult; csv: string; png: Buffer }): Promise<{ json: string; csv: string; png: string }> {
  await mkdir(outDir, { recursive: true });
  const files = { json: join(outDir, 'reward.json'), csv: join(outDir, 'reward.csv'), png: join(outDir, 'reward.png') };
  await writeFile(files.json, `${JSON.stringify(annotated.result, null, 2)}\n`);
  await writeFile(files.csv, annotated.csv);
  await writeFile(files.png, annotated.png);
  return files;
}
