/**
 * Builds the `spatialforge` program. Each file in ./commands registers one command (or a group), so
 * commands are added without touching this file; tests build the same program to check what the
 * deploy manifests run.
 */
import { readdirSync } from 'node:fs';
import { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

export async function buildProgram(): Promise<Command> {
  const program = new Command('spatialforge')
    .description('Turn image corpora into 3D-grounded spatial question-answer datasets')
    .showHelpAfterError()
    .exitOverride();
  const commandsDir = new URL('./commands/', import.meta.url);
  for (const file of readdirSync(commandsDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) {
    const module = (await import(new URL(file, commandsDir).href)) as CommandModule;
    module.register(program);
  }
  return program;
}
