/**
 * Preflight: before any work (and, for `run` and `demo`, before Redis starts), check that every stage
 * can do its job for this input. `run`, `demo`, `submit` and POST /v1/runs all call it.
 *
 * The stage that cannot is depth: lift needs a metric depth map per image, from the source or from a
 * depth model. When no depth model is configured and none of the inputs carries depth, every image
 * would fail `no-depth` at the depth stage after ingest, filter, detect and segment had spent their
 * time on it. Instead: a depth model installed in the model cache (MODEL_CACHE_DIR) is used, and the
 * run says so; with none, the run is refused naming how many inputs lack depth and the fix.
 * A corpus where some inputs carry depth runs; those without fail `no-depth` one by one.
 */
import { InputError, STAGES, explainFailure, type RunOptions, type RunRequest } from '@spatialforge/core';
import { listSource } from '@spatialforge/ingest';
import { inspectModel, listManifests, readRuntimeSettings } from '@spatialforge/vision';
import { resolveRunOptions } from './run-options.js';
import type { IngestItem } from './stage-handler.js';

/** Inputs read at most, so a prefix of millions of images costs a bounded listing. */
export const PREFLIGHT_MAX_INPUTS = 2000;

export interface PreflightResult {
  /** The options to create the run with (a depth model from the cache filled in when one was needed). */
  options: RunOptions;
  /** What the run should say about how it was set up (a depth model taken from the cache). */
  notes: string[];
}

export interface PreflightOptions {
  /** The source's items. @defaultValue listed by @spatialforge/ingest (the coordinator passes its own lister's) */
  items?: AsyncIterable<IngestItem>;
  /** Environment for the run defaults and MODEL_CACHE_DIR. @defaultValue process.env */
  env?: Record<string, string | undefined>;
}

/** Checks `request` against the items its source lists; throws InputError `no-depth` (a 400 over REST) when it cannot run. */
export async function preflightRun(
  request: Pick<RunRequest, 'source' | 'options'>,
  { items = listSource(request.source), env = process.env }: PreflightOptions = {},
): Promise<PreflightResult> {
  const options = resolveRunOptions(request.options, env);
  if (options.models?.depth && options.stages.includes('depth')) return { options, notes: [] };

  const withoutDepth: string[] = [];
  let read = 0;
  for await (const item of items) {
    if (++read > PREFLIGHT_MAX_INPUTS) break;
    if (item.error) continue; // the listing's own failures are recorded by the run
    if (hasDepth(item)) return { options, notes: [] };
    withoutDepth.push(item.input);
  }
  if (withoutDepth.length === 0) return { options, notes: [] };

  const one = withoutDepth.length === 1 && read <= PREFLIGHT_MAX_INPUTS;
  const scope = read > PREFLIGHT_MAX_INPUTS ? `the first ${PREFLIGHT_MAX_INPUTS} inputs` : `${withoutDepth.length} input${one ? '' : 's'}`;
  const have = one ? 'has' : 'have';
  const cached = await installedDepthModel(env);
  if (cached) {
    return {
      options: { ...options, stages: STAGES.filter((s) => s === 'depth' || options.stages.includes(s)), models: { ...options.models, depth: cached.name } },
      notes: [`${scope} ${have} no depth map: using the depth model ${cached.name} from the model cache (${cached.cacheDir}); --depth-model NAME picks another`],
    };
  }
  const examples = withoutDepth.slice(0, 3).join(', ');
  throw new InputError(
    `${scope} (${examples}${withoutDepth.length > 3 ? ', …' : ''}) ${have} no depth map, and no depth model is configured or installed, ` +
      `so every image would fail at the depth stage. Fix: ${explainFailure('no-depth').fix}`,
    'no-depth',
    withoutDepth[0],
    'options.models.depth',
  );
}

function hasDepth(item: IngestItem): boolean {
  const frame = item.frame as { depth?: unknown } | undefined;
  return frame?.depth !== undefined;
}

/** The first depth model whose files are all in the cache (present, right size; hashed when loaded). */
async function installedDepthModel(env: Record<string, string | undefined>): Promise<{ name: string; cacheDir: string } | undefined> {
  const { cacheDir } = readRuntimeSettings(env);
  for (const manifest of listManifests('depth')) {
    const status = await inspectModel(manifest, cacheDir, { hash: false });
    if (status.installed) return { name: manifest.name, cacheDir };
  }
  return undefined;
}
