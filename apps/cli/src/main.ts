/**
 * The `spatialforge` command line. Each file in ./commands registers one command (or a group) on the
 * program, so commands are added without touching this file.
 */
import { readdirSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { SpatialforgeError } from '@spatialforge/core';

export interface CommandModule {
  register(program: Command): void;
}

const program = new Command('spatialforge')
  .description('Turn image corpora into 3D-grounded spatial question-answer datasets')
  .showHelpAfterError()
  .exitOverride();

const commandsDir = new URL('./commands/', import.meta.url);
for (const file of readdirSync(commandsDir).filter((f) => /\.ts$/.test(f) && !f.endsWith('.test.ts')).sort()) {
  const module = (await import(new URL(file, commandsDir).href)) as CommandModule;
  module.register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof SpatialforgeError) {
    console.error(`error: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
