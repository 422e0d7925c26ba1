/**
 * Keeps one label's values few and safe. Every distinct label value is a new time series kept
 * forever by Prometheus, so a bug that passes a request-derived string (an id, a query text) must
 * not be able to grow the series without bound: values outside the pattern, or past the first
 * `maxDistinct` seen, are reported as `fallback`.
 */
export class BoundedLabel {
  readonly #pattern: RegExp
  readonly #maxDistinct: number
  readonly #fallback: string
  readonly #seen = new Set<string>()

  constructor (pattern: RegExp, maxDistinct: number, fallback = 'other') {
    this.#pattern = pattern
    this.#maxDistinct = maxDistinct
    this.#fallback = fallback
  }

  of (value: string): string {
    if (this.#seen.has(value)) return value
    if (value.length > 128 || !this.#pattern.test(value) || this.#seen.size >= this.#maxDistinct) return this.#fallback
    this.#seen.add(value)
    return value
  }
}
