import type { FeatureRow, RowRequest } from '../../domain/feature-row.js'
import type { FeatureSetSpec } from '../../domain/feature-set-spec.js'
import type { RowReader } from '../../domain/ports/row-reader.js'
import type { ReadOptions } from '../../domain/read-options.js'
import { estimateRowBytes } from '../rows/row-size.js'
import { requireAllRead } from '../rows/unread.js'

/** Rows a page has in hand, by set then entity (no key string built per row); undefined: read, and not there. */
export class KnownRows {
  readonly #bySet = new Map<string, Map<string, FeatureRow | undefined>>()

  set (featureSet: string, entityId: string, row: FeatureRow | undefined): void {
    let rows = this.#bySet.get(featureSet)
    if (rows === undefined) this.#bySet.set(featureSet, rows = new Map())
    rows.set(entityId, row)
  }

  has (featureSet: string, entityId: string): boolean {
    return this.#bySet.get(featureSet)?.has(entityId) ?? false
  }

  get (featureSet: string, entityId: string): FeatureRow | undefined {
    return this.#bySet.get(featureSet)?.get(entityId)
  }
}

/** DynamoDB's largest item: a set whose row size is not known yet is read by key as if its rows were this large. */
const MAX_ITEM_BYTES = 400 * 1024

/**
 * A page's reads by key (other sets' columns, the rows residual filters need), bounded in bytes: it
 * remembers the bytes per row each set took (estimateRowBytes, as the row cache counts them) to size
 * the next chunk, so a set of large rows is never read a thousand rows at once.
 */
export class PageKeyReads {
  readonly #reader: RowReader
  /** Bytes per row each set's reads took last. */
  readonly #rowBytes = new Map<string, number>()

  constructor (reader: RowReader) {
    this.#reader = reader
  }

  /**
   * Reads by key, into `known`, the rows of `sets` (their named features) of `entityIds` in order,
   * until they are all read or `maxBytes` is spent: in chunks of entities sized from the bytes per row
   * each set took so far (as if each row were the largest an item can be for a set not seen yet), so a
   * set of large rows is never read a thousand at once. The first chunk is always read, so a page
   * makes progress.
   * A page never answers in part: a row that could not be read fails it, to be resumed.
   */
  async readInto (
    known: KnownRows, entityIds: readonly string[], sets: ReadonlyArray<{ readonly spec: FeatureSetSpec, readonly features: readonly string[] }>,
    maxBytes: number, options: ReadOptions
  ): Promise<{ entities: number, bytes: number, calls: number }> {
    let entities = 0
    let bytes = 0
    let calls = 0
    while (entities < entityIds.length && (entities === 0 || bytes < maxBytes)) {
      let perEntity = 0
      for (const { spec } of sets) perEntity += this.#rowBytes.get(spec.name) ?? MAX_ITEM_BYTES
      const fits = Math.max(1, Math.floor((maxBytes - bytes) / Math.max(1, perEntity)))
      const chunk = entityIds.slice(entities, entities + fits)
      const requests: RowRequest[] = []
      for (const { spec, features } of sets) for (const entityId of chunk) requests.push({ entityId, featureSet: spec, features })
      const rows = requireAllRead(await this.#reader.readRows(requests, options))
      const setBytes = new Map<string, number>()
      requests.forEach((r, i) => {
        const row = rows[i]
        known.set(r.featureSet.name, r.entityId, row)
        const rowBytes = row === undefined ? 0 : estimateRowBytes(row)
        setBytes.set(r.featureSet.name, (setBytes.get(r.featureSet.name) ?? 0) + rowBytes)
        bytes += rowBytes
      })
      for (const [name, total] of setBytes) this.#rowBytes.set(name, total / chunk.length)
      calls += Math.ceil(requests.length / 100)
      entities += chunk.length
    }
    return { entities, bytes, calls }
  }
}
