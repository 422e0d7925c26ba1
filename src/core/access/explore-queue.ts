import { FairQueue, inTurn, type Release, type TurnOptions } from '../../lib/fair-queue.js'
import type { GatewayObserver } from '../gateway-observer.js'
import type { Principal } from './principal.js'

export type { Release, TurnOptions }

export interface ExploreQueueSettings {
  /** Exploration operations running at once while the gateway is otherwise quiet. */
  readonly maxConcurrent: number
  /** ...and while online lookups are being served or the event loop lags: exploration yields to them. */
  readonly maxConcurrentUnderLoad: number
  /** Operations one caller may have waiting; one more is refused with 503 and retry-after. */
  readonly maxWaitingPerCaller: number
  /** Event-loop delay (p99, ms) above which exploration runs at its under-load concurrency; 0: never. */
  readonly yieldLagMs: number
}

/**
 * Who is asking, as every HTTP request can say (a FastifyRequest is one): the authenticated
 * principal, and the client address, which tells callers apart when the gateway runs open.
 */
export interface ExploreCaller {
  readonly principal: Principal | undefined
  readonly ip: string
}

/** How long after the last online lookup finished the gateway still counts as serving them. */
const ONLINE_QUIET_MS = 50

/**
 * The one admission to exploration work (GraphQL operations, streamed pulls): a fair queue per caller
 * instead of refusals. A lone caller is never refused; two callers share turns by cost; only a caller
 * with too many of its own requests waiting is refused. Online lookups come first: while they are
 * in flight (or the loop lags) fewer exploration operations run at once, so the lookups get the CPU.
 */
export class ExploreQueue {
  readonly #queue: FairQueue
  readonly #settings: ExploreQueueSettings
  readonly #lagMs: () => number
  #onlineInFlight = 0
  #onlineLastDone = -Infinity

  constructor (settings: ExploreQueueSettings, options: { observer: GatewayObserver, lagMs: () => number }) {
    this.#settings = settings
    this.#lagMs = options.lagMs
    const { observer } = options
    this.#queue = new FairQueue({
      maxConcurrent: settings.maxConcurrent,
      maxWaitingPerCaller: settings.maxWaitingPerCaller,
      allowed: () => this.#underLoad() ? settings.maxConcurrentUnderLoad : settings.maxConcurrent,
      onWait: (outcome, seconds) => observer.exploreQueueWait(outcome, seconds),
      onChange: (running, waiting, limit) => observer.exploreQueueDepth(running, waiting, limit)
    })
  }

  /** Waits for a turn for this caller's operation; give it back with the returned function. */
  async acquire (caller: ExploreCaller, options: TurnOptions): Promise<Release> {
    return await this.#queue.acquire(callerIdOf(caller), options)
  }

  /** A turn for this caller's read-ahead only if one is spare right now (see FairQueue.trySpare). */
  trySpare (caller: ExploreCaller, weight: number): Release | undefined {
    return this.#queue.trySpare(callerIdOf(caller), weight)
  }

  /** Runs `work` in a spare turn of this caller's, or not at all (undefined) when none is spare now. */
  async runSpare<T> (caller: ExploreCaller, weight: number, work: () => Promise<T>): Promise<T | undefined> {
    const release = this.trySpare(caller, weight)
    return release === undefined ? undefined : await inTurn(release, work)
  }

  /** Runs `work` in one of this caller's turns. */
  async run<T> (caller: ExploreCaller, options: TurnOptions, work: () => Promise<T>): Promise<T> {
    return await this.#queue.run(callerIdOf(caller), options, work)
  }

  onlineStarted (): void {
    this.#onlineInFlight++
  }

  onlineFinished (): void {
    this.#onlineInFlight = Math.max(0, this.#onlineInFlight - 1)
    this.#onlineLastDone = performance.now()
  }

  get running (): number {
    return this.#queue.running
  }

  get waiting (): number {
    return this.#queue.waiting
  }

  close (): void {
    this.#queue.close()
  }

  #underLoad (): boolean {
    if (this.#onlineInFlight > 0 || performance.now() - this.#onlineLastDone < ONLINE_QUIET_MS) return true
    return this.#settings.yieldLagMs > 0 && this.#lagMs() > this.#settings.yieldLagMs
  }
}

/** Open mode has one anonymous principal for everyone: there, clients are told apart by address. */
function callerIdOf (caller: ExploreCaller): string {
  const { principal } = caller
  return principal === undefined || principal.via === 'open' ? `address:${caller.ip}` : `${principal.via}:${principal.id}`
}
