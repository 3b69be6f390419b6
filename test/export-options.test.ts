/**
 * Issue 15: `--formats messages,webdataset`, `--refer names|regions` and `--shard-size` reach the run
 * options the same way from the command line and over REST, are validated naming the field, and are
 * part of the identities of the stages they change (synthesize for refer, export for all three).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { InputError } from '@spatialforge/core';
import { parseShardSize, resolveRunOptions, stageRegistry } from '@spatialforge/pipeline';
import { addRunFlags, runOptionsFromFlags, type RunFlags } from '../apps/cli/src/run-flags.js';
import { compileChecker } from '../apps/service/src/schema-check.js';
import { RunOptionsInput } from '../apps/service/src/schemas.js';

/** The CLI's own commander (apps/cli pins a newer one than the root's). */
const { Command } = createRequire(new URL('../apps/cli/package.json', import.meta.url))('commander') as typeof import('../apps/cli/node_modules/commander/typings/index.js');

function fromCli(args: string[]) {
  const command = addRunFlags(new Command('run')).exitOverride();
  command.parse(args, { from: 'user' });
  return resolveRunOptions(runOptionsFromFlags(command.opts<RunFlags>()));
}

const refusal = (field: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof InputError, String(err));
  assert.equal(err.field, field);
  assert.match(err.message, message);
  return true;
};

test('the CLI flags set formats, the referring mode and the shard size; the defaults are names and no shard size', () => {
  const options = fromCli(['--formats', 'messages,webdataset', '--refer', 'regions', '--shard-size', '256MB']);
  assert.deepEqual(options.formats, ['messages', 'webdataset']);
  assert.equal(options.qa.refer, 'regions');
  assert.equal(options.qa.maxPerImage, 24, 'other QA options keep their defaults');
  assert.deepEqual(options.shardSize, { megabytes: 256 });
  assert.deepEqual(fromCli(['--shard-size', '500']).shardSize, { samples: 500 });
  const defaults = fromCli([]);
  assert.equal(defaults.qa.refer, 'names');
  assert.equal(defaults.shardSize, undefined);
  assert.throws(() => fromCli(['--refer', 'labels']), /Allowed choices are names, regions/);
});

test('bad shard sizes and referring modes are refused naming the flag or field and the fix', () => {
  assert.throws(() => parseShardSize('lots', '--shard-size'), refusal('--shard-size', /give images per shard \(1000\) or megabytes per shard \(256MB\)/));
  assert.throws(() => parseShardSize('0', '--shard-size'), refusal('--shard-size', /samples=0 is not valid: expected a whole number of images above 0/));
  assert.throws(() => parseShardSize('2.5', '--shard-size'), refusal('--shard-size', /whole number of images/));
  assert.deepEqual(parseShardSize('0.5MB', '--shard-size'), { megabytes: 0.5 });
  assert.throws(() => resolveRunOptions({ shardSize: { samples: 10, megabytes: 5 } as never }), refusal('options.shardSize', /must be \{ samples: N \} or \{ megabytes: N \}/));
  assert.throws(() => resolveRunOptions({ qa: { refer: 'labels' } as never }), refusal('options.qa.refer', /expected names or regions/));
  assert.throws(() => resolveRunOptions({ formats: ['tfrecord' as never] }), refusal('options.formats', /unknown tfrecord: expected some of parquet, jsonl, llava, messages, webdataset/));
});

test('REST run options accept the new formats, refer and shardSize, and name the field of a bad one', () => {
  const check = compileChecker(RunOptionsInput);
  const body = { formats: ['webdataset', 'messages'], qa: { refer: 'regions' }, shardSize: { samples: 100 } };
  assert.deepEqual(check(body, 'body.options'), body);
  const options = resolveRunOptions(check(body, 'body.options') as never);
  assert.deepEqual([options.formats, options.qa.refer, options.shardSize], [['webdataset', 'messages'], 'regions', { samples: 100 }]);
  assert.throws(() => check({ formats: ['tfrecord'] }, 'body.options'), (err: Error & { field?: string }) => err.field === 'body.options.formats[0]');
  assert.throws(() => check({ qa: { refer: 'labels' } }, 'body.options'), (err: Error & { field?: string }) => err.field === 'body.options.qa.refer');
  assert.throws(() => check({ shardSize: { samples: 0 } }, 'body.options'), (err: Error & { field?: string }) => /body\.options\.shardSize/.test(err.field ?? ''));
});

test('refer is part of the synthesize and export identities; the shard size only of export, and only for WebDataset', async () => {
  const identity = async (stage: 'synthesize' | 'export', partial: Parameters<typeof resolveRunOptions>[0]) =>
    JSON.stringify((await stageRegistry.handler(stage)).identity(resolveRunOptions(partial)));
  for (const stage of ['synthesize', 'export'] as const) {
    assert.notEqual(await identity(stage, { qa: { refer: 'regions' } as never }), await identity(stage, {}), `${stage}: refer`);
  }
  assert.equal(await identity('synthesize', { shardSize: { samples: 10 } }), await identity('synthesize', {}));
  assert.equal(await identity('export', { shardSize: { samples: 10 } }), await identity('export', {}), 'no WebDataset: the shard size changes nothing');
  const webdataset = { formats: ['webdataset' as const] };
  assert.notEqual(await identity('export', { ...webdataset, shardSize: { samples: 10 } }), await identity('export', webdataset));
});
