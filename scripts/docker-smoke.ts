/**
 * `npm run docker:smoke`: builds the spatialforge image, starts the stack of docker/compose.yaml (with
 * docker/compose.local.yaml for the images no registry serves here) and uses it as an ops team would:
 * waits for the health checks, creates a token with `compose exec`, uploads a synthetic RGB-D corpus to
 * the stack's S3 and submits it over REST, `docker kill`s the perception worker mid-run and starts it
 * again, waits for the run, downloads the dataset through its presigned URLs and checks one record per
 * image, and checks Prometheus scraped the service and both workers. It checks the image too: non-root,
 * health-checked, `--version` answers, and the npm CA secret of the build is in none of its layers.
 * The stack is torn down (volumes included) whatever happens; the last line gives the timings.
 * Needs a Docker engine, root for scripts/docker-base.sh, and ports 8080, 9000, 9001 and 9090 free.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { RunState } from '@spatialforge/core';
import { writeDemoInput } from '@spatialforge/pipeline';
import { S3Store } from '@spatialforge/storage';
import { parquetRecords } from '../test/factory-support.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const PROJECT = 'spatialforge-smoke';
/** The tag docker/compose.local.yaml runs. */
const IMAGE = 'spatialforge:local';
const SCENES = Number(process.env.SMOKE_SCENES ?? 24);
/** Images per batch (of 640 × 480 frames): batches long enough to kill a worker holding one, and several per stage. */
const BATCH_SIZE = 4;
const STACK = ['redis', 'minio', 'minio-bucket', 'service', 'worker-cpu', 'worker-perception', 'prometheus'];
const HEALTH_CHECKED = ['redis', 'minio', 'service', 'worker-cpu', 'worker-perception', 'prometheus'];
const PERCEPTION_STAGES = new Set(['filter', 'detect', 'segment', 'depth']);
const CORPUS_BUCKET = 'spatialforge-corpus';
/** How often the run is polled around the kill: under the service's 600 requests a minute per token, so none is refused. */
const POLL_MS = 150;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command from the repository root; throws with its output unless it exits 0 (or `allowFail`). */
function sh(command: string, args: string[], options: { env?: Record<string, string>; allowFail?: boolean; inherit?: boolean } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', options.inherit ? 'inherit' : 'pipe', options.inherit ? 'inherit' : 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 && !options.allowFail) reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stdout}${stderr}`.trimEnd()));
      else resolve({ code, stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (since: number) => Math.round((Date.now() - since) / 1000);

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

/** The docker client and compose command this machine has (the compose plugin, else Debian's docker-compose). */
async function tools(): Promise<{ docker: string; compose: string[] }> {
  const docker = (await sh('scripts/docker-cli.sh', [])).stdout.trim();
  const info = await sh(docker, ['info', '--format', '{{.ServerVersion}}'], { allowFail: true });
  if (info.code !== 0) throw new Error(`no Docker engine answers (${docker} info): start dockerd, or set DOCKER_HOST\n${info.stderr.trim()}`);
  const plugin = await sh(docker, ['compose', 'version'], { allowFail: true });
  const base = plugin.code === 0 ? [docker, 'compose'] : ['docker-compose'];
  return { docker, compose: [...base, '-p', PROJECT, '-f', 'docker/compose.yaml', '-f', 'docker/compose.local.yaml'] };
}

/** A throwaway self-signed certificate: appended to the build's CA secret, its text must be in no image layer. */
async function markerCertificate(dir: string): Promise<string> {
  const file = join(dir, 'marker.pem');
  await sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'marker.key'), '-out', file, '-days', '1', '-subj', `/CN=spatialforge-smoke-${process.pid}-${Date.now()}`]);
  return readFile(file, 'utf8');
}

/** Counts how often each needle occurs in `docker save IMAGE` (every layer tar and the image config). */
async function countInSavedImage(docker: string, image: string, needles: string[]): Promise<number[]> {
  const counts = needles.map(() => 0);
  const longest = Math.max(...needles.map((n) => n.length));
  return new Promise((resolve, reject) => {
    const child = spawn(docker, ['save', image], { stdio: ['ignore', 'pipe', 'inherit'] });
    let carry = '';
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      const text = carry + chunk;
      needles.forEach((needle, i) => {
        // Count only matches that end in this chunk, so one straddling two chunks is counted once.
        for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) if (at + needle.length > carry.length) counts[i]++;
      });
      carry = text.slice(-(longest - 1));
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(counts) : reject(new Error(`docker save ${image} exited ${code}`))));
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function main(): Promise<void> {
  const started = Date.now();
  const { docker, compose } = await tools();
  const work = await mkdtemp(join(tmpdir(), 'sf-docker-smoke-'));
  let summary = '';
  const composeRun = (args: string[], options: { allowFail?: boolean } = {}) => sh(compose[0], [...compose.slice(1), ...args], options);
  try {
    const baseStarted = Date.now();
    await sh('scripts/docker-base.sh', [], { inherit: true });
    const baseSeconds = seconds(baseStarted);

    // The image, built with the host's npm CA (if any) plus a marker certificate as the CA secret.
    const marker = await markerCertificate(work);
    const hostCa = (await sh('npm', ['config', 'get', 'cafile'])).stdout.trim();
    const caFile = join(work, 'npm-ca.pem');
    await writeFile(caFile, `${hostCa && hostCa !== 'null' && hostCa !== 'undefined' ? await readFile(hostCa, 'utf8') : ''}\n${marker}`);
    const buildStarted = Date.now();
    await sh('scripts/docker-build.sh', ['--quiet', '-f', 'docker/Dockerfile', '-t', IMAGE, '.'], { env: { NPM_CA_FILE: caFile } });
    const buildSeconds = seconds(buildStarted);
    const imageBytes = Number((await sh(docker, ['image', 'inspect', '-f', '{{.Size}}', IMAGE])).stdout.trim());

    const config = JSON.parse((await sh(docker, ['image', 'inspect', '-f', '{{json .Config}}', IMAGE])).stdout) as { User: string; Healthcheck?: { Test: string[] } };
    assert.equal(config.User, 'node', 'the image runs as the non-root user node');
    assert.ok(config.Healthcheck?.Test.includes('healthcheck'), 'the image has the spatialforge health check');
    const version = (JSON.parse(await readFile(join(root, 'apps/cli/package.json'), 'utf8')) as { version: string }).version;
    assert.equal((await sh(docker, ['run', '--rm', IMAGE, '--version'])).stdout.trim(), version, '`docker run IMAGE --version` prints the CLI version');
    // A line of the marker's base64 body; the CLI's package.json is a control that the search sees layer contents.
    const markerLine = marker.split('\n')[5];
    const control = '"name": "@spatialforge/cli"';
    const [markerHits, controlHits] = await countInSavedImage(docker, IMAGE, [markerLine, control]);
    assert.ok(controlHits > 0, 'the layer search finds the CLI package.json (the search reads the layers)');
    assert.equal(markerHits, 0, 'the npm CA secret is in no image layer');

    const composeFile = parse(await readFile(join(root, 'docker/compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment: Record<string, string>; ports?: string[] }>;
    };
    const env = composeFile.services.service.environment;
    const hostPort = (service: string, containerPort: number) => composeFile.services[service].ports!.find((p) => p.endsWith(`:${containerPort}`))!.split(':')[0];
    const serviceUrl = `http://localhost:${hostPort('service', 8080)}`;
    const prometheusUrl = `http://localhost:${hostPort('prometheus', 9090)}`;

    await composeRun(['down', '-v', '--remove-orphans'], { allowFail: true });
    const upStarted = Date.now();
    try {
      await composeRun(['up', '-d', '--no-build', ...STACK]);
      const containers = new Map<string, string>();
      for (const service of STACK) containers.set(service, (await composeRun(['ps', '-q', service])).stdout.trim());
      const inspect = async (service: string, format: string) => (await sh(docker, ['inspect', '-f', format, containers.get(service)!])).stdout.trim();
      const healthy = (service: string) =>
        until(`${service} healthy`, 180_000, async () => ((await inspect(service, '{{.State.Health.Status}}')) === 'healthy' ? true : undefined));
      for (const service of HEALTH_CHECKED) await healthy(service);
      assert.equal(await inspect('minio-bucket', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 0', 'minio-bucket made the buckets');
      const upSeconds = seconds(upStarted);

      // An ops user's token, made inside the service container.
      const created = await composeRun(['exec', '-T', 'service', 'node', 'apps/cli/bin/spatialforge.js', 'tokens', 'create', '--tenant', 'smoke', '--label', 'docker-smoke', '--json']);
      const { token } = JSON.parse(created.stdout.trim().split('\n').pop()!) as { token: string };
      const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
        const response = await fetch(`${serviceUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
        if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${await response.text()}`);
        return (await response.json()) as T;
      };

      // The corpus goes to the stack's S3, reached from the host at its public endpoint.
      const corpusDir = join(work, 'corpus');
      const manifestPath = await writeDemoInput(corpusDir, { scenes: SCENES, seed: 16, width: 640, height: 480 });
      const prefix = `smoke-${Date.now()}`;
      const corpus = new S3Store({
        endpoint: env.S3_PUBLIC_ENDPOINT,
        forcePathStyle: true,
        region: env.S3_REGION,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
        bucket: CORPUS_BUCKET,
        prefix,
      });
      for (const file of await listFiles(corpusDir)) await corpus.put(relative(corpusDir, file), await readFile(file));
      await corpus.close();

      const runStarted = Date.now();
      const baseUri = encodeURIComponent(`s3://${CORPUS_BUCKET}/${prefix}/`);
      const run = await api<RunState>(`/v1/runs/manifest?baseUri=${baseUri}&batchSize=${BATCH_SIZE}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: await readFile(manifestPath, 'utf8'),
      });

      // Kill the perception worker while it holds a batch. It is the only one serving those stages, so a
      // perception stage still showing images active after the kill proves the batch died with it; when
      // the batch finished in between, the worker is started and killed again. Kills wait until at least
      // two batches of perception work are left, so a missed kill leaves work for the next try.
      const runState = () => api<RunState>(`/v1/runs/${run.id}`);
      const perceptionLeft = (state: RunState) => {
        const depth = state.stages.find((s) => s.stage === 'depth')!;
        return SCENES - depth.done - depth.failed;
      };
      const describe = (state: RunState) =>
        `${state.status}, ${state.stages.map((s) => `${s.stage} ${s.done} done ${s.active} active ${s.waiting} waiting`).join(', ')}`;
      let interrupted: { stage: string; active: number } | undefined;
      for (let attempt = 1; !interrupted; attempt++) {
        assert.ok(attempt <= 5, 'the perception worker never died holding a batch in 5 kills');
        let last: RunState | undefined;
        const moment = await until('the perception worker busy with a batch', 120_000, async () => {
          last = await runState();
          if (perceptionLeft(last) < 2 * BATCH_SIZE) return 'too late';
          return last.stages.some((s) => PERCEPTION_STAGES.has(s.stage) && s.active > 0) ? 'busy' : undefined;
        }, POLL_MS).catch((err: Error) => {
          throw new Error(`${err.message} (kill ${attempt}; run ${last ? describe(last) : 'never read'})`);
        });
        assert.equal(moment, 'busy', `kill ${attempt}: under two batches of perception work left, raise SMOKE_SCENES (${SCENES}); run ${last && describe(last)}`);
        await sh(docker, ['kill', containers.get('worker-perception')!]);
        interrupted = (await until('the run state after the kill', 10_000, runState, POLL_MS)).stages.find((s) => PERCEPTION_STAGES.has(s.stage) && s.active > 0);
        // Started again at once: waiting for its health check (every 10 s) here would let it finish the
        // perception work before the next kill.
        await sh(docker, ['start', containers.get('worker-perception')!]);
      }
      await healthy('worker-perception');

      const final = await until('the run finished', 600_000, async () => {
        const state = await api<RunState & { recentFailures: unknown[] }>(`/v1/runs/${run.id}`);
        return ['completed', 'failed', 'cancelled'].includes(state.status) ? state : undefined;
      });
      const runSeconds = seconds(runStarted);
      // What became of each image, for a failure below to say which stage lost or failed which.
      const outcome = `totals ${JSON.stringify(final.totals)}; stages ${JSON.stringify(final.stages.map((s) => ({ stage: s.stage, done: s.done, failed: s.failed, active: s.active })))}; ` +
        `failures ${JSON.stringify(final.recentFailures)}`;
      assert.equal(final.status, 'completed', `run ${run.id}: ${final.status} ${final.error ?? ''}; ${outcome}`);
      assert.equal(final.totals.images, SCENES, `every scene became one image; ${outcome}`);
      assert.equal(final.totals.completed, SCENES, `every image completed; ${outcome}`);
      assert.equal(final.totals.failed, 0, `no image failed; ${outcome}`);
      for (const stage of final.stages) assert.equal(stage.done, SCENES, `${stage.stage} counted each image once; ${outcome}`);

      // The dataset, downloaded from the host through the presigned URLs.
      const dataset = await api<{ files: { path: string; bytes: number; url: string }[] }>(`/v1/runs/${run.id}/dataset`);
      const datasetDir = join(work, 'dataset');
      for (const file of dataset.files) {
        assert.ok(file.url.startsWith(`${env.S3_PUBLIC_ENDPOINT}/`), `${file.path} is presigned for the host: ${file.url}`);
        const response = await fetch(file.url);
        assert.equal(response.status, 200, `${file.path}: HTTP ${response.status}`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        assert.equal(bytes.byteLength, file.bytes, `${file.path}: size`);
        await mkdir(dirname(join(datasetDir, file.path)), { recursive: true });
        await writeFile(join(datasetDir, file.path), bytes);
      }
      const records = await parquetRecords(datasetDir); // throws on an image with two records
      assert.equal(records.size, SCENES, 'one record per image, none lost');
      assert.equal([...records.values()].reduce((a, b) => a + b, 0), final.totals.qaPairs, 'the records hold every QA pair once');
      const qaLines = (await readFile(join(datasetDir, 'qa.jsonl'), 'utf8')).split('\n').filter(Boolean);
      assert.equal(qaLines.length, final.totals.qaPairs, 'qa.jsonl holds every QA pair once');
      assert.deepEqual(new Set(qaLines.map((line) => (JSON.parse(line) as { imageId: string }).imageId)), new Set(records.keys()), 'qa.jsonl and the Parquet records name the same images');

      // Prometheus scraped all three (its scrape interval is 15 s).
      const query = async (expr: string) =>
        ((await (await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
      const targets = ['service:8080', 'worker-cpu:9464', 'worker-perception:9464'];
      await until('Prometheus sees the service and both workers up', 90_000, async () => {
        const up = await query('up');
        return targets.every((t) => up.some((r) => r.metric.instance === t && r.value[1] === '1')) ? true : undefined;
      }, 2000);
      await until('Prometheus has images processed by both workers', 90_000, async () => {
        const processed = await query('sum by (instance) (spatialforge_images_processed_total)');
        return targets.slice(1).every((t) => processed.some((r) => r.metric.instance === t && Number(r.value[1]) > 0)) ? true : undefined;
      }, 2000);

      summary =
        `docker smoke passed: image build ${buildSeconds} s, image ${(imageBytes / 1e6).toFixed(0)} MB, ` +
          `base images ${baseSeconds} s, stack healthy ${upSeconds} s, run of ${SCENES} images ${runSeconds} s ` +
          `(perception worker killed holding ${interrupted.active} ${interrupted.stage} images, restarted)`;
    } catch (err) {
      const logs = await composeRun(['logs', '--no-color', '--tail', '40'], { allowFail: true });
      console.error(logs.stdout + logs.stderr);
      throw err;
    } finally {
      await composeRun(['down', '-v', '--remove-orphans'], { allowFail: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(`${summary}, total with teardown ${seconds(started)} s`);
}

main().catch((err: Error) => {
  console.error(`docker smoke failed: ${err.message}`);
  process.exit(1);
});
