/**
 * Builds the `spatialforge` program. Each file in ./commands registers the command of its own name
 * (or a group), so commands are added without touching this file; tests build the same program to
 * check what the deploy manifests run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Command as CommandType, Option } from 'commander';
import { Command } from 'commander';

export interface CommandModule {
  register(program: CommandType): void;
}

/** The version of the `spatialforge` command (apps/cli/package.json). */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const TOP_LEVEL_HELP = `
Examples:
  $ spatialforge demo --scenes 20                              # synthetic RGB-D scenes → a dataset in spatialforge-demo/dataset
  $ spatialforge run spatialforge-demo/input --out again       # a folder of frame manifests (or images, .jsonl, .txt, s3://, URL)
  $ spatialforge models pull metric3d-v2-vit-small             # a depth model, for plain photos without depth
  $ spatialforge run photos/ --out out --depth-model metric3d-v2-vit-small
  $ spatialforge status --out out                              # a finished or interrupted run: counts, failures by code, fixes

Environment (every command's --help says what it reads):
  run, demo                           none needed: a private redis-server in OUT/.redis (REDIS_URL, when set, is used instead)
  inspect, scene, synth, reward       none
  serve                               REDIS_URL and OUTPUT, or neither (a private Redis and store under --data)
  worker, submit, export              REDIS_URL and OUTPUT (a folder or s3://bucket/prefix)
  status                              --out DIR: none; RUN of a distributed run: REDIS_URL and OUTPUT
  models                              MODEL_CACHE_DIR (the cache), MODEL_SOURCE (where pull copies from)
  tokens                              REDIS_URL (or --redis-url)
  eval, reason, --rephrase            EVAL_API_KEY; LLM_ENDPOINT, LLM_MODEL, LLM_API_KEY
Every variable: README.md, Configuration.`;

/**
 * With `commandName`, only that command's module is imported when it exists: every module pulls in
 * its packages (ONNX Runtime, Fastify, DuckDB…), and a container health check every few seconds
 * should not pay for all of them. `--version` imports none. Otherwise (or for `--help`), every command is registered.
 */
export async function buildProgram(commandName?: string): Promise<CommandType> {
  const program = new Command('spatialforge')
    .description('Turn image corpora into 3D-grounded spatial question-answer datasets')
    .version(VERSION, '-V, --version', 'print the version of spatialforge')
    .addHelpText('after', TOP_LEVEL_HELP)
    .showHelpAfterError()
    .exitOverride();
  if (commandName === '--version' || commandName === '-V') return program;
  const commandsDir = new URL('./commands/', import.meta.url);
  const files = readdirSync(commandsDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  const only = files.find((f) => f === `${commandName}.ts`);
  for (const file of only ? [only] : files) {
    const module = (await import(new URL(file, commandsDir).href)) as CommandModule;
    module.register(program);
  }
  markRequired(program);
  return program;
}

/** Commander enforces required options but its help does not say which they are: every such option's description ends "(required)". */
function markRequired(command: CommandType): void {
  for (const option of command.options as Option[]) {
    if (option.mandatory && !option.description.endsWith('(required)')) option.description = `${option.description} (required)`;
  }
  for (const sub of command.commands) markRequired(sub);
}
