import { isUnread, rowKey, type RowKey, type RowRequest, type RowResult } from '../../domain/feature-row.js'
import type { ReadOptions } from '../../domain/read-options.js'
import type { RowReader } from '../../domain/ports/row-reader.js'
import { DeadlineExceededError } from '../../errors.js'
import { throwIfAborted } from '../../lib/backoff.js'
import { raceDeadline } from '../../lib/race-deadline.js'
import { RowBatcher } from './row-batcher.js'
import { failIfNothingRead, unreadOr } from './unread.js'
import type { RowCache, RowCacheStats } from './row-cache.js'

/** How long a background refresh may wait for the store: a hung store must not hold it (and its batch) open. */
const REFRESH_DEADLINE_MS = 10_000

/**
 * Reads feature rows for online lookups over any row reader: cache first, then one shared read per
 * key (single flight). With the cache on, whole rows are read so one cached row answers any
 * projection; with it off, only the requested features are read.
 */
export class CachedRowReader implements RowReader {
  readonly #source: RowReader
  readonly #cache: RowCache | undefined
  readonly #inflight = new Map<string, Promise<RowResult>>()
  /** Bumped by every invalidation: a read that started before one never writes its row back. */
  #generation = 0

  /** `source` is the store's reader, or a batcher over it. */
  constructor (source: RowReader, cache: RowCache | undefined) {
    this.#source = source
    this.#cache = cache
  }

  /** One answer per request, in order; undefined where the store has no row. */
  async readRows (requests: readonly RowRequest[], options: ReadOptions): Promise<RowResult[]> {
    // A merged read runs to the latest caller's deadline; each caller stops waiting at its own.
    if (this.#cache === undefined) {
      throwIfAborted(options.signal, 'reading features')
      return await raceDeadline(this.#source.readRows(requests, options), options)
    }
    const rows = new Array<RowResult>(requests.length)
    const toJoin: number[] = []
    const inflights: Array<Promise<RowResult>> = []
    const toLoad: number[] = []
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]!
      const key = rowKey(request.featureSet.name, request.entityId)
      const cached = this.#cache.get(key)
      if (cached !== undefined) {
        rows[i] = cached ?? undefined
        if (cached !== null && !this.#inflight.has(key) && this.#cache.claimRefresh(key)) this.#refresh(request)
        continue
      }
      const inflight = this.#inflight.get(key)
      if (inflight !== undefined) {
        toJoin.push(i)
        inflights.push(inflight)
      } else toLoad.push(i)
    }
    // All cached: answered without touching the signal (a gRPC call makes its signal on first use)
    // or arming a deadline timer; a cancelled caller's answer is dropped by its transport anyway.
    if (toJoin.length === 0 && toLoad.length === 0) return rows
    throwIfAborted(options.signal, 'reading features')
    const waits: Array<Promise<void>> = []
    for (let j = 0; j < toJoin.length; j++) {
      const i = toJoin[j]!
      waits.push(this.#join(inflights[j]!, requests[i]!, options).then((row) => { rows[i] = row }))
    }
    if (toLoad.length > 0) {
      const loads = this.#loadShared(requests, toLoad, options)
      for (let j = 0; j < toLoad.length; j++) {
        const i = toLoad[j]!
        waits.push(loads[j]!.then((row) => { rows[i] = row }))
      }
    }
    if (waits.length > 0) await raceDeadline(Promise.all(waits), options)
    failIfNothingRead(rows)
    return rows
  }

  /**
   * Waits for another caller's read of the same row. That read runs on its first caller's deadline;
   * if it ran out, a caller with time left reads for itself rather than inherit someone else's timeout.
   */
  async #join (inflight: Promise<RowResult>, request: RowRequest, options: ReadOptions): Promise<RowResult> {
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
    this.#generation++
    this.#inflight.clear()
    this.#cache?.clear()
  }

  /** Forgets the rows of these sets, e.g. when the registry changed how they decode. */
  invalidateSets (featureSets: ReadonlySet<string>): void {
    if (featureSets.size === 0) return
    this.#generation++
    for (const key of [...this.#inflight.keys()]) {
      if (featureSets.has(key.slice(0, key.indexOf('\u0000')))) this.#inflight.delete(key)
    }
    this.#cache?.clearSets(featureSets)
  }

  /**
   * Forgets exactly these rows (a write, here or on another replica): the next read of each goes to
   * the store, and a read already in flight for one of them never writes its older row back.
   */
  invalidateRows (keys: Iterable<RowKey>): void {
    for (const { featureSet, entityId } of keys) {
      const key = rowKey(featureSet, entityId)
      this.#inflight.delete(key)
      this.#cache?.delete(key)
    }
  }

  /**
   * Reads a row that was just answered from the cache again, in the background (refresh-ahead): a
   * row in use is replaced before its TTL runs out, so no lookup of it waits for the store. The read
   * is a shared one like a miss's (a miss of the same key joins it; an invalidation meanwhile keeps
   * its row out), with a deadline of its own rather than a caller's; if the store cannot be read the
   * cached row stays until its TTL, and then stale-if-error applies as usual.
   */
  #refresh (request: RowRequest): void {
    // Nobody waits for it: a failure (typed ones come back as unread rows; anything else rejects) is
    // the next miss's to report, not an unhandled rejection here.
    for (const load of this.#loadShared([request], [0], { deadlineAt: Date.now() + REFRESH_DEADLINE_MS })) load.catch(() => {})
  }

  /**
   * Single flight: concurrent misses for one key share one read of the whole row, which then fills
   * the cache. The shared read carries the caller's deadline but not its signal, so one caller giving
   * up cannot fail the others; each caller still stops waiting at its own deadline (readRows).
   */
  #loadShared (requests: readonly RowRequest[], indexes: readonly number[], options: ReadOptions): Array<Promise<RowResult>> {
    const shared: ReadOptions = { deadlineAt: options.deadlineAt }
    const generation = this.#generation
    const whole = indexes.map((i): RowRequest => ({ entityId: requests[i]!.entityId, featureSet: requests[i]!.featureSet, features: undefined }))
    // Through the batcher each key settles on its own, so a failed batch fails only its own keys.
    const source = this.#source
    let reads: Array<Promise<RowResult>>
    if (source instanceof RowBatcher) reads = whole.map(async (request) => await source.load(request, shared).catch(unreadOr))
    else {
      const all = source.readRows(whole, shared)
      reads = whole.map(async (_, j) => await all.then((rows) => rows[j], unreadOr))
    }
    return indexes.map((i, j) => {
      const request = requests[i]!
      const key = rowKey(request.featureSet.name, request.entityId)
      const load: Promise<RowResult> = reads[j]!
        .then((row) => {
          // A row the store could not read: an expired copy within STALE_IF_ERROR_MS is better than none.
          if (isUnread(row)) {
            const stale = this.#cache?.stale(key)
            return stale === undefined ? row : { ...stale, staleIfError: true as const }
          }
          // Read from before an invalidation (of all, of its set, or of this row, which drops it from
          // #inflight): answer this caller, but never put the old row back.
          if (generation === this.#generation && this.#inflight.get(key) === load) this.#cache?.set(key, row)
          return row
        })
        .finally(() => { if (this.#inflight.get(key) === load) this.#inflight.delete(key) })
      this.#inflight.set(key, load)
      return load
    })
  }
}
