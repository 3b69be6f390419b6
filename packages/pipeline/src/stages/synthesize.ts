/**
 * synthesize: spatial question-answer pairs from the scene graph (the QA catalog's templates), optionally
 * rephrased by a language model (`options.rephrase`, LLM_ENDPOINT / LLM_MODEL): a rewrite is kept only
 * when it still states the same fact, else the template text stays.
 *
 * Caching: the stage output (in the store) holds the rephrased records under a digest that names the
 * model, so a re-run of the same configuration makes no request. Beside it, @spatialforge/research keeps
 * its verdicts per record in a local folder: inside the store for a folder store, so another QA setting
 * that yields some of the same records asks only for the new ones; for an S3 store that folder is on the
 * worker's own disk (the temp folder), so only the stage cache is shared between workers.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type QARecord, type RunOptions, type SceneGraph } from '@spatialforge/core';
import { synthesizeQA } from '@spatialforge/qa';
import { llmApiKey, llmEndpoint, llmModel, rephrase } from '@spatialforge/research';
import type { ObjectStore } from '@spatialforge/storage';
import { storeKeys } from '../keys.js';
import type { ImageStageHandler } from '../stage-handler.js';

export const handler: ImageStageHandler<QARecord[]> = {
  kind: 'image',
  identity: (options: RunOptions) => ({
    qa: options.qa, units: options.units, seed: options.seed,
    ...(options.rephrase ? { rephrase: { model: llmModel.read() ?? '' } } : {}),
  }),
  async run(ctx) {
    const scene = await ctx.output<SceneGraph>('lift');
    if (!scene) throw new Error(`run has no lift output for ${ctx.imageId}`);
    const records = synthesizeQA(scene, { ...ctx.options.qa, units: ctx.options.units, seed: ctx.options.seed });
    if (!ctx.options.rephrase || records.length === 0) return records;
    const endpoint = llmEndpoint.read();
    const model = llmModel.read();
    if (!endpoint || !model) {
      throw new ConfigError('the run asks for rephrasing but this worker has no language model: set LLM_ENDPOINT and LLM_MODEL', 'LLM_ENDPOINT');
    }
    const names = Object.fromEntries(scene.objects.map((o) => [o.id, o.name]));
    const result = await rephrase(records, {
      endpoint, model, apiKey: llmApiKey.read() || undefined, cacheDir: rephraseCacheDir(ctx.store, ctx.imageId), namesFor: () => names,
    });
    // Template text for a failed request would be cached as this configuration's answer: retry instead
    // (the verdicts received are kept, so a retry asks only for the rest).
    if (result.failed > 0) throw new Error(`rephrasing: ${result.failed} of ${records.length} requests to ${endpoint} failed`);
    return result.records;
  },
  summarize(records) {
    const qaByType: Record<string, number> = {};
    for (const record of records) qaByType[record.type] = (qaByType[record.type] ?? 0) + 1;
    return { qaByType };
  },
};

function rephraseCacheDir(store: ObjectStore, imageId: string): string {
  const key = storeKeys.rephraseCache(imageId);
  return store.localPath(key) ?? join(tmpdir(), 'spatialforge', key);
}
