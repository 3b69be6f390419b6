/**
 * Builds the `spatialforge` program. Each file in ./commands registers the command of its own name
 * (or a group), so commands are added without touching this file; tests build the same program to
 * check what the deploy manifests run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

/**
 * With `commandName`, only that command's module is imported when it exists: every module pulls in
 * its packages (ONNX Runtime, Fastify, DuckDB…), and a container health check every few seconds
 * should not pay for all of them. Without it (or for `--help`), every command is registered.
 */
export async function buildProgram(commandName?: string): Promise<Command> {
  const program = new Command('spatialforge')
    .description('Turn image corpora into 3D-grounded spatial question-answer datasets')
    .version(cliVersion())
    .showHelpAfterError()
    .exitOverride();
  const commandsDir = new URL('./commands/', import.meta.url);
  const files = readdirSync(commandsDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  const only = files.find((f) => f === `${commandName}.ts`);
  for (const file of only ? [only] : files) {
    const module = (await import(new URL(file, commandsDir).href)) as CommandModule;
    module.register(program);
  }
  return program;
}

/** The version of @spatialforge/cli (apps/cli/package.json), for `spatialforge --version`. */
function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
