import type { RowKey } from '../../domain/feature-row.js'
import type { ChangeEntry, ChangeFeed } from '../../domain/ports/change-feed.js'
import type { GatewayObserver } from '../gateway-observer.js'

/** What the follower forgets rows in: the app's CachedRowReader. */
export interface EvictableRows {
  invalidateRows (keys: Iterable<RowKey>): void
  invalidate (): void
}

export interface ChangeFollowerOptions {
  readonly feed: ChangeFeed
  readonly rows: EvictableRows
  /** Called when a registry entry is seen (the registry's own reload invalidates the sets that changed). */
  readonly reloadRegistry: () => Promise<void>
  readonly pollMs: number
  readonly lookbackMs: number
  readonly maxCatchUpMs: number
  readonly observer: Pick<GatewayObserver, 'changeFeedPolled' | 'changeApplied' | 'changeFeedCacheCleared'>
  readonly clock?: () => number
  /** The feed could not be read (first failure of an outage only), for the log. */
  readonly onFeedDown?: (error: unknown) => void
  /** The feed is read again after an outage; `cleared`: it was too long to catch up, so the whole cache was cleared. */
  readonly onFeedBack?: (downMs: number, cleared: boolean) => void
  readonly onRegistryReloadFailed?: (error: unknown) => void
}

/**
 * Keeps this replica's row cache in step with writes made anywhere: every interval, one read of the
 * change log from just before the previous read (CHANGE_FEED_LOOKBACK_MS covers writers' clock skew
 * and appends landing late), then exactly the rows named are forgotten. Entries seen before are
 * skipped. Each row is forgotten a second time one poll later: row reads (BatchGetItem) are eventually
 * consistent, so a read racing the write could otherwise put the old row back until CACHE_TTL_MS.
 *
 * If the log cannot be read, the cache keeps serving (within CACHE_TTL_MS, as without a feed), the
 * failure is counted, and the next successful read catches up from where the last one left off; after
 * an outage longer than maxCatchUpMs the whole cache is cleared instead of replaying the backlog.
 */
export class ChangeFollower {
  readonly #options: ChangeFollowerOptions
  readonly #clock: () => number
  /** Clock at the start of the last successful read; the next one reads from lookbackMs before it. */
  #lastRead: number | undefined
  /**
   * Entries written before this follower existed are skipped by its first read: they describe writes
   * this replica's cache (empty until then, or filled by reads made after them) already reflects, and
   * applying them would forget rows just read, such as those of a demo load at start.
   */
  readonly #createdAt: number
  readonly #seen = new Map<string, number>()
  /** Rows forgotten by the previous poll, forgotten once more by the next. */
  #again: RowKey[] = []
  #failingSince: number | undefined
  #registryDue = false
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = false
  readonly #abort = new AbortController()

  constructor (options: ChangeFollowerOptions) {
    this.#options = options
    this.#clock = options.clock ?? Date.now
    this.#createdAt = this.#clock()
  }

  /** Starts polling; the first read is one interval from now. */
  start (): void {
    this.#schedule()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#abort.abort()
    await this.#running
  }

  #schedule (): void {
    if (this.#stopped) return
    // One read at a time: a slow read delays the next instead of piling up behind it.
    this.#timer = setTimeout(() => {
      this.#running = this.poll().finally(() => { this.#running = undefined; this.#schedule() })
    }, this.#options.pollMs)
    this.#timer.unref()
  }

  /** One read of the feed and what it asks for; never throws (failures are counted and reported). */
  async poll (): Promise<void> {
    const { feed, lookbackMs, maxCatchUpMs, observer } = this.#options
    const started = this.#clock()
    const gapTooLong = this.#lastRead !== undefined && started - this.#lastRead > maxCatchUpMs
    const since = (this.#lastRead === undefined || gapTooLong ? started : this.#lastRead) - lookbackMs
    let entries: ChangeEntry[]
    try {
      entries = await feed.readSince(since, this.#abort.signal)
    } catch (error) {
      observer.changeFeedPolled('error', (this.#clock() - started) / 1_000)
      if (this.#stopped) return
      if (this.#failingSince === undefined) {
        this.#failingSince = started
        this.#options.onFeedDown?.(error)
      }
      return
    }
    observer.changeFeedPolled('ok', (this.#clock() - started) / 1_000)
    if (this.#failingSince !== undefined) {
      this.#options.onFeedBack?.(started - this.#failingSince, gapTooLong)
      this.#failingSince = undefined
    }
    const first = this.#lastRead === undefined
    this.#lastRead = started
    for (const [id, writtenAt] of this.#seen) if (writtenAt < since) this.#seen.delete(id)
    const fresh: ChangeEntry[] = []
    for (const entry of entries) {
      if (this.#seen.has(entry.id)) continue
      this.#seen.set(entry.id, entry.writtenAt)
      if (!(first && entry.writtenAt < this.#createdAt)) fresh.push(entry)
    }
    if (gapTooLong) {
      // Changes during the outage may be past what a catch-up read should replay: start clean.
      this.#options.rows.invalidate()
      this.#again = []
      observer.changeFeedCacheCleared()
      this.#registryDue = true
    } else {
      this.#apply(fresh)
    }
    if (this.#registryDue) {
      this.#registryDue = false
      try {
        await this.#options.reloadRegistry()
      } catch (error) {
        // Retried on the next poll; the registry's own periodic reload is the backstop.
        this.#registryDue = true
        this.#options.onRegistryReloadFailed?.(error)
      }
    }
  }

  #apply (fresh: readonly ChangeEntry[]): void {
    const keys: RowKey[] = []
    for (const entry of fresh) {
      if (entry.kind === 'registry') this.#registryDue = true
      else for (const entityId of entry.entityIds) keys.push({ featureSet: entry.featureSet, entityId })
    }
    if (keys.length > 0 || this.#again.length > 0) this.#options.rows.invalidateRows([...this.#again, ...keys])
    this.#again = keys
    const now = this.#clock()
    for (const entry of fresh) this.#options.observer.changeApplied(entry.kind, entry.entityIds.length, Math.max(0, now - entry.writtenAt) / 1_000)
  }
}
