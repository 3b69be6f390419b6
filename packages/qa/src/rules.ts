/**
 * How each catalog type finds its candidate questions in a scene and turns a chosen one into template
 * variables, a fact and (for reasoning types) steps. Candidates are cheap (object references and a
 * truth flag); text is produced only for the candidates the sampler keeps.
 */
import type { Fact, ReasoningStep, SceneObject, Units, Vec3 } from '@spatialforge/core';
import type { QuestionTypeName } from './catalog.js';
import {
  type ComparisonName, type MeasureName, type QAMargins,
  COMPARISONS, EQUILATERAL_TOLERANCE, MEASURES, RIGHT_ANGLE_TOLERANCE_DEGREES,
  centreDistance, clockAngle, clockBoundaryDistance, depthOf, fitsInsideSlack, fitsOnSlack,
  fitsUnderSlack, footprint, gapDistance, heightOf, horizontalDistance, hourOfAngle, isClearDifference,
  isClearLengthDifference, largestAngleDegrees, sideRatio, sortedDimensions, triangleSides, verticalDistance, widthOf,
} from './facts.js';
import { formatClockHour, formatLength } from './format.js';
import type { Random } from './random.js';

/** A scene object with its comparison measures computed once. */
export interface Item {
  object: SceneObject;
  measures: Record<MeasureName, number>;
}

export interface Candidate {
  /** The objects in the order the question names them (choices and triangles are shuffled at render). */
  items: Item[];
  /** Yes/no types: whether the fact holds for this order. */
  truth?: boolean;
}

export interface Context {
  items: Item[];
  camera: Vec3;
  units: Units;
  margins: QAMargins;
  random: Random;
  /** Free height under an object (see `clearanceUnder`), metres; computed once per scene. */
  clearance(item: Item): number;
}

export interface Rendering {
  vars: Record<string, string>;
  fact: Fact;
  /** Yes/no types: picks `answers` or `falseAnswers`. */
  truth?: boolean;
  steps?: ReasoningStep[];
}

export interface Rule {
  candidates(context: Context): Candidate[];
  render(candidate: Candidate, context: Context): Rendering;
}

export function prepareItem(object: SceneObject, camera: Vec3): Item {
  const measures = {} as Record<MeasureName, number>;
  for (const name of Object.keys(MEASURES) as MeasureName[]) measures[name] = MEASURES[name].of(object, camera);
  return { object, measures };
}

/** "A and B", "A, B and C". */
export function joinNames(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function forEachPair(items: Item[], visit: (a: Item, b: Item) => void): void {
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) visit(items[i], items[j]);
}

function shuffled<T>(values: T[], random: Random): T[] {
  return random.sample([...values], values.length);
}

const ids = (items: readonly Item[]) => items.map((item) => item.object.id);
const step = (text: string, predicate: string, objects: Item[], value: Fact['value']): ReasoningStep => ({
  text,
  fact: { predicate, objects: ids(objects), value },
});

function predicateRule(type: QuestionTypeName, relation: ComparisonName): Rule {
  const { measure, sense } = COMPARISONS[relation];
  return {
    candidates({ items, margins }) {
      const out: Candidate[] = [];
      forEachPair(items, (a, b) => {
        const va = a.measures[measure];
        const vb = b.measures[measure];
        if (!isClearDifference(measure, va, vb, margins)) return;
        const holds = sense * (va - vb) > 0;
        out.push({ items: [a, b], truth: holds }, { items: [b, a], truth: !holds });
      });
      return out;
    },
    render({ items: [a, b], truth }) {
      return {
        vars: { A: a.object.name, B: b.object.name },
        fact: { predicate: type, objects: ids([a, b]), value: truth! },
        truth,
      };
    },
  };
}

function choiceRule(type: QuestionTypeName, relation: ComparisonName): Rule {
  const { measure, sense } = COMPARISONS[relation];
  return {
    candidates({ items, margins }) {
      const out: Candidate[] = [];
      forEachPair(items, (a, b) => {
        if (isClearDifference(measure, a.measures[measure], b.measures[measure], margins)) out.push({ items: [a, b] });
      });
      return out;
    },
    render(candidate, { random }) {
      const [a, b] = shuffled(candidate.items, random);
      const aWins = sense * (a.measures[measure] - b.measures[measure]) > 0;
      const [winner, other] = aWins ? [a, b] : [b, a];
      return {
        vars: { A: a.object.name, B: b.object.name, X: winner.object.name, Y: other.object.name },
        fact: { predicate: type, objects: ids([a, b]), value: winner.object.id },
      };
    },
  };
}

/** A quantity of one object, asked of every object. */
function objectQuantityRule(type: QuestionTypeName, valueOf: (item: Item) => number): Rule {
  return {
    candidates: ({ items }) => items.filter((item) => valueOf(item) > 0).map((item) => ({ items: [item] })),
    render({ items: [a] }, { units }) {
      const value = valueOf(a);
      return { vars: { A: a.object.name, value: formatLength(value, units) }, fact: { predicate: type, objects: ids([a]), value } };
    },
  };
}

/** A symmetric quantity of two objects, asked when it is at least the metres margin. */
function pairQuantityRule(type: QuestionTypeName, valueOf: (a: Item, b: Item) => number): Rule {
  return {
    candidates({ items, margins }) {
      const out: Candidate[] = [];
      forEachPair(items, (a, b) => {
        if (valueOf(a, b) >= margins.metres) out.push({ items: [a, b] });
      });
      return out;
    },
    render(candidate, { random, units }) {
      const [a, b] = shuffled(candidate.items, random);
      const value = valueOf(a, b);
      return {
        vars: { A: a.object.name, B: b.object.name, value: formatLength(value, units) },
        fact: { predicate: type, objects: ids([a, b]), value },
      };
    },
  };
}

/** "How much more <relation> is A than B": asked with A the one it holds for, by at least the metres margin. */
function howMuchRule(type: QuestionTypeName, relation: ComparisonName): Rule {
  const { measure, sense } = COMPARISONS[relation];
  const margin = (a: Item, b: Item) => sense * (a.measures[measure] - b.measures[measure]);
  return {
    candidates({ items, margins }) {
      const out: Candidate[] = [];
      forEachPair(items, (a, b) => {
        const difference = margin(a, b);
        if (Math.abs(difference) >= margins.metres) out.push({ items: difference > 0 ? [a, b] : [b, a] });
      });
      return out;
    },
    render({ items: [a, b] }, { units }) {
      const value = margin(a, b);
      return {
        vars: { A: a.object.name, B: b.object.name, value: formatLength(value, units) },
        fact: { predicate: type, objects: ids([a, b]), value },
      };
    },
  };
}

const directionClock: Rule = {
  candidates({ items, margins }) {
    const out: Candidate[] = [];
    forEachPair(items, (a, b) => {
      if (horizontalDistance(a.object, b.object) < margins.metres) return;
      for (const [from, to] of [[a, b], [b, a]]) {
        if (clockBoundaryDistance(clockAngle(from.object, to.object)) >= margins.degrees) out.push({ items: [from, to] });
      }
    });
    return out;
  },
  render({ items: [a, b] }) {
    const hour = hourOfAngle(clockAngle(a.object, b.object));
    return {
      vars: { A: a.object.name, B: b.object.name, value: formatClockHour(hour) },
      fact: { predicate: 'direction_clock', objects: ids([a, b]), value: hour },
    };
  },
};

/** Which of up to four listed objects is closest to (sense −1) or farthest from (sense +1) an anchor. */
function extremeDistanceRule(type: QuestionTypeName, sense: 1 | -1): Rule {
  return {
    candidates({ items, margins, random }) {
      const out: Candidate[] = [];
      if (items.length < 3) return out;
      for (const anchor of items) {
        const listed = random.sample(items.filter((item) => item !== anchor), 4);
        const distances = listed.map((item) => centreDistance(anchor.object, item.object)).sort((x, y) => sense * (y - x));
        if (isClearLengthDifference(distances[0], distances[1], margins)) out.push({ items: [anchor, ...listed] });
      }
      return out;
    },
    render({ items: [anchor, ...listed] }, { units }) {
      const distances = listed.map((item) => centreDistance(anchor.object, item.object));
      let best = 0;
      for (let i = 1; i < listed.length; i++) if (sense * (distances[i] - distances[best]) > 0) best = i;
      const steps = listed.map((item, i) =>
        step(`${item.object.name} is ${formatLength(distances[i], units)} from ${anchor.object.name}.`, 'distance_centre', [anchor, item], distances[i]),
      );
      return {
        vars: { A: anchor.object.name, objects: joinNames(listed.map((item) => item.object.name)), X: listed[best].object.name },
        fact: { predicate: type, objects: ids([anchor, ...listed]), value: listed[best].object.id },
        steps,
      };
    },
  };
}

const sortByCameraDistance: Rule = {
  candidates({ items, margins, random }) {
    const out: Candidate[] = [];
    if (items.length < 3) return out;
    const seen = new Set<string>();
    for (let attempt = 0; attempt < items.length; attempt++) {
      const size = items.length >= 4 && attempt % 2 === 1 ? 4 : 3;
      const listed = random.sample([...items], size);
      const key = ids(listed).sort().join('\u0000');
      if (seen.has(key)) continue;
      seen.add(key);
      const distances = listed.map((item) => item.measures.cameraDistance).sort((x, y) => x - y);
      if (distances.every((d, i) => i === 0 || isClearLengthDifference(distances[i - 1], d, margins))) out.push({ items: listed });
    }
    return out;
  },
  render({ items }, { units }) {
    const order = [...items].sort((a, b) => a.measures.cameraDistance - b.measures.cameraDistance);
    const steps = items.map((item) =>
      step(`${item.object.name} is ${formatLength(item.measures.cameraDistance, units)} from the camera.`, 'distance_camera', [item], item.measures.cameraDistance),
    );
    return {
      vars: { objects: joinNames(items.map((item) => item.object.name)), value: joinNames(order.map((item) => item.object.name)) },
      fact: { predicate: 'sort_by_camera_distance', objects: ids(items), value: ids(order) },
      steps,
    };
  },
};

function sideSteps(a: Item, b: Item, c: Item, units: Units): ReasoningStep[] {
  const corners: [Item, Item][] = [[a, b], [b, c], [c, a]];
  return corners.map(([p, q]) => {
    const d = centreDistance(p.object, q.object);
    return step(`${p.object.name} and ${q.object.name} are ${formatLength(d, units)} apart.`, 'distance_centre', [p, q], d);
  });
}

/**
 * A triangle test over every triple whose sides are all at least the metres margin; `test` says whether
 * it holds and whether its decisive number (side ratio, largest angle) is clear of its threshold.
 */
function triangleRule(
  type: QuestionTypeName,
  test: (sides: [number, number, number], margins: QAMargins) => { truth: boolean; clear: boolean },
  conclusion: (sides: [number, number, number], items: Item[]) => ReasoningStep,
): Rule {
  return {
    candidates({ items, margins }) {
      const out: Candidate[] = [];
      for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
          for (let k = j + 1; k < items.length; k++) {
            const triple = [items[i], items[j], items[k]];
            const sides = triangleSides(triple[0].object, triple[1].object, triple[2].object);
            if (Math.min(...sides) < margins.metres) continue;
            const { truth, clear } = test(sides, margins);
            if (clear) out.push({ items: triple, truth });
          }
        }
      }
      return out;
    },
    render(candidate, { random, units }) {
      const [a, b, c] = shuffled(candidate.items, random);
      const sides = triangleSides(a.object, b.object, c.object);
      return {
        vars: { A: a.object.name, B: b.object.name, C: c.object.name },
        fact: { predicate: type, objects: ids([a, b, c]), value: candidate.truth! },
        truth: candidate.truth,
        steps: [...sideSteps(a, b, c, units), conclusion(sides, [a, b, c])],
      };
    },
  };
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

function baseSteps(item: Item, units: Units): ReasoningStep[] {
  const [long, short] = footprint(item.object);
  const name = item.object.name;
  return [
    step(`The base of ${name} is ${formatLength(long, units)} long.`, 'footprint_long_side', [item], long),
    step(`The base of ${name} is ${formatLength(short, units)} wide.`, 'footprint_short_side', [item], short),
  ];
}

/** A fits test over ordered pairs, asked when the room left (or missing) is at least the metres margin. */
function fitsRule(
  type: QuestionTypeName,
  slackOf: (a: Item, b: Item, context: Context) => number | undefined,
  stepsOf: (a: Item, b: Item, context: Context) => ReasoningStep[],
): Rule {
  return {
    candidates(context) {
      const out: Candidate[] = [];
      forEachPair(context.items, (p, q) => {
        for (const [a, b] of [[p, q], [q, p]]) {
          const slack = slackOf(a, b, context);
          if (slack !== undefined && Math.abs(slack) >= context.margins.metres) out.push({ items: [a, b], truth: slack > 0 });
        }
      });
      return out;
    },
    render({ items: [a, b], truth }, context) {
      return {
        vars: { A: a.object.name, B: b.object.name },
        fact: { predicate: type, objects: ids([a, b]), value: truth! },
        truth,
        steps: stepsOf(a, b, context),
      };
    },
  };
}

const fitsOn = fitsRule(
  'fits_on',
  (a, b) => fitsOnSlack(a.object, b.object),
  (a, b, { units }) => [...baseSteps(a, units), ...baseSteps(b, units)],
);

const fitsUnder = fitsRule(
  'fits_under',
  (a, b, context) => {
    // Only under objects with free space beneath: a box reaching the floor hides what is under it.
    const clearance = context.clearance(b);
    return clearance < context.margins.metres ? undefined : fitsUnderSlack(a.object, b.object, clearance);
  },
  (a, b, { clearance: clearanceOf, units }) => {
    const height = heightOf(a.object);
    const clearance = clearanceOf(b);
    return [
      step(`${a.object.name} is ${formatLength(height, units)} tall.`, 'size_height', [a], height),
      step(`There is ${formatLength(clearance, units)} of free space under ${b.object.name}.`, 'clearance_under', [b], clearance),
      ...baseSteps(a, units),
      ...baseSteps(b, units),
    ];
  },
);

const SIDE_NAMES = [['longest', 'longest_side'], ['middle', 'middle_side'], ['shortest', 'shortest_side']] as const;

const fitsInside = fitsRule(
  'fits_inside',
  (a, b) => fitsInsideSlack(a.object, b.object),
  (a, b, { units }) =>
    [a, b].flatMap((item) => {
      const dimensions = sortedDimensions(item.object);
      return SIDE_NAMES.map(([words, predicate], i) =>
        step(`The ${words} side of ${item.object.name} is ${formatLength(dimensions[i], units)}.`, predicate, [item], dimensions[i]),
      );
    }),
);

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
  choice_higher: choiceRule('choice_higher', 'above'),
  choice_lower: choiceRule('choice_lower', 'below'),
  choice_closer: choiceRule('choice_closer', 'closer'),
  choice_farther: choiceRule('choice_farther', 'farther'),
  choice_bigger: choiceRule('choice_bigger', 'bigger'),
  choice_smaller: choiceRule('choice_smaller', 'smaller'),
  choice_taller: choiceRule('choice_taller', 'taller'),
  choice_shorter: choiceRule('choice_shorter', 'shorter'),
  choice_wider: choiceRule('choice_wider', 'wider'),
  choice_thinner: choiceRule('choice_thinner', 'thinner'),

  distance_centre: pairQuantityRule('distance_centre', (a, b) => centreDistance(a.object, b.object)),
  distance_gap: pairQuantityRule('distance_gap', (a, b) => gapDistance(a.object, b.object)),
  distance_horizontal: pairQuantityRule('distance_horizontal', (a, b) => horizontalDistance(a.object, b.object)),
  distance_vertical: pairQuantityRule('distance_vertical', (a, b) => verticalDistance(a.object, b.object)),
  size_width: objectQuantityRule('size_width', (a) => widthOf(a.object)),
  size_height: objectQuantityRule('size_height', (a) => heightOf(a.object)),
  size_depth: objectQuantityRule('size_depth', (a) => depthOf(a.object)),
  distance_camera: objectQuantityRule('distance_camera', (a) => a.measures.cameraDistance),
  how_much_left: howMuchRule('how_much_left', 'left_of'),
  how_much_higher: howMuchRule('how_much_higher', 'above'),
  how_much_closer: howMuchRule('how_much_closer', 'closer'),
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
