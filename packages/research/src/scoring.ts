/**
 * Scoring a VLM's answers as SpatialVLM does (Chen et al., CVPR 2024, section 5.1):
 * - qualitative (yes/no and choice): accuracy;
 * - quantitative lengths: the share of answers that state a number, and the shares within
 *   [0.5×, 2×] and [0.75×, 1.33×] of the true value;
 * - directions as clock positions: the share within ±1 hour (12 and 1 are one hour apart);
 * - multi-object reasoning: accuracy (a yes/no, a chosen object, or an order of objects).
 * Every share is over all questions of its kind: an answer with no number, an unparsable answer or a
 * question the endpoint never answered counts against the model. Pure: no I/O.
 */
import type { Fact, QACategory, QARecord } from '@spatialforge/core';
import { isQuestionTypeName, questionType, type ValueKind } from '@spatialforge/qa';
import { clockDistance, matchChoice, parseClockHour, parseLength, parseOrder, parseYesNo, type LengthUnit } from './answer-parse.js';

/** How an answer is read and scored, from the fact's value. */
export type AnswerKind = 'yesno' | 'choice' | 'order' | 'clock' | 'length';

/** Score groups: SpatialVLM's two columns, plus direction and reasoning. */
export type ScoreGroup = 'qualitative' | 'quantitative' | 'direction' | 'reasoning';
export const SCORE_GROUPS: readonly ScoreGroup[] = ['qualitative', 'quantitative', 'direction', 'reasoning'];

/** One question to ask: the record and the names questions use for its objects (id → "the red chair"). */
export interface EvalItem {
  record: QARecord;
  names: Record<string, string>;
}

export interface ScoredAnswer {
  id: string;
  type: string;
  category: QACategory;
  kind: AnswerKind;
  group: ScoreGroup;
  truth: Fact['value'];
  /** The model's text; undefined when the endpoint never answered. */
  answer?: string;
  /** What was read from the answer: metres, clock hour, boolean, object id or ordered ids. */
  parsed?: number | boolean | string | string[];
  /** Yes/no, choice, order: equal to the truth. Clock: within ±1 hour. Length: within [0.5×, 2×]. */
  correct: boolean;
  /** Lengths and clocks: the answer states a number (a clock hour for clocks). */
  hasNumber?: boolean;
  /** Lengths: within [0.5×, 2×] and [0.75×, 1.33×] of the truth. */
  within2x?: boolean;
  within133?: boolean;
}

/** Shares in [0, 1], each over the questions of the kinds it applies to; absent when none. */
export interface MetricSet {
  questions: number;
  /** Yes/no, choice and order questions answered correctly. */
  accuracy?: number;
  /** Length and clock questions whose answer states a number. */
  numberRate?: number;
  within2x?: number;
  within133?: number;
  /** Clock questions answered within ±1 hour. */
  clockWithin1?: number;
}

const KIND_OF_VALUE: Record<ValueKind, AnswerKind> = { boolean: 'yesno', object: 'choice', order: 'order', clock: 'clock', length: 'length' };

/** From the question catalog for its types; for other types, from the fact's value (a number is a length unless the predicate names a clock). */
export function answerKind(record: Pick<QARecord, 'type' | 'fact'>): AnswerKind {
  if (isQuestionTypeName(record.type)) return KIND_OF_VALUE[questionType(record.type).valueKind];
  const { value, predicate } = record.fact;
  if (typeof value === 'boolean') return 'yesno';
  if (Array.isArray(value)) return 'order';
  if (typeof value === 'string') return 'choice';
  return /clock|direction/.test(predicate) ? 'clock' : 'length';
}

/**
 * The objects an answer chooses among: a "which of these is closest to A" question lists its
 * anchor A first (`fact.objects = [A, ...listed]`), and A is no answer to it.
 */
export function choiceCandidates(record: Pick<QARecord, 'type' | 'fact'>): string[] {
  const anchored = isQuestionTypeName(record.type) && questionType(record.type).arity === 'set' && questionType(record.type).valueKind === 'object';
  return anchored ? record.fact.objects.slice(1) : record.fact.objects;
}

export function scoreGroup(record: QARecord, kind: AnswerKind): ScoreGroup {
  if (record.category === 'reasoning') return 'reasoning';
  if (kind === 'clock') return 'direction';
  return kind === 'length' ? 'quantitative' : 'qualitative';
}

/** A bare number in a model's answer is read in the unit the reference answer uses ("34 centimeters" → cm). */
function referenceUnit(record: QARecord): LengthUnit {
  const parsed = parseLength(record.answer);
  return parsed?.unitGiven ? parsed.unit : 'm';
}

/** When the truth is 0 m (objects touching), an answer within this many metres counts as in range. */
const ZERO_TRUTH_TOLERANCE_M = 0.01;

function withinRatio(predicted: number, truth: number, low: number, high: number): boolean {
  const p = Math.abs(predicted);
  const t = Math.abs(truth);
  if (t < 1e-9) return p <= ZERO_TRUTH_TOLERANCE_M;
  const ratio = p / t;
  return ratio >= low && ratio <= high;
}

export function scoreAnswer(item: EvalItem, answer: string | undefined): ScoredAnswer {
  const { record } = item;
  const kind = answerKind(record);
  const base = { id: record.id, type: record.type, category: record.category, kind, group: scoreGroup(record, kind), truth: record.fact.value, answer };
  if (answer === undefined) {
    return { ...base, correct: false, ...(kind === 'length' ? { hasNumber: false, within2x: false, within133: false } : kind === 'clock' ? { hasNumber: false } : {}) };
  }
  const candidates = Object.fromEntries(choiceCandidates(record).map((id) => [id, item.names[id] ?? id]));
  switch (kind) {
    case 'yesno': {
      const parsed = parseYesNo(answer);
      return { ...base, parsed, correct: parsed === record.fact.value };
    }
    case 'choice': {
      const parsed = matchChoice(answer, candidates);
      return { ...base, parsed, correct: parsed === record.fact.value };
    }
    case 'order': {
      const parsed = parseOrder(answer, candidates);
      const truth = record.fact.value as string[];
      return { ...base, parsed, correct: parsed !== undefined && parsed.length === truth.length && parsed.every((id, i) => id === truth[i]) };
    }
    case 'clock': {
      const parsed = parseClockHour(answer);
      return { ...base, parsed, hasNumber: parsed !== undefined, correct: parsed !== undefined && clockDistance(parsed, record.fact.value as number) <= 1 };
    }
    case 'length': {
      const parsed = parseLength(answer, referenceUnit(record))?.metres;
      const truth = record.fact.value as number;
      const within2x = parsed !== undefined && withinRatio(parsed, truth, 0.5, 2);
      const within133 = parsed !== undefined && withinRatio(parsed, truth, 0.75, 1.33);
      return { ...base, parsed, hasNumber: parsed !== undefined, within2x, within133, correct: within2x };
    }
  }
}

function share(items: ScoredAnswer[], test: (s: ScoredAnswer) => boolean | undefined): number | undefined {
  return items.length === 0 ? undefined : items.filter((s) => test(s) === true).length / items.length;
}

export function metricSet(scored: ScoredAnswer[]): MetricSet {
  const choices = scored.filter((s) => s.kind === 'yesno' || s.kind === 'choice' || s.kind === 'order');
  const numeric = scored.filter((s) => s.kind === 'length' || s.kind === 'clock');
  const lengths = scored.filter((s) => s.kind === 'length');
  const clocks = scored.filter((s) => s.kind === 'clock');
  const set: MetricSet = { questions: scored.length };
  const put = (key: Exclude<keyof MetricSet, 'questions'>, value: number | undefined) => {
    if (value !== undefined) set[key] = value;
  };
  put('accuracy', share(choices, (s) => s.correct));
  put('numberRate', share(numeric, (s) => s.hasNumber));
  put('within2x', share(lengths, (s) => s.within2x));
  put('within133', share(lengths, (s) => s.within133));
  put('clockWithin1', share(clocks, (s) => s.correct));
  return set;
}

export interface ScoreSummary {
  questions: number;
  /** Questions the endpoint never answered (after all retries); scored as wrong. */
  unanswered: number;
  overall: MetricSet;
  byGroup: Partial<Record<ScoreGroup, MetricSet>>;
  byType: Record<string, MetricSet & { category: QACategory; kind: AnswerKind }>;
}

export function summarise(scored: ScoredAnswer[]): ScoreSummary {
  const byGroup: ScoreSummary['byGroup'] = {};
  for (const group of SCORE_GROUPS) {
    const members = scored.filter((s) => s.group === group);
    if (members.length > 0) byGroup[group] = metricSet(members);
  }
  const byType: ScoreSummary['byType'] = {};
  for (const type of [...new Set(scored.map((s) => s.type))].sort()) {
    const members = scored.filter((s) => s.type === type);
    byType[type] = { ...metricSet(members), category: members[0].category, kind: members[0].kind };
  }
  return { questions: scored.length, unanswered: scored.filter((s) => s.answer === undefined).length, overall: metricSet(scored), byGroup, byType };
}
