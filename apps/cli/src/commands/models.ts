/**
 * `spatialforge models list | verify | pull`: what is in the model cache (MODEL_CACHE_DIR), whether it is
 * intact, and filling it from the manifests' URLs, a mirror, a folder or an S3 prefix.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ConfigError } from '@spatialforge/core';
import {
  MODELS,
  cudaProviderAvailable,
  describeProblem,
  getManifest,
  inspectModel,
  modelDigest,
  pullModel,
  readRuntimeSettings,
  type ModelManifest,
  type ModelStatus,
  type PullProgress,
} from '@spatialforge/vision';
import { usageText } from '../help.js';

function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

/** installed / missing / partial / damaged, from presence and sizes (no hashing). */
function summary(status: ModelStatus): string {
  const states = status.files.map((f) => f.state);
  if (states.every((s) => s === 'missing')) return 'missing';
  if (states.includes('wrong-size')) return 'damaged';
  if (states.includes('missing')) return 'partial';
  return 'installed';
}

/** The model digest from the expected file digests (published or pinned), when all are known. */
function expectedModelDigest(status: ModelStatus): string | undefined {
  if (status.files.some((f) => f.expected === undefined)) return undefined;
  return modelDigest(Object.fromEntries(status.files.map((f) => [f.name, f.expected as string])));
}

/** Where a file's expected digest comes from: published with the manifest, pinned at its first pull (pins.json), or not yet known. */
type DigestSource = 'published' | 'pinned' | 'unpinned';

function digestSources(status: ModelStatus): DigestSource[] {
  return status.manifest.files.map((file, i) => (file.sha256 ? 'published' : status.files[i]!.expected ? 'pinned' : 'unpinned'));
}

/** The INTEGRITY column: every file against a published digest, or pinned at first pull (and whether that pull happened). */
function integrity(status: ModelStatus): string {
  const sources = digestSources(status);
  if (sources.every((s) => s === 'published')) return 'published sha256';
  const pinned = sources.every((s) => s !== 'unpinned');
  const mixed = sources.includes('published') ? ' (some files published)' : '';
  return pinned ? `pinned at first pull${mixed}` : `pinned at first pull, not pulled yet${mixed}`;
}

function manifestsNamed(names: string[]): ModelManifest[] {
  return names.map(getManifest);
}

export function register(program: Command): void {
  const models = program
    .command('models')
    .description(`Model cache: list, verify and pull ONNX models (cache: MODEL_CACHE_DIR, default ${readRuntimeSettings({}).cacheDir})`)
    .addHelpText('after', usageText({ examples: ['spatialforge models list', 'spatialforge models pull metric3d-v2-vit-small', 'spatialforge models verify'], environment: 'MODEL_CACHE_DIR, MODEL_SOURCE' }));

  models
    .command('list')
    .description('Every known model: installed or missing, size on disk, digest, how its files are checked (a published sha256, or one pinned at first pull), licence')
    .option('--json', 'print JSON')
    .addHelpText('after', usageText({ examples: ['spatialforge models list', 'spatialforge models list --json'], environment: 'MODEL_CACHE_DIR' }))
    .action(async (opts: { json?: boolean }) => {
      const { cacheDir, provider } = readRuntimeSettings();
      const statuses = await Promise.all(MODELS.map((m) => inspectModel(m, cacheDir, { hash: false })));
      if (opts.json) {
        const out = statuses.map((s) => ({
          name: s.manifest.name,
          task: s.manifest.task,
          status: summary(s),
          digest: expectedModelDigest(s),
          integrity: integrity(s),
          licence: s.manifest.licence,
          files: s.files.map((f, i) => ({ name: f.name, path: f.path, state: f.state, bytes: f.bytes, sha256: f.expected, digestSource: digestSources(s)[i] })),
        }));
        console.log(JSON.stringify({ cacheDir, provider, models: out }, null, 2));
        return;
      }
      console.log(`cache ${cacheDir}; execution provider ${provider}${provider === 'cuda' && !cudaProviderAvailable() ? ' (CUDA provider not installed)' : ''}`);
      const rows = [['MODEL', 'TASK', 'STATUS', 'SIZE', 'DIGEST', 'INTEGRITY', 'LICENCE']];
      for (const s of statuses) {
        const present = s.files.filter((f) => f.bytes !== undefined);
        const size = present.length ? present.reduce((n, f) => n + (f.bytes as number), 0) : undefined;
        const digest = expectedModelDigest(s);
        rows.push([s.manifest.name, s.manifest.task, summary(s), formatBytes(size), digest ? digest.slice(0, 12) : '-', integrity(s), s.manifest.licence]);
      }
      console.log(table(rows));
    });

  models
    .command('verify [names...]')
    .description('Hash every file of the named models (default: those with files in the cache) against its digest')
    .addHelpText('after', usageText({ examples: ['spatialforge models verify', 'spatialforge models verify yolox-nano'], environment: 'MODEL_CACHE_DIR' }))
    .action(async (names: string[]) => {
      const { cacheDir } = readRuntimeSettings();
      let statuses: ModelStatus[];
      if (names.length > 0) {
        statuses = await Promise.all(manifestsNamed(names).map((m) => inspectModel(m, cacheDir, { hash: true })));
      } else {
        const present = (await Promise.all(MODELS.map((m) => inspectModel(m, cacheDir, { hash: false })))).filter((s) => summary(s) !== 'missing');
        statuses = await Promise.all(present.map((s) => inspectModel(s.manifest, cacheDir, { hash: true })));
        if (statuses.length === 0) console.log(`no model files in ${cacheDir}`);
      }
      const problems: string[] = [];
      for (const status of statuses) {
        for (const file of status.files) {
          const problem = describeProblem(status, file);
          if (problem) {
            problems.push(problem);
            console.log(`FAIL ${problem}`);
          } else if (file.state === 'unpinned') {
            console.log(`ok   ${file.path} sha256 ${file.sha256} (no published digest and not pinned yet: pull it, or load it once, to pin)`);
          } else {
            console.log(`ok   ${file.path} sha256 ${file.sha256}`);
          }
        }
      }
      if (problems.length > 0) throw new ConfigError(`${problems.length} model file(s) failed verification`, 'MODEL_CACHE_DIR');
    });

  models
    .command('pull <names...>')
    .description('Download models from their manifest URLs (or a mirror / folder / S3 prefix), verify each file and cache it atomically')
    .option('--from <source>', 'copy from a folder or s3://bucket/prefix holding <model>/<file> or <file>')
    .option('--base-url <url>', 'download <url>/<model>/<file> instead of the manifest URLs (a mirror)')
    .option('--force', 'fetch again even when the cached file is intact; accept a new digest for files with no published one')
    .addHelpText('after', usageText({ examples: ['spatialforge models pull yolox-nano metric3d-v2-vit-small', 'spatialforge models pull depth-anything-v2-metric-indoor-small --from ./exported'], environment: 'MODEL_CACHE_DIR, MODEL_SOURCE (a folder or s3:// prefix to copy from)' }))
    .action(async (names: string[], opts: { from?: string; baseUrl?: string; force?: boolean }) => {
      const { cacheDir } = readRuntimeSettings();
      const bars = new cliProgress.MultiBar(
        { format: ' {bar} {percentage}% | {file} | {value}/{total} bytes', hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      );
      const active = new Map<string, cliProgress.SingleBar>();
      const onProgress = (p: PullProgress) => {
        const key = `${p.model}/${p.file}`;
        let bar = active.get(key);
        if (!bar) {
          bar = bars.create(p.total ?? 0, 0, { file: key });
          active.set(key, bar);
        }
        if (p.total !== undefined) bar.setTotal(p.total);
        bar.update(p.received, { file: key });
      };
      try {
        for (const manifest of manifestsNamed(names)) {
          const result = await pullModel(manifest, { cacheDir, from: opts.from, baseUrl: opts.baseUrl, force: opts.force, onProgress });
          const line = `${manifest.name}: ${result.files.map((f) => `${f.name} ${f.action}`).join(', ')}; digest ${result.digest}`;
          // The bars draw only on a terminal; elsewhere print plainly.
          if (process.stdout.isTTY) bars.log(`${line}\n`);
          else console.log(line);
        }
      } finally {
        bars.stop();
      }
    });
}
