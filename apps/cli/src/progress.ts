/**
 * Run progress for people: a bar per stage on a terminal (cli-progress), a plain line every few
 * seconds otherwise (logs, CI), and the closing summary of where the dataset is and what it holds.
 */
import cliProgress from 'cli-progress';
import type { DatasetInfo, RunState } from '@spatialforge/core';
import { formatFailureGroups, type FailureGroup } from '@spatialforge/pipeline';

export interface ProgressView {
  update(run: RunState): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 5000;

export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? new BarsView(stream) : new LinesView(stream);
}

class BarsView implements ProgressView {
  private readonly multibar: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  constructor(stream: NodeJS.WriteStream) {
    this.multibar = new cliProgress.MultiBar(
      {
        stream,
        format: '{stage} |{bar}| {value}/{total} {rate}/s {extra}',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(run: RunState): void {
    for (const stage of run.stages) {
      const total = Math.max(stage.waiting + stage.active + stage.done + stage.failed, 1);
      const extra = [stage.reused ? `reused ${stage.reused}` : '', stage.failed ? `failed ${stage.failed}` : ''].filter(Boolean).join(' ');
      const payload = { stage: stage.stage.padEnd(10), rate: stage.imagesPerSecond.toFixed(1), extra };
      const value = stage.done + stage.failed;
      let bar = this.bars.get(stage.stage);
      if (!bar) {
        bar = this.multibar.create(total, value, payload);
        this.bars.set(stage.stage, bar);
      }
      bar.setTotal(total);
      bar.update(value, payload);
    }
  }

  stop(): void {
    this.multibar.stop();
  }
}

class LinesView implements ProgressView {
  private lastAt = 0;
  private lastStatus = '';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(run: RunState): void {
    const now = Date.now();
    if (run.status === this.lastStatus && now - this.lastAt < PLAIN_EVERY_MS) return;
    this.lastAt = now;
    this.lastStatus = run.status;
    const stages = run.stages.map((s) => `${s.stage} ${s.done + s.failed}/${s.waiting + s.active + s.done + s.failed}`).join('  ');
    const eta = run.etaSeconds !== undefined ? `  eta ${run.etaSeconds}s` : '';
    this.stream.write(`${run.status.padEnd(9)} ${stages}${eta}\n`);
  }

  stop(): void {}
}

/** The closing lines: the run's outcome, its failures by code (reason, fix), where the dataset is, and what is in it. */
export function summary(run: RunState, dataset: DatasetInfo | undefined, datasetDir: string, failures: readonly FailureGroup[]): string {
  const t = run.totals;
  const lines = [
    `run ${run.id}: ${run.status}`,
    `  inputs ${t.inputs}, images ${t.images}, duplicates ${t.duplicates}, completed ${t.completed}, failed ${t.failed}${t.filtered ? `, filtered out ${t.filtered}` : ''}`,
  ];
  const reused = run.stages.filter((s) => s.reused > 0).map((s) => `${s.stage} ${s.reused}`);
  if (reused.length) lines.push(`  reused from the stage cache: ${reused.join(', ')}`);
  if (run.error) lines.push(`  error: ${run.error}`);
  lines.push(...formatFailureGroups(failures));
  if (dataset) {
    lines.push(`dataset: ${datasetDir}`);
    lines.push(`  ${dataset.records} images, ${dataset.qaPairs} QA pairs`);
    if (dataset.countsByCategory) {
      lines.push(`  by category: ${Object.entries(dataset.countsByCategory).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    const images = dataset.files.filter((f) => f.path.startsWith('images/'));
    const others = dataset.files.filter((f) => !f.path.startsWith('images/'));
    lines.push('  files:');
    for (const file of others) lines.push(`    ${file.path} (${formatBytes(file.bytes)})`);
    if (images.length) lines.push(`    images/ (${images.length} files, ${formatBytes(images.reduce((a, f) => a + f.bytes, 0))})`);
  }
  return lines.join('\n');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
