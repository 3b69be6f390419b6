/**
 * `npm run bench [name ...]`: runs every bench/*.bench.ts (or those whose name contains an argument)
 * one after another in fresh processes, so one benchmark's heap does not skew the next. Each bench
 * prints its own table and writes bench/results/<name>.json.
 */
import { readdirSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const dir = new URL('./', import.meta.url);
mkdirSync(new URL('./results/', dir), { recursive: true });
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(file, dir).pathname], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
