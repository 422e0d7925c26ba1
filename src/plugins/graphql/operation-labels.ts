const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/

/**
 * The metrics label of a GraphQL operation. Operation names come from callers, and every distinct
 * label is a time series kept forever, so: names configured in GRAPHQL_OPERATION_LABELS always get
 * their own label; other safe names get one as first seen, up to a fixed number per process; the
 * rest share "other". Nameless operations are "anonymous".
 */
export class OperationLabels {
  readonly #known: ReadonlySet<string>
  readonly #learned = new Set<string>()
  readonly #maxLearned: number

  constructor (known: readonly string[], maxLearned: number) {
    this.#known = new Set(known)
    this.#maxLearned = maxLearned
  }

  of (name: string | undefined | null): string {
    if (name === undefined || name === null || name === '') return 'anonymous'
    if (this.#known.has(name) || this.#learned.has(name)) return name
    if (!SAFE_NAME.test(name) || this.#learned.size >= this.#maxLearned) return 'other'
    this.#learned.add(name)
    return name
  }
}
