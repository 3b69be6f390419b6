/**
 * The service and the worker each start from the exact command their Dockerfile (and the k8s
 * manifests) run, on this machine, and report ready on the probe paths the manifests use.
 * No Docker engine here: the command after `tini --` is what the container's PID 1 runs.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { parseAllDocuments } from 'yaml';
import { startRedis } from '@spatialforge/queue';

const root = new URL('../', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'sf-deploy-start-'));
const redis = await startRedis({ dir: join(dir, 'redis') });
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** ENTRYPOINT + CMD of a Dockerfile as one argv, without the init wrapper. */
function dockerCommand(file: string): string[] {
  const text = readFileSync(new URL(file, root), 'utf8');
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(text)![1]) as string[];
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(text)![1]) as string[];
  const argv = [...entrypoint, ...cmd];
  return argv[0] === 'tini' ? argv.slice(argv.indexOf('--') + 1) : argv;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

async function waitReady(child: ChildProcess, url: string, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    assert.equal(child.exitCode, null, `process exited early:\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${url} not ready after ${timeoutMs} ms:\n${output()}`);
}

async function startFromCommand(argv: string[], env: Record<string, string>, port: number) {
  const [executable, ...args] = argv;
  assert.equal(executable, 'node');
  const child = spawn(process.execPath, args, {
    cwd: new URL('.', root),
    env: { ...process.env, REDIS_URL: redis.url, OUTPUT: join(dir, 'store'), QUEUE_PREFIX: `deploy-${port}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await waitReady(child, `http://127.0.0.1:${port}/readyz`, () => output);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /^spatialforge_/m, 'no spatialforge metrics exposed');
  // SIGTERM is how Kubernetes stops a pod: it must exit cleanly, not be killed after the grace period.
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, `did not exit 0 on SIGTERM:\n${output}`);
}

test('the service image command (docker/Dockerfile) starts and reports ready', { timeout: 120_000 }, async () => {
  const port = await freePort();
  await startFromCommand(dockerCommand('docker/Dockerfile'), { PORT: String(port), HOST: '127.0.0.1' }, port);
});

test('the GPU worker image command (docker/Dockerfile.gpu) starts on CPU here and reports ready', { timeout: 120_000 }, async () => {
  const port = await freePort();
  await startFromCommand(dockerCommand('docker/Dockerfile.gpu'), { WORKER_PORT: String(port), ORT_EXECUTION_PROVIDER: 'cpu' }, port);
});

test('a k8s worker Deployment command (lift stage) starts and reports ready', { timeout: 120_000 }, async () => {
  const docs = parseAllDocuments(readFileSync(new URL('k8s/base/workers/lift.yaml', root), 'utf8')).map((d) => d.toJS());
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const args = deployment.spec.template.spec.containers[0].args as string[];
  const port = await freePort();
  await startFromCommand([...dockerCommand('docker/Dockerfile').slice(0, 2), ...args], { WORKER_PORT: String(port) }, port);
});
