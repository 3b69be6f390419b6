/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so sampling is deterministic for a seed,
 * fast, and independent of Math.random.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  /** Moves a uniform sample of `count` items to the front of `items` (partial Fisher–Yates) and returns it. */
  sample<T>(items: T[], count: number): T[];
}

/** FNV-1a over the UTF-16 code units of a string: turns (seed, image id) into a 32-bit PRNG seed. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function createRandom(seed: number | string): Random {
  let state = typeof seed === 'string' ? hashSeed(seed) : seed >>> 0;
  const splitmix = () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: (items) => items[int(items.length)],
    sample(items, count) {
      const take = Math.min(count, items.length);
      for (let i = 0; i < take; i++) {
        const j = i + int(items.length - i);
        const swap = items[i];
        items[i] = items[j];
        items[j] = swap;
      }
      return items.slice(0, take);
    },
  };
}
