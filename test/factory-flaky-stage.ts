/**
 * A filter stage for the factory tests that fails the way networks and GPUs do: every image's first
 * attempt throws a transient error, and the image from the second manifest line never succeeds.
 */
import type { FilterOutput, ImageStageHandler } from '@spatialforge/pipeline';

const attempts = new Map<string, number>();

export const handler: ImageStageHandler<FilterOutput> = {
  kind: 'image',
  identity: () => ({ flaky: 1 }),
  async run(ctx) {
    const tries = (attempts.get(ctx.imageId) ?? 0) + 1;
    attempts.set(ctx.imageId, tries);
    const { input } = await ctx.frame();
    if (tries === 1 || input.endsWith(' line 2')) throw new Error(`connection reset (attempt ${tries})`);
    return { keep: true, reason: 'flaky filter let it through', model: 'flaky' };
  },
};

export function attemptsOf(imageId: string): number {
  return attempts.get(imageId) ?? 0;
}
