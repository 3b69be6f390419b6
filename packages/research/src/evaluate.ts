/**
 * `spatialforge eval`: ask a VLM every question of a dataset and score its answers.
 *
 * Each question goes as one user message: the question text and the image as a `data:` URL.
 * Answers are appended to `answers.jsonl` in the output folder as they arrive, keyed by
 * (question id, model, question text), so a re-run — after a crash, a Ctrl-C, or with more
 * questions — asks only what is missing. A question whose request still fails after the client's
 * retries is left out of the cache (the next run asks it again) and is scored as wrong.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChatClient, imageDataUrl, replyText, type ChatMessage } from './openai-client.js';
import { scoreAnswer, summarise, type EvalItem, type ScoreSummary, type ScoredAnswer } from './scoring.js';
import { scoresMarkdown, scoresPng } from './eval-report.js';
import type { EvalDataset } from './eval-dataset.js';

export interface EvalOptions {
  endpoint: string;
  model: string;
  dataset: EvalDataset;
  /** Folder for answers.jsonl, scored.jsonl, scores.json, scores.md and scores.png. */
  outDir: string;
  apiKey?: string;
  /** Requests in flight at once. @defaultValue 4 */
  concurrency?: number;
  /** Retries per request on 429, 5xx and network errors. @defaultValue 5 */
  retries?: number;
  /** First backoff delay, milliseconds. @defaultValue 500 */
  retryBaseMs?: number;
  /** Per-request timeout, milliseconds. @defaultValue 120000 */
  timeoutMs?: number;
  /** Sent as a system message before each question when given. */
  systemPrompt?: string;
  /** @defaultValue 256 */
  maxTokens?: number;
  /** @defaultValue 0 */
  temperature?: number;
  onProgress?: (progress: { done: number; total: number; asked: number; failed: number }) => void;
}

export interface EvalScores extends ScoreSummary {
  model: string;
  /** The endpoint without any credentials in its URL. */
  endpoint: string;
  dataset: string;
  generatedAt: string;
  requests: { asked: number; reused: number; failed: number; retries: number };
}

export interface EvalReport {
  scores: EvalScores;
  scored: ScoredAnswer[];
  /** Questions whose requests failed for good, with the reason. */
  failures: { id: string; error: string }[];
  files: { answers: string; scored: string; json: string; markdown: string; png: string };
}

interface CachedAnswer {
  id: string;
  model: string;
  question: string;
  answer: string;
}

const cacheKey = (id: string, model: string, question: string) => JSON.stringify([id, model, question]);

/**
 * Reads the append-only answer cache. A torn last line (a crash mid-write) is ignored and closed
 * with a newline, so the next append starts a line of its own.
 */
async function readAnswerCache(path: string): Promise<Map<string, string>> {
  const cache = new Map<string, string>();
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  if (text && !text.endsWith('\n')) await appendFile(path, '\n');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as CachedAnswer;
      cache.set(cacheKey(entry.id, entry.model, entry.question), entry.answer);
    } catch {
      // A line cut short by a crash; that question is asked again.
    }
  }
  return cache;
}

/** `http://user:secret@host/v1` → `http://host/v1`, for reports. */
export function publicEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.href;
  } catch {
    return '(invalid URL)';
  }
}

export async function evaluate(options: EvalOptions): Promise<EvalReport> {
  const { dataset, model, outDir } = options;
  await mkdir(outDir, { recursive: true });
  const files = {
    answers: join(outDir, 'answers.jsonl'),
    scored: join(outDir, 'scored.jsonl'),
    json: join(outDir, 'scores.json'),
    markdown: join(outDir, 'scores.md'),
    png: join(outDir, 'scores.png'),
  };
  const cache = await readAnswerCache(files.answers);
  const answers = new Map<string, string>();
  const pending: EvalItem[] = [];
  for (const item of dataset.items) {
    const cached = cache.get(cacheKey(item.record.id, model, item.record.question));
    if (cached !== undefined) answers.set(item.record.id, cached);
    else pending.push(item);
  }
  const reused = answers.size;

  const client = new ChatClient({
    endpoint: options.endpoint,
    apiKey: options.apiKey,
    retries: options.retries,
    retryBaseMs: options.retryBaseMs,
    timeoutMs: options.timeoutMs,
  });
  const failures: { id: string; error: string }[] = [];
  let asked = 0;
  let next = 0;
  const report = () => options.onProgress?.({ done: answers.size + failures.length, total: dataset.items.length, asked, failed: failures.length });

  async function ask(item: EvalItem): Promise<void> {
    const image = await dataset.image(item.record.imageId);
    const messages: ChatMessage[] = [];
    if (options.systemPrompt) messages.push({ role: 'system', content: options.systemPrompt });
    messages.push({
      role: 'user',
      content: [
        { type: 'text', text: item.record.question },
        { type: 'image_url', image_url: { url: imageDataUrl(image) } },
      ],
    });
    asked++;
    const response = await client.complete({ model, messages, temperature: options.temperature ?? 0, max_tokens: options.maxTokens ?? 256 });
    const answer = replyText(response);
    const entry: CachedAnswer = { id: item.record.id, model, question: item.record.question, answer };
    await appendFile(files.answers, `${JSON.stringify(entry)}\n`);
    answers.set(item.record.id, answer);
  }

  async function worker(): Promise<void> {
    while (next < pending.length) {
      const item = pending[next++];
      try {
        await ask(item);
      } catch (err) {
        failures.push({ id: item.record.id, error: (err as Error).message });
      }
      report();
    }
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));

  const scored = dataset.items.map((item) => scoreAnswer(item, answers.get(item.record.id)));
  const summary = summarise(scored);
  const scores: EvalScores = {
    model,
    endpoint: publicEndpoint(options.endpoint),
    dataset: dataset.source,
    generatedAt: new Date().toISOString(),
    requests: { asked, reused, failed: failures.length, retries: client.stats.retries },
    ...summary,
  };
  await writeFile(files.scored, scored.map((s) => JSON.stringify(s)).join('\n') + '\n');
  await writeFile(files.json, `${JSON.stringify(scores, null, 2)}\n`);
  await writeFile(files.markdown, scoresMarkdown(model, summary, dataset.source));
  await writeFile(files.png, await scoresPng(model, summary));
  return { scores, scored, failures, files };
}
