/**
 * ONNX Runtime sessions: one per model graph per process, created on first use and reused. Loading a
 * model checks every file against its digest (filling missing ones from MODEL_SOURCE first) and every
 * graph's inputs and outputs against the manifest, so a missing, corrupt or mismatched model stops a
 * worker at start with a ConfigError naming the file and the fix.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { ConfigError } from '@spatialforge/core';
import { fixFor, inspectModel, verifyInstalled } from './cache.js';
import type { Dim, GraphSpec, ModelManifest, TensorSpec } from './manifest.js';
import { getManifest } from './models/index.js';
import { pullModel } from './pull.js';
import { readRuntimeSettings, type RuntimeSettings } from './settings.js';

export type OrtTensor = ort.Tensor;
export { ort };

export interface LoadOptions extends Partial<RuntimeSettings> {
  /** Use this manifest instead of the registry's (tests, private exports). */
  manifest?: ModelManifest;
}

/** One loaded graph. */
export interface ModelGraph {
  spec: GraphSpec;
  session: ort.InferenceSession;
  /** Input names the graph declares (optional manifest inputs are fed only when listed here). */
  inputNames: readonly string[];
  /** Whether the first input's leading (batch) dimension is dynamic, so several images fit one run. */
  dynamicBatch: boolean;
  /** Runs the graph and returns the manifest's outputs by name. */
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
}

export interface LoadedModel {
  manifest: ModelManifest;
  /** Model digest (see cache.modelDigest). */
  digest: string;
  dir: string;
  graphs: Record<string, ModelGraph>;
}

const loaded = new Map<string, Promise<LoadedModel>>();

function cudaProviderPath(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
}

/** Whether onnxruntime-node was installed with its CUDA execution provider (Linux x64, ONNXRUNTIME_NODE_INSTALL=cuda12). */
export function cudaProviderAvailable(): boolean {
  return existsSync(cudaProviderPath());
}

function sessionOptions(settings: RuntimeSettings): ort.InferenceSession.SessionOptions {
  if (settings.provider === 'cuda' && !cudaProviderAvailable()) {
    throw new ConfigError(
      `ORT_EXECUTION_PROVIDER=cuda but onnxruntime-node has no CUDA provider (${cudaProviderPath()} is missing); ` +
        'fix: on Linux x64 with CUDA 12 and cuDNN 9, reinstall it with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`, or set ORT_EXECUTION_PROVIDER=cpu',
      'ORT_EXECUTION_PROVIDER',
    );
  }
  return {
    executionProviders: settings.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    ...(settings.intraOpThreads > 0 ? { intraOpNumThreads: settings.intraOpThreads } : {}),
    ...(settings.interOpThreads > 0 ? { interOpNumThreads: settings.interOpThreads } : {}),
  };
}

function formatShape(shape: readonly (Dim | undefined)[]): string {
  return `[${shape.map((d) => (d === undefined || d === -1 ? '?' : String(d))).join(',')}]`;
}

/** Differences between a graph's declared tensors and the manifest's, one sentence each. */
function compareTensors(kind: 'input' | 'output', wanted: TensorSpec[], actual: readonly ort.InferenceSession.ValueMetadata[]): string[] {
  const problems: string[] = [];
  for (const spec of wanted) {
    const meta = actual.find((m) => m.name === spec.name);
    if (!meta) {
      if (!spec.optional) {
        problems.push(`${kind} "${spec.name}" is missing (the graph has ${actual.map((m) => `"${m.name}"`).join(', ') || 'none'})`);
      }
      continue;
    }
    if (!meta.isTensor) {
      problems.push(`${kind} "${spec.name}" is not a tensor`);
      continue;
    }
    const shape = meta.shape as readonly (number | string)[];
    // ONNX Runtime reports the inferred shape; [] means the rank is unknown.
    const fixedMismatch =
      (shape.length > 0 && shape.length !== spec.shape.length) ||
      spec.shape.some((d, i) => typeof d === 'number' && typeof shape[i] === 'number' && shape[i] !== -1 && shape[i] !== d);
    if (meta.type !== spec.type || fixedMismatch) {
      problems.push(
        `${kind} "${spec.name}" is ${meta.type} ${formatShape(shape)}, expected ${spec.type} ${formatShape(spec.shape)}`,
      );
    }
  }
  if (kind === 'input') {
    for (const meta of actual) {
      if (!wanted.some((s) => s.name === meta.name)) problems.push(`input "${meta.name}" is not one the adapter feeds`);
    }
  }
  return problems;
}

async function openGraph(manifest: ModelManifest, role: string, dir: string, options: ort.InferenceSession.SessionOptions): Promise<ModelGraph> {
  const spec = manifest.graphs[role];
  const path = join(dir, spec.file);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, options);
  } catch (err) {
    throw new ConfigError(
      `model ${manifest.name}: ONNX Runtime cannot load ${path}: ${(err as Error).message}; fix: ${fixFor(manifest, true)}`,
      'MODEL_CACHE_DIR',
    );
  }
  const problems = [
    ...compareTensors('input', spec.inputs, session.inputMetadata),
    ...compareTensors('output', spec.outputs, session.outputMetadata),
  ];
  if (problems.length > 0) {
    await session.release();
    throw new ConfigError(
      `model ${manifest.name}: ${path} does not match its manifest: ${problems.join('; ')}; ` +
        `it is a different export; fix: ${fixFor(manifest, true)}`,
      'MODEL_CACHE_DIR',
    );
  }
  const first = session.inputMetadata.find((m) => m.name === spec.inputs[0].name);
  const leading = first && first.isTensor ? first.shape[0] : 1;
  const outputNames = spec.outputs.map((o) => o.name);
  return {
    spec,
    session,
    inputNames: session.inputNames,
    dynamicBatch: typeof leading === 'string' || leading === -1,
    async run(feeds) {
      return (await session.run(feeds, outputNames)) as Record<string, ort.Tensor>;
    },
  };
}

/** Copies files that are missing from the cache from MODEL_SOURCE, when one is set. */
async function fillFromSource(manifest: ModelManifest, settings: RuntimeSettings): Promise<void> {
  if (!settings.source) return;
  const status = await inspectModel(manifest, settings.cacheDir, { hash: false });
  if (!status.files.some((f) => f.state === 'missing' || f.state === 'wrong-size')) return;
  await pullModel(manifest, { cacheDir: settings.cacheDir, from: settings.source }).catch((err: Error) => {
    throw new ConfigError(
      `model ${manifest.name}: cannot fill the cache from MODEL_SOURCE=${settings.source}: ${err.message}`,
      'MODEL_SOURCE',
    );
  });
}

async function load(manifest: ModelManifest, settings: RuntimeSettings): Promise<LoadedModel> {
  await fillFromSource(manifest, settings);
  const [status] = await verifyInstalled([manifest], settings.cacheDir);
  const options = sessionOptions(settings);
  const graphs: Record<string, ModelGraph> = {};
  try {
    for (const role of Object.keys(manifest.graphs)) graphs[role] = await openGraph(manifest, role, status.dir, options);
  } catch (err) {
    await Promise.all(Object.values(graphs).map((g) => g.session.release()));
    throw err;
  }
  return { manifest, digest: status.digest as string, dir: status.dir, graphs };
}

/**
 * Loads a model (by registry name, or `options.manifest`) once per process and settings; later calls
 * return the same sessions. Throws ConfigError when a file is missing, corrupt or not the expected export.
 */
export function loadModel(name: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const manifest = options.manifest ?? getManifest(name);
  const settings: RuntimeSettings = { ...readRuntimeSettings(), ...stripUndefined(options) };
  const key = JSON.stringify([manifest.name, settings.cacheDir, settings.provider, settings.intraOpThreads, settings.interOpThreads]);
  let promise = loaded.get(key);
  if (!promise) {
    promise = load(manifest, settings);
    loaded.set(key, promise);
    promise.catch(() => loaded.delete(key));
  }
  return promise;
}

function stripUndefined(options: Partial<RuntimeSettings>): Partial<RuntimeSettings> {
  const out: Partial<RuntimeSettings> = {};
  for (const key of ['cacheDir', 'source', 'provider', 'intraOpThreads', 'interOpThreads'] as const) {
    if (options[key] !== undefined) (out as Record<string, unknown>)[key] = options[key];
  }
  return out;
}

/**
 * Checks, at worker start, that every named model is installed and intact (hashing each file; missing
 * files are first copied from MODEL_SOURCE when set), without creating sessions. Throws one ConfigError listing each problem file with its expected digest and fix.
 */
export async function verifyModels(names: string[], options: Partial<RuntimeSettings> = {}): Promise<void> {
  const settings: RuntimeSettings = { ...readRuntimeSettings(), ...stripUndefined(options) };
  const manifests = names.map(getManifest);
  for (const manifest of manifests) await fillFromSource(manifest, settings);
  await verifyInstalled(manifests, settings.cacheDir);
}

/** Releases every cached session (tests, graceful shutdown). */
export async function releaseModels(): Promise<void> {
  const all = [...loaded.values()];
  loaded.clear();
  for (const promise of all) {
    const model = await promise.catch(() => undefined);
    if (model) await Promise.all(Object.values(model.graphs).map((g) => g.session.release()));
  }
}
