/** Run options: defaults from settings, and validation that names the offending field. */
import { EXPORT_FORMATS, InputError, STAGES, checkShardSize, type RunOptions, type ShardSize } from '@spatialforge/core';
import { llmEndpoint, llmModel } from '@spatialforge/research';
import { batchSizeSetting, maxSideSetting } from './settings.js';
import { parseStageList } from './stage-registry.js';

export function defaultRunOptions(env?: Record<string, string | undefined>): RunOptions {
  return {
    batchSize: batchSizeSetting.read(env),
    maxSide: maxSideSetting.read(env),
    stages: [...STAGES],
    qa: { maxPerImage: 24, defaultQuota: 2, refer: 'names' },
    units: 'metric',
    seed: 0,
    formats: ['parquet', 'jsonl'],
    fovDegrees: 60,
  };
}

/** Fills defaults and checks every field; throws InputError naming the field. */
export function resolveRunOptions(partial: Partial<RunOptions> = {}, env?: Record<string, string | undefined>): RunOptions {
  const defaults = defaultRunOptions(env);
  const options: RunOptions = {
    ...defaults,
    ...stripUndefined(partial),
    qa: { ...defaults.qa, ...stripUndefined(partial.qa ?? {}) },
  };
  integer(options.batchSize, 'options.batchSize', 1, 1024);
  integer(options.maxSide, 'options.maxSide', 32, 8192);
  integer(options.seed, 'options.seed', 0, 2 ** 31 - 1);
  integer(options.qa.maxPerImage, 'options.qa.maxPerImage', 0, 10_000);
  if (options.qa.defaultQuota !== undefined) integer(options.qa.defaultQuota, 'options.qa.defaultQuota', 0, 10_000);
  if (options.qa.margins !== undefined) checkMargins(options.qa.margins);
  if (!(options.fovDegrees > 1 && options.fovDegrees < 179)) {
    throw new InputError(`options.fovDegrees=${options.fovDegrees} is not valid: expected degrees between 1 and 179`, 'invalid-option', undefined, 'options.fovDegrees');
  }
  if (options.units !== 'metric' && options.units !== 'imperial') {
    throw new InputError(`options.units=${JSON.stringify(options.units)} is not valid: expected metric or imperial`, 'invalid-option', undefined, 'options.units');
  }
  options.stages = parseStageList(options.stages.join(','), 'options.stages');
  const badFormats = options.formats.filter((f) => !(EXPORT_FORMATS as readonly string[]).includes(f));
  if (options.formats.length === 0 || badFormats.length > 0) {
    throw new InputError(
      `options.formats ${badFormats.length ? `has unknown ${badFormats.join(', ')}` : 'is empty'}: expected some of ${EXPORT_FORMATS.join(', ')}`,
      'invalid-option',
      undefined,
      'options.formats',
    );
  }
  if (options.qa.refer !== 'names' && options.qa.refer !== 'regions') {
    throw new InputError(`options.qa.refer=${JSON.stringify(options.qa.refer)} is not valid: expected names or regions`, 'invalid-option', undefined, 'options.qa.refer');
  }
  if (options.shardSize !== undefined) checkShardSize(options.shardSize, 'options.shardSize');
  if (options.rephrase !== undefined && typeof options.rephrase !== 'boolean') {
    throw new InputError(`options.rephrase=${JSON.stringify(options.rephrase)} is not valid: expected true or false`, 'invalid-option', undefined, 'options.rephrase');
  }
  if (options.rephrase && !(llmEndpoint.read(env) && llmModel.read(env))) {
    throw new InputError(
      'options.rephrase needs a language model: set LLM_ENDPOINT (an OpenAI-compatible base URL) and LLM_MODEL where the run is created and where synthesize workers run',
      'invalid-option',
      undefined,
      'options.rephrase',
    );
  }
  if (options.models) {
    for (const stage of Object.keys(options.models)) parseStageList(stage, 'options.models');
  }
  return options;
}

/**
 * A WebDataset shard size as written on the command line: `1000` (images per shard) or `256MB`
 * (megabytes, 10^6 bytes, of tar per shard). `field` names where the text came from.
 */
export function parseShardSize(text: string, field: string): ShardSize {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(mb)?\s*$/i.exec(text);
  const size: ShardSize | undefined = !match ? undefined : match[2] ? { megabytes: Number(match[1]) } : { samples: Number(match[1]) };
  if (!size) {
    throw new InputError(`${field} ${JSON.stringify(text)} is not a shard size: give images per shard (1000) or megabytes per shard (256MB)`, 'invalid-option', undefined, field);
  }
  return checkShardSize(size, field);
}

/** Upper bound of each QA margin: beyond it hardly any comparison would be asked. */
const MARGIN_LIMITS = { metres: 10, ratio: 1, degrees: 45 } as const;

function checkMargins(margins: unknown): void {
  if (typeof margins !== 'object' || margins === null || Array.isArray(margins)) {
    throw new InputError('options.qa.margins must be an object { metres, ratio, degrees }', 'invalid-option', undefined, 'options.qa.margins');
  }
  for (const [name, value] of Object.entries(margins)) {
    const field = `options.qa.margins.${name}`;
    if (!(name in MARGIN_LIMITS)) {
      throw new InputError(`${field} is not a QA margin: expected metres, ratio or degrees`, 'invalid-option', undefined, field);
    }
    const max = MARGIN_LIMITS[name as keyof typeof MARGIN_LIMITS];
    if (typeof value !== 'number' || !(value >= 0 && value < max)) {
      throw new InputError(`${field}=${JSON.stringify(value)} is not valid: expected a number from 0 up to (not including) ${max}`, 'invalid-option', undefined, field);
    }
  }
}

function integer(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${field}=${value} is not valid: expected an integer from ${min} to ${max}`, 'invalid-option', undefined, field);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
