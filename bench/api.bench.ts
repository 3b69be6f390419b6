/**
 * REST latency under load: 50 concurrent clients read one run's status (GET /v1/runs/:id: bearer
 * token check, rate-limit bucket, coordinator state from Redis, JSON schema serialisation) while that
 * run is being processed by every stage's workers in the same process, on loopback. Measured side by
 * side in the same run with the floors it sits on: the same 50 readers calling the coordinator
 * directly (no HTTP, no auth), and GET /healthz over the same HTTP stack (no auth, no Redis). The
 * phases alternate in rounds so a busy machine hits them alike; the run is checked to be processing
 * images throughout. The HTTP clients run in a worker thread, so their own request handling does not
 * share the service's event loop (it still shares the machine's cores, as a client on the same box would).
 *
 * Run: npm run bench api   (writes bench/results/api.json)
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RunState } from '@spatialforge/core';
import { startHarness } from '../test/service-harness.js';

const CLIENTS = 50;
const REQUESTS_PER_CLIENT_PER_ROUND = 20;
const ROUNDS = 3;
const SCENES = 80;

type Phase = 'status over HTTP' | 'coordinator.getRun (no HTTP)' | '/healthz over HTTP';

interface Measured {
  latencies: number[];
  seconds: number;
}

/**
 * The HTTP load generator, in a worker thread: `clients` concurrent loops over one keep-alive pool,
 * each making `perClient` GETs of `path` one after another; replies with every latency (ms).
 */
const LOAD_GENERATOR = `
const { parentPort, workerData } = require('node:worker_threads');
const { Pool } = require(workerData.undici);
const pool = new Pool(workerData.origin, { connections: workerData.clients });
parentPort.on('message', async ({ path, headers, perClient }) => {
  const latencies = [];
  const start = performance.now();
  try {
    await Promise.all(Array.from({ length: workerData.clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        const t = performance.now();
        const response = await pool.request({ path, method: 'GET', headers });
        if (response.statusCode !== 200) throw new Error(path + ': HTTP ' + response.statusCode + ' ' + (await response.body.text()));
        await response.body.dump();
        latencies.push(performance.now() - t);
      }
    }));
    parentPort.postMessage({ latencies, seconds: (performance.now() - start) / 1000 });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
});
`;

function startLoadGenerator(origin: string) {
  const worker = new Worker(LOAD_GENERATOR, { eval: true, workerData: { origin, clients: CLIENTS, undici: createRequire(import.meta.url).resolve('undici') } });
  return {
    run(path: string, headers: Record<string, string>, perClient: number): Promise<Measured> {
      return new Promise((resolve, reject) => {
        worker.once('message', (reply: Measured & { error?: string }) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
        worker.postMessage({ path, headers, perClient });
      });
    },
    close: () => worker.terminate(),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** In this thread: `clients` loops, each doing `perClient` calls one after another; every call's latency, ms. */
async function load(clients: number, perClient: number, call: () => Promise<void>): Promise<Measured> {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - start) / 1000 };
}

const harness = await startHarness({ scenes: SCENES, workerConcurrency: 2, settings: { rateLimitPerMinute: 10_000_000 } });
try {
  const { token } = await harness.token('bench');
  const run = await harness.submit(token, '&batchSize=2');
  await harness.waitFor(token, run.id, (r) => r.stages.some((s) => s.done > 0), 120_000);
  const doneImages = (r: RunState) => r.stages.reduce((sum, s) => sum + s.done, 0);
  const coordinator = harness.service.factory.coordinator;
  const before = (await coordinator.getRun(run.id))!;

  const http = startLoadGenerator(harness.service.url);
  const auth = { authorization: `Bearer ${token}` };
  const phases: Record<Phase, (perClient: number) => Promise<Measured>> = {
    'status over HTTP': (n) => http.run(`/v1/runs/${run.id}`, auth, n),
    'coordinator.getRun (no HTTP)': (n) => load(CLIENTS, n, async () => { await coordinator.getRun(run.id); }),
    '/healthz over HTTP': (n) => http.run('/healthz', {}, n),
  };
  // Warm-up: connections opened, code paths compiled.
  for (const measure of Object.values(phases)) await measure(4);

  const results = new Map<Phase, Measured>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, measure] of Object.entries(phases) as [Phase, (perClient: number) => Promise<Measured>][]) {
      const { latencies, seconds } = await measure(REQUESTS_PER_CLIENT_PER_ROUND);
      const total = results.get(name) ?? { latencies: [], seconds: 0 };
      total.latencies.push(...latencies);
      total.seconds += seconds;
      results.set(name, total);
    }
  }
  const after = (await coordinator.getRun(run.id))!;
  await http.close();

  const rows = [...results].map(([name, { latencies, seconds }]) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    return { phase: name, requests: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1]!, perSecond: sorted.length / seconds };
  });
  const status = rows.find((r) => r.phase === 'status over HTTP')!;
  const direct = rows.find((r) => r.phase === 'coordinator.getRun (no HTTP)')!;
  const health = rows.find((r) => r.phase === '/healthz over HTTP')!;
  const processed = doneImages(after) - doneImages(before);

  console.log(`\n${CLIENTS} concurrent clients, ${ROUNDS} rounds × ${REQUESTS_PER_CLIENT_PER_ROUND} requests each, loopback, ${cpus().length} cores`);
  console.log(`run ${run.id}: ${before.status} → ${after.status}; ${processed} image-stages finished during the measurement\n`);
  console.log('phase                            requests   p50 ms   p99 ms   max ms   req/s');
  for (const r of rows) {
    console.log(`${r.phase.padEnd(32)} ${String(r.requests).padStart(8)} ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${r.maxMs.toFixed(2).padStart(8)} ${r.perSecond.toFixed(0).padStart(7)}`);
  }
  console.log(`\nstatus p50 = ${(status.p50Ms / direct.p50Ms).toFixed(2)}× the direct coordinator read, ${(status.p50Ms / health.p50Ms).toFixed(2)}× /healthz`);
  console.log(`status p99 = ${(status.p99Ms / direct.p99Ms).toFixed(2)}× the direct coordinator read, ${(status.p99Ms / health.p99Ms).toFixed(2)}× /healthz`);
  if (processed === 0 || !['running', 'pending', 'exporting'].includes(after.status)) {
    console.log('WARNING: the run was not processing throughout the measurement; raise SCENES');
  }

  await writeFile(
    new URL('./results/api.json', import.meta.url),
    `${JSON.stringify(
      {
        bench: 'api',
        date: new Date().toISOString(),
        cores: cpus().length,
        clients: CLIENTS,
        rounds: ROUNDS,
        requestsPerClientPerRound: REQUESTS_PER_CLIENT_PER_ROUND,
        run: { id: run.id, statusBefore: before.status, statusAfter: after.status, imageStagesFinishedDuringMeasurement: processed },
        phases: rows,
        ratios: {
          statusP50OverDirect: status.p50Ms / direct.p50Ms,
          statusP99OverDirect: status.p99Ms / direct.p99Ms,
          statusP50OverHealthz: status.p50Ms / health.p50Ms,
          statusP99OverHealthz: status.p99Ms / health.p99Ms,
        },
      },
      null,
      2,
    )}\n`,
  );
  await coordinator.cancelRun(run.id);
} finally {
  await harness.close();
}
