/**
 * The built-in planner: answers a parsed question from the scene graph through the qa package's own
 * rules and templates (`explainQuestion`), so `/v1/reason` and `spatialforge reason` answer exactly as
 * the dataset does: same facts (metres, canonical frame), same reasoning steps, the catalog's first
 * answer template. Pure: no I/O.
 */
import { InputError, type Fact, type ReasoningStep, type SceneGraph, type Units } from '@spatialforge/core';
import { explainQuestion, questionType } from '@spatialforge/qa';
import type { ParsedQuestion } from './question-parse.js';

export interface PlannedAnswer {
  answer: string;
  steps: ReasoningStep[];
  /** Absent when the scene does not settle the question (too close to call, or a fits question that does not apply). */
  fact?: Fact;
}

/** Answers a parsed question; throws InputError when the scene cannot answer it (no gravity for an "up" question). */
export function planAnswer(scene: SceneGraph, parsed: ParsedQuestion, units: Units = 'metric'): PlannedAnswer {
  if (questionType(parsed.type).needsUp && !scene.canonical) {
    throw new InputError(`"${parsed.type}" needs gravity, but no support plane was found in ${scene.imageId}`, 'reason-needs-gravity', scene.imageId, 'question');
  }
  return explainQuestion(scene, parsed.type, parsed.objects, units);
}
