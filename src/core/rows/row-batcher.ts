import { rowKey, type RowRequest, type RowResult } from '../../domain/feature-row.js'
import type { ReadOptions } from '../../domain/read-options.js'
import type { RowReader } from '../../domain/ports/row-reader.js'
import { throwIfAborted } from '../../lib/backoff.js'
import { failIfNothingRead, unreadOr } from './unread.js'

export interface RowBatcherOptions {
  /** 0 merges lookups made in the same event-loop turn; more waits that long for company. */
  readonly windowMs: number
  /** Distinct keys per read of the store (DynamoDB's BatchGetItem takes at most 100). */
  readonly maxKeys: number
}

interface Waiter {
  readonly request: RowRequest
  readonly resolve: (row: RowResult) => void
  readonly reject: (error: unknown) => void
  readonly options: ReadOptions
}

/**
 * DataLoader-style merging over any row reader: lookups from different requests that arrive within
 * one window share reads of at most `maxKeys` distinct keys. Each caller gets its own rows' answers:
 * a part of the read that failed marks only its rows unread, never another caller's. Every caller's request goes down as it
 * is (the reader merges repeated keys and projections), so the store sees how many lookups one call
 * served. A merged read runs until the latest of its callers' deadlines and is cancelled only when
 * every caller has given up; each caller still gets its own deadline error on time (the cache above).
 */
export class RowBatcher implements RowReader {
  readonly #source: RowReader
  readonly #options: RowBatcherOptions
  /** Waiters by row key, in arrival order. */
  #pending = new Map<string, Waiter[]>()
  #scheduled = false

  constructor (source: RowReader, options: RowBatcherOptions) {
    this.#source = source
    this.#options = options
  }

  async readRows (requests: readonly RowRequest[], options: ReadOptions): Promise<RowResult[]> {
    const rows = await Promise.all(requests.map(async (request) => await this.load(request, options).catch(unreadOr)))
    failIfNothingRead(rows)
    return rows
  }

  async load (request: RowRequest, options: ReadOptions): Promise<RowResult> {
    throwIfAborted(options.signal, 'reading features')
    const key = rowKey(request.featureSet.name, request.entityId)
    let waiters = this.#pending.get(key)
    if (waiters === undefined) {
      waiters = []
      this.#pending.set(key, waiters)
    }
    const list = waiters
    const result = new Promise<RowResult>((resolve, reject) => {
      list.push({ request, resolve, reject, options })
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
    const keys = [...this.#pending.values()]
    this.#pending = new Map()
    for (let i = 0; i < keys.length; i += this.#options.maxKeys) {
      void this.#dispatch(keys.slice(i, i + this.#options.maxKeys).flat())
    }
  }

  async #dispatch (waiters: readonly Waiter[]): Promise<void> {
    const { options, dispose } = mergedOptions(waiters.map((waiter) => waiter.options))
    try {
      const rows = await this.#source.readRows(waiters.map((waiter) => waiter.request), options)
      for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(rows[i])
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
