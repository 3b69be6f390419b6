/**
 * The run options as command-line flags, shared by `run`, `demo` and `submit`: each flag maps to one
 * RunOptions field (validated by the pipeline, which names the field when a value is wrong).
 */
import { EXPORT_FORMATS, InputError, type ExportFormat, type RunOptions, type StageName } from '@spatialforge/core';
import { parseShardSize, parseStageList } from '@spatialforge/pipeline';
import { Option, type Command } from 'commander';

export interface RunFlags {
  batchSize?: string;
  maxSide?: string;
  stages?: string;
  qaMax?: string;
  qaQuota?: string;
  qaTypes?: string;
  units?: string;
  seed?: string;
  formats?: string;
  refer?: string;
  shardSize?: string;
  fov?: string;
  vocabulary?: string;
  filterModel?: string;
  detectModel?: string;
  segmentModel?: string;
  depthModel?: string;
  rephrase?: boolean;
}

export function addRunFlags(command: Command): Command {
  return command
    .option('--batch-size <n>', 'images per batch job (default: BATCH_SIZE)')
    .option('--max-side <px>', 'longest image side after ingest, pixels (default: MAX_SIDE)')
    .option('--stages <list>', 'stages to run, comma-separated; perception stages left out use their fallback (default: all)')
    .option('--qa-max <n>', 'most QA pairs per image')
    .option('--qa-quota <n>', 'most QA pairs of one type per image')
    .option('--qa-types <list>', 'only these QA types, comma-separated')
    .addOption(new Option('--units <units>', 'answer units').choices(['metric', 'imperial']))
    .option('--seed <n>', 'seed of every random choice')
    .option('--formats <list>', `dataset formats, comma-separated: ${EXPORT_FORMATS.join(', ')}`)
    .addOption(new Option('--refer <mode>', 'name objects in questions in words, or as <regionN> with their boxes and masks').choices(['names', 'regions']))
    .option('--shard-size <size>', 'WebDataset shard size: images (1000) or megabytes (256MB) per shard')
    .option('--fov <degrees>', 'horizontal field of view assumed for images with no other intrinsics')
    .option('--vocabulary <list>', 'open-vocabulary detector prompts, comma-separated')
    .option('--filter-model <name>', 'scene filter model')
    .option('--detect-model <name>', 'detector model')
    .option('--segment-model <name>', 'segmentation model')
    .option('--depth-model <name>', 'metric depth model')
    .option('--rephrase', 'rewrite the QA text with the language model of LLM_ENDPOINT / LLM_MODEL, keeping only rewrites that state the same fact');
}

/** The RunOptions the flags set (the rest come from defaults). */
export function runOptionsFromFlags(flags: RunFlags): Partial<RunOptions> {
  const options: Partial<RunOptions> = {};
  if (flags.batchSize !== undefined) options.batchSize = int(flags.batchSize, '--batch-size');
  if (flags.maxSide !== undefined) options.maxSide = int(flags.maxSide, '--max-side');
  if (flags.stages !== undefined) options.stages = parseStageList(flags.stages, '--stages');
  if (flags.qaMax !== undefined || flags.qaQuota !== undefined || flags.qaTypes !== undefined || flags.refer !== undefined) {
    // Fields left undefined keep their defaults (resolveRunOptions merges the QA options field by field).
    options.qa = {
      maxPerImage: flags.qaMax !== undefined ? int(flags.qaMax, '--qa-max') : undefined,
      defaultQuota: flags.qaQuota !== undefined ? int(flags.qaQuota, '--qa-quota') : undefined,
      types: flags.qaTypes !== undefined ? list(flags.qaTypes) : undefined,
      refer: flags.refer as RunOptions['qa']['refer'],
    } as RunOptions['qa'];
  }
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
