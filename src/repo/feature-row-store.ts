import type { ReadOptions } from '../domain/read-options.js'
import { DeadlineExceededError } from '../errors.js'
import { throwIfAborted } from './backoff.js'
import { batchGetItems, type BatchGetContext, type StoredItem } from './batch-get.js'
import { rowCacheKey, type FeatureRow, type RowRequest } from './feature-row.js'
import type { ItemBatcher } from './item-batcher.js'
import { raceDeadline } from './race-deadline.js'
import type { RowCache, RowCacheStats } from './row-cache.js'
import { decodeRow } from './row-decoder.js'

/**
 * Reads feature rows: cache first, then one shared store read per key (single flight), merged with
 * other requests' reads by the batcher when batching is on. With the cache on, whole rows are read
 * so one cached row answers any projection; with it off, only the requested features are read.
 */
export class FeatureRowStore {
  readonly #context: BatchGetContext
  readonly #batcher: ItemBatcher | undefined
  readonly #cache: RowCache | undefined
  readonly #inflight = new Map<string, Promise<FeatureRow | undefined>>()

  constructor (context: BatchGetContext, batcher: ItemBatcher | undefined, cache: RowCache | undefined) {
    this.#context = context
    this.#batcher = batcher
    this.#cache = cache
  }

  /** One answer per request, in order; undefined where the store has no row. */
  async readRows (requests: readonly RowRequest[], options: ReadOptions): Promise<Array<FeatureRow | undefined>> {
    throwIfAborted(options.signal, 'reading features')
    const rows = new Array<FeatureRow | undefined>(requests.length)
    const waits: Array<Promise<void>> = []
    const toLoad: number[] = []
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]!
      if (this.#cache === undefined) {
        toLoad.push(i)
        continue
      }
      const key = rowCacheKey(request.featureSet.name, request.entityId)
      const cached = this.#cache.get(key)
      if (cached !== undefined) {
        rows[i] = cached ?? undefined
        continue
      }
      const inflight = this.#inflight.get(key)
      if (inflight !== undefined) waits.push(this.#join(inflight, request, options).then((row) => { rows[i] = row }))
      else toLoad.push(i)
    }
    if (toLoad.length > 0) {
      const loads = this.#cache === undefined ? this.#loadProjected(requests, toLoad, options) : this.#loadShared(requests, toLoad, options)
      for (let j = 0; j < toLoad.length; j++) {
        const i = toLoad[j]!
        waits.push(loads[j]!.then((row) => { rows[i] = row }))
      }
    }
    if (waits.length > 0) await raceDeadline(Promise.all(waits), options)
    return rows
  }

  /**
   * Waits for another caller's read of the same row. That read runs on its first caller's deadline;
   * if it ran out, a caller with time left reads for itself rather than inherit someone else's timeout.
   */
  async #join (inflight: Promise<FeatureRow | undefined>, request: RowRequest, options: ReadOptions): Promise<FeatureRow | undefined> {
    try {
      return await inflight
    } catch (error) {
      const timeLeft = options.deadlineAt === undefined || Date.now() < options.deadlineAt
      if (!(error instanceof DeadlineExceededError) || !timeLeft || options.signal?.aborted === true) throw error
      const [row] = await this.readRows([request], options)
      return row
    }
  }

  cacheStats (): RowCacheStats | undefined {
    return this.#cache?.stats()
  }

  /** Forgets cached rows, e.g. after an ingest, so the next reads see the new values. */
  invalidate (): void {
    this.#cache?.clear()
  }

  /**
   * Single flight: concurrent misses for one key share one read of the whole row, which then fills
   * the cache. The shared read carries the caller's deadline but not its signal, so one caller giving
   * up cannot fail the others; each caller still stops waiting at its own deadline (readRows).
   */
  #loadShared (requests: readonly RowRequest[], indexes: readonly number[], options: ReadOptions): Array<Promise<FeatureRow | undefined>> {
    const shared: ReadOptions = { deadlineAt: options.deadlineAt }
    const items = this.#readItems(requests, indexes, undefined, shared)
    return indexes.map((i, j) => {
      const request = requests[i]!
      const key = rowCacheKey(request.featureSet.name, request.entityId)
      const load = items[j]!
        .then((item) => {
          const row = item === undefined ? undefined : decodeRow(request.featureSet, item)
          this.#cache?.set(key, row)
          return row
        })
        .finally(() => this.#inflight.delete(key))
      this.#inflight.set(key, load)
      return load
    })
  }

  /** No cache: read only the requested features, with this caller's own signal. */
  #loadProjected (requests: readonly RowRequest[], indexes: readonly number[], options: ReadOptions): Array<Promise<FeatureRow | undefined>> {
    const items = this.#readItems(requests, indexes, (request) => request.features, options)
    return indexes.map((i, j) => items[j]!.then((item) => item === undefined ? undefined : decodeRow(requests[i]!.featureSet, item)))
  }

  /**
   * Through the batcher, each key joins whatever batch is forming; without it, this request's keys
   * go out together in as few calls as DynamoDB allows.
   */
  #readItems (
    requests: readonly RowRequest[], indexes: readonly number[],
    projection: ((request: RowRequest) => readonly string[] | undefined) | undefined, options: ReadOptions
  ): Array<Promise<StoredItem | undefined>> {
    const keys = indexes.map((i) => ({ entityId: requests[i]!.entityId, featureSet: requests[i]!.featureSet.name }))
    if (this.#batcher !== undefined) {
      const batcher = this.#batcher
      return indexes.map((i, j) => batcher.load(keys[j]!, projection?.(requests[i]!), options))
    }
    let attributes: Set<string> | undefined
    if (projection !== undefined) {
      attributes = new Set()
      for (const i of indexes) {
        const features = projection(requests[i]!)
        if (features === undefined) { attributes = undefined; break }
        for (const name of features) attributes.add(name)
      }
    }
    const all = batchGetItems(this.#context, keys, attributes === undefined ? undefined : [...attributes], options)
    return keys.map((key) => all.then((items) => items.get(rowCacheKey(key.featureSet, key.entityId))))
  }
}
