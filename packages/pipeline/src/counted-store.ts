/** An ObjectStore that reports its failed operations (for `spatialforge_storage_errors_total`). */
import { ObjectNotFoundError, type ObjectStore } from '@spatialforge/storage';

const OPERATIONS = ['put', 'get', 'getOptional', 'getStream', 'exists', 'delete', 'deletePrefix', 'downloadUrl'] as const;

export function countedStore(store: ObjectStore, onError: () => void): ObjectStore {
  const counted = Object.create(store) as ObjectStore;
  for (const operation of OPERATIONS) {
    const original = store[operation] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (!original) continue;
    (counted as unknown as Record<string, unknown>)[operation] = async (...args: unknown[]) => {
      try {
        return await original.apply(store, args);
      } catch (err) {
        // A missing object is an answer, not a storage failure.
        if (!(err instanceof ObjectNotFoundError)) onError();
        throw err;
      }
    };
  }
  return counted;
}
