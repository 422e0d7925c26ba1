import type { ReadOptions } from '../domain/read-options.js'
import { throwIfAborted } from './backoff.js'
import { batchGetItems, type BatchGetContext, type StoreKey, type StoredItem } from './batch-get.js'
import { rowCacheKey } from './feature-row.js'

export interface ItemBatcherOptions {
  /** 0 merges lookups made in the same event-loop turn; more waits that long for company. */
  readonly windowMs: number
  /** Keys per BatchGetItem call (DynamoDB allows at most 100). */
  readonly maxKeys: number
}

interface Waiter {
  readonly resolve: (item: StoredItem | undefined) => void
  readonly reject: (error: unknown) => void
  readonly options: ReadOptions
}

interface PendingKey {
  readonly key: StoreKey
  /** undefined once any waiter wants the whole item. */
  attributes: Set<string> | undefined
  readonly waiters: Waiter[]
}

/**
 * DataLoader-style merging: lookups from different requests that arrive within one window share
 * BatchGetItem calls. A merged call runs until the latest of its callers' deadlines and is cancelled
 * only when every caller has given up; each caller still gets its own deadline error on time.
 */
export class ItemBatcher {
  readonly #context: BatchGetContext
  readonly #options: ItemBatcherOptions
  #pending = new Map<string, PendingKey>()
  #scheduled = false

  constructor (context: BatchGetContext, options: ItemBatcherOptions) {
    this.#context = context
    this.#options = options
  }

  async load (key: StoreKey, attributes: readonly string[] | undefined, options: ReadOptions): Promise<StoredItem | undefined> {
    throwIfAborted(options.signal, 'reading features')
    const id = rowCacheKey(key.featureSet, key.entityId)
    let pending = this.#pending.get(id)
    if (pending === undefined) {
      pending = { key, attributes: attributes === undefined ? undefined : new Set(attributes), waiters: [] }
      this.#pending.set(id, pending)
    } else if (pending.attributes !== undefined) {
      if (attributes === undefined) pending.attributes = undefined
      else for (const name of attributes) pending.attributes.add(name)
    }
    const entry = pending
    const result = new Promise<StoredItem | undefined>((resolve, reject) => {
      entry.waiters.push({ resolve, reject, options })
    })
    if (this.#pending.size >= this.#options.maxKeys) this.#flush()
    else this.#schedule()
    return await result
  }

  #schedule (): void {
    if (this.#scheduled) return
    this.#scheduled = true
    if (this.#options.windowMs === 0) setImmediate(() => this.#flush())
    else setTimeout(() => this.#flush(), this.#options.windowMs)
  }

  #flush (): void {
    this.#scheduled = false
    const batch = [...this.#pending.values()]
    this.#pending = new Map()
    for (let i = 0; i < batch.length; i += this.#options.maxKeys) {
      void this.#dispatch(batch.slice(i, i + this.#options.maxKeys))
    }
  }

  async #dispatch (batch: PendingKey[]): Promise<void> {
    const waiters = batch.flatMap((entry) => entry.waiters)
    const { options, dispose } = mergedOptions(waiters.map((waiter) => waiter.options))
    let attributes: Set<string> | undefined = new Set()
    for (const entry of batch) {
      if (entry.attributes === undefined) { attributes = undefined; break }
      for (const name of entry.attributes) attributes.add(name)
    }
    try {
      const items = await batchGetItems(this.#context, batch.map((entry) => entry.key),
        attributes === undefined ? undefined : [...attributes], options, waiters.length)
      for (const entry of batch) {
        const item = items.get(rowCacheKey(entry.key.featureSet, entry.key.entityId))
        for (const waiter of entry.waiters) waiter.resolve(item)
      }
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error)
    } finally {
      dispose()
    }
  }
}

/**
 * The latest deadline of all callers, and a signal that aborts only once every caller's has;
 * dispose() detaches from the callers' signals once the merged call is over.
 */
function mergedOptions (all: readonly ReadOptions[]): { options: ReadOptions, dispose: () => void } {
  let deadlineAt: number | undefined = 0
  for (const options of all) {
    if (options.deadlineAt === undefined) { deadlineAt = undefined; break }
    deadlineAt = Math.max(deadlineAt, options.deadlineAt)
  }
  const signals = all.map((options) => options.signal)
  if (signals.some((signal) => signal === undefined)) return { options: { deadlineAt }, dispose: () => {} }
  const controller = new AbortController()
  let remaining = signals.length
  const attached: Array<[AbortSignal, () => void]> = []
  for (const signal of signals as AbortSignal[]) {
    const onAbort = (): void => { if (--remaining === 0) controller.abort(signal.reason) }
    if (signal.aborted) onAbort()
    else {
      signal.addEventListener('abort', onAbort, { once: true })
      attached.push([signal, onAbort])
    }
  }
  return {
    options: { deadlineAt, signal: controller.signal },
    dispose: () => { for (const [signal, onAbort] of attached) signal.removeEventListener('abort', onAbort) }
  }
}
