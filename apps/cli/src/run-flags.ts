/**
 * The run options as command-line flags, shared by `run`, `demo` and `submit`: each flag maps to one
 * RunOptions field (validated by the pipeline, which names the field when a value is wrong).
 */
import { EXPORT_FORMATS, InputError, type ExportFormat, type RunOptions, type StageName } from '@spatialforge/core';
import { defaultRunOptions, parseShardSize, parseStageList } from '@spatialforge/pipeline';
import { Option, type Command } from 'commander';

/** The defaults the help shows are the pipeline's own (unset flags keep them; they are never passed on). */
const defaults = defaultRunOptions();

export interface RunFlags {
  batchSize?: string;
  maxSide?: string;
  stages?: string;
  qaMax?: string;
  qaQuota?: string;
  qaTypes?: string;
  refer?: string;
  units?: string;
  seed?: string;
  formats?: string;
  shardSize?: string;
  fov?: string;
  vocabulary?: string;
  filterModel?: string;
  detectModel?: string;
  segmentModel?: string;
  depthModel?: string;
  rephrase?: boolean;
}

/** Every run option: `run`, `demo` and `submit`. */
export function addRunFlags(command: Command): Command {
  return addImageFlags(
    command
      .option('--batch-size <n>', `images per batch job (default: BATCH_SIZE, ${defaults.batchSize})`)
      .option('--formats <list>', `dataset formats, comma-separated: ${EXPORT_FORMATS.join(', ')} (default: ${defaults.formats.join(',')})`)
      .option('--shard-size <size>', 'WebDataset shard size: images (1000) or megabytes (256MB) per shard (default: 1000)'),
  );
}

/** The options of what happens to one image, without the dataset's (batches, formats): `inspect`. */
export function addImageFlags(command: Command): Command {
  return addQaFlags(
    command
      .option('--max-side <px>', `longest image side after ingest, pixels (default: MAX_SIDE, ${defaults.maxSide})`)
      .option('--stages <list>', 'stages to run, comma-separated; perception stages left out use their fallback (default: all)'),
  )
    .option('--fov <degrees>', `horizontal field of view assumed for images with no other intrinsics (default: ${defaults.fovDegrees})`)
    .option('--vocabulary <list>', 'open-vocabulary detector prompts, comma-separated')
    .option('--filter-model <name>', 'scene filter model (default: none, keep every image)')
    .option('--detect-model <name>', "detector model (default: none, the source's boxes)")
    .option('--segment-model <name>', "segmentation model (default: none, the box's dominant 3D cluster)")
    .option('--depth-model <name>', "metric depth model (default: the source's depth, else a depth model in the model cache)")
    .option('--rephrase', 'rewrite the QA text with the language model of LLM_ENDPOINT / LLM_MODEL, keeping only rewrites that state the same fact');
}

/** The question options, with the run defaults: also `scene`, so one setting has one name and one default everywhere. */
export function addQaFlags(command: Command): Command {
  return command
    .option('--qa-max <n>', `most QA pairs per image (default: ${defaults.qa.maxPerImage})`)
    .option('--qa-quota <n>', `most QA pairs of one type per image (default: ${defaults.qa.defaultQuota})`)
    .option('--qa-types <list>', 'only these QA types, comma-separated (default: all)')
    .addOption(new Option('--refer <mode>', `name objects in questions in words, or as <regionN> with their boxes and masks (default: ${defaults.qa.refer})`).choices(['names', 'regions']))
    .addOption(new Option('--units <units>', `answer units (default: ${defaults.units})`).choices(['metric', 'imperial']))
    .option('--seed <n>', `seed of every random choice (default: ${defaults.seed})`);
}

/** The QA options the flags set; fields left undefined keep their defaults (resolveRunOptions merges the QA options field by field). */
export function qaOptionsFromFlags(flags: Pick<RunFlags, 'qaMax' | 'qaQuota' | 'qaTypes' | 'refer'>): Partial<RunOptions['qa']> | undefined {
  if (flags.qaMax === undefined && flags.qaQuota === undefined && flags.qaTypes === undefined && flags.refer === undefined) return undefined;
  return {
    maxPerImage: flags.qaMax !== undefined ? int(flags.qaMax, '--qa-max') : undefined,
    defaultQuota: flags.qaQuota !== undefined ? int(flags.qaQuota, '--qa-quota') : undefined,
    types: flags.qaTypes !== undefined ? list(flags.qaTypes) : undefined,
    refer: flags.refer as RunOptions['qa']['refer'] | undefined,
  };
}

/** The RunOptions the flags set (the rest come from defaults). */
export function runOptionsFromFlags(flags: RunFlags): Partial<RunOptions> {
  const options: Partial<RunOptions> = {};
  if (flags.batchSize !== undefined) options.batchSize = int(flags.batchSize, '--batch-size');
  if (flags.maxSide !== undefined) options.maxSide = int(flags.maxSide, '--max-side');
  if (flags.stages !== undefined) options.stages = parseStageList(flags.stages, '--stages');
  const qa = qaOptionsFromFlags(flags);
  if (qa) options.qa = qa as RunOptions['qa'];
  if (flags.units !== undefined) options.units = flags.units as RunOptions['units'];
  if (flags.seed !== undefined) options.seed = int(flags.seed, '--seed');
  if (flags.formats !== undefined) options.formats = list(flags.formats) as ExportFormat[];
  if (flags.shardSize !== undefined) options.shardSize = parseShardSize(flags.shardSize, '--shard-size');
  if (flags.fov !== undefined) options.fovDegrees = number(flags.fov, '--fov');
  if (flags.vocabulary !== undefined) options.vocabulary = list(flags.vocabulary);
  const models: Partial<Record<StageName, string>> = {};
  if (flags.filterModel) models.filter = flags.filterModel;
  if (flags.detectModel) models.detect = flags.detectModel;
  if (flags.segmentModel) models.segment = flags.segmentModel;
  if (flags.depthModel) models.depth = flags.depthModel;
  if (Object.keys(models).length > 0) options.models = models;
  if (flags.rephrase) options.rephrase = true;
  return options;
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function number(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new InputError(`${flag} ${JSON.stringify(text)} is not a number`, 'invalid-option', undefined, flag);
  return value;
}

function int(text: string, flag: string): number {
  const value = number(text, flag);
  if (!Number.isInteger(value)) throw new InputError(`${flag} ${JSON.stringify(text)} is not a whole number`, 'invalid-option', undefined, flag);
  return value;
}
