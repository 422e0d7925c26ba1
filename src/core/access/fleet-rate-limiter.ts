import { LRUCache } from 'lru-cache'
import type { BudgetConfig } from '../../config.js'
import type { BudgetLedger } from '../../domain/ports/budget-ledger.js'
import { RateLimitedError } from '../../errors.js'
import { RateLimiter, type CallerBudget, type RateDecision, type RateLimit } from './rate-limiter.js'

/** What an operator hears about a fleet budget: its scope changing (once per transition) and each lease. */
export interface BudgetEvents {
  /** fleet: leases work (again); replica: the store cannot be asked, each replica enforces its share. */
  scopeChanged (budget: string, scope: 'fleet' | 'replica', cause: unknown): void
  /** One lease asked of the store: granted in full, short (part or none: the budget is spent), or failed. */
  leased (budget: string, outcome: 'full' | 'short' | 'failed'): void
}

export const NO_BUDGET_EVENTS: BudgetEvents = { scopeChanged () {}, leased () {} }

/** A caller's tokens on this replica, leased from the fleet's budget. */
interface Lease {
  tokens: number
  /** Unspent tokens are dropped then, so a replica the caller left does not sit on its budget. */
  expiresAt: number
  /** After a short lease, no store call before then: the budget is spent, refuse locally. */
  deniedUntil: number
  /** Below this, the next lease is asked for ahead of need. */
  lowWater: number
  /** The lease in flight; true once the store answered it, false when it could not be asked. */
  leasing: Promise<boolean> | undefined
  /** Cost of the requests waiting for a lease now: the next lease covers them too. */
  waiting: number
  /** Cost asked for (admitted or not) since `sampledAt`, for the demand estimate. */
  demand: number
  sampledAt: number
  /** Estimated demand on this replica, units per second. */
  rate: number
  /** The fleet-wide budget left at the last lease, for x-ratelimit-remaining. */
  remaining: number
  /** The last lease came back short: the caller is at its budget, and leases come round a cycle at a time. */
  short: boolean
}

/** Below this much time a demand sample is noise (a burst's first milliseconds). */
const MIN_SAMPLE_MS = 20
/** Leases failing in a row before the budget goes per replica: one slow call is not an unreachable store. */
const FAILURES_BEFORE_FALLBACK = 2
/** Leases one request may wait for; each is sized to all the requests waiting, so more is rare. */
const MAX_WAIT_ROUNDS = 4
/** Lease intervals between leases of a caller at its budget. */
const AT_BUDGET_INTERVALS = 2
/** A lease covers at most this long of demand, however long ago the last one was. */
const MAX_CYCLE_MS = 1_000

export interface FleetRateLimiterOptions {
  /** The budget's name in the store and in logs/metrics: 'online', 'explore'. */
  readonly budget: string
  readonly limit: RateLimit
  readonly ledger: BudgetLedger
  readonly config: BudgetConfig
  readonly events?: BudgetEvents
  readonly clock?: () => number
}

/**
 * A caller's budget held across the fleet: each replica leases tokens from the caller's item in
 * the store (BudgetLedger) in chunks sized to its own demand for that caller, about
 * `leasesPerSecond` leases a second, and spends them locally. The next lease is asked for in the
 * background once half a lease is left, so a request with local tokens never waits on the store;
 * only a caller's first request on a replica, or one that outran its lease, waits for one lease.
 *
 * Leased tokens can only be spent once fleet-wide, so the fleet never admits more than the budget
 * (beyond clock skew); it admits less by at most the unspent leases, which expire after
 * `leaseTtlMs`. When the store cannot be asked (two leases in a row failed or timed out), each
 * replica enforces budget / fallbackReplicas on its own until a retry succeeds: never everything
 * refused, never the whole budget per replica. A request whose lease failed is judged by that share too.
 */
export class FleetRateLimiter implements CallerBudget {
  readonly #budget: string
  readonly #limit: RateLimit
  readonly #ledger: BudgetLedger
  readonly #config: BudgetConfig
  readonly #events: BudgetEvents
  readonly #clock: () => number
  readonly #fallback: RateLimiter
  readonly #leases = new LRUCache<string, Lease>({ max: 100_000 })
  /** A chunk before the replica knows a caller's demand: its share of a lease interval's refill. */
  readonly #firstLease: number
  /** No lease beyond a lease interval of the whole budget's refill, unless one request costs more. */
  readonly #maxLease: number
  readonly #intervalMs: number
  #scope: 'fleet' | 'replica' = 'fleet'
  #failures = 0
  #retryAt = 0
  #probing = false

  constructor (options: FleetRateLimiterOptions) {
    this.#budget = options.budget
    this.#limit = options.limit
    this.#ledger = options.ledger
    this.#config = options.config
    this.#events = options.events ?? NO_BUDGET_EVENTS
    this.#clock = options.clock ?? Date.now
    const { capacity, refillPerSecond, describe } = options.limit
    const { fallbackReplicas, leasesPerSecond } = options.config
    this.#fallback = new RateLimiter({
      capacity: Math.max(1, Math.floor(capacity / fallbackReplicas)),
      refillPerSecond: refillPerSecond / fallbackReplicas,
      describe: `${describe} (this replica's share while budgets cannot be shared)`
    })
    this.#intervalMs = 1000 / leasesPerSecond
    this.#maxLease = Math.max(1, Math.ceil(refillPerSecond / leasesPerSecond))
    this.#firstLease = Math.max(1, Math.ceil(this.#maxLease / fallbackReplicas))
  }

  /** 'fleet' while leases work, 'replica' while each replica enforces its own share. */
  get scope (): 'fleet' | 'replica' {
    return this.#scope
  }

  take (caller: string, cost = 1, now = this.#clock()): RateDecision | Promise<RateDecision> {
    if (this.#scope === 'replica') {
      if (now >= this.#retryAt && !this.#probing) this.#probe(caller, now)
      return this.#fallback.take(caller, cost, now)
    }
    let lease = this.#leases.get(caller)
    if (lease === undefined) {
      lease = { tokens: 0, expiresAt: 0, deniedUntil: 0, lowWater: 0, leasing: undefined, waiting: 0, demand: 0, sampledAt: now, rate: 0, remaining: this.#limit.capacity, short: false }
      this.#leases.set(caller, lease)
    }
    lease.demand += cost
    if (lease.expiresAt <= now) lease.tokens = 0
    if (lease.tokens >= cost) {
      lease.tokens -= cost
      if (lease.tokens < lease.lowWater && lease.leasing === undefined && now >= lease.deniedUntil) {
        lease.leasing = this.#refill(caller, lease, 1, now)
      }
      return this.#decision(lease)
    }
    if (now < lease.deniedUntil) throw this.#refusal(lease, cost, now)
    return this.#takeLeased(caller, lease, cost, now)
  }

  /**
   * A request that outran its lease waits for the next one, which is sized to cover every request
   * waiting with it. It is refused only when the store says the budget is spent (a short lease), or
   * after MAX_WAIT_ROUNDS leases did not reach it (a burst far beyond the estimate).
   */
  async #takeLeased (caller: string, lease: Lease, cost: number, now: number): Promise<RateDecision> {
    lease.waiting += cost
    try {
      for (let round = 0; round < MAX_WAIT_ROUNDS; round++) {
        lease.leasing ??= this.#refill(caller, lease, cost, now)
        const answered = await lease.leasing
        now = this.#clock()
        // The store could not be asked: this replica's share decides, rather than refusing.
        if (!answered || this.#scope === 'replica') return this.#fallback.take(caller, cost, now)
        if (lease.expiresAt > now && lease.tokens >= cost) {
          lease.tokens -= cost
          return this.#decision(lease)
        }
        if (now < lease.deniedUntil) break
      }
    } finally {
      lease.waiting -= cost
    }
    throw this.#refusal(lease, cost, now)
  }

  async #refill (caller: string, lease: Lease, need: number, now: number): Promise<boolean> {
    const want = this.#leaseSize(lease, need, now)
    try {
      const grant = await this.#ledger.lease({
        budget: this.#budget,
        caller,
        tokens: want,
        minTokens: Math.min(need, want),
        capacity: this.#limit.capacity,
        refillPerSecond: this.#limit.refillPerSecond,
        now
      }, AbortSignal.timeout(this.#config.leaseTimeoutMs))
      this.#failures = 0
      this.#credit(lease, want, grant.granted, grant.remaining, grant.nextAt, now)
      this.#events.leased(this.#budget, grant.granted >= want ? 'full' : 'short')
      return true
    } catch (error) {
      this.#events.leased(this.#budget, 'failed')
      if (++this.#failures >= FAILURES_BEFORE_FALLBACK) this.#toReplicaScope(error, now)
      return false
    } finally {
      lease.leasing = undefined
    }
  }

  #credit (lease: Lease, want: number, granted: number, remaining: number, nextAt: number, now: number): void {
    lease.remaining = remaining
    lease.short = granted < want
    if (granted > 0) {
      lease.tokens = (lease.expiresAt > now ? lease.tokens : 0) + granted
      lease.expiresAt = now + this.#config.leaseTtlMs
      lease.lowWater = granted / 2
    }
    // A short lease means the fleet's budget is spent for now: ask again in two lease intervals at the
    // soonest, for what refilled meanwhile (the next lease covers that cycle). A lease that finds too little
    // costs a second write to take what there is, so this keeps a caller at its budget at about the store
    // cost of one below it.
    if (granted < want) lease.deniedUntil = Math.max(now + AT_BUDGET_INTERVALS * this.#intervalMs, granted === 0 ? nextAt : 0)
  }

  /**
   * This replica's demand for the caller over one lease cycle, and at most the budget's refill over it.
   * A cycle is a lease interval; at the budget (the last lease was short), it is the time since the last
   * lease when that was longer (a loaded event loop, a slow store), so that leases keep up with the
   * refill instead of leaving it unspent in the store. At least what the asking request, and everything
   * waiting with it, needs.
   */
  #leaseSize (lease: Lease, need: number, now: number): number {
    const elapsed = now - lease.sampledAt
    if (elapsed >= MIN_SAMPLE_MS) {
      const sample = lease.demand * 1000 / elapsed
      lease.rate = lease.rate === 0 ? sample : (lease.rate + sample) / 2
      lease.demand = 0
      lease.sampledAt = now
    }
    const cycleSeconds = (lease.short ? Math.min(Math.max(elapsed, this.#intervalMs), MAX_CYCLE_MS) : this.#intervalMs) / 1000
    const perLease = lease.rate === 0 ? this.#firstLease : Math.ceil(lease.rate * cycleSeconds)
    const most = Math.max(this.#maxLease, Math.ceil(this.#limit.refillPerSecond * cycleSeconds))
    return Math.max(need, lease.waiting, Math.min(perLease, most))
  }

  #toReplicaScope (cause: unknown, now: number): void {
    this.#retryAt = now + this.#config.retryMs
    if (this.#scope === 'replica') return
    this.#scope = 'replica'
    this.#events.scopeChanged(this.#budget, 'replica', cause)
  }

  /** One lease in the background; its success brings the fleet budget back for everyone. */
  #probe (caller: string, now: number): void {
    this.#probing = true
    const lease: Lease = { tokens: 0, expiresAt: 0, deniedUntil: 0, lowWater: 0, leasing: undefined, waiting: 0, demand: 0, sampledAt: now, rate: 0, remaining: this.#limit.capacity, short: false }
    const want = this.#firstLease
    this.#ledger.lease({ budget: this.#budget, caller, tokens: want, minTokens: 1, capacity: this.#limit.capacity, refillPerSecond: this.#limit.refillPerSecond, now },
      AbortSignal.timeout(this.#config.leaseTimeoutMs))
      .then((grant) => {
        this.#credit(lease, want, grant.granted, grant.remaining, grant.nextAt, now)
        // Leases held from before the outage may be stale; callers start afresh.
        this.#leases.clear()
        this.#leases.set(caller, lease)
        this.#scope = 'fleet'
        this.#failures = 0
        this.#events.leased(this.#budget, grant.granted >= want ? 'full' : 'short')
        this.#events.scopeChanged(this.#budget, 'fleet', undefined)
      }, (error: unknown) => {
        this.#events.leased(this.#budget, 'failed')
        this.#toReplicaScope(error, this.#clock())
      })
      .finally(() => { this.#probing = false })
  }

  #decision (lease: Lease): RateDecision {
    const { capacity, refillPerSecond } = this.#limit
    const remaining = Math.min(capacity, Math.floor(lease.tokens + lease.remaining))
    return { limit: capacity, remaining, resetSeconds: Math.ceil((capacity - remaining) / refillPerSecond) }
  }

  #refusal (lease: Lease, cost: number, now: number): RateLimitedError {
    const waitMs = Math.max(lease.deniedUntil - now, (cost - lease.tokens) * 1000 / this.#limit.refillPerSecond)
    return new RateLimitedError({
      describe: this.#limit.describe,
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      limit: this.#limit.capacity,
      remaining: Math.floor(lease.tokens)
    })
  }
}
