#!/usr/bin/env node
// Runs every *.test.ts under packages/, apps/ and test/ with node's test runner (tsx as loader).
// Node 20's runner takes no globs, so the files are found here. Arguments filter by path substring.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', '.git', '.turbo', 'dist']);

function findTests(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

/**
 * The longest files (minutes each: the soak runs of 2,000 and 5,000 images, the 200-scene accuracy
 * runs) start first, so the rest fill the other slots beside them instead of leaving them to run
 * alone at the end.
 */
const LONGEST_FIRST = [
  'test/reliability-chaos.test.ts',
  'test/reliability-memory.test.ts',
  'test/reliability-coordinator.test.ts',
  'packages/scene/src/hard-accuracy.test.ts',
  'packages/scene/src/synthetic-accuracy.test.ts',
];
const startRank = (file) => {
  const rank = LONGEST_FIRST.indexOf(file);
  return rank < 0 ? LONGEST_FIRST.length : rank;
};

const filters = process.argv.slice(2);
const files = ['packages', 'apps', 'test']
  .flatMap((dir) => findTests(join(root, dir), []))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort((a, b) => startRank(a) - startRank(b) || a.localeCompare(b));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Tests mostly wait on Redis, child processes and disk; run a few files at once even on 2 cores.
const concurrency = process.env.TEST_CONCURRENCY ?? String(Math.max(3, availableParallelism()));
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', join(root, 'scripts/test-files.mjs'), concurrency, ...files.map((file) => join(root, file))],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
