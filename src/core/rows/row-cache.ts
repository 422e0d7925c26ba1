import { LRUCache } from 'lru-cache'
import type { FeatureRow } from '../../domain/feature-row.js'
import { estimateRowBytes } from './row-size.js'

export interface RowCacheOptions {
  readonly maxBytes: number
  readonly ttlMs: number
  /** How long "this entity has no row in this set" is remembered; 0 disables negative caching. */
  readonly negativeTtlMs: number
  /** How long past its TTL a row may still be served when the store cannot be read; 0 never. */
  readonly staleIfErrorMs: number
  /**
   * A row hit with less than this left of its TTL is due to be read again in the background, so a
   * row in use never expires under a caller (at most half the TTL; 0 never).
   */
  readonly refreshAheadMs?: number
  /** Milliseconds clock for TTLs; tests pin it. Defaults to performance.now(). */
  readonly clock?: () => number
}

export interface RowCacheStats {
  readonly hits: number
  readonly misses: number
  readonly evictions: number
  readonly bytes: number
  readonly entries: number
  /** Rows served past their TTL because the store could not be read (stale-if-error). */
  readonly staleServed: number
  /** Rows read again in the background because a lookup hit them near the end of their TTL. */
  readonly refreshes: number
}

/** Marks a key the store has no row for; cached so that lookups of unknown ids do not hammer DynamoDB. */
const MISSING = Symbol('missing')
type Entry = FeatureRow | typeof MISSING

const MISSING_BYTES = 64

/** Decoded rows bounded by bytes (embeddings dominate), with a TTL and negative entries. */
export class RowCache {
  readonly #lru: LRUCache<string, Entry>
  readonly #negativeTtlMs: number
  #hits = 0
  #misses = 0
  #evictions = 0
  #staleServed = 0
  #refreshes = 0
  readonly #staleIfErrorMs: number
  readonly #refreshAheadMs: number

  constructor (options: RowCacheOptions) {
    this.#negativeTtlMs = options.negativeTtlMs
    this.#staleIfErrorMs = options.staleIfErrorMs
    this.#refreshAheadMs = Math.min(options.refreshAheadMs ?? 0, options.ttlMs / 2)
    this.#lru = new LRUCache<string, Entry>({
      maxSize: options.maxBytes,
      ttl: options.ttlMs,
      // The clock is read on every check. lru-cache's default caches it for 1 ms and arms a timer
      // to forget it, which at one lookup per millisecond is a timer (and a wake-up) per lookup; a
      // pinned clock must be read every time anyway.
      ttlResolution: 0,
      ...(options.clock !== undefined && { perf: { now: options.clock } }),
      // Expired rows stay (within the byte bound) so stale-if-error can still find them.
      noDeleteOnStaleGet: options.staleIfErrorMs > 0,
      sizeCalculation: (entry, key) => key.length * 2 + (entry === MISSING ? MISSING_BYTES : estimateRowBytes(entry)),
      dispose: (_value, _key, reason) => { if (reason === 'evict') this.#evictions++ }
    })
  }

  /** undefined: not cached. null: cached as missing. */
  get (key: string): FeatureRow | null | undefined {
    const entry = this.#lru.get(key)
    if (entry === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    return entry === MISSING ? null : entry
  }

  /**
   * Whether a row just hit (not a remembered miss: those are left to expire) is near the end of its
   * TTL; counted as a refresh when it is, since the caller then reads it again.
   */
  claimRefresh (key: string): boolean {
    if (this.#refreshAheadMs <= 0 || this.#lru.getRemainingTTL(key) >= this.#refreshAheadMs) return false
    this.#refreshes++
    return true
  }

  set (key: string, row: FeatureRow | undefined): void {
    if (row !== undefined) this.#lru.set(key, row)
    else if (this.#negativeTtlMs > 0) this.#lru.set(key, MISSING, { ttl: this.#negativeTtlMs })
  }

  /**
   * A row whose TTL passed no more than STALE_IF_ERROR_MS ago (stale-if-error, RFC 5861): for when the store
   * cannot be read. Remembered misses are not served this way.
   */
  stale (key: string): FeatureRow | undefined {
    if (this.#staleIfErrorMs <= 0) return undefined
    const remaining = this.#lru.getRemainingTTL(key)
    if (remaining > 0 || remaining < -this.#staleIfErrorMs) return undefined
    const entry = this.#lru.get(key, { allowStale: true })
    if (entry === undefined || entry === MISSING) return undefined
    this.#staleServed++
    return entry
  }

  delete (key: string): void {
    this.#lru.delete(key)
  }

  clear (): void {
    this.#lru.clear()
  }

  /** Forgets every row of these feature sets (keys are rowKey(set, entity)). */
  clearSets (featureSets: ReadonlySet<string>): void {
    for (const key of [...this.#lru.keys()]) {
      if (featureSets.has(key.slice(0, key.indexOf('\u0000')))) this.#lru.delete(key)
    }
  }

  stats (): RowCacheStats {
    return { hits: this.#hits, misses: this.#misses, evictions: this.#evictions, bytes: this.#lru.calculatedSize, entries: this.#lru.size, staleServed: this.#staleServed, refreshes: this.#refreshes }
  }
}
