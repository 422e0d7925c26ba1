import { setPriority } from 'node:os'
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { FeatureExport } from '../../core/export/feature-export.js'
import { FeaturePull, type PullBatch } from '../../core/export/feature-pull.js'
import { FeatureRegistry } from '../../core/feature-registry.js'
import { isFeaturegateError } from '../../errors.js'
import { inTurn } from '../../lib/fair-queue.js'
import { openBulkReader } from '../../repo/open-feature-store.js'
import { httpFailureOf } from '../http-errors.js'
import type { FromPullThread, ObservedEvent, PullJob, PullThreadData, ThreadObserver, ToPullThread } from './pull-thread-protocol.js'
import { encoderFor } from './pull-slices.js'

/**
 * A pull thread: streamed pulls read, turned into values and encoded here, on a thread (and heap) of
 * their own, so their CPU and their garbage collections do not delay the online lookups on the
 * gateway's thread. The gateway's thread checks each pull first, keeps the exploration queue and
 * the budgets (a page is read only in a turn it grants, handed out only once it is paid for),
 * writes the bytes to the socket and gives a credit for each chunk it has taken, so a slow reader
 * slows the read here as it did in one thread.
 */
if (parentPort === null) throw new Error('pull-thread runs only as a worker thread')
const port: MessagePort = parentPort
const data = workerData as PullThreadData
const post = (message: FromPullThread, transfer: ArrayBuffer[] = []): void => { port.postMessage(message, transfer) }

/**
 * This thread's scheduling priority (nice), below the event loop's: when both want a core, the
 * kernel runs the online lookups first; when the cores are idle, the pull gets all of it. On Linux
 * a nice value is per thread (setpriority with pid 0 is this thread); elsewhere it may be the whole
 * process's, so it is set only where it is this thread's alone.
 */
const PULL_THREAD_NICE = 10
if (process.platform === 'linux') {
  try {
    setPriority(PULL_THREAD_NICE)
  } catch {
    // Not permitted here (a sandbox): pulls then share the cores evenly with the lookups.
  }
}

/** Every call this thread's observer receives, sent with the next message for the gateway's metrics. */
class ForwardingObserver implements ThreadObserver {
  #events: ObservedEvent[] = []
  storeCall (...args: Parameters<ThreadObserver['storeCall']>): void { this.#events.push({ kind: 'storeCall', args }) }
  batchGet (...args: Parameters<ThreadObserver['batchGet']>): void { this.#events.push({ kind: 'batchGet', args }) }
  unprocessedRetry (...args: Parameters<ThreadObserver['unprocessedRetry']>): void { this.#events.push({ kind: 'unprocessedRetry', args }) }
  throttled (...args: Parameters<ThreadObserver['throttled']>): void { this.#events.push({ kind: 'throttled', args }) }
  featureStatuses (...args: Parameters<ThreadObserver['featureStatuses']>): void { this.#events.push({ kind: 'featureStatuses', args }) }
  exportPage (...args: Parameters<ThreadObserver['exportPage']>): void { this.#events.push({ kind: 'exportPage', args }) }

  take (): ObservedEvent[] {
    const events = this.#events
    this.#events = []
    return events
  }
}

const observer = new ForwardingObserver()
const scanner = openBulkReader({ ...data, observer })

/** Chunks a pull may have sent that the gateway's thread has not taken yet: one written, one ready. */
const CREDIT = 2

class RunningPull {
  readonly controller = new AbortController()
  #credit = CREDIT
  #creditWaiter: (() => void) | undefined
  #asks = 0
  readonly #answers = new Map<number, { resolve: (granted: boolean) => void, reject: (error: Error) => void }>()

  constructor (readonly id: number) {}

  credit (): void {
    this.#credit++
    this.#creditWaiter?.()
  }

  async hasCredit (): Promise<void> {
    while (this.#credit === 0) {
      this.controller.signal.throwIfAborted()
      await new Promise<void>((resolve) => { this.#creditWaiter = resolve })
      this.#creditWaiter = undefined
    }
    this.controller.signal.throwIfAborted()
    this.#credit--
  }

  /** Asks the gateway's thread for a turn or a charge; resolves with the ask's number once granted. */
  async ask (type: 'turn' | 'charge', amount: number): Promise<number> {
    const { ask } = await this.#ask(type, amount)
    return ask
  }

  /** Asks for a turn only if one is spare now: the ask's number, or undefined when the gateway declined. */
  async askSpare (amount: number): Promise<number | undefined> {
    const { ask, granted } = await this.#ask('spare-turn', amount)
    return granted ? ask : undefined
  }

  answer (ask: number, answer: 'granted' | 'refused' | 'declined'): void {
    const waiter = this.#answers.get(ask)
    this.#answers.delete(ask)
    if (answer === 'refused') waiter?.reject(new Error(`the gateway refused ask ${ask}`))
    else waiter?.resolve(answer === 'granted')
  }

  async #ask (type: 'turn' | 'spare-turn' | 'charge', amount: number): Promise<{ ask: number, granted: boolean }> {
    const ask = ++this.#asks
    const granted = await new Promise<boolean>((resolve, reject) => {
      this.#answers.set(ask, { resolve, reject })
      post({ type, id: this.id, ask, amount })
    })
    return { ask, granted }
  }

  cancel (): void {
    this.controller.abort()
    this.#creditWaiter?.()
    for (const waiter of this.#answers.values()) waiter.reject(new Error('pull cancelled'))
    this.#answers.clear()
  }
}

const running = new Map<number, RunningPull>()

/**
 * Bytes in an ArrayBuffer of their own, to transfer. `fresh` parts (NDJSON's: made for this chunk
 * alone) that fill their own buffer go as they are; anything else is copied first: a view into a
 * pooled Buffer's shared slab, or bytes a library may keep and write again (Arrow's).
 */
function ownBuffer (parts: readonly Uint8Array[], fresh: boolean): ArrayBuffer {
  const only = fresh && parts.length === 1 ? parts[0]! : undefined
  if (only !== undefined && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength && only.buffer instanceof ArrayBuffer) return only.buffer
  let length = 0
  for (const part of parts) length += part.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out.buffer
}

async function run (job: PullJob): Promise<void> {
  const pull = new RunningPull(job.id)
  running.set(job.id, pull)
  const signal = pull.controller.signal
  const send = (bytes: readonly Uint8Array[], rows: number, last: boolean): void => {
    const buffer = ownBuffer(bytes, job.format === 'ndjson')
    post({ type: 'chunk', id: job.id, bytes: buffer, rows, last, events: observer.take() }, [buffer])
  }
  try {
    const registry = new FeatureRegistry({ list: async () => [...job.featureSets] })
    await registry.reload()
    // Access was checked on the gateway's thread before the pull was handed over.
    const featurePull = new FeaturePull(new FeatureExport(registry, scanner, job.limits, undefined, observer))
    const prepared = featurePull.prepare(job.request)
    const encoder = encoderFor(job.format, prepared.featureSet.name, prepared.features)
    // A turn the gateway's thread granted (its ask's number) is given back there once the read is done.
    const givenBack = (ask: number) => () => { post({ type: 'turn-done', id: job.id, ask }) }
    const batches: AsyncGenerator<PullBatch, void, undefined> = featurePull.batches(prepared, {
      signal,
      charge: async (points) => { await pull.ask('charge', points) },
      turn: async (weight, read) => await inTurn(givenBack(await pull.ask('turn', weight)), read),
      spareTurn: async (weight, read) => {
        const ask = await pull.askSpare(weight)
        return ask === undefined ? undefined : await inTurn(givenBack(ask), read)
      }
    })
    let rows = 0
    for await (const batch of batches) {
      // A page goes out whole, as one batch: cut into slices only keeps the event loop free between
      // them (pulls on the loop), and here each Arrow record batch would cost its metadata again.
      await pull.hasCredit()
      send(encoder.batch(batch), batch.columns.length, false)
      rows += batch.columns.length
      if (batch.done) break
    }
    await pull.hasCredit()
    send(encoder.end(rows), 0, true)
  } catch (error) {
    if (signal.aborted) {
      post({ type: 'cancelled', id: job.id })
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
      post({ type: 'failed', id: job.id, failure: httpFailureOf(error), typed: isFeaturegateError(error), detail, events: observer.take() })
    }
  } finally {
    running.delete(job.id)
  }
}

port.on('message', (message: ToPullThread) => {
  switch (message.type) {
    case 'pull': void run(message); break
    case 'credit': running.get(message.id)?.credit(); break
    case 'granted':
    case 'refused':
    case 'declined': running.get(message.id)?.answer(message.ask, message.type); break
    case 'cancel': running.get(message.id)?.cancel(); break
  }
})
