/** The `spatialforge` command line entry point (apps/cli/bin/spatialforge.js loads it through tsx). */
import { CommanderError } from 'commander';
import { SpatialforgeError } from '@spatialforge/core';
import { buildProgram } from './program.js';

const program = await buildProgram(process.argv[2]);
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
