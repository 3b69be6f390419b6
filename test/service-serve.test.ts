/**
 * `spatialforge serve` on one box: with no REDIS_URL or OUTPUT it starts its own Redis and store in
 * the data folder, writes a first admin token there, answers /healthz and /readyz, lets
 * `spatialforge tokens create` add tokens through the Redis it names, and stops cleanly on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const cli = new URL('../apps/cli/bin/spatialforge.js', import.meta.url).pathname;
const run = promisify(execFile);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

test('spatialforge serve runs a whole deployment from an empty folder and stops on SIGTERM', { timeout: 180_000 }, async () => {
  const data = await mkdtemp(join(tmpdir(), 'sf-serve-'));
  const env: Record<string, string | undefined> = { ...process.env, REDIS_URL: undefined, OUTPUT: undefined, PORT: '0', HOST: '127.0.0.1' };
  const child = spawn(process.execPath, [cli, 'serve', '--data', data, '--workers', 'ingest,lift'], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const started = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /spatialforge serving (http:\/\/\S+) /.exec(stderr);
        if (match && /first start: .*REDIS_URL=\S+/.test(stderr)) resolve(match[1]);
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
    });
    const url = started;
    const redisUrl = /REDIS_URL=(\S+)/.exec(stderr)![1];
    assert.match(stderr, /in-process workers: ingest, lift/);

    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.deepEqual(await (await fetch(`${url}/readyz`)).json(), { status: 'ready', redis: 'ok', store: 'ok' });

    const tokenFile = join(data, 'admin-token');
    assert.equal((await stat(tokenFile)).mode & 0o777, 0o600, 'the admin token file is private to its owner');
    const admin = (await readFile(tokenFile, 'utf8')).trim();
    const whoami = await (await fetch(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${admin}` } })).json();
    assert.deepEqual(whoami, { tenant: 'default', tokenId: admin.split('_')[1], scopes: ['runs', 'admin'] });
    assert.ok(!stderr.includes(admin), 'the token is written to its file, not to the log');

    const created = JSON.parse((await run(process.execPath, [cli, 'tokens', 'create', '--tenant', 'lab', '--json'], { env: { ...process.env, REDIS_URL: redisUrl } })).stdout) as { token: string };
    const lab = await (await fetch(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${created.token}` } })).json();
    assert.equal((lab as { tenant: string }).tenant, 'lab');

    const redisPort = Number(new URL(redisUrl).port);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal(await portOpen(redisPort), false, 'the private Redis stopped with the service');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(data, { recursive: true, force: true });
  }
});
