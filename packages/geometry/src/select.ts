/**
 * Hoare's quickselect: reorders the first `length` values of `values` in place so that
 * `values[rank]` holds the value of that rank (0 = smallest), and returns it. O(n) on average, no
 * allocation; `Infinity` sorts last.
 */
export function selectRank(values: Float32Array, length: number, rank: number): number {
  let lo = 0, hi = length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i]; values[i] = values[j]; values[j] = t;
        i++; j--;
      }
    }
    if (rank <= j) hi = j;
    else if (rank >= i) lo = i;
    else break;
  }
  return values[rank];
}
