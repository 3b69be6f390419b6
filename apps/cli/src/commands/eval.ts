/** `spatialforge eval`: score a VLM behind an OpenAI-compatible endpoint on a spatial QA dataset. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { evalApiKey, evaluate, loadEvalDataset } from '@spatialforge/research';

function integerAtLeast(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}, got ${value}`);
    return n;
  };
}
const positiveInteger = integerAtLeast(1);

export function register(program: Command): void {
  program
    .command('eval')
    .description('Ask a VLM (OpenAI-compatible /v1/chat/completions) every question of a dataset and score it as SpatialVLM does')
    .requiredOption('--endpoint <url>', 'base URL of the endpoint, e.g. http://localhost:8000/v1')
    .requiredOption('--model <name>', 'model name sent with each request')
    .requiredOption('--dataset <path>', 'a QA folder: qa.jsonl with images/ (a `spatialforge benchmark` folder) or data/*.parquet beside it')
    .option('--out <dir>', 'output folder (answers cache, scores.json, scores.md, scores.png); default eval/<model>')
    .option('--concurrency <n>', 'requests in flight at once', positiveInteger, 4)
    .option('--retries <n>', 'retries per request on 429, 5xx and network errors', integerAtLeast(0), 5)
    .option('--timeout-ms <ms>', 'per-request timeout', positiveInteger, 120_000)
    .option('--max-tokens <n>', 'max_tokens per answer', positiveInteger, 256)
    .option('--system <prompt>', 'a system message sent before each question')
    .addHelpText('after', '\nThe API key is read from EVAL_API_KEY. Answers are cached in <out>/answers.jsonl: a re-run asks only what is missing.')
    .action(async (opts: { endpoint: string; model: string; dataset: string; out?: string; concurrency: number; retries: number; timeoutMs: number; maxTokens: number; system?: string }) => {
      const dataset = await loadEvalDataset(opts.dataset);
      const outDir = opts.out ?? join('eval', opts.model.replace(/[^\w.-]+/g, '_'));
      let lastShown = 0;
      const report = await evaluate({
        endpoint: opts.endpoint,
        model: opts.model,
        dataset,
        outDir,
        apiKey: evalApiKey.read(),
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
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      const { requests } = report.scores;
      console.error(`asked ${requests.asked}, reused ${requests.reused} cached answers, ${requests.retries} retries, ${requests.failed} failed`);
      for (const failure of report.failures.slice(0, 5)) console.error(`  ${failure.id}: ${failure.error}`);
      console.log(await readFile(report.files.markdown, 'utf8'));
      console.error(`wrote ${report.files.json}, ${report.files.markdown}, ${report.files.png}`);
      if (report.failures.length > 0) process.exitCode = 2;
    });
}
