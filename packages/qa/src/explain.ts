/**
 * Answers one catalog question about given objects with the catalog's own rules and wording: what the
 * reasoning planner behind `/v1/reason` and `spatialforge reason` says, so a question asked there is
 * answered exactly as the dataset answers it (same facts, same steps, the type's first template).
 */
import type { Fact, ReasoningStep, SceneGraph, SceneObject, Units } from '@spatialforge/core';
import { questionType, type QuestionTypeName } from './catalog.js';
import type { QAMargins } from './facts.js';
import { createRandom } from './random.js';
import { RULES, type Context } from './rules.js';
import { capitalise, createContext, fillTemplate } from './synthesize.js';

export interface Explanation {
  answer: string;
  /** The reasoning steps, each with the primitive fact it uses; one step stating the fact for the non-reasoning types. */
  steps: ReasoningStep[];
  /** What the answer states; absent when the scene does not settle the question. */
  fact?: Fact;
}

/** Object names as the scene graph gives them, all of `scene.objects` in play (what may stand under a table, too). */
function namedContext(scene: SceneGraph, units: Units, margins: Partial<QAMargins> | undefined): Context {
  const context = createContext(scene, { seed: 0, units, margins, refer: 'names' });
  return { ...context, ...context.memos, items: context.all, random: createRandom(scene.imageId), name: (item) => item.object.name };
}

/**
 * The answer to a `type` question naming `objects` in the catalog's order ({A}, {B}, {C}; for closest /
 * farthest the anchor then the listed ones; for sorts the listed ones). When the relation is too close
 * to call by the margins, or the question does not apply (a fits question about something that cannot
 * bear or hold), the answer says so and carries no fact.
 */
export function explainQuestion(scene: SceneGraph, type: QuestionTypeName, objects: readonly SceneObject[], units: Units = 'metric', margins?: Partial<QAMargins>): Explanation {
  const spec = questionType(type);
  const context = namedContext(scene, units, margins);
  const items = objects.map((object) => context.all.find((item) => item.object === object) ?? context.all.find((item) => item.object.id === object.id)!);
  const candidate = RULES[type].judge(items, context);
  if (!candidate) {
    const names = items.map((item) => item.object.name);
    return {
      answer: capitalise(`the scene does not settle this clearly: for ${names.join(', ')}, "${spec.description}" is too close to call or does not apply.`),
      steps: [],
    };
  }
  const rendering = RULES[type].render(candidate, context);
  const steps = rendering.steps.map((s) => ({ text: capitalise(s.text), fact: s.fact }));
  const templates = rendering.truth === false ? spec.templates.falseAnswers! : spec.templates.answers;
  const answer = fillTemplate(templates[0], { ...rendering.vars, steps: steps.map((s) => s.text).join(' ') });
  return { answer, steps: steps.length > 0 ? steps : [{ text: answer, fact: rendering.fact }], fact: rendering.fact };
}

/** Every name the catalog may use for each object of a scene (its scene-graph name first), by object id: what a question about it can say. */
export function referringNames(scene: SceneGraph, margins?: Partial<QAMargins>): Map<string, string[]> {
  const context = createContext(scene, { seed: 0, units: 'metric', margins, refer: 'names' });
  return new Map(context.all.map((item) => {
    const { free, lateral, depth } = context.referents[item.index];
    return [item.object.id, [...new Set([item.object.name, free, lateral, depth].filter((n): n is string => n !== undefined))]];
  }));
}
