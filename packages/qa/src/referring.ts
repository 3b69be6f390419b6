/**
 * Referring names that never give an answer away. An object whose label is unique in the scene goes by
 * its scene-graph name ("the chair"). Objects sharing a label get qualifiers, chosen per question:
 * their colour first (when every one of them has a different colour), else their order in the picture
 * ("the left chair", "the second chair from the left") or by distance from the camera ("the nearer
 * chair", "the nearest chair"), each only when the order is clear by the margins; a question never uses
 * a qualifier on its own axis ("the left chair" is never in a left/right question, "the nearer table"
 * never in a distance-from-the-camera one). An object with no usable name is not asked about.
 */
import type { QAMargins } from './facts.js';
import { isClearLengthDifference } from './facts.js';

/** The axis a qualifier rests on, which questions on that axis must not use. */
export type NameAxis = 'lateral' | 'depth';

export interface Referents {
  /** The one name when the label is unique, or the colour qualifier ("the red chair"). */
  free?: string;
  /** By order in the picture, left to right. */
  lateral?: string;
  /** By distance from the camera. */
  depth?: string;
}

/** What naming needs of an object: its label, colour and where it is. */
export interface Nameable {
  label: string;
  colour: string;
  name: string;
  /** Azimuth of the centre from the camera, degrees (negative to the left). */
  azimuth: number;
  /** Distance from the camera to the centre, metres. */
  cameraDistance: number;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth'];

/** The referents of every object, in the order given. */
export function referentsOf(objects: readonly Nameable[], margins: QAMargins): Referents[] {
  const out: Referents[] = objects.map(() => ({}));
  const groups = new Map<string, number[]>();
  objects.forEach((o, i) => {
    const key = o.label.trim().toLowerCase();
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  for (const [label, group] of groups) {
    if (group.length === 1) {
      out[group[0]].free = objects[group[0]].name;
      continue;
    }
    const colours = group.map((i) => objects[i].colour);
    if (colours.every((c) => c && c !== 'unknown') && new Set(colours).size === group.length) {
      for (const i of group) out[i].free = `the ${objects[i].colour} ${label}`;
    }
    const byAzimuth = [...group].sort((p, q) => objects[p].azimuth - objects[q].azimuth);
    if (byAzimuth.every((p, k) => k === 0 || objects[p].azimuth - objects[byAzimuth[k - 1]].azimuth >= margins.degrees)) {
      byAzimuth.forEach((i, k) => { out[i].lateral = orderedName(label, k, group.length, 'left', 'right'); });
    }
    const byDistance = [...group].sort((p, q) => objects[p].cameraDistance - objects[q].cameraDistance);
    if (byDistance.every((p, k) => k === 0 || isClearLengthDifference(objects[p].cameraDistance, objects[byDistance[k - 1]].cameraDistance, margins))) {
      byDistance.forEach((i, k) => { out[i].depth = distanceName(label, k, group.length); });
    }
  }
  return out;
}

/** "the left chair" / "the right chair"; with more, "the leftmost chair", "the second chair from the left", ..., "the rightmost chair". */
function orderedName(label: string, rank: number, count: number, first: string, last: string): string {
  if (count === 2) return `the ${rank === 0 ? first : last} ${label}`;
  if (rank === 0) return `the ${first}most ${label}`;
  if (rank === count - 1) return `the ${last}most ${label}`;
  return `the ${ORDINALS[rank]} ${label} from the ${first}`;
}

/** "the nearer chair" / "the farther chair"; with more, "the nearest chair", "the second-nearest chair", ..., "the farthest chair". */
function distanceName(label: string, rank: number, count: number): string {
  if (count === 2) return `the ${rank === 0 ? 'nearer' : 'farther'} ${label}`;
  if (rank === 0) return `the nearest ${label}`;
  if (rank === count - 1) return `the farthest ${label}`;
  return `the ${ORDINALS[rank]}-nearest ${label}`;
}

/** The name a question may use, avoiding qualifiers on the banned axes; undefined when none is left. */
export function nameAvoiding(referents: Referents, banned: readonly NameAxis[]): string | undefined {
  if (referents.free) return referents.free;
  if (referents.lateral && !banned.includes('lateral')) return referents.lateral;
  if (referents.depth && !banned.includes('depth')) return referents.depth;
  return undefined;
}
