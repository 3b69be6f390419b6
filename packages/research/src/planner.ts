/**
 * The built-in planner: answers a parsed question from the scene graph with the qa package's fact
 * functions, with reasoning steps that each carry the primitive fact they use (metres, canonical
 * frame). The answer text comes from the catalog's first answer template, so it reads like the
 * dataset's own answers. Pure: no I/O.
 */
import { InputError, type Fact, type ReasoningStep, type SceneGraph, type SceneObject, type Units } from '@spatialforge/core';
import {
  COMPARISONS, EQUILATERAL_TOLERANCE, MEASURES, RIGHT_ANGLE_TOLERANCE_DEGREES, PREDICATE_TYPES, CHOICE_TYPES,
  cameraDistance, centreDistance, clearanceUnder, clockHour, comparisonMargin, depthOf, fillTemplate, fitsInsideSlack,
  fitsOnSlack, fitsUnderSlack, footprint, formatClockHour, formatLength, gapDistance, heightOf, horizontalDistance,
  largestAngleDegrees, questionType, sideRatio, sortedDimensions, triangleSides, verticalDistance, widthOf,
  type ComparisonName, type MeasureName, type QuestionTypeName,
} from '@spatialforge/qa';
import type { ParsedQuestion } from './question-parse.js';

export interface PlannedAnswer {
  answer: string;
  steps: ReasoningStep[];
  fact: Fact;
}

const step = (text: string, predicate: string, objects: SceneObject[], value: Fact['value']): ReasoningStep => ({
  text: text.replace(/^[a-z]/, (c) => c.toUpperCase()),
  fact: { predicate, objects: objects.map((o) => o.id), value },
});

/** A choice type's comparison: choice_left → left_of, choice_higher → above, ... */
const CHOICE_RELATION: Record<(typeof CHOICE_TYPES)[number], ComparisonName> = {
  choice_left: 'left_of', choice_right: 'right_of', choice_higher: 'above', choice_lower: 'below',
  choice_closer: 'closer', choice_farther: 'farther', choice_bigger: 'bigger', choice_smaller: 'smaller',
  choice_taller: 'taller', choice_shorter: 'shorter', choice_wider: 'wider', choice_thinner: 'thinner',
};

/** A step stating one object's value of a measure, in words. */
function measureStep(measure: MeasureName, object: SceneObject, scene: SceneGraph, units: Units): ReasoningStep {
  const value = MEASURES[measure].of(object, scene.camera.position);
  const length = formatLength(Math.abs(value), units);
  const text: Record<MeasureName, string> = {
    lateral: `${object.name} is ${length} to the ${value < 0 ? 'left' : 'right'} of the camera.`,
    elevation: `The centre of ${object.name} is ${length} ${value < 0 ? 'below' : 'above'} the support plane.`,
    forward: `${object.name} is ${length} ${value < 0 ? 'behind' : 'in front of'} the camera.`,
    cameraDistance: `${object.name} is ${length} from the camera.`,
    size: `${object.name} is about ${length} across (the edge of a cube of its volume).`,
    height: `${object.name} is ${length} tall.`,
    width: `${object.name} is ${length} wide.`,
  };
  const predicate: Record<MeasureName, string> = {
    lateral: 'position_x', elevation: 'position_z', forward: 'position_y', cameraDistance: 'distance_camera',
    size: 'equivalent_size', height: 'size_height', width: 'size_width',
  };
  return step(text[measure], predicate[measure], [object], value);
}

/** Quantities of one or two objects, metres. */
const QUANTITIES: Partial<Record<QuestionTypeName, (a: SceneObject, b: SceneObject, scene: SceneGraph) => number>> = {
  distance_centre: (a, b) => centreDistance(a, b),
  distance_gap: (a, b) => gapDistance(a, b),
  distance_horizontal: (a, b) => horizontalDistance(a, b),
  distance_vertical: (a, b) => verticalDistance(a, b),
  size_width: (a) => widthOf(a),
  size_height: (a) => heightOf(a),
  size_depth: (a) => depthOf(a),
  distance_camera: (a, _b, scene) => cameraDistance(a, scene.camera.position),
  how_much_left: (a, b, scene) => comparisonMargin('left_of', a, b, scene.camera.position),
  how_much_higher: (a, b, scene) => comparisonMargin('above', a, b, scene.camera.position),
  how_much_closer: (a, b, scene) => comparisonMargin('closer', a, b, scene.camera.position),
};

function joinNames(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function baseSteps(object: SceneObject, units: Units): ReasoningStep[] {
  const [long, short] = footprint(object);
  return [
    step(`The base of ${object.name} is ${formatLength(long, units)} long.`, 'footprint_long_side', [object], long),
    step(`The base of ${object.name} is ${formatLength(short, units)} wide.`, 'footprint_short_side', [object], short),
  ];
}

const SIDE_NAMES = [['longest', 'longest_side'], ['middle', 'middle_side'], ['shortest', 'shortest_side']] as const;

/** Answers a parsed question; throws InputError when the scene cannot answer it (no gravity for an "up" question). */
export function planAnswer(scene: SceneGraph, parsed: ParsedQuestion, units: Units = 'metric'): PlannedAnswer {
  const spec = questionType(parsed.type);
  if (spec.needsUp && !scene.canonical) {
    throw new InputError(`"${parsed.type}" needs gravity, but no support plane was found in ${scene.imageId}`, 'reason-needs-gravity', scene.imageId, 'question');
  }
  const [a, b, c] = parsed.objects;
  const camera = scene.camera.position;
  const length = (metres: number) => formatLength(metres, units);
  let steps: ReasoningStep[] = [];
  let fact: Fact;
  let truth: boolean | undefined;
  const vars: Record<string, string> = { A: a.name, B: b?.name ?? '', C: c?.name ?? '' };
  const type = parsed.type;

  if ((PREDICATE_TYPES as readonly string[]).includes(type)) {
    const relation = type as ComparisonName;
    truth = comparisonMargin(relation, a, b, camera) > 0;
    steps = [measureStep(COMPARISONS[relation].measure, a, scene, units), measureStep(COMPARISONS[relation].measure, b, scene, units)];
    fact = { predicate: type, objects: [a.id, b.id], value: truth };
  } else if (type in CHOICE_RELATION) {
    const relation = CHOICE_RELATION[type as keyof typeof CHOICE_RELATION];
    const [winner, other] = comparisonMargin(relation, a, b, camera) > 0 ? [a, b] : [b, a];
    steps = [measureStep(COMPARISONS[relation].measure, a, scene, units), measureStep(COMPARISONS[relation].measure, b, scene, units)];
    Object.assign(vars, { X: winner.name, Y: other.name });
    fact = { predicate: type, objects: [a.id, b.id], value: winner.id };
  } else if (type === 'direction_clock') {
    const hour = clockHour(a, b);
    vars.value = formatClockHour(hour);
    fact = { predicate: type, objects: [a.id, b.id], value: hour };
    steps = [step(`Facing away from the camera at ${a.name}, ${b.name} is at ${vars.value}.`, type, [a, b], hour)];
  } else if (QUANTITIES[type]) {
    const value = QUANTITIES[type]!(a, b, scene);
    vars.value = length(value);
    const objects = spec.arity === 1 ? [a] : [a, b];
    fact = { predicate: type, objects: objects.map((o) => o.id), value };
    steps = [step(`${spec.description.replace(/\bA\b/, a.name).replace(/\bB\b/, b?.name ?? '')}: ${vars.value}.`, type, objects, value)];
  } else if (type === 'closest_to' || type === 'farthest_from') {
    const [anchor, ...listed] = parsed.objects;
    const distances = listed.map((o) => centreDistance(anchor, o));
    const sense = type === 'closest_to' ? -1 : 1;
    let best = 0;
    for (let i = 1; i < listed.length; i++) if (sense * (distances[i] - distances[best]) > 0) best = i;
    steps = listed.map((o, i) => step(`${o.name} is ${length(distances[i])} from ${anchor.name}.`, 'distance_centre', [anchor, o], distances[i]));
    Object.assign(vars, { objects: joinNames(listed.map((o) => o.name)), X: listed[best].name });
    fact = { predicate: type, objects: parsed.objects.map((o) => o.id), value: listed[best].id };
  } else if (type === 'sort_by_camera_distance') {
    const order = [...parsed.objects].sort((p, q) => cameraDistance(p, camera) - cameraDistance(q, camera));
    steps = parsed.objects.map((o) => step(`${o.name} is ${length(cameraDistance(o, camera))} from the camera.`, 'distance_camera', [o], cameraDistance(o, camera)));
    Object.assign(vars, { objects: joinNames(parsed.objects.map((o) => o.name)), value: joinNames(order.map((o) => o.name)) });
    fact = { predicate: type, objects: parsed.objects.map((o) => o.id), value: order.map((o) => o.id) };
  } else if (type === 'triangle_equilateral' || type === 'triangle_right') {
    const sides = triangleSides(a, b, c);
    const corners: [SceneObject, SceneObject][] = [[a, b], [b, c], [c, a]];
    steps = corners.map(([p, q], i) => step(`${p.name} and ${q.name} are ${length(sides[i])} apart.`, 'distance_centre', [p, q], sides[i]));
    if (type === 'triangle_equilateral') {
      const ratio = sideRatio(sides);
      truth = ratio - 1 <= EQUILATERAL_TOLERANCE;
      steps.push(step(`The longest side is ${Math.round((ratio - 1) * 100)}% longer than the shortest.`, 'side_ratio', [a, b, c], ratio));
    } else {
      const angle = largestAngleDegrees(sides);
      truth = Math.abs(angle - 90) <= RIGHT_ANGLE_TOLERANCE_DEGREES;
      steps.push(step(`The largest angle is about ${Math.round(angle)} degrees.`, 'largest_angle_degrees', [a, b, c], angle));
    }
    fact = { predicate: type, objects: [a.id, b.id, c.id], value: truth };
  } else if (type === 'fits_on') {
    truth = fitsOnSlack(a, b) > 0;
    steps = [...baseSteps(a, units), ...baseSteps(b, units)];
    fact = { predicate: type, objects: [a.id, b.id], value: truth };
  } else if (type === 'fits_under') {
    const clearance = clearanceUnder(b, scene.objects);
    truth = fitsUnderSlack(a, b, clearance) > 0;
    steps = [
      step(`${a.name} is ${length(heightOf(a))} tall.`, 'size_height', [a], heightOf(a)),
      step(`There is ${length(clearance)} of free space under ${b.name}.`, 'clearance_under', [b], clearance),
      ...baseSteps(a, units),
      ...baseSteps(b, units),
    ];
    fact = { predicate: type, objects: [a.id, b.id], value: truth };
  } else if (type === 'fits_inside') {
    truth = fitsInsideSlack(a, b) > 0;
    steps = [a, b].flatMap((o) => {
      const dimensions = sortedDimensions(o);
      return SIDE_NAMES.map(([words, predicate], i) => step(`The ${words} side of ${o.name} is ${length(dimensions[i])}.`, predicate, [o], dimensions[i]));
    });
    fact = { predicate: type, objects: [a.id, b.id], value: truth };
  } else {
    throw new InputError(`the built-in planner has no rule for "${type}"`, 'reason-unsupported-question', undefined, 'question');
  }

  const templates = truth === false ? spec.templates.falseAnswers ?? spec.templates.answers : spec.templates.answers;
  const answer = fillTemplate(templates[0], { ...vars, steps: steps.map((s) => s.text).join(' ') });
  return { answer, steps, fact };
}
