/**
 * How each catalog type judges a question about given objects, finds its candidate questions in a
 * scene and turns a chosen one into template variables, a fact and (for reasoning types) steps. A
 * judgement is undefined when the scene does not settle the answer clearly (see QAMargins) or the
 * question makes no sense for these objects (fits questions about things that cannot bear or hold).
 * Candidates are cheap (object references and a truth flag); text is produced only for the candidates
 * the sampler keeps. The reasoning planner (@spatialforge/research) answers through the same rules.
 */
import type { Fact, ReasoningStep, SceneObject, Units, Vec3 } from '@spatialforge/core';
import { type Affordance, affordanceOf } from './affordances.js';
import type { QuestionTypeName } from './catalog.js';
import {
  type QAMargins, EQUILATERAL_TOLERANCE, RESTING_TOLERANCE, RIGHT_ANGLE_TOLERANCE_DEGREES,
  azimuthSpan, bottomOf, cameraDistance, centreDistance, clockAngle, clockBoundaryDistance, depthOf, equivalentSize,
  fitsInsideSlack, footprintGap, footprintSlack, gapDistance, heightOf, horizontalDistance, hourOfAngle,
  isClearLengthDifference, largestAngleDegrees, sideRatio, sortedDimensions, surfaceDistance, topOf,
  verticalDistance, widthOf,
} from './facts.js';
import { formatClockHour, formatLength } from './format.js';
import type { Random } from './random.js';

/** A scene object with the measures the rules compare, computed once per scene (metres, degrees). */
export interface Item {
  object: SceneObject;
  /** Position in the scene graph's object list. */
  index: number;
  affordance: Affordance;
  /** Its full extent is seen (neither truncated nor occluded): sizes may use it. */
  whole: boolean;
  /**
   * Its own footprint is measured: whole, and not lifted from sparse depth (a few lidar returns show
   * neither how it is turned nor its far side; its width is the 2D box's). Widths, depths, gaps and
   * fits may use it.
   */
  footprintSeen: boolean;
  bottom: number;
  top: number;
  height: number;
  /** Longer and shorter side of its own footprint. */
  width: number;
  depth: number;
  /** Edge of the cube of its volume. */
  size: number;
  /** Camera centre to object centre, and to its nearest surface. */
  cameraDistance: number;
  surfaceDistance: number;
  /** Azimuth of the centre and of the footprint's left and right edges, degrees. */
  azimuth: number;
  azimuthLeft: number;
  azimuthRight: number;
}

export function prepareItem(object: SceneObject, index: number, camera: Vec3): Item {
  const span = azimuthSpan(object, camera);
  const whole = !object.truncated && !object.occluded;
  return {
    object,
    index,
    affordance: affordanceOf(object.label),
    whole,
    footprintSeen: whole && !object.sparseDepth,
    bottom: bottomOf(object),
    top: topOf(object),
    height: heightOf(object),
    width: widthOf(object),
    depth: depthOf(object),
    size: equivalentSize(object),
    cameraDistance: cameraDistance(object, camera),
    surfaceDistance: surfaceDistance(object, camera),
    azimuth: span.centre,
    azimuthLeft: span.left,
    azimuthRight: span.right,
  };
}

export interface Candidate {
  /** The objects in the order the question names them. */
  items: Item[];
  /** Yes/no types: whether the fact holds for this order. */
  truth?: boolean;
}

export interface Context {
  /** The objects this type may ask about (nameable without giving the answer away, whole where sizes matter, footprints measured where they matter). */
  items: Item[];
  /** Every object of the scene (what may stand under a table, named or not). */
  all: Item[];
  camera: Vec3;
  units: Units;
  margins: QAMargins;
  random: Random;
  /** How this question refers to an object. */
  name(item: Item): string;
  /** Memoised per scene: centre-to-centre distance and gap between the oriented boxes, metres. */
  centreDistance(a: Item, b: Item): number;
  gap(a: Item, b: Item): number;
  /** Memoised per scene: the free space under an object (see `freeSpaceUnder`). */
  freeSpace(item: Item): FreeSpace;
}

/** The per-scene memos of a Context, over items numbered by `index`. */
export function sceneMemos(all: readonly Item[]): Pick<Context, 'centreDistance' | 'gap' | 'freeSpace'> {
  const n = all.length;
  const centres = new Float64Array(n * n).fill(-1);
  const gaps = new Float64Array(n * n).fill(-1);
  const spaces = new Map<Item, FreeSpace>();
  const memo = (table: Float64Array, of: (a: Item, b: Item) => number) => (a: Item, b: Item) => {
    const key = a.index < b.index ? a.index * n + b.index : b.index * n + a.index;
    if (table[key] < 0) table[key] = of(a, b);
    return table[key];
  };
  return {
    centreDistance: memo(centres, (a, b) => centreDistance(a.object, b.object)),
    gap: memo(gaps, (a, b) => gapDistance(a.object, b.object)),
    freeSpace(item) {
      let space = spaces.get(item);
      if (!space) {
        space = freeSpaceUnder(item, all);
        spaces.set(item, space);
      }
      return space;
    },
  };
}

export interface Rendering {
  vars: Record<string, string>;
  fact: Fact;
  /** Yes/no types: picks `answers` or `falseAnswers`. */
  truth?: boolean;
  steps: ReasoningStep[];
}

export interface Rule {
  /** How many objects a question names: 1, 2, 3, or an anchor and a list (`set`). */
  /** The candidates in a random order, found lazily: a sampler that needs two stops after a few judgements. */
  candidates(context: Context): Iterable<Candidate>;
  /** The candidate for these objects in this order, or undefined when the answer is not clear. */
  judge(items: Item[], context: Context): Candidate | undefined;
  render(candidate: Candidate, context: Context): Rendering;
}

/** "A and B", "A, B and C". */
function joinNames(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** 0 … count − 1 in a random order, drawn lazily: a Fisher–Yates shuffle run one step per number taken. */
function* randomOrder(count: number, random: Random): Generator<number> {
  const order = new Int32Array(count);
  for (let k = 0; k < count; k++) order[k] = k;
  for (let k = 0; k < count; k++) {
    const pick = k + random.int(count - k);
    const index = order[pick];
    order[pick] = order[k];
    order[k] = index;
    yield index;
  }
}

/** The unordered pairs of `items` in a random order, drawn lazily. */
function* randomPairs(items: readonly Item[], random: Random): Generator<[Item, Item]> {
  const n = items.length;
  for (let index of randomOrder((n * (n - 1)) / 2, random)) {
    let i = 0;
    while (index >= n - 1 - i) index -= n - 1 - i++;
    yield [items[i], items[i + 1 + index]];
  }
}

/** Both orders of a pair, the first one drawn at random. */
function bothOrders([a, b]: [Item, Item], random: Random): [Item, Item][] {
  return random.next() < 0.5 ? [[a, b], [b, a]] : [[b, a], [a, b]];
}

function shuffled<T>(values: T[], random: Random): T[] {
  return random.sample([...values], values.length);
}

const ids = (items: readonly Item[]) => items.map((item) => item.object.id);
const step = (text: string, predicate: string, objects: Item[], value: Fact['value']): ReasoningStep => ({
  text,
  fact: { predicate, objects: ids(objects), value },
});

// ---- Relations: +1 when A has more of it than B, −1 when less, 0 when too close to call. ----

type Judge = (a: Item, b: Item, margins: QAMargins) => 1 | -1 | 0;

const sign = (more: boolean): 1 | -1 => (more ? 1 : -1);

/** Lengths compared past both margins. */
const byLength = (of: (item: Item) => number): Judge => (a, b, margins) =>
  isClearLengthDifference(of(a), of(b), margins) ? sign(of(a) > of(b)) : 0;

/**
 * Further right in the picture: the centres' azimuths differ by the degrees margin and neither centre
 * falls within the other's span (a mug on a table is neither left nor right of it).
 */
const toTheRight: Judge = (a, b, margins) => {
  if (Math.abs(a.azimuth - b.azimuth) < margins.degrees) return 0;
  if ((a.azimuth >= b.azimuthLeft && a.azimuth <= b.azimuthRight) || (b.azimuth >= a.azimuthLeft && b.azimuth <= a.azimuthRight)) return 0;
  return sign(a.azimuth > b.azimuth);
};

/** Wholly above: A's bottom at or above B's top (within RESTING_TOLERANCE), or the other way round. */
const whollyAbove: Judge = (a, b) => {
  if (a.bottom >= b.top - RESTING_TOLERANCE) return 1;
  if (b.bottom >= a.top - RESTING_TOLERANCE) return -1;
  return 0;
};

/** Higher: wholly above, or higher at both its bottom and its top by the metres margin. */
const higher: Judge = (a, b, margins) => {
  const stacked = whollyAbove(a, b, margins);
  if (stacked !== 0) return stacked;
  const bottoms = a.bottom - b.bottom;
  const tops = a.top - b.top;
  if (Math.abs(bottoms) >= margins.metres && Math.abs(tops) >= margins.metres && Math.sign(bottoms) === Math.sign(tops)) return sign(tops > 0);
  return 0;
};

/** Farther from the camera: centre distances past both margins, and the nearest surfaces in the same order. */
const fartherAway: Judge = (a, b, margins) => {
  if (!isClearLengthDifference(a.cameraDistance, b.cameraDistance, margins)) return 0;
  const farther = a.cameraDistance > b.cameraDistance;
  const surfaces = a.surfaceDistance - b.surfaceDistance;
  return (farther ? surfaces > 0 : surfaces < 0) ? sign(farther) : 0;
};

const bigger: Judge = byLength((item) => item.size);
const taller: Judge = byLength((item) => item.height);
const wider: Judge = byLength((item) => item.width);

/** Each comparison: "A <relation> B" holds when sense × judge(A, B) = +1. */
export const RELATIONS = {
  left_of: { judge: toTheRight, sense: -1 },
  right_of: { judge: toTheRight, sense: 1 },
  above: { judge: whollyAbove, sense: 1 },
  below: { judge: whollyAbove, sense: -1 },
  higher: { judge: higher, sense: 1 },
  lower: { judge: higher, sense: -1 },
  behind: { judge: fartherAway, sense: 1 },
  in_front_of: { judge: fartherAway, sense: -1 },
  closer: { judge: fartherAway, sense: -1 },
  farther: { judge: fartherAway, sense: 1 },
  bigger: { judge: bigger, sense: 1 },
  smaller: { judge: bigger, sense: -1 },
  taller: { judge: taller, sense: 1 },
  shorter: { judge: taller, sense: -1 },
  wider: { judge: wider, sense: 1 },
  thinner: { judge: wider, sense: -1 },
} as const satisfies Record<string, { judge: Judge; sense: 1 | -1 }>;

export type RelationName = keyof typeof RELATIONS;

/** Whether "A <relation> B" holds: true, false, or undefined when too close to call. */
export function relationHolds(relation: RelationName, a: Item, b: Item, margins: QAMargins): boolean | undefined {
  const { judge, sense } = RELATIONS[relation];
  const verdict = judge(a, b, margins);
  return verdict === 0 ? undefined : verdict === sense;
}

// ---- Rule factories ----

function predicateRule(type: QuestionTypeName, relation: RelationName): Rule {
  const judge = (items: Item[], { margins }: Context): Candidate | undefined => {
    const truth = relationHolds(relation, items[0], items[1], margins);
    return truth === undefined ? undefined : { items, truth };
  };
  return {
    judge,
    *candidates(context) {
      for (const [a, b] of randomPairs(context.items, context.random)) {
        const candidate = judge([a, b], context);
        if (candidate) yield* [candidate, { items: [b, a], truth: !candidate.truth }];
      }
    },
    render({ items: [a, b], truth }, { name }) {
      return { vars: { A: name(a), B: name(b) }, fact: { predicate: type, objects: ids([a, b]), value: truth! }, truth, steps: [] };
    },
  };
}

function choiceRule(type: QuestionTypeName, relation: RelationName): Rule {
  const judge = (items: Item[], { margins }: Context): Candidate | undefined =>
    relationHolds(relation, items[0], items[1], margins) === undefined ? undefined : { items };
  return {
    judge,
    *candidates(context) {
      for (const pair of randomPairs(context.items, context.random)) {
        if (judge(pair, context)) yield { items: shuffled(pair, context.random) };
      }
    },
    render({ items: [a, b] }, { name, margins }) {
      const [winner, other] = relationHolds(relation, a, b, margins) ? [a, b] : [b, a];
      return {
        vars: { A: name(a), B: name(b), X: name(winner), Y: name(other) },
        fact: { predicate: type, objects: ids([a, b]), value: winner.object.id },
        steps: [],
      };
    },
  };
}

/** A quantity of one object, asked of every object it applies to. */
function objectQuantityRule(type: QuestionTypeName, valueOf: (item: Item) => number): Rule {
  const judge = (items: Item[]): Candidate | undefined => (valueOf(items[0]) > 0 ? { items } : undefined);
  return {
    judge,
    *candidates({ items, random }) {
      for (const index of randomOrder(items.length, random)) if (judge([items[index]])) yield { items: [items[index]] };
    },
    render({ items: [a] }, { units, name }) {
      const value = valueOf(a);
      return { vars: { A: name(a), value: formatLength(value, units) }, fact: { predicate: type, objects: ids([a]), value }, steps: [] };
    },
  };
}

/** A quantity of two objects in the order asked, asked when `valueOf` gives one (at least the metres margin). */
function pairQuantityRule(type: QuestionTypeName, valueOf: (a: Item, b: Item, context: Context) => number | undefined, ordered: boolean): Rule {
  const judge = (items: Item[], context: Context): Candidate | undefined => {
    const value = valueOf(items[0], items[1], context);
    return value !== undefined && value >= context.margins.metres ? { items } : undefined;
  };
  return {
    judge,
    *candidates(context) {
      for (const pair of randomPairs(context.items, context.random)) {
        for (const order of ordered ? bothOrders(pair, context.random) : [shuffled(pair, context.random)]) {
          const candidate = judge(order, context);
          if (candidate) yield candidate;
        }
      }
    },
    render({ items: [a, b] }, context) {
      const { units, name } = context;
      const value = valueOf(a, b, context)!;
      return {
        vars: { A: name(a), B: name(b), value: formatLength(value, units) },
        fact: { predicate: type, objects: ids([a, b]), value },
        steps: [],
      };
    },
  };
}

const directionClock: Rule = {
  judge(items, { margins }) {
    const [from, to] = items;
    if (horizontalDistance(from.object, to.object) < margins.metres) return undefined;
    return clockBoundaryDistance(clockAngle(from.object, to.object)) >= margins.degrees ? { items } : undefined;
  },
  *candidates(context) {
    for (const pair of randomPairs(context.items, context.random)) {
      for (const order of bothOrders(pair, context.random)) {
        const candidate = directionClock.judge(order, context);
        if (candidate) yield candidate;
      }
    }
  },
  render({ items: [a, b] }, { name }) {
    const hour = hourOfAngle(clockAngle(a.object, b.object));
    return { vars: { A: name(a), B: name(b), value: formatClockHour(hour) }, fact: { predicate: 'direction_clock', objects: ids([a, b]), value: hour }, steps: [] };
  },
};

/**
 * Which of the listed objects is closest to (sense −1) or farthest from (sense +1) the anchor, by centre
 * distance: asked when the best beats the runner-up past both margins, by words as said (rounded), and
 * the gaps between the objects' boxes agree on the same one.
 */
function extremeDistanceRule(type: QuestionTypeName, sense: 1 | -1): Rule {
  const best = (values: number[]) => values.reduce((top, v, i) => (sense * (v - values[top]) > 0 ? i : top), 0);
  const rule: Rule = {
    judge(items, context) {
      const { margins, units } = context;
      const [anchor, ...listed] = items;
      if (listed.length < 2) return undefined;
      const distances = listed.map((item) => context.centreDistance(anchor, item));
      const sorted = [...distances].sort((x, y) => sense * (y - x));
      if (!isClearLengthDifference(sorted[0], sorted[1], margins) || formatLength(sorted[0], units) === formatLength(sorted[1], units)) return undefined;
      const gaps = listed.map((item) => context.gap(anchor, item));
      return best(gaps) === best(distances) ? { items } : undefined;
    },
    *candidates(context) {
      const { items, random } = context;
      if (items.length < 3) return;
      for (const index of randomOrder(items.length, random)) {
        const anchor = items[index];
        const candidate = rule.judge([anchor, ...random.sample(items.filter((item) => item !== anchor), 4)], context);
        if (candidate) yield candidate;
      }
    },
    render({ items: [anchor, ...listed] }, { units, name, centreDistance: distance }) {
      const distances = listed.map((item) => distance(anchor, item));
      const winner = listed[best(distances)];
      const steps = listed.map((item, i) =>
        step(`${name(item)} is ${formatLength(distances[i], units)} from ${name(anchor)}.`, 'distance_centre', [anchor, item], distances[i]),
      );
      return {
        vars: { A: name(anchor), objects: joinNames(listed.map(name)), X: name(winner) },
        fact: { predicate: type, objects: ids([anchor, ...listed]), value: winner.object.id },
        steps,
      };
    },
  };
  return rule;
}

const sortByCameraDistance: Rule = {
  judge(items, context) {
    const order = [...items].sort((a, b) => a.cameraDistance - b.cameraDistance);
    const { margins, units } = context;
    const clear = order.every((item, i) => i === 0 || (fartherAway(item, order[i - 1], margins) === 1
      && formatLength(item.cameraDistance, units) !== formatLength(order[i - 1].cameraDistance, units)));
    return items.length >= 2 && clear ? { items } : undefined;
  },
  *candidates(context) {
    const { items, random } = context;
    if (items.length < 3) return;
    const seen = new Set<string>();
    for (let attempt = 0; attempt < items.length; attempt++) {
      const size = items.length >= 4 && attempt % 2 === 1 ? 4 : 3;
      const listed = random.sample([...items], size);
      const key = ids(listed).sort().join('\u0000');
      if (seen.has(key)) continue;
      seen.add(key);
      const candidate = sortByCameraDistance.judge(listed, context);
      if (candidate) yield candidate;
    }
  },
  render({ items }, { units, name }) {
    const order = [...items].sort((a, b) => a.cameraDistance - b.cameraDistance);
    const steps = items.map((item) =>
      step(`The centre of ${name(item)} is ${formatLength(item.cameraDistance, units)} from the camera.`, 'distance_camera', [item], item.cameraDistance),
    );
    return {
      vars: { objects: joinNames(items.map(name)), value: joinNames(order.map(name)) },
      fact: { predicate: 'sort_by_camera_distance', objects: ids(items), value: ids(order) },
      steps,
    };
  },
};

/**
 * A triangle test over triples whose sides are all at least the metres margin; `test` says whether it
 * holds and whether its decisive number (side ratio, largest angle) is clear of its threshold.
 */
function triangleRule(
  type: QuestionTypeName,
  test: (sides: [number, number, number], margins: QAMargins) => { truth: boolean; clear: boolean },
  conclusion: (sides: [number, number, number], items: Item[]) => ReasoningStep,
): Rule {
  const rule: Rule = {
    judge(items, context) {
      const { margins } = context;
      const sides: [number, number, number] = [context.centreDistance(items[0], items[1]), context.centreDistance(items[1], items[2]), context.centreDistance(items[2], items[0])];
      if (Math.min(...sides) < margins.metres) return undefined;
      const { truth, clear } = test(sides, margins);
      return clear ? { items, truth } : undefined;
    },
    *candidates(context) {
      const { items, random } = context;
      const triples: number[] = [];
      for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) for (let k = j + 1; k < items.length; k++) triples.push(i, j, k);
      for (const t of randomOrder(triples.length / 3, random)) {
        const candidate = rule.judge([items[triples[3 * t]], items[triples[3 * t + 1]], items[triples[3 * t + 2]]], context);
        if (candidate) yield { ...candidate, items: shuffled(candidate.items, random) };
      }
    },
    render({ items: [a, b, c], truth }, { units, name, centreDistance: distance }) {
      const sides: [number, number, number] = [distance(a, b), distance(b, c), distance(c, a)];
      const corners: [Item, Item][] = [[a, b], [b, c], [c, a]];
      return {
        vars: { A: name(a), B: name(b), C: name(c) },
        fact: { predicate: type, objects: ids([a, b, c]), value: truth! },
        truth,
        steps: [
          ...corners.map(([p, q], i) => step(`${name(p)} and ${name(q)} are ${formatLength(sides[i], units)} apart.`, 'distance_centre', [p, q], sides[i])),
          conclusion(sides, [a, b, c]),
        ],
      };
    },
  };
  return rule;
}

const triangleEquilateral = triangleRule(
  'triangle_equilateral',
  (sides, margins) => {
    const excess = sideRatio(sides) - 1;
    return { truth: excess <= EQUILATERAL_TOLERANCE, clear: Math.abs(excess - EQUILATERAL_TOLERANCE) >= margins.ratio };
  },
  (sides, items) => {
    const ratio = sideRatio(sides);
    return step(`The longest side is ${Math.round((ratio - 1) * 100)}% longer than the shortest.`, 'side_ratio', items, ratio);
  },
);

const triangleRight = triangleRule(
  'triangle_right',
  (sides, margins) => {
    const offRight = Math.abs(largestAngleDegrees(sides) - 90);
    return { truth: offRight <= RIGHT_ANGLE_TOLERANCE_DEGREES, clear: Math.abs(offRight - RIGHT_ANGLE_TOLERANCE_DEGREES) >= margins.degrees };
  },
  (sides, items) => {
    const angle = largestAngleDegrees(sides);
    return step(`The largest angle is about ${Math.round(angle)} degrees.`, 'largest_angle_degrees', items, angle);
  },
);

// ---- Fits ----

/** Assumed thickness of a table's top: the free height under it is measured from its top surface down by this, metres. */
export const TABLE_TOP_THICKNESS = 0.05;
/** Room taken by legs and frame along each edge of a table's footprint, metres (the free footprint under it is this much smaller on every side). */
export const LEG_ALLOWANCE = 0.1;

/** The free space under an object with room beneath it: its height (metres) and footprint (long, short side, metres). */
export interface FreeSpace {
  height: number;
  footprint: [number, number];
}

/**
 * The free space under B: from the underside of its top (its top surface less TABLE_TOP_THICKNESS) down
 * to the floor or to the highest thing standing under it (footprints overlapping, not resting on B), and
 * its footprint less LEG_ALLOWANCE on every side.
 */
export function freeSpaceUnder(b: Item, all: readonly Item[]): FreeSpace {
  const underside = b.top - TABLE_TOP_THICKNESS;
  let floor = Math.max(0, b.bottom);
  for (const other of all) {
    if (other === b || other.bottom >= b.top - RESTING_TOLERANCE) continue;
    if (footprintGap(other.object, b.object) === 0) floor = Math.max(floor, Math.min(other.top, underside));
  }
  return { height: underside - floor, footprint: [b.width - 2 * LEG_ALLOWANCE, b.depth - 2 * LEG_ALLOWANCE] };
}

function footprintSteps(item: Item, whose: string, units: Units): ReasoningStep[] {
  return [
    step(`${whose} is ${formatLength(item.width, units)} long.`, 'footprint_long_side', [item], item.width),
    step(`It is ${formatLength(item.depth, units)} wide.`, 'footprint_short_side', [item], item.depth),
  ];
}

/**
 * A fits test over ordered pairs, judged when both objects allow it and the room left (or missing) is
 * at least the metres margin; the dataset asks it only where `worthAsking` (not "would the box fit in the mug").
 */
function fitsRule(
  type: QuestionTypeName,
  allowed: (a: Item, b: Item) => boolean,
  slackOf: (a: Item, b: Item, context: Context) => number | undefined,
  stepsOf: (a: Item, b: Item, context: Context) => ReasoningStep[],
  worthAsking: (a: Item, b: Item) => boolean = () => true,
): Rule {
  const rule: Rule = {
    judge(items, context) {
      const [a, b] = items;
      if (a === b || !a.footprintSeen || !b.footprintSeen || !a.affordance.movable || !allowed(a, b)) return undefined;
      const slack = slackOf(a, b, context);
      return slack !== undefined && Math.abs(slack) >= context.margins.metres ? { items, truth: slack > 0 } : undefined;
    },
    *candidates(context) {
      for (const pair of randomPairs(context.items, context.random)) {
        for (const order of bothOrders(pair, context.random)) {
          const candidate = worthAsking(order[0], order[1]) ? rule.judge(order, context) : undefined;
          if (candidate) yield candidate;
        }
      }
    },
    render({ items: [a, b], truth }, context) {
      return {
        vars: { A: context.name(a), B: context.name(b) },
        fact: { predicate: type, objects: ids([a, b]), value: truth! },
        truth,
        steps: stepsOf(a, b, context),
      };
    },
  };
  return rule;
}

const fitsOn = fitsRule(
  'fits_on',
  (_a, b) => b.affordance.supports,
  (a, b) => footprintSlack([a.width, a.depth], [b.width, b.depth]),
  (a, b, { units, name }) => [...footprintSteps(a, `The footprint of ${name(a)}`, units), ...footprintSteps(b, `The top of ${name(b)}`, units)],
);

const fitsUnder = fitsRule(
  'fits_under',
  (_a, b) => b.affordance.roomUnder,
  (a, b, { freeSpace, margins }) => {
    const free = freeSpace(b);
    if (free.height < margins.metres || free.footprint[1] < margins.metres) return undefined;
    return Math.min(free.height - a.height, footprintSlack([a.width, a.depth], free.footprint));
  },
  (a, b, { freeSpace, units, name }) => {
    const free = freeSpace(b);
    return [
      step(`${name(a)} is ${formatLength(a.height, units)} tall.`, 'size_height', [a], a.height),
      ...footprintSteps(a, 'Its footprint', units),
      step(`Under the top of ${name(b)} there is ${formatLength(free.height, units)} of free height.`, 'clearance_under', [b], free.height),
      step(`The free space between its legs is ${formatLength(free.footprint[0], units)} long.`, 'free_footprint_long_side', [b], free.footprint[0]),
      step(`It is ${formatLength(free.footprint[1], units)} wide.`, 'free_footprint_short_side', [b], free.footprint[1]),
    ];
  },
);

const SIDE_WORDS = [['longest', 'longest_side'], ['second-longest', 'middle_side'], ['shortest', 'shortest_side']] as const;

const fitsInside = fitsRule(
  'fits_inside',
  (_a, b) => b.affordance.holds,
  (a, b) => fitsInsideSlack(a.object, b.object),
  (a, b, { units, name }) =>
    [a, b].flatMap((item) => {
      const dimensions = sortedDimensions(item.object);
      return SIDE_WORDS.map(([words, predicate], i) =>
        step(`${i === 0 ? `The ${words} side of ${name(item)}` : `Its ${words} side`} is ${formatLength(dimensions[i], units)}.`, predicate, [item], dimensions[i]),
      );
    }),
  (a, b) => a.size < b.size,
);

// ---- The catalog's rules ----

const lateralOffset = (a: Item, b: Item, { margins }: Context) =>
  relationHolds('left_of', a, b, margins) ? b.object.centre[0] - a.object.centre[0] : undefined;
const heightAbove = (a: Item, b: Item, { margins }: Context) =>
  relationHolds('above', a, b, margins) ? a.bottom - b.top : undefined;
/**
 * How far along the view an object's centre may sit from where the lift put it, metres: a few lidar
 * returns show a sparse-depth object's near face, not its far side, so its centre is placed from an
 * inferred extent and may be off by up to half of it (its longer footprint side, whichever way it is
 * turned). Dense depth measures the object itself: 0.
 */
const centreUncertainty = (item: Item) => (item.object.sparseDepth ? item.width / 2 : 0);
/** How much closer A's centre is than B's, stated only when it exceeds what the two centres may be off by. */
const closerBy = (a: Item, b: Item, { margins }: Context) => {
  if (!relationHolds('closer', a, b, margins)) return undefined;
  const difference = b.cameraDistance - a.cameraDistance;
  return difference >= centreUncertainty(a) + centreUncertainty(b) ? difference : undefined;
};

export const RULES: Record<QuestionTypeName, Rule> = {
  left_of: predicateRule('left_of', 'left_of'),
  right_of: predicateRule('right_of', 'right_of'),
  above: predicateRule('above', 'above'),
  below: predicateRule('below', 'below'),
  behind: predicateRule('behind', 'behind'),
  in_front_of: predicateRule('in_front_of', 'in_front_of'),
  bigger: predicateRule('bigger', 'bigger'),
  smaller: predicateRule('smaller', 'smaller'),
  taller: predicateRule('taller', 'taller'),
  shorter: predicateRule('shorter', 'shorter'),
  wider: predicateRule('wider', 'wider'),
  thinner: predicateRule('thinner', 'thinner'),

  choice_left: choiceRule('choice_left', 'left_of'),
  choice_right: choiceRule('choice_right', 'right_of'),
  choice_higher: choiceRule('choice_higher', 'higher'),
  choice_lower: choiceRule('choice_lower', 'lower'),
  choice_closer: choiceRule('choice_closer', 'closer'),
  choice_farther: choiceRule('choice_farther', 'farther'),
  choice_bigger: choiceRule('choice_bigger', 'bigger'),
  choice_smaller: choiceRule('choice_smaller', 'smaller'),
  choice_taller: choiceRule('choice_taller', 'taller'),
  choice_shorter: choiceRule('choice_shorter', 'shorter'),
  choice_wider: choiceRule('choice_wider', 'wider'),
  choice_thinner: choiceRule('choice_thinner', 'thinner'),

  distance_centre: pairQuantityRule('distance_centre', (a, b, context) => context.centreDistance(a, b), false),
  distance_gap: pairQuantityRule('distance_gap', (a, b, context) => context.gap(a, b), false),
  distance_horizontal: pairQuantityRule('distance_horizontal', (a, b) => horizontalDistance(a.object, b.object), false),
  distance_vertical: pairQuantityRule('distance_vertical', (a, b) => verticalDistance(a.object, b.object), false),
  size_width: objectQuantityRule('size_width', (a) => a.width),
  size_height: objectQuantityRule('size_height', (a) => a.height),
  size_depth: objectQuantityRule('size_depth', (a) => a.depth),
  distance_camera: objectQuantityRule('distance_camera', (a) => a.cameraDistance),
  how_much_left: pairQuantityRule('how_much_left', lateralOffset, true),
  how_much_higher: pairQuantityRule('how_much_higher', heightAbove, true),
  how_much_closer: pairQuantityRule('how_much_closer', closerBy, true),
  direction_clock: directionClock,

  closest_to: extremeDistanceRule('closest_to', -1),
  farthest_from: extremeDistanceRule('farthest_from', 1),
  sort_by_camera_distance: sortByCameraDistance,
  triangle_equilateral: triangleEquilateral,
  triangle_right: triangleRight,
  fits_on: fitsOn,
  fits_under: fitsUnder,
  fits_inside: fitsInside,
};
