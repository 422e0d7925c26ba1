import type { StoreObserver } from '../../src/domain/ports/store-observer.js'

/** Records what the repository reports, so tests can count real store calls instead of guessing. */
export class CountingObserver implements StoreObserver {
  readonly calls: Array<{ readonly operation: string, readonly outcome: string }> = []
  /** Keys per BatchGetItem chunk, and how many lookups that chunk served. */
  readonly batchGets: Array<{ readonly keys: number, readonly lookupsMerged: number }> = []
  unprocessedKeys = 0
  throttles = 0

  storeCall (operation: string, _seconds: number, outcome: string): void {
    this.calls.push({ operation, outcome })
  }

  batchGet (keys: number, lookupsMerged: number): void {
    this.batchGets.push({ keys, lookupsMerged })
  }

  unprocessedRetry (keys: number): void {
    this.unprocessedKeys += keys
  }

  throttled (): void {
    this.throttles++
  }

  /** BatchGetItem calls made (retries of unprocessed keys included). */
  get batchGetCalls (): number {
    return this.calls.filter((call) => call.operation === 'BatchGetItem').length
  }

  reset (): void {
    this.calls.length = 0
    this.batchGets.length = 0
    this.unprocessedKeys = 0
    this.throttles = 0
  }
}
