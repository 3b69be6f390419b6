/**
 * Issue 11, item 6: stage outputs are keyed by the code that made them. The repository is copied the
 * way docker/Dockerfile copies it (`COPY . .` less .dockerignore, node_modules from the install), the
 * copy digests like the checkout, and a change to one package's code changes exactly the stages that
 * run it (and, through the chained cache keys, every stage after them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { STAGES, type StageName } from '@spatialforge/core';
import { codeDigest, codeSources, importEdges } from './code-digest.js';
import { resolveRunOptions } from './run-options.js';
import { StageRegistry, stageRegistry } from './stage-registry.js';
import { stageDigests } from './stage-runner.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

/** The tree docker/Dockerfile's `COPY . .` puts in the image (only what the stages can read), with the installed node_modules. */
async function dockerLikeCopy(): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), 'sf-code-digest-'));
  const skip = (path: string) => /(^|\/)(node_modules|\.git|\.turbo)(\/|$)/.test(path);
  for (const folder of ['packages', 'apps']) await cp(join(ROOT, folder), join(copy, folder), { recursive: true, filter: (src) => !skip(src.slice(ROOT.length)) });
  await cp(join(ROOT, 'package.json'), join(copy, 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

function registryIn(root: string): StageRegistry {
  return new StageRegistry(
    stageRegistry.all().map((d) => ({ ...d, module: pathToFileURL(join(root, 'packages/pipeline/src/stages', `${d.stage}.ts`)).href })),
    root,
  );
}

async function codeDigests(root: string): Promise<Record<StageName, string>> {
  const registry = registryIn(root);
  return Object.fromEntries(await Promise.all(STAGES.map(async (stage) => [stage, await registry.codeDigest(stage)]))) as Record<StageName, string>;
}

/** The stages whose digests differ between two sets. */
const changed = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).filter((stage) => a[stage] !== b[stage]);

test('import edges: names used, names re-exported, side effects and dynamic imports; type-only imports left out', () => {
  const source = [
    "import { a, type B } from './a.js';",
    "import type { C } from './c.js';",
    "import { type OnlyAType } from './only-types.js';",
    'import Default, {\n  d,\n  e as f,\n} from "@spatialforge/qa";',
    "import * as ns from './ns.js';",
    "export { g, h as i } from './g.js';",
    "export type { J } from './j.js';",
    "export * from './k.js';",
    "import './side-effect.js';",
    "const lazy = await import('sharp');",
    "const text = 'not an import from here';",
  ].join('\n');
  const edges = importEdges(source).map((e) => ({
    specifier: e.specifier,
    uses: e.uses === 'all' ? 'all' : e.uses && [...e.uses].sort(),
    forwards: e.forwards === '*' ? '*' : e.forwards && Object.fromEntries(e.forwards),
  }));
  assert.deepEqual(edges, [
    { specifier: './a.js', uses: ['a'], forwards: undefined },
    { specifier: '@spatialforge/qa', uses: ['d', 'default', 'e'], forwards: undefined },
    { specifier: './ns.js', uses: 'all', forwards: undefined },
    { specifier: './g.js', uses: undefined, forwards: { g: 'g', i: 'h' } },
    { specifier: './k.js', uses: undefined, forwards: '*' },
    { specifier: './side-effect.js', uses: 'all', forwards: undefined },
    { specifier: 'sharp', uses: 'all', forwards: undefined },
  ]);
});

test('a stage reaches the files it uses through a package index, not the files beside them', async () => {
  const stage = (name: string) => codeSources(ROOT, join(ROOT, 'packages/pipeline/src/stages', `${name}.ts`));
  const ingest = await stage('ingest');
  const lift = await stage('lift');
  const synthesize = await stage('synthesize');
  assert.ok(ingest.files.includes('packages/scene/src/npy.ts'), 'ingest writes depth with scene\'s npy code');
  assert.ok(!ingest.files.includes('packages/scene/src/lift.ts'), 'but runs none of lift');
  assert.ok(lift.files.includes('packages/scene/src/lift.ts') && lift.files.includes('packages/geometry/src/dbscan.ts'));
  assert.ok(!lift.files.some((f) => f.startsWith('packages/qa/')), 'lift runs no QA code');
  assert.ok(synthesize.files.includes('packages/qa/src/rules.ts'));
  assert.ok(!synthesize.files.some((f) => f.endsWith('.test.ts')));
  for (const { npm } of [ingest, lift, synthesize]) assert.deepEqual(npm.filter((p) => p.endsWith('@not installed')), []);
  assert.ok(ingest.npm.some((p) => /^sharp@\d/.test(p)), 'npm packages count by their installed version');
});

test('stage code digests: a Docker-like copy digests like the checkout; a change re-keys exactly the stages running that code', async () => {
  const copy = await dockerLikeCopy();
  try {
    const original = await codeDigests(ROOT);
    assert.equal(new Set(Object.values(original)).size, STAGES.length, 'each stage runs different code');
    assert.deepEqual(await codeDigests(copy), original, 'the copied tree digests as the checkout');

    // A lift fix: lift's code changes, and none of the stages before it (ingest and the GPU stages).
    await appendFile(join(copy, 'packages/scene/src/lift.ts'), '\n// a fix to lift\n');
    const afterLift = await codeDigests(copy);
    assert.ok(changed(original, afterLift).includes('lift'));
    assert.deepEqual(changed(original, afterLift).filter((s) => STAGES.indexOf(s as StageName) < STAGES.indexOf('lift')), []);

    // A QA fix: synthesize's code changes, lift's does not.
    await appendFile(join(copy, 'packages/qa/src/catalog.ts'), '\n// a fix to a QA template\n');
    const afterQA = await codeDigests(copy);
    assert.ok(changed(afterLift, afterQA).includes('synthesize'));
    assert.deepEqual(changed(afterLift, afterQA).filter((s) => STAGES.indexOf(s as StageName) <= STAGES.indexOf('lift')), []);

    // Tests, docs and code no stage imports change nothing.
    await appendFile(join(copy, 'packages/qa/src/catalog.test.ts'), '\n// a new test\n');
    await appendFile(join(copy, 'packages/vision/README.md'), '\nmore words\n');
    await appendFile(join(copy, 'apps/service/src/app.ts'), '\n// a service change\n');
    await appendFile(join(copy, 'packages/pipeline/src/coordinator.ts'), '\n// a coordinator change\n');
    assert.deepEqual(changed(afterQA, await codeDigests(copy)), []);

    // The cache keys chain: a lift fix gives lift, synthesize and export new keys, and ingest keeps its own.
    const options = resolveRunOptions({ stages: ['ingest', 'lift', 'synthesize', 'export'] });
    const path = stageRegistry.path(options);
    const keysBefore = await stageDigests(registryIn(ROOT), options, path);
    const keysAfter = await stageDigests(registryIn(copy), options, path);
    assert.deepEqual(changed(keysBefore as Record<string, string>, keysAfter as Record<string, string>), ['lift', 'synthesize', 'export']);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});

test('a relative import that names no file is an error naming the importer, not a silent gap in the digest', async () => {
  const copy = await dockerLikeCopy();
  try {
    await appendFile(join(copy, 'packages/pipeline/src/stages/lift.ts'), "\nimport './missing-helper.js';\n");
    await assert.rejects(codeDigest(copy, join(copy, 'packages/pipeline/src/stages/lift.ts')), /lift\.ts imports \.\/missing-helper\.js, which is not a file/);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
