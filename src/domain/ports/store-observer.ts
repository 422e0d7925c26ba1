/**
 * What a store implementation reports about its own work. The metrics plugin implements it; the store
 * never imports a metrics library, and a no-op observer costs nothing.
 */
export interface StoreObserver {
  /** One DynamoDB call finished. `outcome` is 'ok' or the typed error code. */
  storeCall (operation: string, seconds: number, outcome: string): void
  /** Keys sent in one BatchGetItem call, and how many separate lookups they served. */
  batchGet (keys: number, lookupsMerged: number): void
  /** Keys DynamoDB returned unprocessed and we asked for again. */
  unprocessedRetry (keys: number): void
  throttled (): void
}

export const NO_OP_OBSERVER: StoreObserver = {
  storeCall () {},
  batchGet () {},
  unprocessedRetry () {},
  throttled () {}
}
