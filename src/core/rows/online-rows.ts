import type { BatchConfig, CacheConfig } from '../../config.js'
import type { RowReader } from '../../domain/ports/row-reader.js'
import { CachedRowReader } from './cached-row-reader.js'
import { RowBatcher } from './row-batcher.js'
import { RowCache } from './row-cache.js'

export interface OnlineRowsOptions {
  readonly cache: CacheConfig
  readonly batch: BatchConfig
  /** Clock for cache TTLs; tests pin it. */
  readonly clock?: () => number
}

/** The online read path over any store's row reader: cache and single flight over the batcher, each as configured. */
export function onlineRows (store: RowReader, options: OnlineRowsOptions): CachedRowReader {
  const source = options.batch.enabled ? new RowBatcher(store, { windowMs: options.batch.windowMs, maxKeys: options.batch.maxKeys }) : store
  const cache = options.cache.enabled ? new RowCache({ ...options.cache, ...(options.clock !== undefined && { clock: options.clock }) }) : undefined
  return new CachedRowReader(source, cache)
}
