/**
 * The compose stack on a real Docker engine: runs `npm run docker:smoke` (scripts/docker-smoke.ts),
 * which builds the image and the local base images, deploys docker/compose.yaml, kills the perception
 * worker holding a batch, and asserts one record per image in the downloaded dataset, Prometheus'
 * scrape of every process, a non-root health-checked image and the npm CA secret in none of its
 * layers. Skipped, saying why, where no Docker engine answers (.ci/docker-smoke starts one in CI).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

function noEngineReason(): string | undefined {
  const cli = spawnSync('scripts/docker-cli.sh', { cwd: root, encoding: 'utf8' });
  if (cli.status !== 0) return `no docker client (${cli.stderr.trim()}): install docker.io to run the compose smoke test`;
  const info = spawnSync(cli.stdout.trim(), ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  if (info.status !== 0) return 'no Docker engine answers (docker info): start dockerd to run the compose smoke test (npm run docker:smoke)';
  return undefined;
}

const skip = noEngineReason();

test('docker smoke: the compose stack deploys, survives a killed worker and exports one record per image', { skip: skip ?? false, timeout: 25 * 60_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/docker-smoke.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `npm run docker:smoke failed:\n${output.slice(-8000)}`);
  const summary = /^docker smoke passed: .*$/m.exec(output);
  assert.ok(summary, `no summary line in:\n${output.slice(-4000)}`);
  console.log(summary[0]);
});
