/**
 * Image silhouettes of objects on a coarse pixel grid, to measure how much one object would hide of
 * another. A primitive's projection is the convex hull of its projected hull points, so an object's
 * silhouette is the union of a few convex polygons.
 */

/** Grid cell side, pixels. */
const CELL = 2;

export class SilhouetteGrid {
  readonly columns: number;
  readonly rows: number;

  constructor(width: number, height: number) {
    this.columns = Math.ceil(width / CELL);
    this.rows = Math.ceil(height / CELL);
  }

  /** Cells covered by the union of convex polygons given as flat [u0, v0, u1, v1, ...] pixel lists. */
  rasterise(polygons: readonly number[][]): Silhouette {
    const hulls = polygons.map((points) => convexHull(points.map((value) => value / CELL))).filter((hull) => hull.length >= 6);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const hull of hulls) {
      for (let i = 0; i < hull.length; i += 2) {
        minX = Math.min(minX, hull[i]);
        maxX = Math.max(maxX, hull[i]);
        minY = Math.min(minY, hull[i + 1]);
        maxY = Math.max(maxY, hull[i + 1]);
      }
    }
    const col0 = Math.max(0, Math.floor(minX));
    const row0 = Math.max(0, Math.floor(minY));
    const col1 = Math.min(this.columns - 1, Math.floor(maxX));
    const row1 = Math.min(this.rows - 1, Math.floor(maxY));
    if (hulls.length === 0 || col1 < col0 || row1 < row0) return new Silhouette(0, 0, 0, 0, new Uint8Array(0), 0);
    const columns = col1 - col0 + 1;
    const rows = row1 - row0 + 1;
    const covered = new Uint8Array(columns * rows);
    let count = 0;
    for (const hull of hulls) {
      const n = hull.length / 2;
      let top = Infinity;
      let bottom = -Infinity;
      for (let i = 0; i < n; i++) {
        top = Math.min(top, hull[2 * i + 1]);
        bottom = Math.max(bottom, hull[2 * i + 1]);
      }
      for (let row = Math.max(row0, Math.floor(top)); row <= Math.min(row1, Math.floor(bottom)); row++) {
        // The polygon's span over the row's whole height (conservative).
        const y0 = Math.max(row, top);
        const y1 = Math.min(row + 1, bottom);
        let spanMin = Infinity;
        let spanMax = -Infinity;
        for (let i = 0; i < n; i++) {
          const ax = hull[2 * i];
          const ay = hull[2 * i + 1];
          const bx = hull[(2 * i + 2) % hull.length];
          const by = hull[(2 * i + 3) % hull.length];
          const lo = Math.max(Math.min(ay, by), y0);
          const hi = Math.min(Math.max(ay, by), y1);
          if (lo > hi) continue;
          if (ay === by) {
            spanMin = Math.min(spanMin, ax, bx);
            spanMax = Math.max(spanMax, ax, bx);
            continue;
          }
          for (const y of [lo, hi]) {
            const x = ax + ((y - ay) * (bx - ax)) / (by - ay);
            spanMin = Math.min(spanMin, x);
            spanMax = Math.max(spanMax, x);
          }
        }
        if (spanMin > spanMax) continue;
        const start = Math.max(col0, Math.floor(spanMin));
        const end = Math.min(col1, Math.floor(spanMax));
        for (let col = start; col <= end; col++) {
          const index = (row - row0) * columns + (col - col0);
          if (!covered[index]) {
            covered[index] = 1;
            count++;
          }
        }
      }
    }
    return new Silhouette(col0, row0, columns, rows, covered, count);
  }
}

/** Covered cells within a bounding window of the grid. */
export class Silhouette {
  constructor(
    readonly col0: number,
    readonly row0: number,
    readonly columns: number,
    readonly rows: number,
    readonly covered: Uint8Array,
    readonly count: number,
  ) {}

  private at(col: number, row: number): number {
    const c = col - this.col0;
    const r = row - this.row0;
    return c >= 0 && r >= 0 && c < this.columns && r < this.rows ? this.covered[r * this.columns + c] : 0;
  }

  /** Cells covered by both silhouettes. */
  overlap(other: Silhouette): number {
    const colStart = Math.max(this.col0, other.col0);
    const colEnd = Math.min(this.col0 + this.columns, other.col0 + other.columns);
    const rowStart = Math.max(this.row0, other.row0);
    const rowEnd = Math.min(this.row0 + this.rows, other.row0 + other.rows);
    let shared = 0;
    for (let row = rowStart; row < rowEnd; row++) {
      for (let col = colStart; col < colEnd; col++) shared += this.at(col, row) & other.at(col, row);
    }
    return shared;
  }

  /** Shared cells as a share of the smaller silhouette. */
  overlapShare(other: Silhouette): number {
    const smaller = Math.min(this.count, other.count);
    return smaller === 0 ? 0 : this.overlap(other) / smaller;
  }

  /** This silhouette merged with another (a new one). */
  union(other: Silhouette): Silhouette {
    if (this.count === 0) return other;
    if (other.count === 0) return this;
    const col0 = Math.min(this.col0, other.col0);
    const row0 = Math.min(this.row0, other.row0);
    const columns = Math.max(this.col0 + this.columns, other.col0 + other.columns) - col0;
    const rows = Math.max(this.row0 + this.rows, other.row0 + other.rows) - row0;
    const covered = new Uint8Array(columns * rows);
    let count = 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const value = this.at(col0 + c, row0 + r) | other.at(col0 + c, row0 + r);
        covered[r * columns + c] = value;
        count += value;
      }
    }
    return new Silhouette(col0, row0, columns, rows, covered, count);
  }
}

/** Convex hull of flat [x0, y0, x1, y1, ...] points (Andrew's monotone chain), flat, counter-clockwise. */
function convexHull(flat: number[]): number[] {
  const points: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) points.push([flat[i], flat[i + 1]]);
  points.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (points.length < 3) return points.flat();
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of points) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return [...lower, ...upper].flat();
}
