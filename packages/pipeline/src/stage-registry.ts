/**
 * The stage registry: every stage the factory runs, in one table. The coordinator, the workers, the
 * CLI, the metrics, the dashboard and the deploy manifests read it instead of spelling stage or queue
 * names themselves.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError, InputError, STAGES, isStageName, type RunOptions, type StageName } from '@spatialforge/core';
import { codeDigest, type SourceCache } from './code-digest.js';
import type { StageHandler, StageHandlerModule } from './stage-handler.js';

export interface StageDefinition {
  readonly stage: StageName;
  /** BullMQ queue name (Redis keys `<QUEUE_PREFIX>:<queue>:…`). */
  readonly queue: string;
  /** What one unit of work is: a source item (ingest), an image, or a whole run (export). */
  readonly kind: 'input' | 'image' | 'run';
  /** The stage after this one in pipeline order (runs may leave out optional stages). */
  readonly next?: StageName;
  /** Takes a model from `RunOptions.models[stage]`; without one it uses its fallback. */
  readonly modelSlot: boolean;
  /** What a model stage does without a model, in words ("provided boxes"). */
  readonly fallback?: string;
  /** Pure CPU work per image: runs in worker threads so BullMQ lock renewal is never starved. */
  readonly cpuHeavy: boolean;
  /** May be left out of `RunOptions.stages`. */
  readonly optional: boolean;
  /** URL of the module whose `handler` export runs the stage (loaded lazily: a worker imports only its stages). */
  readonly module: string;
  readonly description: string;
}

/** The repository (or image) root: this file is `<root>/packages/pipeline/src/stage-registry.ts`. */
const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

type Row = Omit<StageDefinition, 'queue' | 'next' | 'module'> & { file: string };

/** The description with the fallback, as the dashboard and the deploy manifests show it. */
const describe = (row: Row) => (row.fallback ? `${row.description} (fallback: ${row.fallback})` : row.description);

const ROWS: Row[] = [
  { stage: 'ingest', kind: 'input', modelSlot: false, cpuHeavy: false, optional: false, file: 'ingest', description: 'fetch, validate, normalise and content-hash images; align provided depth, intrinsics and masks' },
  { stage: 'filter', kind: 'image', modelSlot: true, cpuHeavy: false, optional: true, file: 'filter', description: 'keep scene-level photos', fallback: 'keep all' },
  { stage: 'detect', kind: 'image', modelSlot: true, cpuHeavy: false, optional: true, file: 'detect', description: 'objects with labels and boxes', fallback: 'provided boxes' },
  { stage: 'segment', kind: 'image', modelSlot: true, cpuHeavy: false, optional: true, file: 'segment', description: 'instance masks from boxes', fallback: "the lift stage's dominant 3D cluster in each box" },
  { stage: 'depth', kind: 'image', modelSlot: true, cpuHeavy: false, optional: true, file: 'depth', description: 'metric depth and intrinsics', fallback: 'provided depth' },
  { stage: 'lift', kind: 'image', modelSlot: false, cpuHeavy: true, optional: false, file: 'lift', description: 'point clouds, canonical frame and 3D boxes: the scene graph' },
  { stage: 'synthesize', kind: 'image', modelSlot: false, cpuHeavy: true, optional: false, file: 'synthesize', description: 'spatial question-answer pairs from the scene graph' },
  { stage: 'export', kind: 'run', modelSlot: false, cpuHeavy: false, optional: false, file: 'export', description: 'the dataset: Parquet, JSONL, LLaVA, chat messages and WebDataset shards, and a dataset card' },
];

export class StageRegistry {
  private readonly byStage: Map<StageName, StageDefinition>;
  private readonly handlers = new Map<StageName, Promise<StageHandler>>();
  private readonly codeDigests = new Map<StageName, Promise<string>>();
  private readonly sources: SourceCache = new Map();

  /** `root`: the repository the stage modules live in, whose sources the code digests hash. */
  constructor(definitions: StageDefinition[], private readonly root = REPOSITORY_ROOT) {
    this.byStage = new Map(definitions.map((d) => [d.stage, d]));
    for (const stage of STAGES) if (!this.byStage.has(stage)) throw new Error(`stage registry has no row for ${stage}`);
  }

  get(stage: StageName): StageDefinition {
    return this.byStage.get(stage)!;
  }

  /** Every stage in pipeline order. */
  all(): StageDefinition[] {
    return STAGES.map((stage) => this.get(stage));
  }

  /** The stages a run goes through, in order: the required ones and the optional ones it asks for. */
  path(options: Pick<RunOptions, 'stages'>): StageName[] {
    return STAGES.filter((stage) => !this.get(stage).optional || options.stages.includes(stage));
  }

  /**
   * The digest of the code a stage runs (its module, the pipeline files and workspace packages it
   * imports, the npm versions they use; see code-digest.ts), computed once per process. Part of the
   * stage's cache key, so changed code never reuses outputs the old code made.
   */
  codeDigest(stage: StageName): Promise<string> {
    let digest = this.codeDigests.get(stage);
    if (!digest) {
      const file = fileURLToPath(this.get(stage).module);
      digest = codeDigest(this.root, file, this.sources);
      this.codeDigests.set(stage, digest);
    }
    return digest;
  }

  /** The handler module of a stage, imported once per process. */
  handler(stage: StageName): Promise<StageHandler> {
    let loaded = this.handlers.get(stage);
    if (!loaded) {
      const definition = this.get(stage);
      loaded = import(definition.module).then((module: StageHandlerModule) => {
        if (!module.handler || module.handler.kind !== definition.kind) {
          throw new Error(`${definition.module} does not export a ${definition.kind} stage handler named "handler"`);
        }
        return module.handler;
      });
      this.handlers.set(stage, loaded);
    }
    return loaded;
  }
}

export const stageRegistry = new StageRegistry(
  ROWS.map(({ file, ...row }, index) => ({
    ...row,
    description: describe({ file, ...row }),
    queue: row.stage,
    next: STAGES[index + 1],
    module: new URL(`./stages/${file}.ts`, import.meta.url).href,
  })),
);

/**
 * Parses a comma-separated stage list ("lift,synthesize", or "all"). An unknown name is an InputError
 * naming it and the known stages; `field` says where the list came from (an option, a setting).
 */
export function parseStageList(text: string, field: string): StageName[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return [...STAGES];
  if (names.length === 0) throw new InputError(`${field} is empty: name stages from ${STAGES.join(', ')} (or "all")`, 'unknown-stage', undefined, field);
  const unknown = names.filter((name) => !isStageName(name));
  if (unknown.length > 0) {
    throw new InputError(
      `unknown stage ${unknown.map((n) => JSON.stringify(n)).join(', ')} in ${field}: known stages are ${STAGES.join(', ')}`,
      'unknown-stage',
      undefined,
      field,
    );
  }
  return STAGES.filter((stage) => names.includes(stage));
}

/** Like parseStageList, for a process's configuration: a bad list stops it with a ConfigError. */
export function parseWorkerStages(text: string, setting: string): StageName[] {
  try {
    return parseStageList(text, setting);
  } catch (err) {
    throw new ConfigError((err as Error).message, setting);
  }
}
