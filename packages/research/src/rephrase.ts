/**
 * Optional LLM rephrasing of template QAs, for variety (SpatialVLM rewrites its templates with an
 * LLM). A rewrite is kept only when it still states the same fact: the question still names every
 * object, and the answer reads back to the same value — the same number and unit for lengths, the
 * same clock hour, the same yes/no, the same chosen object, the same order. Otherwise the template
 * text stays. Chain-of-thought records keep their answer (the steps carry the facts); only their
 * question is rewritten. Verdicts are cached per (record id, model) in an append-only JSONL file in `cacheDir`,
 * so a re-run makes no calls for records it has seen.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stableHash, type QARecord } from '@spatialforge/core';
import { matchChoice, parseClockHour, parseLength, parseOrder, parseYesNo } from './answer-parse.js';
import { namesFromQuestion } from './eval-dataset.js';
import { ChatClient, replyText } from './openai-client.js';
import { answerKind, choiceCandidates } from './scoring.js';

export interface RephraseOptions {
  endpoint: string;
  model: string;
  apiKey?: string;
  /** Folder for the verdict cache (`rephrase-<model hash>.jsonl`). */
  cacheDir: string;
  /** Names the records use for their objects (id → "the red chair"); read from the question when absent. */
  namesFor?: (record: QARecord) => Record<string, string>;
  /** Requests in flight at once. @defaultValue 4 */
  concurrency?: number;
  retries?: number;
  retryBaseMs?: number;
}

export interface RephraseResult {
  /** The records, rephrased where the rewrite kept the fact; same order, ids and facts. */
  records: QARecord[];
  kept: number;
  rejected: number;
  /** Records answered from the cache (no request). */
  cached: number;
  /** Records whose request failed; they keep their template text and are asked again next run. */
  failed: number;
}

interface Verdict {
  id: string;
  model: string;
  /** The rewrite when kept. */
  question?: string;
  answer?: string;
  /** Why it was rejected. */
  rejected?: string;
}

const PROMPT =
  'Rewrite this question and answer about a photo in different, natural words. Keep every object name exactly as written, ' +
  'keep every number with its unit, keep the yes/no and the chosen object. Reply with JSON only: {"question": "...", "answer": "..."}.';
const QUESTION_PROMPT =
  'Rewrite this question about a photo in different, natural words. Keep every object name exactly as written and keep ' +
  'what is asked. Reply with JSON only: {"question": "..."}.';

/** The rewrite from a model reply: JSON, possibly in a code fence or with text around it. */
export function parseRewrite(reply: string, keepAnswer?: string): { question: string; answer: string } | undefined {
  const json = /\{[\s\S]*\}/.exec(reply)?.[0];
  if (!json) return undefined;
  try {
    const value = JSON.parse(json) as { question?: unknown; answer?: unknown };
    const answer = keepAnswer ?? value.answer;
    return typeof value.question === 'string' && typeof answer === 'string' && value.question.trim() && answer.trim()
      ? { question: value.question.trim(), answer: answer.trim() }
      : undefined;
  } catch {
    return undefined;
  }
}

function mentions(text: string, name: string): boolean {
  const words = name.toLowerCase().replace(/^the\s+/, '').split(/\s+/);
  const lower = text.toLowerCase();
  return words.every((w) => new RegExp(`\\b${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(lower));
}

/**
 * Why a rewrite does not state the record's fact, or undefined when it does. Lengths must read back
 * to the template answer's number and unit (not merely the same metres: "34 centimeters" rewritten
 * as "0.34 meters" is a different answer to train on).
 */
export function rewriteMismatch(record: QARecord, rewrite: { question: string; answer: string }, names: Record<string, string>): string | undefined {
  for (const id of record.fact.objects) {
    const name = names[id];
    if (name && !mentions(rewrite.question, name) && mentions(record.question, name)) return `the question no longer names ${name}`;
  }
  if (rewrite.answer === record.answer) return undefined;
  const candidates = Object.fromEntries(choiceCandidates(record).map((id) => [id, names[id] ?? id]));
  switch (answerKind(record)) {
    case 'length': {
      const before = parseLength(record.answer);
      const after = parseLength(rewrite.answer);
      if (!after) return 'the answer has no length';
      if (!before || after.unit !== before.unit || Math.abs(after.value - before.value) > 1e-9) {
        return `the answer says ${after.value} ${after.unit}, the template ${before?.value} ${before?.unit}`;
      }
      return undefined;
    }
    case 'clock':
      return parseClockHour(rewrite.answer) === record.fact.value ? undefined : `the answer's clock position is ${parseClockHour(rewrite.answer)}, not ${record.fact.value}`;
    case 'yesno':
      return parseYesNo(rewrite.answer) === record.fact.value ? undefined : `the answer does not say ${record.fact.value ? 'yes' : 'no'}`;
    case 'choice':
      return matchChoice(rewrite.answer, candidates) === record.fact.value ? undefined : `the answer does not choose ${candidates[record.fact.value as string]}`;
    case 'order': {
      const order = parseOrder(rewrite.answer, candidates);
      const truth = record.fact.value as string[];
      return order && order.every((id, i) => id === truth[i]) ? undefined : 'the answer lists the objects in another order';
    }
  }
}

async function readVerdicts(path: string): Promise<Map<string, Verdict>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  if (text && !text.endsWith('\n')) await appendFile(path, '\n');
  const verdicts = new Map<string, Verdict>();
  for (const line of text.split('\n')) {
    try {
      const verdict = JSON.parse(line) as Verdict;
      verdicts.set(verdict.id, verdict);
    } catch {
      // Blank or torn line.
    }
  }
  return verdicts;
}

export async function rephrase(records: QARecord[], options: RephraseOptions): Promise<RephraseResult> {
  await mkdir(options.cacheDir, { recursive: true });
  const cachePath = join(options.cacheDir, `rephrase-${stableHash(options.model).slice(0, 12)}.jsonl`);
  const verdicts = await readVerdicts(cachePath);
  const client = new ChatClient({ endpoint: options.endpoint, apiKey: options.apiKey, retries: options.retries, retryBaseMs: options.retryBaseMs });
  const namesFor = options.namesFor ?? namesFromQuestion;
  let cached = 0;
  let failed = 0;
  const pending = records.filter((r) => {
    const hit = verdicts.get(r.id)?.model === options.model;
    if (hit) cached++;
    return !hit;
  });

  async function ask(record: QARecord): Promise<void> {
    let verdict: Verdict;
    try {
      const response = await client.complete({
        model: options.model,
        messages: record.steps
          ? [
              { role: 'system', content: QUESTION_PROMPT },
              { role: 'user', content: JSON.stringify({ question: record.question }) },
            ]
          : [
              { role: 'system', content: PROMPT },
              { role: 'user', content: JSON.stringify({ question: record.question, answer: record.answer }) },
            ],
        temperature: 0.7,
      });
      const rewrite = parseRewrite(replyText(response), record.steps ? record.answer : undefined);
      const mismatch = rewrite ? rewriteMismatch(record, rewrite, namesFor(record)) : 'the reply is not {"question", "answer"} JSON';
      verdict = mismatch ? { id: record.id, model: options.model, rejected: mismatch } : { id: record.id, model: options.model, ...rewrite! };
    } catch {
      failed++;
      return;
    }
    verdicts.set(record.id, verdict);
    await appendFile(cachePath, `${JSON.stringify(verdict)}\n`);
  }

  let next = 0;
  const worker = async () => {
    while (next < pending.length) await ask(pending[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.concurrency ?? 4), pending.length) }, worker));

  let kept = 0;
  let rejected = 0;
  const out = records.map((record) => {
    const verdict = verdicts.get(record.id);
    if (verdict?.model !== options.model) return record;
    if (verdict.question === undefined || verdict.answer === undefined) {
      rejected++;
      return record;
    }
    kept++;
    return { ...record, question: verdict.question, answer: verdict.answer };
  });
  return { records: out, kept, rejected, cached, failed };
}
