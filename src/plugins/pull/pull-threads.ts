import type { Worker } from 'node:worker_threads'
import { NotReadyError } from '../../errors.js'
import { startModuleThread } from '../../lib/module-thread.js'
import { httpFailureOf, type HttpFailure } from '../http-errors.js'
import type { FromPullThread, ObservedEvent, PullJob, PullThreadData, ToPullThread } from './pull-thread-protocol.js'

/** What the gateway's thread does for a pull running on a pull thread. */
export interface ThreadPullHooks {
  /** A turn in the exploration queue before a page of this weight is read; the function gives it back. */
  turn (weight: number): Promise<() => void>
  /** A turn for a read ahead, only if one is spare right now; undefined when none is. */
  spareTurn (weight: number): (() => void) | undefined
  /** Spends the caller's points before a page is handed out; throws once they are spent. */
  charge (points: number): Promise<void>
  /** The thread's store calls and statuses, for the gateway's metrics. */
  observe (events: readonly ObservedEvent[]): void
}

export type ThreadPullMessage =
  | { readonly type: 'chunk', readonly bytes: Buffer, readonly rows: number, readonly last: boolean }
  /**
   * The pull failed. `cause` is set when the reason is the gateway thread's own (a refused turn or
   * charge, the thread stopping): it then says better than the thread's account what went wrong.
   */
  | { readonly type: 'failed', readonly failure: HttpFailure, readonly typed: boolean, readonly detail: string, readonly cause: unknown }

/** One pull on a pull thread, as the HTTP route sees it: messages in order, credits, cancellation. */
export interface ThreadPull {
  next (): Promise<ThreadPullMessage>
  /** The last chunk was taken: the thread may send one more. */
  credit (): void
  /**
   * The reader left or the gateway is closing: stop, and give back any turn held. A `next()` waiting
   * then gets a failure whose cause is `reason`.
   */
  cancel (reason: unknown): void
}

class RunningThreadPull implements ThreadPull {
  readonly #queue: ThreadPullMessage[] = []
  #waiter: ((message: ThreadPullMessage) => void) | undefined
  readonly releases = new Map<number, () => void>()
  /** Why the gateway's thread stopped the pull, when it did. */
  cause: unknown = undefined
  finished = false

  constructor (readonly id: number, readonly hooks: ThreadPullHooks, readonly post: (message: ToPullThread) => void, readonly forget: () => void) {}

  async next (): Promise<ThreadPullMessage> {
    const queued = this.#queue.shift()
    if (queued !== undefined) return queued
    return await new Promise((resolve) => { this.#waiter = resolve })
  }

  push (message: ThreadPullMessage): void {
    const waiter = this.#waiter
    this.#waiter = undefined
    if (waiter !== undefined) waiter(message)
    else this.#queue.push(message)
  }

  credit (): void {
    if (!this.finished) this.post({ type: 'credit', id: this.id })
  }

  cancel (reason: unknown): void {
    if (this.finished) return
    this.post({ type: 'cancel', id: this.id })
    this.cause ??= reason ?? new Error('pull cancelled')
    this.fail(httpFailureOf(this.cause), false, 'cancelled')
  }

  /** Nothing more will be asked of the thread for this pull: give back its turns. */
  end (): void {
    this.finished = true
    for (const release of this.releases.values()) release()
    this.releases.clear()
    this.forget()
  }

  fail (failure: HttpFailure, typed: boolean, detail: string): void {
    this.push({ type: 'failed', failure, typed, detail, cause: this.cause })
    this.end()
  }
}

/**
 * A pull thread holds about two pages per pull (a few MB each); a heap past this is a fault, and ends
 * the thread (ERR_WORKER_OUT_OF_MEMORY) and its pulls rather than the gateway. The container's memory
 * limit (k8s/base) counts it on top of the main heap.
 */
const THREAD_LIMITS = { maxOldGenerationSizeMb: 128 }

interface PullThread {
  readonly worker: Worker
  readonly pulls: Map<number, RunningThreadPull>
}

/**
 * Streamed pulls on threads of their own (`PULL_THREADS`), started on the first pull and shared by
 * the pulls after it (each goes to the thread with the fewest). A thread that stops fails only its
 * own pulls (their streams end with the error marker, so readers resume them) and is started again
 * for the next pull.
 */
export class PullThreads {
  readonly #size: number
  readonly #data: PullThreadData
  readonly #onThreadError: (error: Error) => void
  readonly #threads: PullThread[] = []
  #nextId = 0

  constructor (size: number, data: PullThreadData, onThreadError: (error: Error) => void) {
    this.#size = size
    this.#data = data
    this.#onThreadError = onThreadError
  }

  start (job: Omit<PullJob, 'type' | 'id'>, hooks: ThreadPullHooks): ThreadPull {
    const thread = this.#pick()
    const id = ++this.#nextId
    const post = (message: ToPullThread): void => { thread.worker.postMessage(message) }
    const pull = new RunningThreadPull(id, hooks, post, () => thread.pulls.delete(id))
    thread.pulls.set(id, pull)
    post({ type: 'pull', id, ...job })
    return pull
  }

  /** Pulls running now, over every thread. */
  get running (): number {
    return this.#threads.reduce((n, t) => n + t.pulls.size, 0)
  }

  async close (): Promise<void> {
    const threads = this.#threads.splice(0)
    await Promise.all(threads.map(async (t) => await t.worker.terminate()))
  }

  /** Stops every pull thread as a crash would: their pulls fail, the next pull starts a thread again (drills, tests). */
  async crash (): Promise<void> {
    await Promise.all(this.#threads.map(async (t) => await t.worker.terminate()))
  }

  #pick (): PullThread {
    if (this.#threads.length < this.#size) return this.#spawn()
    return this.#threads.reduce((a, b) => b.pulls.size < a.pulls.size ? b : a)
  }

  #spawn (): PullThread {
    const worker = startModuleThread(import.meta.url, 'pull-thread', this.#data, THREAD_LIMITS)
    const thread: PullThread = { worker, pulls: new Map() }
    this.#threads.push(thread)
    worker.on('message', (message: FromPullThread) => { this.#receive(thread, message) })
    const stopped = (error: Error): void => {
      const at = this.#threads.indexOf(thread)
      if (at < 0) return
      this.#threads.splice(at, 1)
      this.#onThreadError(error)
      // Not the reader's doing and not its data's: it resumes, here or on another replica.
      const reason = new NotReadyError('its pull thread stopped; resume the pull from its last resume token')
      for (const pull of [...thread.pulls.values()]) {
        pull.cause ??= reason
        pull.fail(httpFailureOf(reason), true, error.stack ?? error.message)
      }
    }
    worker.on('error', stopped)
    worker.on('exit', (code) => stopped(new Error(`a pull thread stopped (exit code ${code})`)))
    return thread
  }

  #receive (thread: PullThread, message: FromPullThread): void {
    const pull = thread.pulls.get(message.id)
    if (pull === undefined) return
    const post = (answer: ToPullThread): void => { thread.worker.postMessage(answer) }
    // A turn or a charge: granted once the gateway's side of it is done, refused (keeping why) if it fails.
    const answer = (ask: number, work: Promise<void>): void => {
      work.then(() => {
        if (!pull.finished) post({ type: 'granted', id: pull.id, ask })
      }, (error: unknown) => {
        pull.cause ??= error
        post({ type: 'refused', id: pull.id, ask })
      })
    }
    switch (message.type) {
      case 'chunk':
        pull.hooks.observe(message.events)
        pull.push({ type: 'chunk', bytes: Buffer.from(message.bytes), rows: message.rows, last: message.last })
        if (message.last) pull.end()
        break
      case 'turn':
        answer(message.ask, pull.hooks.turn(message.amount).then((release) => {
          if (pull.finished) release()
          else pull.releases.set(message.ask, release)
        }))
        break
      case 'spare-turn': {
        const release = pull.finished ? undefined : pull.hooks.spareTurn(message.amount)
        if (release !== undefined) pull.releases.set(message.ask, release)
        post({ type: release === undefined ? 'declined' : 'granted', id: pull.id, ask: message.ask })
        break
      }
      case 'turn-done':
        pull.releases.get(message.ask)?.()
        pull.releases.delete(message.ask)
        break
      case 'charge':
        answer(message.ask, pull.hooks.charge(message.amount))
        break
      case 'failed':
        pull.hooks.observe(message.events)
        pull.fail(message.failure, message.typed, message.detail)
        break
      case 'cancelled':
        pull.end()
        break
    }
  }
}
