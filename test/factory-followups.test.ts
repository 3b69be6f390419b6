/**
 * Follow-ups to the factory: a batch whose worker keeps dying is failed by BullMQ without our handler,
 * and its images must still end (failed `stalled`) so the run completes; one sample is looked up by
 * image id; detector scores reach the scene graph; `--rephrase` rewrites the QA through a language
 * model, keeping only rewrites that state the same fact, and a re-run asks it nothing; QA margins are
 * a run option.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameObjectBox, RunState, SceneGraph } from '@spatialforge/core';
import { InputError, type QARecord } from '@spatialforge/core';
import { LocalRun, createFactory, resolveRunOptions, type Factory, type ImageStageContext } from '@spatialforge/pipeline';
import { sceneFromBoxes } from '@spatialforge/qa';
import { handler as synthesize } from '../packages/pipeline/src/stages/synthesize.js';
import type { RedisServer } from '@spatialforge/queue';
import type { ChatRequest } from '@spatialforge/research';
import { startOpenAITestServer, type TestReply } from '@spatialforge/research/testing';
import { ROOT, privateRedis, removeDir, runCli, syntheticCorpus, tempDir, uniquePrefix, waitFor } from './factory-support.js';

const shared = fileURLToPath(new URL('../../shared/', import.meta.url));
const noYolox = existsSync(join(shared, 'models', 'yolox_nano.onnx')) && existsSync(join(shared, 'data', 'rgbd'))
  ? false
  : `../shared is absent (looked in ${shared})`;

/** The one JSON output of `stage` in a local store. */
async function onlyOutput<T>(store: string, stage: string): Promise<T> {
  const root = join(store, 'cache', stage);
  const files = [];
  for (const digest of await readdir(root)) {
    for (const file of await readdir(join(root, digest))) if (file.endsWith('.json')) files.push(join(root, digest, file));
  }
  assert.equal(files.length, 1, `${stage} outputs: ${files.join(', ')}`);
  return JSON.parse(await readFile(files[0]!, 'utf8')) as T;
}

async function untilFinal(factory: Factory, runId: string): Promise<RunState> {
  return waitFor(async () => {
    const run = await factory.coordinator.getRun(runId);
    return run && ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  }, 60_000, `run ${runId} to end`);
}

describe('factory follow-ups', () => {
  let dir: string;
  let redis: RedisServer;

  before(async () => {
    dir = await tempDir('followups');
    redis = await privateRedis(dir);
  });
  after(async () => {
    await redis.stop();
    await removeDir(dir);
  });

  test('a batch whose worker is killed more often than allowed ends with its images failed `stalled`, and the run completes', { timeout: 120_000 }, async () => {
    const manifest = await syntheticCorpus(join(dir, 'stalling'), 4, 51);
    const output = join(dir, 'store-stalling');
    const prefix = uniquePrefix();
    const factory = await createFactory({ redisUrl: redis.url, output, prefix, attempts: 3, backoffMs: 50, lockSeconds: 1, maxStalledCount: 0 });
    const doomed = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/factory-followups-stalling.ts')], {
      cwd: ROOT, env: { ...process.env, REDIS_URL: redis.url, OUTPUT: output, QUEUE_PREFIX: prefix }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let doomedOutput = '';
    doomed.stdout.on('data', (chunk: Buffer) => { doomedOutput += chunk.toString(); });
    doomed.stderr.on('data', (chunk: Buffer) => { doomedOutput += chunk.toString(); });
    try {
      await factory.startCoordinator();
      // Every stage but filter here; the doomed process is the only filter worker until it is killed.
      await factory.startWorkers(['ingest', 'detect', 'segment', 'depth', 'lift', 'synthesize', 'export'], { concurrency: 1, threads: 1 });
      const created = await factory.coordinator.createRun({ source: { kind: 'uri', uri: manifest }, options: { batchSize: 4 } });
      // The one filter batch: three images recorded done at filter, the fourth hanging, nothing handed on yet.
      await waitFor(async () => {
        const run = await factory.coordinator.getRun(created.id);
        const filter = run?.stages.find((s) => s.stage === 'filter');
        return doomedOutput.includes('hanging on') && filter?.done === 3 ? true : undefined;
      }, 60_000, 'the doomed filter worker to hang').catch((err: Error) => {
        throw new Error(`${err.message}; its output:\n${doomedOutput}`);
      });
      doomed.kill('SIGKILL');
      await new Promise((resolve) => doomed.once('exit', resolve));
      assert.equal((await factory.coordinator.getRun(created.id))!.totals.completed, 0);

      // A live filter worker finds the batch stalled (maxStalledCount 0): BullMQ fails it without our handler.
      const filterWorker = await factory.startWorkers(['filter'], { concurrency: 1, threads: 1 });
      const run = await untilFinal(factory, created.id);
      assert.equal(run.status, 'completed', run.error);
      assert.deepEqual({ inputs: run.totals.inputs, completed: run.totals.completed, failed: run.totals.failed }, { inputs: 4, completed: 3, failed: 1 });
      const failures = await factory.coordinator.failures(created.id, { offset: 0, limit: 10 });
      assert.equal(failures.length, 1);
      const [failure] = failures;
      assert.equal(failure!.stage, 'filter');
      assert.equal(failure!.code, 'stalled');
      assert.match(failure!.input, /frames\.jsonl line 2$/);
      assert.match(failure!.message, /filter batch stopped .* more times than allowed \(job stalled more than allowable limit\)/);
      assert.equal((await factory.coordinator.dataset(created.id))!.records, 3);
      // One sample looked up directly is the one the pages list; a failed image or an unknown run has none.
      const listed = await factory.coordinator.samples(created.id, { limit: 10, offset: 0 });
      assert.equal(listed.length, 3);
      for (const ref of listed) assert.deepEqual(await factory.coordinator.sample(created.id, ref.imageId), ref);
      assert.equal(await factory.coordinator.sample(created.id, failure!.imageId), undefined);
      assert.equal(await factory.coordinator.sample('run-none', listed[0]!.imageId), undefined);

      // Retried, the image goes through; the coordinator's sweep (run while no filter worker can take the
      // retry) must not settle the old failed batch again and fail the image a second time.
      await filterWorker.close();
      assert.equal(await factory.coordinator.retryFailed(created.id), 1);
      await factory.coordinator.resumeRuns();
      await factory.startWorkers(['filter'], { concurrency: 1, threads: 1 });
      const retried = await untilFinal(factory, created.id);
      assert.equal(retried.status, 'completed', retried.error);
      assert.deepEqual({ completed: retried.totals.completed, failed: retried.totals.failed }, { completed: 4, failed: 0 });
      assert.equal((await factory.coordinator.dataset(created.id))!.records, 4);
      assert.equal((await factory.coordinator.sample(created.id, failure!.imageId))?.input, failure!.input);
    } finally {
      if (doomed.exitCode === null && doomed.signalCode === null) doomed.kill('SIGKILL');
      await factory.close();
    }
  });

  test('YOLOX detection scores reach the scene graph objects', { skip: noYolox, timeout: 180_000 }, async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { REDIS_URL: '', MODEL_CACHE_DIR: join(dir, 'models'), MODEL_SOURCE: join(shared, 'models') });
      const input = join(dir, 'tum');
      await mkdir(input);
      await copyFile(join(shared, 'data', 'rgbd', 'tum', 'color.png'), join(input, 'tum.png'));
      await copyFile(join(shared, 'data', 'rgbd', 'tum', 'depth.png'), join(input, 'tum_depth.png'));
      const manifest = join(input, 'frame.json');
      await writeFile(manifest, JSON.stringify({
        image: 'tum.png', depth: { uri: 'tum_depth.png', scale: 0.0002 }, intrinsics: { fx: 517.3, fy: 516.5, cx: 318.6, cy: 255.3 },
      }));
      const out = join(dir, 'tum-out');
      const run = new LocalRun({ input: manifest, out, options: { models: { detect: 'yolox-nano' }, qa: { maxPerImage: 4 } }, threads: 1 });
      try {
        await run.start();
        const result = await run.finish();
        assert.equal(result.run.status, 'completed', JSON.stringify(result.run.error ?? result.run.totals));
      } finally {
        await run.stop();
      }
      const detected = await onlyOutput<{ objects: (FrameObjectBox & { score: number })[] }>(join(out, '.store'), 'detect');
      const scene = await onlyOutput<SceneGraph>(join(out, '.store'), 'lift');
      assert.ok(scene.objects.length >= 2, `objects lifted: ${scene.objects.map((o) => o.label).join(', ')}`);
      for (const object of scene.objects) {
        const detection = detected.objects.find((d) => d.id === object.id);
        assert.ok(detection, `scene object ${object.id} was detected`);
        assert.ok(detection.score > 0 && detection.score <= 1, `${object.id} score ${detection.score}`);
        assert.equal(object.score, detection.score, object.id);
      }
    } finally {
      process.env = saved;
    }
  });

  test('spatialforge run --rephrase keeps rewrites that state the same fact, rejects one that changes the number, and a re-run asks nothing', { timeout: 180_000 }, async () => {
    // Plays the language model: widths come back with another number (rejected), distances reworded
    // with the same number and unit (kept).
    const rewriter = (request: ChatRequest): TestReply => {
      const sent = JSON.parse(request.messages.at(-1)!.content as string) as { question: string; answer: string };
      if (/wide|width|longer/i.test(sent.question)) return { content: JSON.stringify({ question: sent.question, answer: 'It is about 123 meters wide.' }) };
      return { content: JSON.stringify({ question: `Rephrased: ${sent.question}`, answer: `Roughly ${/[\d.]+ \w+/.exec(sent.answer)![0]}.` }) };
    };
    const server = await startOpenAITestServer(rewriter);
    try {
      const manifest = await syntheticCorpus(join(dir, 'rephrase'), 2, 61);
      const out = join(dir, 'rephrase-out');
      const env = { REDIS_URL: redis.url, QUEUE_PREFIX: uniquePrefix(), LLM_ENDPOINT: server.url, LLM_MODEL: 'rewriter-1' };
      const flags = ['--rephrase', '--qa-types', 'distance_centre,size_width', '--qa-max', '6', '--threads', '1'];
      const first = await runCli(['run', manifest, '--out', out, ...flags], env);
      assert.equal(first.code, 0, first.output);
      const records = (await readFile(join(out, 'dataset', 'qa.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; question: string; answer: string });
      const distances = records.filter((r) => r.type === 'distance_centre');
      const widths = records.filter((r) => r.type === 'size_width');
      assert.ok(distances.length > 0 && widths.length > 0, JSON.stringify(records));
      assert.equal(server.requests.length, records.length, 'one request per QA record');
      for (const r of distances) {
        assert.match(r.question, /^Rephrased: /);
        assert.match(r.answer, /^Roughly [\d.]+ (centimeters?|meters?)\.$/);
      }
      for (const r of widths) {
        assert.doesNotMatch(r.question, /^Rephrased/);
        assert.doesNotMatch(r.answer, /123 meters/, 'a rewrite that changed the number is not used');
        assert.match(r.answer, /[\d.]+ (centimeters|meters)/);
      }

      // Another export format is another run over the same stage outputs: no request to the model.
      const again = await runCli(['run', manifest, '--out', out, '--new-run', '--formats', 'jsonl', ...flags], env);
      assert.equal(again.code, 0, again.output);
      assert.equal(server.requests.length, records.length, 'the re-run made no request');
      assert.deepEqual((await readFile(join(out, 'dataset', 'qa.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)), records);

      const refused = await runCli(['run', manifest, '--out', join(dir, 'rephrase-none'), '--rephrase'], { ...env, LLM_ENDPOINT: '', LLM_MODEL: '' });
      assert.equal(refused.code, 1);
      assert.match(refused.output, /options\.rephrase needs a language model: set LLM_ENDPOINT/);
    } finally {
      await server.close();
    }
  });

});

test('QA margins are a run option: validated naming the field, passed to the QA synthesis, part of the synthesize identity', async () => {
  // Widths 0.50 m and 0.58 m: 8 cm and 14 % apart, clear under the default margins (5 cm, 5 %).
  const scene = sceneFromBoxes([
    { id: 'o1', label: 'chair', centre: [-0.8, 2.5, 0.45], size: [0.5, 0.5, 0.9] },
    { id: 'o2', label: 'table', centre: [0.6, 3.2, 0.375], size: [0.58, 0.5, 0.75] },
  ]);
  const synthesized = async (margins?: { metres?: number; ratio?: number; degrees?: number }) => {
    const options = resolveRunOptions({ qa: { maxPerImage: 50, defaultQuota: 5, types: ['choice_wider', 'choice_thinner'], margins } });
    const ctx = { stage: 'synthesize', imageId: scene.imageId, options, output: async () => scene } as unknown as ImageStageContext;
    return { records: (await synthesize.run(ctx)) as QARecord[], digest: JSON.stringify(synthesize.identity(options)) };
  };
  const byDefault = await synthesized();
  const strict = await synthesized({ ratio: 0.2 });
  assert.ok(byDefault.records.length > 0, 'the widths differ clearly enough by default');
  assert.deepEqual(strict.records, [], 'a 14 % difference is not clear at a 20 % margin');
  assert.notEqual(strict.digest, byDefault.digest);
  assert.equal((await synthesized({ metres: 0.05 })).records.length, byDefault.records.length);

  for (const [margins, field] of [
    [{ ratio: -0.1 }, 'options.qa.margins.ratio'],
    [{ degrees: 90 }, 'options.qa.margins.degrees'],
    [{ metres: 'wide' }, 'options.qa.margins.metres'],
    [{ inches: 2 }, 'options.qa.margins.inches'],
    [[0.1], 'options.qa.margins'],
  ] as const) {
    assert.throws(() => resolveRunOptions({ qa: { maxPerImage: 4, margins: margins as never } }), (err: Error) => {
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.field, field, err.message);
      return true;
    });
  }
});
