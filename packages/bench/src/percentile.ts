/**
 * The nearest-rank percentile (the smallest value with at least `q` of the values at or below it):
 * a latency that some request really had, never an interpolation between two.
 *
 * @example
 * ```ts
 * percentile([4, 1, 3, 2], 0.5); // 2
 * ```
 */
export function percentile(values: readonly number[], q: number): number {
  if (!(q > 0 && q <= 1)) throw new RangeError(`percentile: q must be in (0, 1], not ${q}`);
  if (values.length === 0) throw new RangeError("percentile: no values");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(q * sorted.length) - 1] as number;
}
