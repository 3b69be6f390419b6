/** `spatialforge eval`: score a VLM behind an OpenAI-compatible endpoint on a spatial QA dataset. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError, type QARecord } from '@spatialforge/core';
import { integerFrom } from '../arguments.js';
import { evalApiKey, evaluate, loadEvalDataset, parseQaJsonl, startPriorBaselineServer } from '@spatialforge/research';
import { usageText } from '../help.js';

const positiveInteger = integerFrom(1);

async function readTrainingQA(path: string): Promise<QARecord[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new InputError(`--baseline prior needs training QA: ${path} is missing (spatialforge benchmark writes it, or give --train)`, 'eval-options', path, 'train');
  });
  return parseQaJsonl(text, path);
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('Ask a VLM (OpenAI-compatible /v1/chat/completions) every question of a dataset and score it as SpatialVLM does')
    .option('--endpoint <url>', 'base URL of the endpoint, e.g. http://localhost:8000/v1')
    .option('--model <name>', 'model name sent with each request')
    .addOption(new Option('--baseline <kind>', 'score a built-in baseline instead of an endpoint: "prior" answers from the training QA statistics (--train) without looking at the image').choices(['prior']))
    .option('--train <path>', 'training QA for --baseline prior (default: train-qa.jsonl in the dataset folder)')
    .requiredOption('--dataset <path>', 'a QA folder: qa.jsonl with images/ (a `spatialforge benchmark` folder) or data/*.parquet beside it')
    .option('--out <dir>', 'output folder (answers cache, scores.json, scores.md, scores.png); default eval/<model>')
    .option('--concurrency <n>', 'requests in flight at once', positiveInteger, 4)
    .option('--retries <n>', 'retries per request on 429, 5xx and network errors', integerFrom(0), 5)
    .option('--timeout-ms <ms>', 'per-request timeout', positiveInteger, 120_000)
    .option('--max-tokens <n>', 'max_tokens per answer', positiveInteger, 256)
    .option('--system <prompt>', 'a system message sent before each question')
    .addHelpText('after', '\nThe API key is read from EVAL_API_KEY. Answers are cached in <out>/answers.jsonl: a re-run asks only what is missing.')
    .addHelpText('after', usageText({ examples: ['spatialforge eval --dataset bench --endpoint http://localhost:8000/v1 --model llava-1.5-7b', 'spatialforge eval --dataset bench --baseline prior'], environment: 'EVAL_API_KEY (sent as the bearer token)' }))
    .action(async (opts: { endpoint?: string; model?: string; baseline?: 'prior'; train?: string; dataset: string; out?: string; concurrency: number; retries: number; timeoutMs: number; maxTokens: number; system?: string }) => {
      if (!opts.endpoint === !opts.baseline) throw new InputError('give either --endpoint (with --model) or --baseline', 'eval-options', undefined, 'endpoint');
      if (opts.endpoint && !opts.model) throw new InputError('--model is required with --endpoint', 'eval-options', undefined, 'model');
      const dataset = await loadEvalDataset(opts.dataset);
      const baseline = opts.baseline ? await startPriorBaselineServer(await readTrainingQA(opts.train ?? join(opts.dataset, 'train-qa.jsonl'))) : undefined;
      const model = opts.model ?? `${opts.baseline}-baseline`;
      const endpoint = baseline?.url ?? opts.endpoint!;
      const outDir = opts.out ?? join('eval', model.replace(/[^\w.-]+/g, '_'));
      let lastShown = 0;
      const report = await evaluate({
        endpoint,
        model,
        dataset,
        outDir,
        apiKey: baseline ? undefined : evalApiKey.read(),
        concurrency: opts.concurrency,
        retries: opts.retries,
        timeoutMs: opts.timeoutMs,
        maxTokens: opts.maxTokens,
        systemPrompt: opts.system,
        onProgress: ({ done, total }) => {
          if (process.stderr.isTTY && (done === total || Date.now() - lastShown > 500)) {
            lastShown = Date.now();
            process.stderr.write(`\r${done}/${total} questions`);
          }
        },
      }).finally(() => baseline?.close());
      if (process.stderr.isTTY) process.stderr.write('\n');
      const { requests } = report.scores;
      console.error(`asked ${requests.asked}, reused ${requests.reused} cached answers, ${requests.retries} retries, ${requests.failed} failed`);
      for (const failure of report.failures.slice(0, 5)) console.error(`  ${failure.id}: ${failure.error}`);
      console.log(await readFile(report.files.markdown, 'utf8'));
      console.error(`wrote ${report.files.json}, ${report.files.markdown}, ${report.files.png}`);
      if (report.failures.length > 0) process.exitCode = 2;
    });
}
