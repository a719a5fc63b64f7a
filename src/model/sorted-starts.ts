/** Sorted starts of consecutive pieces (address ranges, runs of entries): which piece a value falls in. */

/** The last piece starting at or before `v` (0 when `v` is before every start); `starts` ascending, not empty. */
export function pieceAt<T extends number | bigint>(starts: ArrayLike<T>, v: T): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
