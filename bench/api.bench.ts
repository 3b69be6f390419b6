/**
 * REST latency under load: 50 concurrent clients read one run's status (GET /v1/runs/:id: bearer
 * token check, rate-limit bucket, coordinator state from Redis, JSON schema serialisation) while that
 * run is being processed by every stage's workers in the same process, on loopback. Measured side by
 * side in the same run with the floors it sits on: the same 50 readers calling the coordinator
 * directly (no HTTP, no auth), and GET /healthz over the same HTTP stack (no auth, no Redis). The
 * phases alternate in rounds so a busy machine hits them alike; the run is checked to be processing
 * images throughout. Two deployments: the one-box one (workers inside the service process, sharing
 * its event loop) and workers in a `spatialforge worker` process of their own. The HTTP clients run in a worker thread, so their own request handling does not
 * share the service's event loop (it still shares the machine's cores, as a client on the same box would).
 *
 * Run: npm run bench api   (writes bench/results/api.json)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { RunState } from '@spatialforge/core';
import { startHarness, type Harness } from '../test/service-harness.js';
import { atMost, writeResults } from './report.js';

const CLI = new URL('../apps/cli/bin/spatialforge.js', import.meta.url).pathname;

const CLIENTS = 50;
const REQUESTS_PER_CLIENT_PER_ROUND = 20;
const ROUNDS = 3;
/** Enough synthetic scenes that the run is still processing when the measurement ends. */
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

interface Scenario {
  name: string;
  /** Workers inside the service process (one box), or in a `spatialforge worker` child process. */
  workersInService: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'one process: workers inside the service (spatialforge serve --workers)', workersInService: true },
  { name: 'workers in their own process (spatialforge worker), service coordinates', workersInService: false },
];

/** A `spatialforge worker` for every stage against the harness's Redis and store. */
function startWorkerProcess(harness: Harness): ChildProcess {
  return spawn(process.execPath, [CLI, 'worker', '--stages', 'all', '--concurrency', '2', '--threads', '1', '--port', '0'], {
    env: { ...process.env, REDIS_URL: harness.service.redisUrl, OUTPUT: harness.output, QUEUE_PREFIX: harness.prefix, INGEST_ALLOW_HOSTS: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function measure(scenario: Scenario) {
  const harness = await startHarness({ scenes: SCENES, workerConcurrency: 2, workerStages: scenario.workersInService ? undefined : [], settings: { rateLimitPerMinute: 10_000_000 } });
  const worker = scenario.workersInService ? undefined : startWorkerProcess(harness);
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

    // How long the service's event loop was held up (by workers sharing it, GC, ...), ms.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
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
    loopDelay.disable();
    const after = (await coordinator.getRun(run.id))!;
    await http.close();
    await coordinator.cancelRun(run.id);

    const rows = [...results].map(([name, { latencies, seconds }]) => {
      const sorted = [...latencies].sort((a, b) => a - b);
      return { phase: name, requests: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1]!, perSecond: sorted.length / seconds };
    });
    const processed = doneImages(after) - doneImages(before);
    return {
      scenario: scenario.name,
      run: { statusBefore: before.status, statusAfter: after.status, imageStagesFinishedDuringMeasurement: processed },
      serviceEventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      phases: rows,
    };
  } finally {
    if (worker) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
    await harness.close();
  }
}

const scenarios = [];
for (const scenario of SCENARIOS) scenarios.push(await measure(scenario));

console.log(`\n${CLIENTS} concurrent clients, ${ROUNDS} rounds × ${REQUESTS_PER_CLIENT_PER_ROUND} requests per phase, loopback, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`);
const summary = scenarios.map((result) => {
  const row = (phase: Phase) => result.phases.find((r) => r.phase === phase)!;
  const status = row('status over HTTP');
  const direct = row('coordinator.getRun (no HTTP)');
  const health = row('/healthz over HTTP');
  console.log(`\n${result.scenario}`);
  console.log(`  run ${result.run.statusBefore} → ${result.run.statusAfter}; ${result.run.imageStagesFinishedDuringMeasurement} image-stages finished during the measurement`);
  console.log(`  service event-loop delay p50 ${result.serviceEventLoopDelayMs.p50.toFixed(1)} ms, p99 ${result.serviceEventLoopDelayMs.p99.toFixed(1)} ms, max ${result.serviceEventLoopDelayMs.max.toFixed(1)} ms`);
  console.log('  phase                            requests   p50 ms   p99 ms   max ms   req/s');
  for (const r of result.phases) {
    console.log(`  ${r.phase.padEnd(32)} ${String(r.requests).padStart(8)} ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${r.maxMs.toFixed(2).padStart(8)} ${r.perSecond.toFixed(0).padStart(7)}`);
  }
  const ratios = {
    statusP50OverDirect: status.p50Ms / direct.p50Ms,
    statusP99OverDirect: status.p99Ms / direct.p99Ms,
    statusP50OverHealthz: status.p50Ms / health.p50Ms,
    statusP99OverHealthz: status.p99Ms / health.p99Ms,
  };
  console.log(`  status p50 = ${ratios.statusP50OverDirect.toFixed(2)}× the direct coordinator read, ${ratios.statusP50OverHealthz.toFixed(2)}× /healthz; p99 = ${ratios.statusP99OverDirect.toFixed(2)}×, ${ratios.statusP99OverHealthz.toFixed(2)}×`);
  if (result.run.imageStagesFinishedDuringMeasurement === 0 || !['running', 'pending', 'exporting'].includes(result.run.statusAfter)) {
    console.log('  WARNING: the run was not processing throughout the measurement; raise SCENES');
  }
  return { ...result, ratios };
});

const statusRow = (result: (typeof summary)[number]) => result.phases.find((r) => r.phase === 'status over HTTP')!;
const directRow = (result: (typeof summary)[number]) => result.phases.find((r) => r.phase === 'coordinator.getRun (no HTTP)')!;
const [inService, ownProcess] = summary as [(typeof summary)[number], (typeof summary)[number]];
writeResults({
  bench: 'api',
  title: `GET /v1/runs/:id (token check, rate limit, run state from Redis, schema serialisation) from ${CLIENTS} concurrent clients on loopback while the run is processed, beside coordinator.getRun called directly and /healthz`,
  headline: [ownProcess, inService].map((result) => ({
    measure: `run status, ${result === ownProcess ? 'workers in their own process' : 'workers inside the service process'} (p50 / p99)`,
    value: `${statusRow(result).p50Ms.toFixed(1)} / ${statusRow(result).p99Ms.toFixed(1)} ms (${statusRow(result).perSecond.toFixed(0)} req/s)`,
    reference: `getRun directly ${directRow(result).p50Ms.toFixed(1)} / ${directRow(result).p99Ms.toFixed(1)} ms`,
  })),
  goals: [atMost(`run status p99, ${CLIENTS} clients, workers in their own process (ms)`, statusRow(ownProcess).p99Ms, 50,
    'fifty clients queue on one event loop, so the median is about fifty times the route\'s cost per request (token check, rate limit and run read, each a Redis round trip, ' +
      'then the schema serialisation), and the tail follows the service\'s event-loop stalls (in figures) while the worker process lifts images on the same two cores')],
  figures: { clients: CLIENTS, rounds: ROUNDS, requestsPerClientPerRound: REQUESTS_PER_CLIENT_PER_ROUND, scenarios: summary },
});
