/**
 * What can stand in a synthetic room: labels with plausible sizes (metres), the shape that renders
 * them, where they stand and the colours they come in.
 */
import type { ColourName } from './palette.js';
import type { ShapeKind } from './shapes.js';

/** [min, max] metres. */
type Range = readonly [number, number];

export interface LabelSpec {
  label: string;
  shape: ShapeKind;
  /** Ranges of the object's own box: length (along its yaw), width, height. Cylinders use length as the diameter. */
  size: readonly [Range, Range, Range];
  colours: readonly ColourName[];
  /**
   * How its yaw is drawn: `none` for shapes round about z (yaw 0), `facing` for things that face
   * the room (within ±0.5 rad of facing the camera), `turned` within ±1 rad (a chair turned further
   * hides its seat behind its backrest), `any` for a uniform turn.
   */
  yaw: 'none' | 'facing' | 'turned' | 'any';
}

const ANY: readonly ColourName[] = ['red', 'green', 'blue', 'yellow', 'orange', 'purple', 'pink', 'brown', 'black', 'white', 'gray'];

/** Things that stand on the floor. */
export const FLOOR_LABELS: readonly LabelSpec[] = [
  { label: 'chair', shape: 'chair', size: [[0.42, 0.55], [0.42, 0.55], [0.8, 1.0]], colours: ['red', 'blue', 'black', 'white', 'brown', 'green', 'gray', 'yellow'], yaw: 'turned' },
  { label: 'sofa', shape: 'chair', size: [[1.4, 1.9], [0.8, 0.95], [0.75, 0.9]], colours: ['gray', 'blue', 'brown', 'green', 'red', 'black', 'purple'], yaw: 'facing' },
  { label: 'lamp', shape: 'lamp', size: [[0.3, 0.45], [0.3, 0.45], [0.9, 1.15]], colours: ['white', 'yellow', 'black', 'orange'], yaw: 'none' },
  { label: 'box', shape: 'cuboid', size: [[0.25, 0.6], [0.25, 0.5], [0.2, 0.5]], colours: ['brown', 'white', 'red', 'blue', 'yellow'], yaw: 'any' },
  { label: 'plant', shape: 'cylinder', size: [[0.25, 0.45], [0.25, 0.45], [0.4, 0.9]], colours: ['green'], yaw: 'none' },
  { label: 'bin', shape: 'cylinder', size: [[0.25, 0.38], [0.25, 0.38], [0.3, 0.55]], colours: ['gray', 'black', 'blue', 'green', 'white'], yaw: 'none' },
  { label: 'cabinet', shape: 'cuboid', size: [[0.45, 0.9], [0.35, 0.55], [0.5, 1.0]], colours: ['white', 'brown', 'gray', 'black'], yaw: 'facing' },
  { label: 'suitcase', shape: 'cuboid', size: [[0.4, 0.55], [0.2, 0.3], [0.55, 0.75]], colours: ['black', 'red', 'blue', 'purple', 'pink', 'gray'], yaw: 'any' },
  { label: 'backpack', shape: 'cuboid', size: [[0.28, 0.36], [0.15, 0.25], [0.4, 0.5]], colours: ['black', 'blue', 'red', 'orange', 'green', 'purple'], yaw: 'any' },
];

/** Things that stand on a table. */
export const TABLE_LABELS: readonly LabelSpec[] = [
  { label: 'mug', shape: 'cylinder', size: [[0.08, 0.1], [0.08, 0.1], [0.09, 0.12]], colours: ANY, yaw: 'none' },
  { label: 'bottle', shape: 'cylinder', size: [[0.08, 0.1], [0.08, 0.1], [0.22, 0.32]], colours: ['green', 'blue', 'orange', 'white', 'red', 'brown'], yaw: 'none' },
  { label: 'laptop', shape: 'laptop', size: [[0.3, 0.38], [0.22, 0.26], [0.2, 0.24]], colours: ['gray', 'black', 'white'], yaw: 'facing' },
  { label: 'monitor', shape: 'monitor', size: [[0.45, 0.6], [0.15, 0.2], [0.35, 0.5]], colours: ['black', 'gray', 'white'], yaw: 'facing' },
  { label: 'book', shape: 'cuboid', size: [[0.16, 0.24], [0.2, 0.28], [0.04, 0.07]], colours: ANY, yaw: 'any' },
  { label: 'vase', shape: 'cylinder', size: [[0.1, 0.16], [0.1, 0.16], [0.2, 0.35]], colours: ['white', 'blue', 'red', 'yellow', 'purple', 'pink'], yaw: 'none' },
  { label: 'desk lamp', shape: 'lamp', size: [[0.15, 0.24], [0.15, 0.24], [0.3, 0.45]], colours: ['white', 'black', 'yellow', 'red'], yaw: 'none' },
  { label: 'potted plant', shape: 'cylinder', size: [[0.12, 0.2], [0.12, 0.2], [0.2, 0.35]], colours: ['green'], yaw: 'none' },
  { label: 'box', shape: 'cuboid', size: [[0.12, 0.3], [0.12, 0.25], [0.1, 0.25]], colours: ['brown', 'white', 'red', 'blue', 'yellow'], yaw: 'any' },
  { label: 'bowl', shape: 'cylinder', size: [[0.14, 0.2], [0.14, 0.2], [0.07, 0.1]], colours: ANY, yaw: 'none' },
];

/** A table: a top on four legs. */
export const TABLE: LabelSpec = {
  label: 'table',
  shape: 'table',
  size: [[0.8, 1.5], [0.6, 0.9], [0.45, 0.78]],
  colours: ['brown', 'white', 'black', 'gray'],
  yaw: 'facing',
};

/** A table that is one block down to the floor (a desk with panels, a counter). */
export const SOLID_TABLE: LabelSpec = { ...TABLE, shape: 'solid-table' };

/** The solid table of scenes, named for what it is: nothing fits under a counter, so questions must not think it a table on legs. */
export const COUNTER: LabelSpec = { ...SOLID_TABLE, label: 'counter' };

/** Floor things with a flat top that carry a stacked thing. */
export const CARRIER_LABELS: readonly LabelSpec[] = FLOOR_LABELS.filter((spec) => spec.label === 'box' || spec.label === 'cabinet');

/** Small things stacked on a carrier: a book or a box on a box, a box on a cabinet. */
export const STACKED_LABELS: readonly LabelSpec[] = TABLE_LABELS.filter((spec) => spec.label === 'book' || spec.label === 'box' || spec.label === 'bowl');

/** The robot's end effector in episodes. */
export const GRIPPER: LabelSpec = {
  label: 'gripper',
  shape: 'gripper',
  size: [[0.09, 0.11], [0.08, 0.1], [0.1, 0.12]],
  colours: ['gray'],
  yaw: 'none',
};

/** The target the gripper reaches for in episodes: an orange bottle. */
export const TARGET_BOTTLE: LabelSpec = {
  label: 'bottle',
  shape: 'cylinder',
  size: [[0.08, 0.1], [0.08, 0.1], [0.24, 0.32]],
  colours: ['orange'],
  yaw: 'none',
};
