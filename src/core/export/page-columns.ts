import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { isUnread, type RowResult } from '../../domain/feature-row.js'
import { FEATURE_STATUSES, type FeatureStatus } from '../../domain/feature-status.js'
import type { FeatureValue } from '../../domain/feature-value.js'
import { featureResult, featureStatus, type EntityFeatures } from '../feature-lookup.js'
import type { ResolvedFeature } from '../feature-registry.js'

const STATUS_CODE = new Map(FEATURE_STATUSES.map((status, code) => [status, code]))
/** Rows whose statuses are worked out in one go: a wide 1,000-row page on the event loop would hold it for milliseconds. */
const ROWS_PER_TURN = 250

/**
 * A page's values by row and column, read where they lie: in the rows the page read, one per
 * (set, entity), with each cell's status worked out once (featureStatus, the lookup's own rule)
 * and kept as a byte. A pull's encoders write cells straight from here; a lookup's shape (an
 * object per cell, an array per row: `entities`) is made only for GraphQL, which hands out objects.
 * It used to be made for every pulled row too, and was the largest share of a pull's garbage.
 */
export class PageColumns {
  readonly features: readonly ResolvedFeature[]
  readonly length: number
  readonly #entityIds: readonly string[]
  /** The row each column's value comes from: rows[setOf[column]][row]. */
  readonly #rows: ReadonlyArray<readonly RowResult[]>
  readonly #setOf: readonly number[]
  /** FEATURE_STATUSES index of each cell, row by row. */
  readonly #statuses: Uint8Array
  readonly #cursor: (row: number) => string
  readonly #now: number
  readonly #start: number

  /**
   * The columns of `entityIds` (a page's rows, in order), each set's row of the i-th given by `rowOf`, with
   * statuses as of `now`; `cursorOf(i)` resumes after row i. The loop is free between every
   * ROWS_PER_TURN rows.
   */
  static async of (
    features: readonly ResolvedFeature[], entityIds: readonly string[], rowOf: (featureSet: string, row: number) => RowResult,
    now: number, cursorOf: (row: number) => string
  ): Promise<PageColumns> {
    const sets: string[] = []
    const setOf = features.map((f) => {
      const at = sets.indexOf(f.featureSet.name)
      return at >= 0 ? at : sets.push(f.featureSet.name) - 1
    })
    const rows = sets.map((name) => entityIds.map((_, row) => rowOf(name, row)))
    const statuses = new Uint8Array(entityIds.length * features.length)
    for (let row = 0, cell = 0; row < entityIds.length; row++) {
      if (row > 0 && row % ROWS_PER_TURN === 0) await yieldToLoop()
      for (let column = 0; column < features.length; column++, cell++) {
        statuses[cell] = STATUS_CODE.get(featureStatus(rows[setOf[column]!]![row], features[column]!, now))!
      }
    }
    return new PageColumns(features, entityIds, rows, setOf, statuses, cursorOf, now, 0, entityIds.length)
  }

  private constructor (
    features: readonly ResolvedFeature[], entityIds: readonly string[], rows: ReadonlyArray<readonly RowResult[]>, setOf: readonly number[],
    statuses: Uint8Array, cursor: (row: number) => string, now: number, start: number, end: number
  ) {
    this.features = features
    this.#entityIds = entityIds
    this.#rows = rows
    this.#setOf = setOf
    this.#statuses = statuses
    this.#cursor = cursor
    this.#now = now
    this.#start = start
    this.length = end - start
  }

  entityId (row: number): string {
    return this.#entityIds[this.#start + row]!
  }

  /** Every row's entity id, in order. */
  entityIds (): string[] {
    return this.#entityIds.slice(this.#start, this.#start + this.length)
  }

  status (row: number, column: number): FeatureStatus {
    return FEATURE_STATUSES[this.statusCode(row, column)]!
  }

  /** The status as its index in FEATURE_STATUSES. */
  statusCode (row: number, column: number): number {
    return this.#statuses[(this.#start + row) * this.features.length + column]!
  }

  /** The value for PRESENT and STALE; null for every other status. */
  value (row: number, column: number): FeatureValue | null {
    const status = this.status(row, column)
    if (status !== 'PRESENT' && status !== 'STALE') return null
    const stored = this.#rows[this.#setOf[column]!]![this.#start + row]
    return stored === undefined || isUnread(stored) ? null : stored.values.get(this.features[column]!.feature.name) ?? null
  }

  /** The event time of the row the column's value comes from; undefined where there is no such row. */
  eventTime (row: number, column: number): number | undefined {
    const stored = this.#rows[this.#setOf[column]!]![this.#start + row]
    return stored === undefined || isUnread(stored) ? undefined : stored.eventTime
  }

  /** Resumes the pull just after `row`. */
  cursor (row: number): string {
    return this.#cursor(this.#start + row)
  }

  /** Rows [start, end) as columns of their own (no copy). */
  slice (start: number, end: number): PageColumns {
    const from = this.#start + Math.max(0, Math.min(start, this.length))
    const to = this.#start + Math.max(0, Math.min(end, this.length))
    return new PageColumns(this.features, this.#entityIds, this.#rows, this.#setOf, this.#statuses, this.#cursor, this.#now, from, Math.max(from, to))
  }

  /** How many cells have each status. */
  statusCounts (): Record<FeatureStatus, number> {
    const counts = Object.fromEntries(FEATURE_STATUSES.map((status) => [status, 0])) as Record<FeatureStatus, number>
    const width = this.features.length
    for (let cell = this.#start * width; cell < (this.#start + this.length) * width; cell++) counts[FEATURE_STATUSES[this.#statuses[cell]!]!]++
    return counts
  }

  /** The rows as a lookup answers them: an object per cell (featureResult), for callers that hand out objects. */
  entities (): EntityFeatures[] {
    const entities = new Array<EntityFeatures>(this.length)
    for (let row = 0; row < this.length; row++) {
      const results = this.features.map((f, column) => featureResult(this.#rows[this.#setOf[column]!]![this.#start + row], f, this.#now))
      entities[row] = { entityId: this.entityId(row), results }
    }
    return entities
  }
}
