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
  return new Sfc32(typeof seed === 'string' ? hashSeed(seed) : seed >>> 0);
}

class Sfc32 implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seed;
    const splitmix = () => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  sample<T>(items: T[], count: number): T[] {
    const take = Math.min(count, items.length);
    for (let i = 0; i < take; i++) {
      const j = i + this.int(items.length - i);
      const swap = items[i];
      items[i] = items[j];
      items[j] = swap;
    }
    return items.slice(0, take);
  }
}
