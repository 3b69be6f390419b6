/**
 * The text-only prior baseline ("blind" VQA baseline): answers each question from the statistics of
 * the training QA of its type, without looking at the image — the majority yes/no, the object in the
 * position (first or second named) that wins more often, the median length, the most common clock
 * hour. It shows what a model could score from priors alone, and serves as an OpenAI-compatible
 * endpoint so `spatialforge eval` scores it like any VLM.
 */
import type { QARecord } from '@spatialforge/core';
import { formatClockHour, formatLength, questionType } from '@spatialforge/qa';
import { matchTemplate } from './question-parse.js';
import { answerKind } from './scoring.js';
import { startOpenAITestServer, type OpenAITestServer } from './testing/openai-test-server.js';

interface TypePrior {
  yes: number;
  no: number;
  /** How often the answer is the first named object, and the second. */
  first: number;
  second: number;
  lengths: number[];
  hours: Map<number, number>;
}

export type PriorAnswerer = (question: string) => string;

/** Learns the priors from training records and returns the answering function. */
export function priorBaseline(train: QARecord[]): PriorAnswerer {
  const priors = new Map<string, TypePrior>();
  for (const record of train) {
    const prior: TypePrior = priors.get(record.type) ?? { yes: 0, no: 0, first: 0, second: 0, lengths: [], hours: new Map() };
    priors.set(record.type, prior);
    const { value, objects } = record.fact;
    switch (answerKind(record)) {
      case 'yesno':
        if (value) prior.yes++;
        else prior.no++;
        break;
      case 'choice': {
        // "Which is closest to A" lists its candidates after the anchor.
        const listed = questionType(record.type).arity === 'set' ? objects.slice(1) : objects;
        if (listed[0] === value) prior.first++;
        else prior.second++;
        break;
      }
      case 'length':
        prior.lengths.push(value as number);
        break;
      case 'clock':
        prior.hours.set(value as number, (prior.hours.get(value as number) ?? 0) + 1);
        break;
      case 'order':
        break;
    }
  }
  for (const prior of priors.values()) prior.lengths.sort((a, b) => a - b);

  return (question) => {
    const matched = matchTemplate(question);
    if (!matched) return 'I cannot tell.';
    const prior = priors.get(matched.type);
    const spec = questionType(matched.type);
    const phrases = matched.phrases;
    const listed = phrases.objects ? phrases.objects.split(/\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+/) : [phrases.A, phrases.B];
    switch (spec.valueKind) {
      case 'boolean':
        return (prior?.yes ?? 1) >= (prior?.no ?? 0) ? 'Yes.' : 'No.';
      case 'object':
        return `${(prior && prior.second > prior.first ? listed[1] : listed[0]) ?? listed[0]}.`;
      case 'length': {
        const lengths = prior?.lengths ?? [];
        return lengths.length ? `About ${formatLength(lengths[Math.floor(lengths.length / 2)], 'metric')}.` : 'I cannot tell.';
      }
      case 'clock': {
        const best = [...(prior?.hours ?? new Map<number, number>())].sort((a, b) => b[1] - a[1])[0];
        return `At ${formatClockHour(best?.[0] ?? 12)}.`;
      }
      case 'order':
        return `${listed.join(', ')}.`;
    }
  };
}

/** Serves the prior baseline as an OpenAI-compatible chat endpoint on 127.0.0.1 (a free port). */
export function startPriorBaselineServer(train: QARecord[]): Promise<OpenAITestServer> {
  const answer = priorBaseline(train);
  return startOpenAITestServer((request) => {
    const user = [...request.messages].reverse().find((m) => m.role === 'user');
    const content = user?.content;
    const text = typeof content === 'string' ? content : (content ?? []).map((p) => (p.type === 'text' ? p.text : '')).join(' ');
    return { content: answer(text.trim()) };
  });
}
