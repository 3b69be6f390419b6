/**
 * The embedded default: coordinator and every stage's workers in one process, over a private
 * redis-server (unless REDIS_URL names one) and a local store in the output folder. The folder
 * remembers its run (`spatialforge-run.json`), so the same command started again after Ctrl-C or
 * kill -9 resumes it; a different configuration in the same folder is refused with the fix.
 *
 * Before Redis starts, the preflight (preflight.ts) checks the input can run at all. When the run ends
 * or is interrupted, its failures are written out (run-report.ts).
 *
 * Folder layout: `dataset/` (the dataset), `spatialforge-run.json`, `failures.jsonl` and `summary.json`
 * (written when the run ends or stops), `.store/` (images, stage outputs, the run's files), `.redis/`
 * (Redis' append-only file when it is the private one).
 */
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  ConfigError, STAGES, contentId, stableHash, type DatasetInfo, type RunOptions, type RunState,
} from '@spatialforge/core';
import { redisUrlSetting, runningRedisUrl, startRedis, type RedisServer } from '@spatialforge/queue';
import { createFactory, type Factory } from './factory.js';
import { resolveRunOptions } from './run-options.js';
import type { StageRegistry } from './stage-registry.js';
import { preflightRun } from './preflight.js';
import { allFailures, writeRunReport, type RunSummaryFile } from './run-report.js';
import { queuePrefixSetting } from '@spatialforge/queue';

export const RUN_FILE = 'spatialforge-run.json';

export interface LocalRunOptions {
  /** A source location (folder, .jsonl, .txt, s3:// prefix, …). */
  input: string;
  /** Output folder. */
  out: string;
  options?: Partial<RunOptions>;
  /** Start a new run in a folder that holds another configuration's run (its stage outputs are reused). */
  newRun?: boolean;
  /** Batch jobs per stage at once. @defaultValue WORKER_CONCURRENCY */
  concurrency?: number;
  /** Threads for CPU-heavy stages. @defaultValue WORKER_THREADS */
  threads?: number;
  /** @defaultValue WORKER_LOCK_SECONDS; the embedded default uses 10 so a resumed run picks up a killed batch quickly */
  lockSeconds?: number;
  /** @defaultValue the stage registry (the end-to-end benchmark times each handler through its own) */
  registry?: StageRegistry;
  log?: (line: string) => void;
}

interface RunFile {
  runId: string;
  configHash: string;
  input: string;
  options: RunOptions;
}

export interface LocalRunResult {
  run: RunState;
  dataset?: DatasetInfo;
  /** Where the dataset's files are (a folder). */
  datasetDir: string;
  /** True when the run had been started before (resumed or already complete). */
  resumed: boolean;
  /** What `summary.json` holds: totals and failures grouped by code. */
  summary: RunSummaryFile;
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

export class LocalRun {
  readonly out: string;
  private redisServer?: RedisServer;
  private factory?: Factory;
  private runId?: string;
  private resumed = false;
  private stopped = false;
  private finishing?: Promise<LocalRunResult>;

  constructor(private readonly config: LocalRunOptions) {
    this.out = resolve(config.out);
  }

  /**
   * Checks the input (preflight) and the folder, then starts Redis, the coordinator and the workers, and
   * creates or resumes the run. A preflight refusal comes before anything is started.
   */
  async start(): Promise<string> {
    const input = isUri(this.config.input) ? this.config.input : resolve(this.config.input);
    const source = { kind: 'uri', uri: input } as const;
    const { options, notes } = await preflightRun({ source, options: this.config.options });
    for (const note of notes) this.config.log?.(note);
    const configHash = stableHash({ input, options });
    const runFilePath = join(this.out, RUN_FILE);
    const previous = await readRunFile(runFilePath);
    if (previous && previous.configHash !== configHash && !this.config.newRun) {
      throw new ConfigError(
        `${this.out} holds run ${previous.runId} of a different configuration (${describeDifference(previous, input, options)}). ` +
          'Use another --out folder, or add --new-run to start a new run in this one (its stage outputs are reused)',
        'out',
      );
    }
    await mkdir(this.out, { recursive: true });

    const external = redisUrlSetting.read();
    let redisUrl = external;
    if (!redisUrl) {
      this.redisServer = await startRedis({ dir: join(this.out, '.redis') });
      redisUrl = this.redisServer.url;
    }
    this.factory = await createFactory({
      redisUrl,
      output: join(this.out, '.store'),
      prefix: localPrefix(this.out, external),
      lockSeconds: this.config.lockSeconds ?? 10,
      registry: this.config.registry,
      log: this.config.log,
    });
    await this.factory.startCoordinator();
    await this.factory.startWorkers([...STAGES], { concurrency: this.config.concurrency, threads: this.config.threads });

    if (previous && previous.configHash === configHash && (await this.factory.coordinator.getRun(previous.runId))) {
      this.runId = previous.runId;
      this.resumed = true;
    } else {
      const run = await this.factory.coordinator.createRun({ source, options });
      this.runId = run.id;
      await writeFile(runFilePath, `${JSON.stringify({ runId: run.id, configHash, input, options } satisfies RunFile, null, 2)}\n`);
    }
    return this.runId;
  }

  get coordinator() {
    if (!this.factory) throw new Error('LocalRun not started');
    return this.factory.coordinator;
  }

  /**
   * Polls the run until it is final (or the run is stopped), reporting its state; then links the
   * dataset into `<out>/dataset` and writes `failures.jsonl` and `summary.json`.
   */
  finish(onProgress?: (run: RunState) => void, intervalMs = 500): Promise<LocalRunResult> {
    this.finishing = this.pollUntilFinal(onProgress, intervalMs);
    return this.finishing;
  }

  private async pollUntilFinal(onProgress: ((run: RunState) => void) | undefined, intervalMs: number): Promise<LocalRunResult> {
    const runId = this.runId!;
    for (;;) {
      const run = await this.coordinator.getRun(runId);
      if (!run) throw new Error(`run ${runId} vanished from Redis`);
      onProgress?.(run);
      if (FINAL.has(run.status) || this.stopped) {
        const dataset = run.status === 'completed' ? await this.coordinator.dataset(runId) : undefined;
        const datasetDir = join(this.out, 'dataset');
        if (dataset) await this.linkDataset(dataset, datasetDir);
        const summary = await writeRunReport(this.out, run, await allFailures(this.coordinator, runId), dataset);
        return { run, dataset, datasetDir, resumed: this.resumed, summary };
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /**
   * Stops workers (their current batches finish), the coordinator and the private Redis. A finish()
   * under way first writes the report of the run as it stands (an interrupted run's failures too).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.finishing?.catch(() => undefined);
    await this.factory?.close();
    await this.redisServer?.stop();
  }

  private async linkDataset(dataset: DatasetInfo, dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
    for (const file of dataset.files) {
      const from = this.factory!.store.localPath(file.key)!;
      const to = join(dir, file.path);
      await mkdir(dirname(to), { recursive: true });
      await link(from, to).catch(() => copyFile(from, to));
    }
  }
}

/** An embedded run's folder opened for reading (`spatialforge status --out DIR`). */
export interface OpenedLocalRun {
  runId: string;
  coordinator: Factory['coordinator'];
  /** Closes the connections, and stops the folder's Redis when this opening started it. */
  close(): Promise<void>;
}

/**
 * Opens the run of an output folder for reading, finished or interrupted: through the folder's own
 * redis-server when it is still running, else by starting one on `.redis/`'s append-only file (stopped
 * again by close()); a run that used REDIS_URL is read there.
 */
export async function openLocalRun(out: string): Promise<OpenedLocalRun> {
  const dir = resolve(out);
  const runFile = await readRunFile(join(dir, RUN_FILE));
  if (!runFile) throw new ConfigError(`${dir} holds no run (no ${RUN_FILE}): give the --out folder of a spatialforge run or demo`, 'out');
  // A run that started its own Redis has `.redis/`; one that used REDIS_URL has not.
  const privateDir = join(dir, '.redis');
  const external = existsSync(privateDir) ? undefined : redisUrlSetting.read();
  if (!external && !existsSync(privateDir)) {
    throw new ConfigError(`the run in ${dir} used the Redis of REDIS_URL (it has no .redis/): set REDIS_URL to that Redis`, 'REDIS_URL');
  }
  let server: RedisServer | undefined;
  let redisUrl = external ?? runningRedisUrl(privateDir);
  if (!redisUrl) {
    server = await startRedis({ dir: privateDir });
    redisUrl = server.url;
  }
  try {
    const factory = await createFactory({ redisUrl, output: join(dir, '.store'), prefix: localPrefix(dir, external) });
    return {
      runId: runFile.runId,
      coordinator: factory.coordinator,
      async close() {
        await factory.close();
        await server?.stop();
      },
    };
  } catch (err) {
    await server?.stop();
    throw err;
  }
}

/** On a shared Redis (REDIS_URL), a folder's run gets queues of its own: other workers there do not see this folder. */
function localPrefix(out: string, external: string | undefined): string {
  return external ? `${queuePrefixSetting.read()}-local-${contentId(out).slice(0, 8)}` : queuePrefixSetting.read();
}

function isUri(input: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(input);
}

async function readRunFile(path: string): Promise<RunFile | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as RunFile;
  } catch {
    throw new ConfigError(`${path} is not valid JSON: remove it to start afresh`, 'out');
  }
}

/** The run id of a folder's run file, or undefined when there is none or it cannot be read. */
export async function readRunId(path: string): Promise<string | undefined> {
  return (await readRunFile(path).catch(() => undefined))?.runId;
}

function describeDifference(previous: RunFile, input: string, options: RunOptions): string {
  if (previous.input !== input) return `input ${previous.input}, not ${input}`;
  const changed = Object.keys({ ...previous.options, ...options }).filter(
    (key) => stableHash((previous.options as unknown as Record<string, unknown>)[key]) !== stableHash((options as unknown as Record<string, unknown>)[key]),
  );
  return `options differ: ${changed.join(', ')}`;
}
