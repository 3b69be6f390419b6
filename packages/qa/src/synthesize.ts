/**
 * QA synthesis: from a scene graph to question–answer records, sampled with a seed.
 *
 * Each type draws from its own PRNG stream (seed, image id, type). Types are visited round-robin in a
 * seeded order, and a type's candidates are found only when the round-robin first reaches it, so a
 * per-image cap below the number of types never pays for the types it does not reach. Sampling is
 * without replacement over (pair, relation family): once one record states a fact about a pair on an
 * axis (left/right, up/down, near/far, size, height, width), no other record of that image asks the
 * same pair on that axis, so no record answers another. Only the kept candidates become text.
 */
import { InputError, contentId, type QARecord, type QARegion, type SceneGraph, type QAOptions } from '@spatialforge/core';
import { QUESTION_TYPES, isQuestionTypeName, type QuestionType, type QuestionTypeName } from './catalog.js';
import { DEFAULT_MARGINS, type QAMargins } from './facts.js';
import { createRandom, type Random } from './random.js';
import { type NameAxis, type Referents, nameAvoiding, referentsOf } from './referring.js';
import { RULES, prepareItem, sceneMemos, type Candidate, type Context, type Item } from './rules.js';

/** Questions of one type per image when neither `quotas` nor `defaultQuota` names it. */
export const DEFAULT_QUOTA = 2;

export interface SynthesisOptions extends QAOptions {
  /** How clear a difference must be for a question about it to be asked (see QAMargins). @defaultValue DEFAULT_MARGINS */
  margins?: Partial<QAMargins>;
}

/** The relation family of each type whose facts overlap: one record per (pair, family) per image. */
const FAMILIES: Partial<Record<QuestionTypeName, string>> = {
  left_of: 'left/right', right_of: 'left/right', choice_left: 'left/right', choice_right: 'left/right', how_much_left: 'left/right',
  above: 'up/down', below: 'up/down', choice_higher: 'up/down', choice_lower: 'up/down', how_much_higher: 'up/down', distance_vertical: 'up/down',
  behind: 'near/far', in_front_of: 'near/far', choice_closer: 'near/far', choice_farther: 'near/far', how_much_closer: 'near/far',
  bigger: 'size', smaller: 'size', choice_bigger: 'size', choice_smaller: 'size',
  taller: 'height', shorter: 'height', choice_taller: 'height', choice_shorter: 'height',
  wider: 'width', thinner: 'width', choice_wider: 'width', choice_thinner: 'width',
};

/** The family a type's facts belong to: its own type when it shares facts with no other. */
export function relationFamily(type: QuestionTypeName): string {
  return FAMILIES[type] ?? type;
}

/** Qualifiers a type must not use: the ones on the axis its answer is about. */
function bannedAxes(type: QuestionTypeName): NameAxis[] {
  const family = relationFamily(type);
  if (type === 'direction_clock') return ['lateral', 'depth'];
  if (family === 'left/right') return ['lateral'];
  if (family === 'near/far' || type === 'distance_camera' || type === 'sort_by_camera_distance') return ['depth'];
  return [];
}

/**
 * Types about an object's extent (its size, or how far one's bottom is above another's top): never asked
 * of a truncated or occluded object, whose hidden part may be the end that counts.
 */
const NEEDS_WHOLE = new Set<QuestionTypeName>([
  'bigger', 'smaller', 'taller', 'shorter', 'choice_bigger', 'choice_smaller', 'choice_taller', 'choice_shorter', 'size_height', 'how_much_higher',
]);
/**
 * Types about an object's own footprint (its sides and how it is turned): asked only where it is measured
 * (`Item.footprintSeen`: whole, and not lifted from sparse depth). The gap between two boxes is one: it
 * runs between their sides, and the side facing the other object is often the hidden one.
 */
const NEEDS_FOOTPRINT = new Set<QuestionTypeName>([
  'wider', 'thinner', 'choice_wider', 'choice_thinner', 'size_width', 'size_depth',
  'fits_on', 'fits_under', 'fits_inside', 'distance_gap',
]);

/** Which objects a type may ask about: any, whole ones, or ones whose footprint is measured. */
type ExtentNeed = 'any' | 'whole' | 'footprint';
function extentNeed(type: QuestionTypeName): ExtentNeed {
  return NEEDS_FOOTPRINT.has(type) ? 'footprint' : NEEDS_WHOLE.has(type) ? 'whole' : 'any';
}
const MEETS_NEED: Record<ExtentNeed, (item: Item) => boolean> = { any: () => true, whole: (item) => item.whole, footprint: (item) => item.footprintSeen };

/** One question chosen for an image, before it becomes text. */
export interface PlannedQuestion {
  spec: QuestionType;
  candidate: Candidate;
  random: Random;
}

/** A scene's prepared objects and how each may be named, shared by every type. */
export interface SceneContext {
  all: Item[];
  referents: Referents[];
  camera: SceneGraph['camera']['position'];
  units: QAOptions['units'];
  margins: QAMargins;
  random: Random;
  refer: NonNullable<QAOptions['refer']>;
  /** Each type's context, made on first use. */
  contexts: Map<QuestionTypeName, Context>;
  memos: Pick<Context, 'centreDistance' | 'gap' | 'freeSpace'>;
  /** The objects and names of each naming variant (extent need, banned axes). */
  namings: Map<string, { items: Item[]; names: (string | undefined)[] }>;
}

/**
 * The question catalog's records for one scene: per type up to its quota (yes/no types alternate true
 * and false forms), at most `maxPerImage` in all, taken round-robin across the types in a seeded order,
 * one per (pair, relation family). Non-canonical scenes get no question that needs "up".
 *
 * `refer: 'regions'` names objects as `<regionN>` instead of in words, N being the object's position in
 * the scene graph's object list (stable per image); every named region is listed in `regions` with its
 * pixel box, and since a region is never ambiguous, objects sharing a label are asked about too.
 */
export function synthesizeQA(scene: SceneGraph, options: SynthesisOptions): QARecord[] {
  validate(options);
  const context = createContext(scene, options);
  return planQuestions(scene, options, context).map((planned) => renderQuestion(scene, options, planned, context));
}

function validate(options: SynthesisOptions): void {
  const counts: [string, number | undefined][] = [
    ['maxPerImage', options.maxPerImage],
    ['defaultQuota', options.defaultQuota],
    ...Object.entries(options.quotas ?? {}).map(([type, quota]): [string, number] => [`quotas.${type}`, quota]),
  ];
  for (const [field, count] of counts) {
    if (count !== undefined && (!Number.isInteger(count) || count < 0)) {
      throw new InputError(`${field} must be a whole number ≥ 0, got ${count}`, 'invalid-qa-options', undefined, field);
    }
  }
  for (const name of [...(options.types ?? []), ...Object.keys(options.quotas ?? {})]) {
    if (!isQuestionTypeName(name)) {
      throw new InputError(`unknown question type "${name}"; known types: ${QUESTION_TYPES.map((t) => t.type).join(', ')}`, 'unknown-qa-type', undefined, options.types?.includes(name) ? 'types' : 'quotas');
    }
  }
  if (options.refer !== undefined && options.refer !== 'names' && options.refer !== 'regions') {
    throw new InputError(`refer must be "names" or "regions", got ${JSON.stringify(options.refer)}`, 'invalid-qa-options', undefined, 'refer');
  }
}

/** The types asked of this scene and their quotas, in catalog order. */
export function eligibleTypes(scene: SceneGraph, options: SynthesisOptions): { spec: QuestionType; quota: number }[] {
  const wanted = options.types ? new Set(options.types) : undefined;
  return QUESTION_TYPES.filter((spec) => (scene.canonical || !spec.needsUp) && (!wanted || wanted.has(spec.type)))
    .map((spec) => ({ spec, quota: options.quotas?.[spec.type] ?? options.defaultQuota ?? DEFAULT_QUOTA }))
    .filter(({ quota }) => quota > 0);
}

/** The scene's objects with their measures and referents. */
export function createContext(scene: SceneGraph, options: Pick<SynthesisOptions, 'seed' | 'units' | 'margins' | 'refer'>): SceneContext {
  const camera = scene.camera.position;
  const margins = { ...DEFAULT_MARGINS, ...options.margins };
  const all = scene.objects.map((object, index) => prepareItem(object, index, camera));
  const referents = referentsOf(all.map((item) => ({ ...item.object, azimuth: item.azimuth, cameraDistance: item.cameraDistance })), margins);
  return {
    all, referents, camera, units: options.units, margins, random: createRandom(`${options.seed}|${scene.imageId}`),
    refer: options.refer ?? 'names', contexts: new Map(), memos: sceneMemos(all), namings: new Map(),
  };
}

/** The context one type's rule sees (made once per type): the objects it may ask about and how it names them. */
export function typeContext(scene: SceneContext, type: QuestionTypeName, random: Random): Context {
  let context = scene.contexts.get(type);
  if (!context) {
    context = makeTypeContext(scene, type, random);
    scene.contexts.set(type, context);
  }
  return context;
}

function makeTypeContext(scene: SceneContext, type: QuestionTypeName, random: Random): Context {
  const need = extentNeed(type);
  const banned = scene.refer === 'regions' ? [] : bannedAxes(type);
  // Types that share the naming rules share the object list and the names.
  const variant = `${need}|${banned.join(',')}`;
  let naming = scene.namings.get(variant);
  if (!naming) {
    const names = scene.refer === 'regions'
      ? scene.all.map((item) => `<region${item.index}>`)
      : scene.referents.map((referents) => nameAvoiding(referents, banned));
    naming = { items: scene.all.filter((item) => names[item.index] !== undefined && MEETS_NEED[need](item)), names };
    scene.namings.set(variant, naming);
  }
  const { names, items } = naming;
  const { memos } = scene;
  return {
    items, all: scene.all, camera: scene.camera, units: scene.units, margins: scene.margins, random,
    name: (item) => names[item.index]!,
    centreDistance: memos.centreDistance, gap: memos.gap, freeSpace: memos.freeSpace,
  };
}

/**
 * One type's candidates in the rule's random order, drawn lazily; yes/no types alternate their true and
 * false forms (from a random side), holding back the other form until it is wanted and taking from
 * either when one runs out.
 */
class CandidateStream {
  private source?: Iterator<Candidate>;
  /** Yes/no types: candidates drawn but not yet wanted, [false forms, true forms]. */
  private readonly held: Candidate[][] = [[], []];
  private wantTrue: boolean;
  taken = 0;
  readonly random: Random;

  constructor(readonly spec: QuestionType, readonly quota: number, private readonly context: () => Context, seed: string) {
    this.random = createRandom(seed);
    this.wantTrue = this.random.next() < 0.5;
  }

  /** The next candidate whose (pair, family) key is not taken yet, or undefined when none is left. */
  take(used: Set<number | string>): Candidate | undefined {
    if (this.taken >= this.quota) return undefined;
    this.source ??= RULES[this.spec.type].candidates(this.context())[Symbol.iterator]();
    const boolean = this.spec.valueKind === 'boolean';
    const fresh = (candidate: Candidate) => !used.has(factKey(this.spec.type, candidate));
    let chosen = boolean ? this.fromHeld(Number(this.wantTrue), fresh) : undefined;
    while (!chosen) {
      const next = this.source.next();
      if (next.done) break;
      const candidate = next.value;
      if (!fresh(candidate)) continue;
      if (!boolean || candidate.truth === this.wantTrue) chosen = candidate;
      else this.held[Number(candidate.truth)].push(candidate);
    }
    chosen ??= boolean ? this.fromHeld(Number(!this.wantTrue), fresh) : undefined;
    if (!chosen) return undefined;
    used.add(factKey(this.spec.type, chosen));
    this.taken++;
    this.wantTrue = !chosen.truth;
    return chosen;
  }

  private fromHeld(side: number, fresh: (candidate: Candidate) => boolean): Candidate | undefined {
    const held = this.held[side];
    while (held.length > 0) {
      const candidate = held.shift()!;
      if (fresh(candidate)) return candidate;
    }
    return undefined;
  }
}

const FAMILY_NUMBERS = new Map<string, number>();
/** A candidate's (objects, relation family) key: the set of objects, in any order, and the family; a number for one or two objects. */
function factKey(type: QuestionTypeName, candidate: Candidate): number | string {
  const family = relationFamily(type);
  const { items } = candidate;
  if (items.length <= 2) {
    let number = FAMILY_NUMBERS.get(family);
    if (number === undefined) FAMILY_NUMBERS.set(family, (number = FAMILY_NUMBERS.size));
    const [i, j] = items.length === 1 ? [items[0].index, items[0].index] : [items[0].index, items[1].index];
    return (number * 65536 + Math.min(i, j)) * 65536 + Math.max(i, j);
  }
  return `${family}\u0000${items.map((item) => item.index).sort((x, y) => x - y).join(',')}`;
}

/** Chooses the questions for a scene without producing any text. */
function planQuestions(scene: SceneGraph, options: SynthesisOptions, context: SceneContext): PlannedQuestion[] {
  const streams = eligibleTypes(scene, options).map(({ spec, quota }) => {
    const seed = `${options.seed}|${scene.imageId}|${spec.type}`;
    const stream: CandidateStream = new CandidateStream(spec, quota, () => typeContext(context, spec.type, stream.random), seed);
    return stream;
  });
  const order = context.random.sample(streams, streams.length);
  const used = new Set<number | string>();
  const planned: PlannedQuestion[] = [];
  let open = order;
  while (open.length > 0 && planned.length < options.maxPerImage) {
    const stillOpen: CandidateStream[] = [];
    for (const stream of open) {
      if (planned.length === options.maxPerImage) break;
      const candidate = stream.take(used);
      if (!candidate) continue;
      planned.push({ spec: stream.spec, candidate, random: stream.random });
      stillOpen.push(stream);
    }
    open = stillOpen;
  }
  return planned;
}

/** Turns a planned question into its record: picks and fills the templates, hashes a stable id. */
export function renderQuestion(scene: SceneGraph, options: SynthesisOptions, planned: PlannedQuestion, context: SceneContext): QARecord {
  const { spec, candidate, random } = planned;
  const rendering = RULES[spec.type].render(candidate, typeContext(context, spec.type, random));
  const questionIndex = random.int(spec.templates.questions.length);
  const answers = rendering.truth === false ? spec.templates.falseAnswers! : spec.templates.answers;
  const answerIndex = random.int(answers.length);
  const vars = spec.category === 'reasoning' ? { ...rendering.vars, steps: rendering.steps.map((s) => capitalise(s.text)).join(' ') } : rendering.vars;
  const record: QARecord = {
    id: contentId(`${scene.imageId}|${spec.type}|${rendering.fact.objects.join(',')}|${questionIndex}|${answerIndex}|${options.seed}|${context.refer}`),
    imageId: scene.imageId,
    type: spec.type,
    category: spec.category,
    question: fillTemplate(spec.templates.questions[questionIndex], vars),
    answer: fillTemplate(answers[answerIndex], vars),
    fact: rendering.fact,
  };
  if (spec.category === 'reasoning') record.steps = rendering.steps.map((s) => ({ text: capitalise(s.text), fact: s.fact }));
  if (context.refer === 'regions') record.regions = regionsOf(candidate.items);
  return record;
}

/** The regions a record names, in region order. */
function regionsOf(items: readonly Item[]): QARegion[] {
  return [...items].sort((a, b) => a.index - b.index).map((item) => ({ region: item.index, id: item.object.id, box: [...item.object.box2d] }));
}

const PLACEHOLDER = /\{(\w+)\}/g;

/** Fills `{name}` placeholders and capitalises each sentence; a placeholder without a value throws. */
export function fillTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return capitalise(
    template.replace(PLACEHOLDER, (_, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new RangeError(`template "${template}" has no value for {${name}}`);
      return value;
    }),
  );
}

export function capitalise(text: string): string {
  return text.replace(/(^|[.?!]\s+)([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
}
