/** Equal-width buckets over a sample, as numpy.histogram answers: `edges` has one more entry than `counts`. */
export interface Histogram {
  /** Values counted (finite ones only). */
  readonly count: number
  readonly edges: readonly number[]
  readonly counts: readonly number[]
}

/** Buckets when none are asked for (and what a null argument means). */
export const DEFAULT_HISTOGRAM_BUCKETS = 20

/** Most buckets one histogram may ask for: enough for any plot, small enough to price as a few points. */
export const MAX_HISTOGRAM_BUCKETS = 200

/**
 * `buckets` equal-width buckets from the smallest to the largest finite value, each closed below and
 * open above except the last (closed both ends, so the maximum is counted). All values equal: one
 * bucket of width 0. No values: no buckets. `alsoCover` widens the range to take in those points too
 * (row ages plotted up to the set's maximum age, say).
 */
export function histogramOf (values: readonly number[], buckets: number, alsoCover: readonly number[] = []): Histogram {
  let min = Infinity
  let max = -Infinity
  let count = 0
  for (const x of values) {
    if (!Number.isFinite(x)) continue
    count++
    if (x < min) min = x
    if (x > max) max = x
  }
  if (count === 0) return { count: 0, edges: [], counts: [] }
  for (const x of alsoCover) {
    if (Number.isFinite(x)) {
      min = Math.min(min, x)
      max = Math.max(max, x)
    }
  }
  if (min === max) return { count, edges: [min, max], counts: [count] }
  const width = (max - min) / buckets
  const counts = new Array<number>(buckets).fill(0)
  for (const x of values) {
    if (!Number.isFinite(x)) continue
    counts[Math.min(buckets - 1, Math.floor((x - min) / width))]!++
  }
  // Edges from the ends, not by repeated addition: the last edge is exactly the maximum.
  const edges = Array.from({ length: buckets + 1 }, (_, i) => i === buckets ? max : min + i * width)
  return { count, edges, counts }
}
