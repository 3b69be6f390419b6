/**
 * The bench results API (bench/report.ts): a goal is met exactly when its value is on the right side
 * of its target, a missed goal keeps its reason and says how far off it is, and the README section
 * generated from results holds every goal, every missed one with its reason, and every headline row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { README_END, README_START, atLeast, atMost, readmeSection, shortfall, type BenchResults } from '../bench/report.js';

test('a goal is met on the right side of its target, ties included, and keeps its reason only when missed', () => {
  assert.equal(atLeast('speed-up (×)', 10, 10).met, true);
  assert.equal(atLeast('speed-up (×)', 9.99, 10).met, false);
  assert.equal(atMost('latency (ms)', 50, 50).met, true);
  assert.equal(atMost('latency (ms)', 50.1, 50).met, false);
  assert.equal(atLeast('speed-up (×)', 12, 10, 'slow part').whyMissed, undefined);
  assert.equal(atLeast('speed-up (×)', 8, 10, 'slow part').whyMissed, 'slow part');
  assert.equal(atMost('latency (ms)', 75, 50).better, 'lower');
});

test('a missed goal says how far from its target it is, as a share of the target', () => {
  // 8 against ≥ 10 is 20 % below; 75 against ≤ 50 is 50 % above.
  assert.equal(shortfall(atLeast('speed-up (×)', 8, 10)), '20.0 % below its target (8.00 against ≥ 10.0)');
  assert.equal(shortfall(atMost('latency (ms)', 75, 50)), '50.0 % above its target (75.0 against ≤ 50.0)');
});

test('the README section lists every goal, each missed one with its reason, and every headline row', () => {
  const result = (bench: string, goals: BenchResults['goals']): BenchResults => ({
    bench, command: `npm run bench ${bench}`, title: `the ${bench} bench`, at: '2026-12-01T00:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', node: 'v20.0.0', loadAverage1m: { before: 0.5, after: 0.7 } },
    headline: [{ measure: `${bench} figure | with a bar`, value: '42 ms', reference: 'reference 84 ms' }], goals, figures: {},
  });
  const section = readmeSection([
    result('api', [atMost('status p99 (ms)', 75, 50, 'the cores are shared')]),
    result('qa', [atLeast('QA per second (QA/s)', 30_000, 20_000)]),
  ]);
  assert.ok(section.startsWith(README_START) && section.endsWith(README_END));
  assert.match(section, /\| `api` \| status p99 \(ms\) \| 75\.0 \| ≤ 50\.0 \| \*\*missed\*\* \|/);
  assert.match(section, /\| `qa` \| QA per second \(QA\/s\) \| 30,000 \| ≥ 20,000 \| met \|/);
  assert.match(section, /- Missed, `api`, status p99 \(ms\): 50\.0 % above its target \(75\.0 against ≤ 50\.0\)\. Why: the cores are shared\./);
  assert.ok(!/Missed, `qa`/.test(section));
  assert.match(section, /\| api figure \\\| with a bar \| 42 ms \| reference 84 ms \|/);
});
