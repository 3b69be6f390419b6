/**
 * The question catalog (DESIGN.md): every question type with its category, whether it needs gravity
 * ("up"), how many objects it names, what kind of value answers it, and its templates.
 *
 * Template placeholders: {A} {B} {C} the objects in the order asked; {X} the object that answers a
 * choice or a "which" question and {Y} the other one of a choice; {value} the answer's value in words
 * (a rounded length, a clock position or a list); {objects} the objects a question lists;
 * {steps} the reasoning steps of a chain-of-thought answer. Yes/no types answer from `answers` when
 * the fact is true and from `falseAnswers` when it is false.
 */
import type { QACategory } from '@spatialforge/core';

export const PREDICATE_TYPES = [
  'left_of', 'right_of', 'above', 'below', 'behind', 'in_front_of',
  'bigger', 'smaller', 'taller', 'shorter', 'wider', 'thinner',
] as const;

export const CHOICE_TYPES = [
  'choice_left', 'choice_right', 'choice_higher', 'choice_lower', 'choice_closer', 'choice_farther',
  'choice_bigger', 'choice_smaller', 'choice_taller', 'choice_shorter', 'choice_wider', 'choice_thinner',
] as const;

export const QUANTITY_TYPES = [
  'distance_centre', 'distance_gap', 'distance_horizontal', 'distance_vertical',
  'size_width', 'size_height', 'size_depth', 'distance_camera',
  'how_much_left', 'how_much_higher', 'how_much_closer', 'direction_clock',
] as const;

export const REASONING_TYPES = [
  'closest_to', 'farthest_from', 'sort_by_camera_distance', 'triangle_equilateral', 'triangle_right',
  'fits_on', 'fits_under', 'fits_inside',
] as const;

export type QuestionTypeName =
  | (typeof PREDICATE_TYPES)[number]
  | (typeof CHOICE_TYPES)[number]
  | (typeof QUANTITY_TYPES)[number]
  | (typeof REASONING_TYPES)[number];

/**
 * What `fact.value` holds: a boolean; the id of the answering object; metres; a clock hour (1–12);
 * or object ids in answer order.
 */
export type ValueKind = 'boolean' | 'object' | 'length' | 'clock' | 'order';

export interface QuestionTemplates {
  questions: readonly string[];
  /** Answers; for yes/no types, the answers when the fact is true. */
  answers: readonly string[];
  /** Yes/no types only: the answers when the fact is false. */
  falseAnswers?: readonly string[];
}

export interface QuestionType {
  type: QuestionTypeName;
  category: QACategory;
  /** Needs gravity: never asked of a non-canonical scene. */
  needsUp: boolean;
  /** Objects a question names: 1, 2, 3, or a set of 3 or more. */
  arity: 1 | 2 | 3 | 'set';
  valueKind: ValueKind;
  description: string;
  templates: QuestionTemplates;
}

type Three = readonly [string, string, string];

/** A yes/no predicate from three phrasings of the relation and three of its opposite. */
function predicate(type: QuestionTypeName, needsUp: boolean, description: string, relation: Three, opposite: Three): QuestionType {
  const [r0, r1, r2] = relation;
  const [o0, o1, o2] = opposite;
  return {
    type, category: 'qualitative', needsUp, arity: 2, valueKind: 'boolean', description,
    templates: {
      questions: [
        `Is {A} ${r0} {B}?`,
        `Is {A} ${r1} {B}?`,
        `Looking at the image, is {A} ${r2} {B}?`,
        `Would you say that {A} is ${r0} {B}?`,
        `Can you confirm that {A} is ${r1} {B}?`,
        `Tell me whether {A} is ${r2} {B}.`,
      ],
      // Plain yes and no: "Correct" and "Not quite" would answer a claim, and most of these questions make none.
      answers: [`Yes, {A} is ${r0} {B}.`, `Yes. {A} is ${r1} {B}.`, `Yes, {A} is ${r2} {B}.`, 'Yes, it is.'],
      falseAnswers: [`No, {A} is ${o0} {B}.`, `No. {A} is ${o1} {B}.`, `No, {A} is ${o2} {B}.`, 'No, it is not.'],
    },
  };
}

/** A choice between two objects from three comparative phrasings ("more to the left", ...). */
function choice(type: QuestionTypeName, needsUp: boolean, description: string, comparative: Three): QuestionType {
  const [c0, c1, c2] = comparative;
  return {
    type, category: 'qualitative', needsUp, arity: 2, valueKind: 'object', description,
    templates: {
      questions: [
        `Which is ${c0}, {A} or {B}?`,
        `Between {A} and {B}, which one is ${c1}?`,
        `Of {A} and {B}, which is ${c2}?`,
        `Which object is ${c0}: {A} or {B}?`,
        `Looking at {A} and {B}, which one is ${c1}?`,
      ],
      answers: [`{X} is ${c0} than {Y}.`, `{X} is ${c1}.`, 'It is {X}.', `{X}, which is ${c2} than {Y}.`],
    },
  };
}

function quantity(type: QuestionTypeName, needsUp: boolean, arity: 1 | 2, description: string, questions: string[], answers: string[], valueKind: ValueKind = 'length'): QuestionType {
  return { type, category: 'quantitative', needsUp, arity, valueKind, description, templates: { questions, answers } };
}

function reasoning(
  type: QuestionTypeName, needsUp: boolean, arity: 2 | 3 | 'set', valueKind: ValueKind, description: string,
  templates: QuestionTemplates,
): QuestionType {
  return { type, category: 'reasoning', needsUp, arity, valueKind, description, templates };
}

export const QUESTION_TYPES: readonly QuestionType[] = [
  predicate('left_of', false, 'A is left of B in the picture (azimuth of the centres from the camera)',
    ['to the left of', 'on the left side of', 'further to the left than'],
    ['to the right of', 'on the right side of', 'further to the right than']),
  predicate('right_of', false, 'A is right of B in the picture (azimuth of the centres from the camera)',
    ['to the right of', 'on the right side of', 'further to the right than'],
    ['to the left of', 'on the left side of', 'further to the left than']),
  predicate('above', true, "A is above B: A's bottom at or above B's top",
    ['above', 'higher up than', 'positioned higher than'],
    ['below', 'lower down than', 'positioned lower than']),
  predicate('below', true, "A is below B: A's top at or below B's bottom",
    ['below', 'lower down than', 'positioned lower than'],
    ['above', 'higher up than', 'positioned higher than']),
  predicate('behind', false, 'A is behind B: farther from the camera (to the centres, nearest surfaces agreeing)',
    ['behind', 'further back than', 'deeper in the scene than'],
    ['in front of', 'further forward than', 'nearer the front of the scene than']),
  predicate('in_front_of', false, 'A is in front of B: nearer the camera (to the centres, nearest surfaces agreeing)',
    ['in front of', 'further forward than', 'nearer the front of the scene than'],
    ['behind', 'further back than', 'deeper in the scene than']),
  predicate('bigger', false, 'A is bigger than B (volume of the oriented box)',
    ['bigger than', 'larger than', 'larger in size than'],
    ['smaller than', 'less bulky than', 'smaller in size than']),
  predicate('smaller', false, 'A is smaller than B (volume of the oriented box)',
    ['smaller than', 'less bulky than', 'smaller in size than'],
    ['bigger than', 'larger than', 'larger in size than']),
  predicate('taller', true, 'A is taller than B (height)',
    ['taller than', 'greater in height than', 'standing taller than'],
    ['shorter than', 'less tall than', 'lower in height than']),
  predicate('shorter', true, 'A is shorter than B (height)',
    ['shorter than', 'less tall than', 'lower in height than'],
    ['taller than', 'greater in height than', 'standing taller than']),
  predicate('wider', false, 'A is wider than B (longer side of the own footprint)',
    ['wider than', 'broader than', 'greater in width than'],
    ['thinner than', 'narrower than', 'less wide than']),
  predicate('thinner', false, 'A is thinner than B (longer side of the own footprint)',
    ['thinner than', 'narrower than', 'less wide than'],
    ['wider than', 'broader than', 'greater in width than']),

  choice('choice_left', false, 'which of A and B is more to the left', ['more to the left', 'further left', 'positioned more to the left']),
  choice('choice_right', false, 'which of A and B is more to the right', ['more to the right', 'further right', 'positioned more to the right']),
  choice('choice_higher', true, 'which of A and B is higher: wholly above, or higher at both bottom and top', ['higher', 'higher up', 'positioned higher']),
  choice('choice_lower', true, 'which of A and B is lower: wholly below, or lower at both bottom and top', ['lower', 'lower down', 'positioned lower']),
  choice('choice_closer', false, 'which of A and B is closer to the camera', ['closer to the camera', 'nearer to the camera', 'closer to the viewer']),
  choice('choice_farther', false, 'which of A and B is farther from the camera', ['farther from the camera', 'further away from the camera', 'farther from the viewer']),
  choice('choice_bigger', false, 'which of A and B is bigger', ['bigger', 'larger', 'larger in size']),
  choice('choice_smaller', false, 'which of A and B is smaller', ['smaller', 'smaller in size', 'more compact']),
  choice('choice_taller', true, 'which of A and B is taller', ['taller', 'greater in height', 'taller in height']),
  choice('choice_shorter', true, 'which of A and B is shorter', ['shorter', 'less tall', 'shorter in height']),
  choice('choice_wider', false, 'which of A and B is wider', ['wider', 'broader', 'greater in width']),
  choice('choice_thinner', false, 'which of A and B is thinner', ['thinner', 'narrower', 'less wide']),

  quantity('distance_centre', false, 2, 'distance between the centres of A and B', [
    'How far is {A} from {B}?',
    'What is the distance between {A} and {B}?',
    'How far apart are {A} and {B}?',
    'Can you measure the distance between {A} and {B}?',
    'What is the distance from the centre of {A} to the centre of {B}?',
  ], [
    'The centres of {A} and {B} are {value} apart.',
    '{A} is {value} from {B}, centre to centre.',
    'Centre to centre, they are about {value} apart.',
  ]),
  quantity('distance_gap', false, 2, 'gap between the closest points of the oriented boxes of A and B', [
    'What is the gap between {A} and {B}?',
    'How much space is there between {A} and {B}?',
    'How far is the nearest edge of {A} from {B}?',
    'What is the clearance between {A} and {B}?',
    'How close do {A} and {B} come to each other?',
  ], [
    'There is a gap of {value} between {A} and {B}.',
    'The closest points of {A} and {B} are {value} apart.',
    'About {value} of space separates them at their closest.',
  ]),
  quantity('distance_horizontal', true, 2, 'distance between the centres of A and B on the ground plane', [
    'What is the horizontal distance between the centres of {A} and {B}?',
    'How far apart are {A} and {B} horizontally, centre to centre?',
    'Ignoring height, how far is the centre of {A} from the centre of {B}?',
    'Measured along the floor, how far is {A} from {B}, centre to centre?',
    'Seen from above, how far apart are the centres of {A} and {B}?',
  ], [
    'The horizontal distance between the centres of {A} and {B} is {value}.',
    'Horizontally, the centres of {A} and {B} are {value} apart.',
    'Along the ground, the centre of {A} is {value} from the centre of {B}.',
  ]),
  quantity('distance_vertical', true, 2, 'difference in height between the centres of A and B', [
    'What is the vertical distance between the centres of {A} and {B}?',
    'How far apart are the centres of {A} and {B} vertically?',
    'What is the difference in height between the centres of {A} and {B}?',
    'How much higher or lower is the centre of {A} than the centre of {B}?',
    'Measured vertically, how far is the centre of {A} from the centre of {B}?',
  ], [
    'The centres of {A} and {B} are {value} apart vertically.',
    'Vertically, their centres are {value} apart.',
    'The heights of their centres differ by {value}.',
  ]),
  quantity('size_width', false, 1, 'width of A: the longer side of its own footprint', [
    'How wide is {A} at its widest?',
    'What is the width of {A}, along the longer side of its footprint?',
    'How long is the longer side of the footprint of {A}?',
    'Can you estimate the width of {A}, taking the longer of its two horizontal sides?',
    'What is the longer horizontal dimension of {A}?',
  ], [
    '{A} is {value} wide at its widest.',
    'The longer side of its footprint is {value}.',
    '{A} measures {value} along its longer horizontal side.',
  ]),
  quantity('size_height', true, 1, 'height of A from its bottom to its top', [
    'How tall is {A}?',
    'What is the height of {A}?',
    'How high is {A} from bottom to top?',
    'Can you estimate the height of {A}?',
    'What is the vertical size of {A}?',
  ], [
    '{A} is {value} tall.',
    'The height of {A} is {value}.',
    'It stands about {value} tall.',
  ]),
  quantity('size_depth', false, 1, 'depth of A: the shorter side of its own footprint', [
    'How deep is {A}, along the shorter side of its footprint?',
    'What is the depth of {A}, the shorter of its two horizontal sides?',
    'How long is the shorter side of the footprint of {A}?',
    'Can you estimate the depth of {A}, measured along its shorter horizontal side?',
    'What is the shorter horizontal dimension of {A}?',
  ], [
    '{A} is {value} deep along the shorter side of its footprint.',
    'The shorter side of its footprint is {value}.',
    '{A} measures {value} along its shorter horizontal side.',
  ]),
  quantity('distance_camera', false, 1, 'distance from the camera to the centre of A', [
    'How far is {A} from the camera?',
    'What is the distance between the camera and the centre of {A}?',
    'How far away is {A} from the viewer?',
    'Can you estimate how far {A} is from the camera?',
    'From where the picture was taken, how far is the centre of {A}?',
  ], [
    'The centre of {A} is {value} from the camera.',
    'Measured to its centre, {A} is {value} from the camera.',
    'Its centre is roughly {value} away from the camera.',
  ]),
  quantity('how_much_left', false, 2, 'how much further left A is than B, measured across the view (B left of A in the picture)', [
    'How much further to the left is {A} than {B}?',
    'By how much is {A} to the left of {B}, measured across the view?',
    'How far left of {B} is {A}, across the camera\'s view?',
    'What is the sideways offset of {A} to the left of {B}?',
    'How much more to the left does {A} sit compared with {B}?',
  ], [
    '{A} is {value} further to the left than {B}, measured across the view.',
    'Across the camera\'s view, {A} sits {value} to the left of {B}.',
    'About {value} further left, measured across the view.',
  ]),
  quantity('how_much_higher', true, 2, "how far the bottom of A is above the top of B (A wholly above B, not resting on it)", [
    'How far above the top of {B} is the bottom of {A}?',
    'How much higher than the top of {B} is the bottom of {A}?',
    'What is the vertical gap between the top of {B} and the bottom of {A}?',
    'By how much does the bottom of {A} clear the top of {B}?',
    'How far up from the top of {B} does {A} begin?',
  ], [
    'The bottom of {A} is {value} above the top of {B}.',
    '{A} begins {value} above the top of {B}.',
    'There is {value} between the top of {B} and the bottom of {A}.',
  ]),
  quantity('how_much_closer', false, 2, 'how much closer to the camera A is than B, measured to their centres', [
    'How much closer to the camera is {A} than {B}?',
    'By how much is {A} nearer to the camera than {B}?',
    'How much nearer is {A} to the viewer than {B}?',
    'Compared with {B}, how much closer is {A} to the camera?',
    'How much farther from the camera is {B} than {A}?',
  ], [
    '{A} is {value} closer to the camera than {B}, measured to their centres.',
    'Measured to their centres, {A} is nearer to the camera by {value}.',
    '{B} is {value} farther from the camera than {A}, centre to centre.',
  ]),
  quantity('direction_clock', true, 2, 'clock position of B seen from A facing away from the camera', [
    'Standing at {A} and facing away from the camera, at what clock position is {B}?',
    'If {A} faces the same way as the camera, in which clock direction is {B}?',
    'Using clock directions with 12 o\'clock straight ahead, where is {B} relative to {A}?',
    'From {A}, looking the way the camera looks, what o\'clock is {B} at?',
    'At what clock position is {B} from {A}, with 12 o\'clock pointing away from the camera?',
  ], [
    '{B} is at {value} from {A}.',
    'From {A}, {B} is at {value}.',
    'Around {value}.',
  ], 'clock'),

  reasoning('closest_to', false, 'set', 'object', 'which of the listed objects is closest to A (centre distance, the gaps between boxes agreeing)', {
    questions: [
      'Of {objects}, which is closest to {A}?',
      'Which of {objects} is nearest to {A}?',
      'Among {objects}, which one is the closest to {A}?',
      'Looking at {objects}, which is the least far from {A}?',
      'Which is the closest to {A} of {objects}?',
    ],
    answers: [
      '{steps} So {X} is the closest to {A}.',
      '{steps} The closest one to {A} is therefore {X}.',
      '{steps} That makes {X} the nearest to {A}.',
    ],
  }),
  reasoning('farthest_from', false, 'set', 'object', 'which of the listed objects is farthest from A (centre distance, the gaps between boxes agreeing)', {
    questions: [
      'Of {objects}, which is farthest from {A}?',
      'Which of {objects} is the furthest from {A}?',
      'Among {objects}, which one is the farthest from {A}?',
      'Looking at {objects}, which is the most distant from {A}?',
      'Which is the farthest from {A} of {objects}?',
    ],
    answers: [
      '{steps} So {X} is the farthest from {A}.',
      '{steps} The farthest one from {A} is therefore {X}.',
      '{steps} That makes {X} the most distant from {A}.',
    ],
  }),
  reasoning('sort_by_camera_distance', false, 'set', 'order', 'the listed objects sorted by distance from the camera to their centres, closest first', {
    questions: [
      'Sort {objects} by their distance from the camera, closest first.',
      'Order {objects} from nearest to farthest from the camera.',
      'Which is closest to the camera and which is farthest among {objects}? List them in order.',
      'Rank {objects} by how far they are from the viewer, starting with the nearest.',
      'List {objects} from the closest to the camera to the farthest.',
    ],
    answers: [
      '{steps} So from closest to farthest: {value}.',
      '{steps} The order, nearest first, is {value}.',
      '{steps} Sorted by distance from the camera: {value}.',
    ],
  }),
  reasoning('triangle_equilateral', false, 3, 'boolean', 'A, B and C form a roughly equilateral triangle (longest side within 15 % of the shortest)', {
    questions: [
      'Do {A}, {B} and {C} form a roughly equilateral triangle?',
      'Are {A}, {B} and {C} about equally far from one another?',
      'Would lines joining {A}, {B} and {C} make a nearly equilateral triangle?',
      'Is the triangle with corners at {A}, {B} and {C} close to equilateral?',
      'Are the distances between {A}, {B} and {C} all roughly the same?',
    ],
    answers: [
      '{steps} So yes, {A}, {B} and {C} form a roughly equilateral triangle.',
      '{steps} The sides are nearly equal, so yes.',
      '{steps} Yes, the triangle is close to equilateral.',
    ],
    falseAnswers: [
      '{steps} So no, {A}, {B} and {C} do not form a roughly equilateral triangle.',
      '{steps} The sides differ too much, so no.',
      '{steps} No, the triangle is far from equilateral.',
    ],
  }),
  reasoning('triangle_right', false, 3, 'boolean', 'A, B and C form a roughly right triangle (largest angle within 10° of 90°)', {
    questions: [
      'Do {A}, {B} and {C} form a roughly right triangle?',
      'Is there a right angle, more or less, in the triangle formed by {A}, {B} and {C}?',
      'Would lines joining {A}, {B} and {C} make a nearly right-angled triangle?',
      'Is the triangle with corners at {A}, {B} and {C} close to a right triangle?',
      'Do {A}, {B} and {C} sit at the corners of a roughly right-angled triangle?',
    ],
    answers: [
      '{steps} So yes, {A}, {B} and {C} form a roughly right triangle.',
      '{steps} That is close to 90 degrees, so yes.',
      '{steps} Yes, the triangle is nearly right-angled.',
    ],
    falseAnswers: [
      '{steps} So no, {A}, {B} and {C} do not form a right triangle.',
      '{steps} That is far from 90 degrees, so no.',
      '{steps} No, the triangle has no angle close to a right angle.',
    ],
  }),
  reasoning('fits_on', true, 2, 'boolean', "A (movable) fits on the top of B (bears things): A's footprint within B's", {
    questions: [
      'Would {A} fit on top of {B}?',
      'Could {A} be placed on {B} without hanging over the edge?',
      'Is {B} large enough for {A} to stand on it?',
      'If you put {A} on {B}, would it fit?',
      'Does {B} have enough room on top for {A}?',
    ],
    answers: [
      '{steps} So yes, {A} would fit on {B}.',
      '{steps} Yes, there is enough room on {B}.',
      '{steps} {A} would fit on top of {B}.',
    ],
    falseAnswers: [
      '{steps} So no, {A} would not fit on {B}.',
      '{steps} No, {A} would hang over the edge of {B}.',
      '{steps} {A} is too large to fit on top of {B}.',
    ],
  }),
  reasoning('fits_under', true, 2, 'boolean', 'A (movable) fits in the free space under the top of B (on legs): height and footprint', {
    questions: [
      'Would {A} fit under {B}?',
      'Could {A} be slid underneath {B}?',
      'Is there enough space under {B} for {A}?',
      'If you moved {A} beneath {B}, would it fit?',
      'Does {A} fit in the space below {B}?',
    ],
    answers: [
      '{steps} So yes, {A} would fit under {B}.',
      '{steps} Yes, there is enough space under {B}.',
      '{steps} {A} would fit beneath {B}.',
    ],
    falseAnswers: [
      '{steps} So no, {A} would not fit under {B}.',
      '{steps} No, there is not enough space under {B}.',
      '{steps} {A} is too large to fit beneath {B}.',
    ],
  }),
  reasoning('fits_inside', false, 2, 'boolean', "A (movable, smaller) fits inside B (holds things): A's box within B's in its best orientation", {
    questions: [
      'Would {A} fit inside {B}?',
      'Could {A} be put inside {B}?',
      'Is {B} big enough to hold {A}?',
      'If you tried to place {A} in {B}, would it fit?',
      'Does {A} fit within the size of {B}?',
    ],
    answers: [
      '{steps} So yes, {A} would fit inside {B}.',
      '{steps} Yes, {B} is big enough to hold {A}.',
      '{steps} Every side of {A} is shorter than the matching side of {B}, so it would fit.',
    ],
    falseAnswers: [
      '{steps} So no, {A} would not fit inside {B}.',
      '{steps} No, {B} is too small to hold {A}.',
      '{steps} At least one side of {A} is longer than the matching side of {B}, so it would not fit.',
    ],
  }),
];

const BY_NAME = new Map<string, QuestionType>(QUESTION_TYPES.map((t) => [t.type, t]));

export function isQuestionTypeName(name: string): name is QuestionTypeName {
  return BY_NAME.has(name);
}

/** The catalog entry of a type; throws RangeError for a name not in the catalog. */
export function questionType(name: string): QuestionType {
  const entry = BY_NAME.get(name);
  if (!entry) throw new RangeError(`unknown question type "${name}"`);
  return entry;
}
