/**
 * `npm run bench [name ...]`: runs every bench/*.bench.ts (or those whose name contains an argument)
 * one after another in fresh processes, so one benchmark's heap does not skew the next. Each bench
 * prints its own table and writes bench/results/<name>.json (bench/report.ts); at the end one table
 * holds every goal of the benches that ran, met or not.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { goalTable, readResults } from './report.js';

const dir = new URL('./', import.meta.url);
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
const started = new Date().toISOString();
const startedMs = performance.now();
const failed: string[] = [];
const seconds: string[] = [];
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const benchStart = performance.now();
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(file, dir).pathname], { stdio: 'inherit' });
  if (result.status !== 0) failed.push(file);
  seconds.push(`${file.replace(/\.bench\.ts$/, '')} ${((performance.now() - benchStart) / 1000).toFixed(0)} s`);
}
const ran = new Set(benches.map((f) => f.replace(/\.bench\.ts$/, '')));
const fresh = readResults().filter((r) => ran.has(r.bench) && r.at >= started);
console.log(`\n=== goals (${fresh.length} of ${benches.length} benches wrote results; ${((performance.now() - startedMs) / 1000).toFixed(0)} s: ${seconds.join(', ')}) ===`);
console.log(goalTable(fresh).join('\n'));
const missed = fresh.flatMap((r) => r.goals.filter((g) => !g.met));
console.log(`${missed.length} goal(s) missed${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
