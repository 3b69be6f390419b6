/**
 * filter: keep scene-level photos, drop close-ups, screenshots, paintings and text.
 * Fallback (no model in `options.models.filter`): keep every image.
 */
import type { RunOptions } from '@spatialforge/core';
import type { FilterOutput, ImageStageHandler } from '../stage-handler.js';

export const handler: ImageStageHandler<FilterOutput> = {
  kind: 'image',
  identity: (options: RunOptions) => ({ version: 1, model: options.models?.filter ?? 'none' }),
  async run() {
    return { keep: true, reason: 'no filter model configured: every image is kept', model: 'none' };
  },
  summarize: (output) => (output.keep ? {} : { dropReason: output.reason }),
};
