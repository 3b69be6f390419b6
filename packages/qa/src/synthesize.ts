/**
 * QA synthesis: from a scene graph to question–answer records, sampled with a seed.
 *
 * Each type draws from its own PRNG stream (seed, image id, type), so changing one type's quota or
 * filtering types leaves the other types' questions unchanged. Only the sampled candidates are
 * turned into text.
 */
import { InputError, contentId, type QAOptions, type QARecord, type SceneGraph } from '@spatialforge/core';
import { QUESTION_TYPES, isQuestionTypeName, type QuestionType, type QuestionTypeName } from './catalog.js';
import { DEFAULT_MARGINS, clearanceUnder, type QAMargins } from './facts.js';
import { createRandom, type Random } from './random.js';
import { RULES, prepareItem, type Candidate, type Context, type Item } from './rules.js';

/** Questions of one type per image when neither `quotas` nor `defaultQuota` names it. */
export const DEFAULT_QUOTA = 2;

export interface SynthesisOptions extends QAOptions {
  /** How clear a difference must be for a question about it to be asked (see QAMargins). @defaultValue DEFAULT_MARGINS */
  margins?: Partial<QAMargins>;
}

/** One question chosen for an image, before it becomes text. */
export interface PlannedQuestion {
  spec: QuestionType;
  candidate: Candidate;
  random: Random;
}

/**
 * The question catalog's records for one scene: per type up to its quota (yes/no types alternate true
 * and false forms), at most `maxPerImage` in all, taken round-robin across the types in a seeded order.
 * Non-canonical scenes get no question that needs "up"; objects sharing a name are left out.
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
}

/** The types asked of this scene and their quotas, in catalog order. */
export function eligibleTypes(scene: SceneGraph, options: SynthesisOptions): { spec: QuestionType; quota: number }[] {
  const wanted = options.types ? new Set(options.types) : undefined;
  return QUESTION_TYPES.filter((spec) => (scene.canonical || !spec.needsUp) && (!wanted || wanted.has(spec.type)))
    .map((spec) => ({ spec, quota: options.quotas?.[spec.type] ?? options.defaultQuota ?? DEFAULT_QUOTA }))
    .filter(({ quota }) => quota > 0);
}

/** Objects that can be named unambiguously, with their measures, and the scene's shared lookups. */
export function createContext(scene: SceneGraph, options: SynthesisOptions): Context {
  const camera = scene.camera.position;
  const nameCounts = new Map<string, number>();
  for (const object of scene.objects) nameCounts.set(object.name, (nameCounts.get(object.name) ?? 0) + 1);
  const items = scene.objects.filter((o) => o.name && nameCounts.get(o.name) === 1).map((o) => prepareItem(o, camera));
  let clearances: Map<Item, number> | undefined;
  // Everything in the scene can stand under an object, named in questions or not.
  const shapes = scene.objects;
  return {
    items,
    camera,
    units: options.units,
    margins: { ...DEFAULT_MARGINS, ...options.margins },
    random: createRandom(`${options.seed}|${scene.imageId}`),
    clearance(item) {
      clearances ??= new Map(items.map((other) => [other, clearanceUnder(other.object, shapes)]));
      return clearances.get(item)!;
    },
  };
}

/** Chooses the questions for a scene without producing any text. */
export function planQuestions(scene: SceneGraph, options: SynthesisOptions, base: Context): PlannedQuestion[] {
  const perType = eligibleTypes(scene, options).map(({ spec, quota }) => {
    const random = createRandom(`${options.seed}|${scene.imageId}|${spec.type}`);
    const candidates = RULES[spec.type as QuestionTypeName].candidates({ ...base, random });
    const chosen = spec.valueKind === 'boolean' ? sampleBalanced(candidates, quota, random) : random.sample(candidates, quota);
    return chosen.map((candidate) => ({ spec, candidate, random }));
  });
  const order = base.random.sample(perType, perType.length);
  const planned: PlannedQuestion[] = [];
  for (let round = 0; planned.length < options.maxPerImage; round++) {
    let any = false;
    for (const questions of order) {
      if (round >= questions.length) continue;
      any = true;
      planned.push(questions[round]);
      if (planned.length === options.maxPerImage) break;
    }
    if (!any) break;
  }
  return planned;
}

/** Up to `quota` candidates alternating true and false forms (from a random side), topping up from either when one runs out. */
function sampleBalanced(candidates: Candidate[], quota: number, random: Random): Candidate[] {
  const yes = random.sample(candidates.filter((c) => c.truth), quota);
  const no = random.sample(candidates.filter((c) => !c.truth), quota);
  const out: Candidate[] = [];
  let takeYes = random.next() < 0.5;
  let y = 0;
  let n = 0;
  while (out.length < quota && (y < yes.length || n < no.length)) {
    if ((takeYes && y < yes.length) || n >= no.length) out.push(yes[y++]);
    else out.push(no[n++]);
    takeYes = !takeYes;
  }
  return out;
}

/** Turns a planned question into its record: picks and fills the templates, hashes a stable id. */
export function renderQuestion(scene: SceneGraph, options: SynthesisOptions, planned: PlannedQuestion, context: Context): QARecord {
  const { spec, candidate, random } = planned;
  const rendering = RULES[spec.type].render(candidate, { ...context, random });
  const questionIndex = random.int(spec.templates.questions.length);
  const answers = rendering.truth === false ? spec.templates.falseAnswers! : spec.templates.answers;
  const answerIndex = random.int(answers.length);
  const vars = rendering.steps ? { ...rendering.vars, steps: rendering.steps.map((s) => s.text).join(' ') } : rendering.vars;
  const record: QARecord = {
    id: contentId(`${scene.imageId}|${spec.type}|${rendering.fact.objects.join(',')}|${questionIndex}|${answerIndex}|${options.seed}`),
    imageId: scene.imageId,
    type: spec.type,
    category: spec.category,
    question: fillTemplate(spec.templates.questions[questionIndex], vars),
    answer: fillTemplate(answers[answerIndex], vars),
    fact: rendering.fact,
  };
  if (rendering.steps) record.steps = rendering.steps.map((s) => ({ text: capitalise(s.text), fact: s.fact }));
  return record;
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

function capitalise(text: string): string {
  return text.replace(/(^|[.?!]\s+)([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
}
