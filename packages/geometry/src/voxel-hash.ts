/**
 * An open-addressing hash table from integer voxel coordinates (ix, iy, iz) to a non-negative int,
 * stored in typed arrays: no string keys, no per-voxel objects. It doubles when half full, so it can
 * start small when the number of distinct voxels is unknown.
 */
export class VoxelHash {
  private mask: number;
  private keys: Int32Array;
  private values: Int32Array;
  size = 0;

  /** `expected`: distinct voxels expected (a guess is fine: the table grows). */
  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity <<= 1;
    this.mask = capacity - 1;
    this.keys = new Int32Array(capacity * 3);
    this.values = new Int32Array(capacity).fill(-1);
  }

  private slot(ix: number, iy: number, iz: number): number {
    // Teschner et al.'s spatial hash primes.
    let s = (Math.imul(ix, 73856093) ^ Math.imul(iy, 19349663) ^ Math.imul(iz, 83492791)) & this.mask;
    const { keys, values, mask } = this;
    while (values[s] !== -1 && (keys[3 * s] !== ix || keys[3 * s + 1] !== iy || keys[3 * s + 2] !== iz)) s = (s + 1) & mask;
    return s;
  }

  /** The value stored for the voxel, or -1. */
  get(ix: number, iy: number, iz: number): number {
    return this.values[this.slot(ix, iy, iz)];
  }

  /** Returns the voxel's value, first storing `value` when the voxel is new. */
  getOrInsert(ix: number, iy: number, iz: number, value: number): number {
    let s = this.slot(ix, iy, iz);
    const existing = this.values[s];
    if (existing !== -1) return existing;
    if (2 * (this.size + 1) > this.values.length) {
      this.grow();
      s = this.slot(ix, iy, iz);
    }
    this.keys[3 * s] = ix;
    this.keys[3 * s + 1] = iy;
    this.keys[3 * s + 2] = iz;
    this.values[s] = value;
    this.size++;
    return value;
  }

  private grow(): void {
    const { keys, values } = this;
    const capacity = values.length * 2;
    this.mask = capacity - 1;
    this.keys = new Int32Array(capacity * 3);
    this.values = new Int32Array(capacity).fill(-1);
    for (let s = 0; s < values.length; s++) {
      if (values[s] === -1) continue;
      const t = this.slot(keys[3 * s], keys[3 * s + 1], keys[3 * s + 2]);
      this.keys[3 * t] = keys[3 * s];
      this.keys[3 * t + 1] = keys[3 * s + 1];
      this.keys[3 * t + 2] = keys[3 * s + 2];
      this.values[t] = values[s];
    }
  }
}
