import type { Authenticator, PresentedCredentials } from './authenticator.js'
import type { Principal } from './principal.js'
import type { RateDecision, RateLimiter } from './rate-limiter.js'

export type Entry = 'online' | 'explore' | 'admin'

export interface Admission {
  readonly principal: Principal
  /** The caller's request budget after this request (online entry only). */
  readonly rate: RateDecision | undefined
}

/**
 * The one door both protocols go through, in the order that is cheapest to refuse: credentials,
 * scope, and the caller's budget. Load is not refused here: exploration waits its turn in the
 * explore queue (explore-queue.ts), which yields to online lookups.
 */
export class AccessGate {
  readonly #authenticator: Authenticator
  readonly #onlineRate: RateLimiter | undefined
  readonly #explorePoints: RateLimiter | undefined

  constructor (options: { authenticator: Authenticator, onlineRate?: RateLimiter, explorePoints?: RateLimiter }) {
    this.#authenticator = options.authenticator
    this.#onlineRate = options.onlineRate
    this.#explorePoints = options.explorePoints
  }

  /**
   * Synchronous (throwing when refused) for an API key or in open mode, so the online path pays no
   * promise per call; a promise for a JWT. Callers that may wait simply `await` it.
   */
  admit (entry: Entry, presented: PresentedCredentials): Admission | Promise<Admission> {
    const principal = this.#authenticator.identify(presented)
    return principal instanceof Promise ? principal.then((p) => this.#admitted(entry, p)) : this.#admitted(entry, principal)
  }

  #admitted (entry: Entry, principal: Principal): Admission {
    this.#authenticator.authorize(principal, entry === 'online' ? 'online:read' : entry === 'explore' ? 'explore:read' : 'admin')
    // Open mode has one anonymous caller: a shared budget would only throttle development traffic.
    const rate = entry === 'online' && principal.via !== 'open' ? this.#onlineRate?.take(principal.id) : undefined
    return { principal, rate }
  }

  /** Where a principal is limited to some feature sets, refuses any other. */
  authorizeFeatureSets (principal: Principal, featureSets: Iterable<string>): void {
    this.#authenticator.authorizeFeatureSets(principal, featureSets)
  }

  /** Spends GraphQL cost points from the caller's per-minute budget. */
  chargePoints (principal: Principal, points: number): RateDecision | undefined {
    return principal.via === 'open' ? undefined : this.#explorePoints?.take(principal.id, points)
  }
}
