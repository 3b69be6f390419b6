import type { Command } from 'commander';
import { InputError } from '@spatialforge/core';
import { createFactory, factoryConfigFromEnv } from '@spatialforge/pipeline';

interface Flags {
  json?: boolean;
  failures?: string;
}

export function register(program: Command): void {
  program
    .command('status <run>')
    .description("Show a run's state (per-stage counts, totals, failures) from REDIS_URL and OUTPUT")
    .option('--json', 'print the RunState as JSON')
    .option('--failures <n>', 'also list the first N failures', '10')
    .action(async (runId: string, flags: Flags) => {
      const factory = await createFactory(factoryConfigFromEnv());
      try {
        const run = await factory.coordinator.getRun(runId);
        if (!run) throw new InputError(`no run ${runId} in this factory (REDIS_URL, QUEUE_PREFIX)`, 'unknown-run', runId);
        const failures = await factory.coordinator.failures(runId, { offset: 0, limit: Number(flags.failures ?? 10) });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...run, failures }, null, 2)}\n`);
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
        if (failures.length) {
          lines.push('failures:');
          for (const f of failures) lines.push(`  ${f.stage} ${f.code}: ${f.message}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await factory.close();
      }
    });
}
