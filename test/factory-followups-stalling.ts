/**
 * A filter stage whose worker process gets killed mid-batch: it keeps every image except the one from
 * the second manifest line, on which it hangs (announcing it on stdout) until the test SIGKILLs the
 * process. Run as a script it starts a filter-only worker from REDIS_URL, OUTPUT and QUEUE_PREFIX.
 */
import { pathToFileURL } from 'node:url';
import { StageRegistry, createFactory, stageRegistry, type FilterOutput, type ImageStageHandler } from '@spatialforge/pipeline';

export const handler: ImageStageHandler<FilterOutput> = {
  kind: 'image',
  identity: () => ({ hangsOnLine: 2 }),
  async run(ctx) {
    const { input } = await ctx.frame();
    if (input.endsWith(' line 2')) {
      process.stdout.write(`hanging on ${ctx.imageId}\n`);
      await new Promise<never>(() => {});
    }
    return { keep: true, reason: 'kept by the stalling test filter', model: 'stalling' };
  },
};

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  // Its own module instance for the handler: importing this very module would wait on the await below.
  const module = `${import.meta.url}?handler`;
  const registry = new StageRegistry(stageRegistry.all().map((d) => (d.stage === 'filter' ? { ...d, module } : d)));
  const factory = await createFactory({
    redisUrl: process.env.REDIS_URL!, output: process.env.OUTPUT!, prefix: process.env.QUEUE_PREFIX!, registry, lockSeconds: 1,
  });
  await factory.startWorkers(['filter'], { concurrency: 1, threads: 1 });
  process.stdout.write('filter worker ready\n');
}
