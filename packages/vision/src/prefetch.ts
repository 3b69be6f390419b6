/**
 * Overlapping input preparation with inference, as DESIGN.md asks of GPU stages: while the model runs
 * on item i, item i + 1's inputs are fetched and decoded. onnxruntime-node runs a session synchronously
 * on the calling thread, so what overlaps is work off this thread — network and disk I/O, libvips
 * decoding in libuv's pool, and JavaScript preprocessing handed to a PreprocessPool worker.
 */

export interface PrefetchOptions {
  /** Items prepared ahead of the one running (default 1). */
  depth?: number;
}

/**
 * Runs `run(await load(item))` for every item in order, starting `load` for up to `depth` later items
 * while `run` works on the current one. Returns the results in order. A failing `load` or `run` rejects
 * (catch per item inside the callbacks to keep going).
 */
export async function prefetchMap<T, L, R>(
  items: readonly T[],
  load: (item: T, index: number) => Promise<L>,
  run: (loaded: L, item: T, index: number) => Promise<R>,
  { depth = 1 }: PrefetchOptions = {},
): Promise<R[]> {
  const pending: Promise<L>[] = [];
  const start = (i: number) => {
    if (i < items.length && pending[i] === undefined) {
      pending[i] = load(items[i], i);
      // Avoid an unhandled rejection while the item waits its turn; awaiting it below rethrows.
      pending[i].catch(() => undefined);
    }
  };
  const results: R[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let k = i; k <= i + depth; k++) start(k);
    const loaded = await pending[i];
    results.push(await run(loaded, items[i], i));
  }
  return results;
}

/** Splits `items` into consecutive batches of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
