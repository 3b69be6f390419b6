import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { wholeNumber } from '../arguments.js';
import { ConfigError, InputError, type Coordinator } from '@spatialforge/core';
import {
  RUN_FILE, allFailures, createFactory, factoryConfigFromEnv, formatFailureGroups, groupFailures, openLocalRun, readRunId,
} from '@spatialforge/pipeline';
import { redisUrlSetting } from '@spatialforge/queue';
import { usage } from '../help.js';

interface Flags {
  json?: boolean;
  failures: number;
  out?: string;
}

export function register(program: Command): void {
  usage(
    program
      .command('status [run]')
      .description(
        "Show a run's state: per-stage counts, totals, failures grouped by code (reason, fix) and the first failures. " +
          'A distributed run is read from REDIS_URL and OUTPUT; an embedded one (`run`, `demo`) from its --out folder, finished or interrupted',
      )
      .option('--out <dir>', 'the output folder of an embedded run (`spatialforge run … --out DIR`); its Redis is started from DIR/.redis when it is not running')
      .option('--json', 'print the RunState, the failure groups and the first failures as JSON')
      .option('--failures <n>', 'also list the first N failures', wholeNumber, 10),
    {
      examples: ['spatialforge status --out out', 'spatialforge status run-mww0a5sa-ac4150', 'REDIS_URL=redis://redis:6379 OUTPUT=s3://datasets/sf spatialforge status run-mww0a5sa-ac4150 --json'],
      environment: 'REDIS_URL and OUTPUT for a distributed run; none for an embedded run given by --out (or found in a folder here by its id)',
    },
  ).action(async (runId: string | undefined, flags: Flags) => {
    const opened = await openRun(runId, flags.out);
    try {
      const run = await opened.coordinator.getRun(opened.runId);
      if (!run) throw new InputError(`no run ${opened.runId} in this factory (REDIS_URL, QUEUE_PREFIX)`, 'unknown-run', opened.runId);
      const everyFailure = await allFailures(opened.coordinator, run.id);
      const groups = groupFailures(everyFailure);
      const failures = everyFailure.slice(0, flags.failures);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...run, failureGroups: groups, failures }, null, 2)}\n`);
        return;
      }
      const t = run.totals;
      const lines = [
        `run ${run.id}: ${run.status}${run.etaSeconds !== undefined ? ` (eta ${run.etaSeconds} s)` : ''}`,
        `inputs ${t.inputs}, images ${t.images}, duplicates ${t.duplicates}, completed ${t.completed}, failed ${t.failed}, QA pairs ${t.qaPairs}`,
        'stage        waiting  active    done  failed  reused  images/s',
        ...run.stages.map((s) =>
          `${s.stage.padEnd(11)} ${String(s.waiting).padStart(8)} ${String(s.active).padStart(7)} ${String(s.done).padStart(7)} ` +
            `${String(s.failed).padStart(7)} ${String(s.reused).padStart(7)} ${s.imagesPerSecond.toFixed(1).padStart(9)}`),
      ];
      if (run.error) lines.push(`error: ${run.error}`);
      lines.push(...formatFailureGroups(groups));
      if (failures.length) {
        lines.push(`first ${failures.length} failures:`);
        for (const f of failures) lines.push(`  ${f.stage} ${f.code}: ${f.message}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      await opened.close();
    }
  });
}

interface OpenRun {
  runId: string;
  coordinator: Pick<Coordinator, 'getRun' | 'failures'>;
  close(): Promise<void>;
}

/**
 * The run to show: an embedded run's folder (--out, or a folder here whose run has this id when
 * REDIS_URL is unset), else the distributed factory at REDIS_URL and OUTPUT.
 */
async function openRun(runId: string | undefined, out: string | undefined): Promise<OpenRun> {
  if (out) return openLocalRun(out);
  if (!runId) throw new InputError('give a run id, or --out DIR for the run of an embedded output folder', 'unknown-run', undefined, 'run');
  if (!redisUrlSetting.read()) {
    const folder = await localFolderOf(runId);
    if (folder) return openLocalRun(folder);
    throw new ConfigError(
      `run ${runId} is not the run of a folder here (no ${RUN_FILE} naming it in . or its sub-folders): ` +
        'give the run’s folder with --out DIR, or set REDIS_URL and OUTPUT for a distributed run',
      'REDIS_URL',
    );
  }
  const factory = await createFactory(factoryConfigFromEnv());
  return { runId, coordinator: factory.coordinator, close: () => factory.close() };
}

/** The folder (this one or a direct sub-folder) whose spatialforge-run.json names `runId`. */
async function localFolderOf(runId: string): Promise<string | undefined> {
  const entries = await readdir('.', { withFileTypes: true });
  for (const dir of ['.', ...entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name)]) {
    if ((await readRunId(join(dir, RUN_FILE))) === runId) return dir;
  }
  return undefined;
}
