import { DeadlineExceededError, QueueFullError } from '../errors.js'

/** Gives the turn back; safe to call more than once (only the first call counts). */
export type Release = () => void

export interface TurnOptions {
  /**
   * What this piece of work costs relative to others (e.g. a query's cost points); at least 1. Callers
   * share turns in proportion: a caller sending cheap work is not kept behind another's expensive work.
   */
  readonly weight?: number
  /** Stops waiting when aborted (the client went away). */
  readonly signal?: AbortSignal
  /** Stops waiting when this passes (Date.now() clock): the request's own deadline. */
  readonly deadlineAt?: number
  /**
   * Runs once the work is let in (to run at once or to wait its turn), never when it is refused, e.g.
   * to spend the caller's budget only for work that will run; if it throws (or rejects), the turn is
   * not taken. Work let in while its admit was pending keeps its place even if the caller's line filled.
   */
  readonly admit?: () => void | Promise<void>
}

export type WaitOutcome = 'admitted' | 'deadline' | 'aborted' | 'refused'

export interface FairQueueOptions {
  /** Most turns held at once. */
  readonly maxConcurrent: number
  /** Most turns one caller may be waiting for; one more is refused (QueueFullError, with a retry time). */
  readonly maxWaitingPerCaller: number
  /**
   * How many may run right now, asked before every hand-out (clamped to 1..maxConcurrent, so work
   * always progresses). Lets the owner shrink the share while more urgent work is about.
   */
  readonly allowed?: () => number
  /** A wait ended: granted, given up (deadline, aborted), or refused outright. */
  readonly onWait?: (outcome: WaitOutcome, seconds: number) => void
  /** Turns running and waiting changed, and the limit in force. */
  readonly onChange?: (running: number, waiting: number, limit: number) => void
  /** While waiters are held back only by `allowed()`, how often to look again (ms). */
  readonly recheckMs?: number
}

interface Waiter {
  readonly callerId: string
  /** Virtual start and finish tags (weighted fair queueing). */
  readonly start: number
  readonly finish: number
  readonly enqueuedAt: number
  grant (release: Release): void
  fail (error: Error, outcome: WaitOutcome): void
}

interface Caller {
  readonly waiting: Waiter[]
  running: number
  /** Finish tag of this caller's last queued turn: its next one starts no earlier. */
  lastFinish: number
}

/**
 * Bounded concurrency with a fair queue across callers: weighted fair queueing (each turn is tagged
 * with a virtual finish time, start + weight, and the earliest finish goes first), FIFO within a
 * caller. A caller alone gets every turn; two callers share turns by weight whatever their request
 * rates; a caller's waiting line is bounded, so only a caller that floods is refused, and only it.
 * Waiters leave on their deadline or abort and free their place at once.
 */
export class FairQueue {
  readonly #options: FairQueueOptions
  readonly #callers = new Map<string, Caller>()
  #running = 0
  #waiting = 0
  #virtualTime = 0
  #recheck: NodeJS.Timeout | undefined
  /** Moving average of how long a turn is held, for the retry time of a refusal. */
  #holdSeconds = 1

  constructor (options: FairQueueOptions) {
    if (!(options.maxConcurrent >= 1) || !(options.maxWaitingPerCaller >= 1)) throw new RangeError('FairQueue needs maxConcurrent and maxWaitingPerCaller of at least 1')
    this.#options = options
  }

  get running (): number {
    return this.#running
  }

  get waiting (): number {
    return this.#waiting
  }

  /** The concurrency in force right now. */
  get limit (): number {
    const allowed = this.#options.allowed?.() ?? this.#options.maxConcurrent
    return Math.max(1, Math.min(this.#options.maxConcurrent, Math.floor(allowed)))
  }

  /**
   * Waits for a turn. Rejects with QueueFullError when the caller already has its maximum waiting,
   * or DeadlineExceededError when the deadline passes or the signal aborts first.
   */
  async acquire (callerId: string, options: TurnOptions = {}): Promise<Release> {
    if (options.signal?.aborted === true) throw this.#gaveUp('aborted', 0)
    if (options.deadlineAt !== undefined && options.deadlineAt <= Date.now()) throw this.#gaveUp('deadline', 0)
    let caller = this.#caller(callerId)
    if (!(this.#waiting === 0 && this.#running < this.limit) && caller.waiting.length >= this.#options.maxWaitingPerCaller) {
      this.#forgetIfIdle(callerId, caller)
      this.#options.onWait?.('refused', 0)
      // One average turn per waiter ahead of the caller's next request, shared among the slots.
      const retryAfterSeconds = Math.min(60, Math.max(1, Math.ceil(this.#holdSeconds * caller.waiting.length / this.#options.maxConcurrent)))
      throw new QueueFullError(caller.waiting.length, retryAfterSeconds)
    }
    try {
      const admitted = options.admit?.()
      // Awaited only when it is a promise (a budget lease), so a plain admit keeps the check and the join in one turn.
      if (admitted instanceof Promise) {
        await admitted
        // The queue moved on meanwhile (and an idle caller's entry may have been dropped): judge it as it is now.
        caller = this.#caller(callerId)
      }
    } catch (error) {
      this.#forgetIfIdle(callerId, caller)
      throw error
    }
    const weight = Math.max(1, options.weight ?? 1)
    if (this.#waiting === 0 && this.#running < this.limit) {
      this.#options.onWait?.('admitted', 0)
      return this.#startNow(callerId, caller, weight)
    }
    const start = Math.max(this.#virtualTime, caller.lastFinish)
    return await new Promise<Release>((resolve, reject) => {
      caller.lastFinish = start + weight
      let timer: NodeJS.Timeout | undefined
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
      }
      const waiter: Waiter = {
        callerId,
        start,
        finish: start + weight,
        enqueuedAt: performance.now(),
        grant: (release) => { cleanup(); resolve(release) },
        fail: (error) => { cleanup(); reject(error) }
      }
      const leave = (outcome: WaitOutcome): void => {
        const at = caller.waiting.indexOf(waiter)
        if (at < 0) return
        caller.waiting.splice(at, 1)
        this.#waiting--
        this.#forgetIfIdle(callerId, caller)
        waiter.fail(this.#gaveUp(outcome, (performance.now() - waiter.enqueuedAt) / 1e3), outcome)
        this.#changed()
      }
      const onAbort = (): void => leave('aborted')
      options.signal?.addEventListener('abort', onAbort, { once: true })
      if (options.deadlineAt !== undefined) timer = setTimeout(() => leave('deadline'), Math.max(0, options.deadlineAt - Date.now()))
      caller.waiting.push(waiter)
      this.#waiting++
      this.#dispatch()
    })
  }

  /**
   * A turn only if it is spare: nobody waits, and a slot stays free after it for work that arrives
   * (unless the caller's own next turn takes it first). Undefined, at no cost, otherwise. For work that
   * may wait for a later chance (reading ahead); charged to the caller like any turn, so it counts in
   * the caller's share.
   */
  trySpare (callerId: string, weight = 1): Release | undefined {
    if (this.#waiting > 0 || this.#running + 1 >= this.limit) return undefined
    return this.#startNow(callerId, this.#caller(callerId), Math.max(1, weight))
  }

  /** Runs `work` in a turn, and gives the turn back however it ends. */
  async run<T> (callerId: string, options: TurnOptions, work: () => Promise<T>): Promise<T> {
    return await inTurn(await this.acquire(callerId, options), work)
  }

  /**
   * A turn started at once, charged like a queued one (its weight from where the caller's last turn
   * ended), so a caller that keeps every slot busy queues behind newcomers later.
   */
  #startNow (callerId: string, caller: Caller, weight: number): Release {
    const start = Math.max(this.#virtualTime, caller.lastFinish)
    caller.lastFinish = start + weight
    this.#virtualTime = start
    return this.#start(callerId, caller)
  }

  /** Fails every waiter (shutting down); running turns finish as they will. */
  close (): void {
    if (this.#recheck !== undefined) clearTimeout(this.#recheck)
    this.#recheck = undefined
    for (const [callerId, caller] of this.#callers) {
      for (const waiter of caller.waiting.splice(0)) waiter.fail(this.#gaveUp('aborted', 0), 'aborted')
      this.#forgetIfIdle(callerId, caller)
    }
    this.#waiting = 0
    this.#changed()
  }

  #caller (callerId: string): Caller {
    let caller = this.#callers.get(callerId)
    if (caller === undefined) {
      caller = { waiting: [], running: 0, lastFinish: 0 }
      this.#callers.set(callerId, caller)
    }
    return caller
  }

  /** Only callers with work in the queue are remembered, so the map stays as small as the traffic. */
  #forgetIfIdle (callerId: string, caller: Caller): void {
    if (caller.waiting.length === 0 && caller.running === 0) this.#callers.delete(callerId)
  }

  #start (callerId: string, caller: Caller): Release {
    this.#running++
    caller.running++
    const startedAt = performance.now()
    let released = false
    this.#changed()
    return () => {
      if (released) return
      released = true
      this.#running--
      caller.running--
      this.#holdSeconds = 0.8 * this.#holdSeconds + 0.2 * ((performance.now() - startedAt) / 1e3)
      this.#forgetIfIdle(callerId, caller)
      this.#dispatch()
      this.#changed()
    }
  }

  #dispatch (): void {
    while (this.#waiting > 0 && this.#running < this.limit) {
      let next: Waiter | undefined
      let nextCaller: Caller | undefined
      for (const caller of this.#callers.values()) {
        const head = caller.waiting[0]
        if (head !== undefined && (next === undefined || head.finish < next.finish)) {
          next = head
          nextCaller = caller
        }
      }
      if (next === undefined || nextCaller === undefined) break
      nextCaller.waiting.shift()
      this.#waiting--
      this.#virtualTime = Math.max(this.#virtualTime, next.start)
      this.#options.onWait?.('admitted', (performance.now() - next.enqueuedAt) / 1e3)
      next.grant(this.#start(next.callerId, nextCaller))
    }
    // Held back by allowed() alone: nothing will release a turn to wake us, so look again shortly.
    if (this.#waiting > 0 && this.#running < this.#options.maxConcurrent && this.#recheck === undefined) {
      this.#recheck = setTimeout(() => {
        this.#recheck = undefined
        this.#dispatch()
      }, this.#options.recheckMs ?? 10)
    }
  }

  #gaveUp (outcome: WaitOutcome, seconds: number): Error {
    this.#options.onWait?.(outcome, seconds)
    return new DeadlineExceededError(outcome === 'aborted' ? 'waiting for a turn (the request was cancelled)' : 'waiting for a turn')
  }

  #changed (): void {
    this.#options.onChange?.(this.#running, this.#waiting, this.limit)
  }
}

/** `work` in a turn already granted, given back however the work ends. */
export async function inTurn<T> (release: Release, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } finally {
    release()
  }
}
