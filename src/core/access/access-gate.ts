import type { Authenticator, PresentedCredentials } from './authenticator.js'
import type { FeatureSetAction } from './feature-set-authorizer.js'
import type { Principal, Scope } from './principal.js'
import type { CallerBudget, RateDecision } from './rate-limiter.js'

export type Entry = 'online' | 'explore' | 'write' | 'admin'

const SCOPE_OF: Readonly<Record<Entry, Scope>> = { online: 'online:read', explore: 'explore:read', write: 'features:write', admin: 'admin' }

export interface Admission {
  readonly principal: Principal
  /** The caller's request budget after this request (online and write entries only). */
  readonly rate: RateDecision | undefined
}

/**
 * The one door both protocols go through, in the order that is cheapest to refuse: credentials,
 * scope, and the caller's budget. Load is not refused here: exploration waits its turn in the
 * explore queue (explore-queue.ts), which yields to online lookups.
 */
export class AccessGate {
  readonly #authenticator: Authenticator
  readonly #onlineRate: CallerBudget | undefined
  readonly #explorePoints: CallerBudget | undefined

  constructor (options: { authenticator: Authenticator, onlineRate?: CallerBudget, explorePoints?: CallerBudget }) {
    this.#authenticator = options.authenticator
    this.#onlineRate = options.onlineRate
    this.#explorePoints = options.explorePoints
  }

  /**
   * Synchronous (throwing when refused) for an API key or in open mode, so the online path pays no
   * promise per call; a promise for a JWT, or when the caller's fleet budget needs a lease first.
   * Callers that may wait simply `await` it.
   */
  admit (entry: Entry, presented: PresentedCredentials): Admission | Promise<Admission> {
    const principal = this.#authenticator.identify(presented)
    return principal instanceof Promise ? principal.then((p) => this.#admitted(entry, p)) : this.#admitted(entry, principal)
  }

  #admitted (entry: Entry, principal: Principal): Admission | Promise<Admission> {
    this.#authenticator.authorize(principal, SCOPE_OF[entry])
    // Open mode has one anonymous caller: a shared budget would only throttle development traffic.
    // A write call spends the same per-caller request budget as a lookup: one call, one request.
    const rate = (entry === 'online' || entry === 'write') && principal.via !== 'open' ? this.#onlineRate?.take(principal.id) : undefined
    // A promise only when a fleet lease is needed first: the hot path pays no promise or turn for it.
    return rate instanceof Promise ? rate.then((decided) => ({ principal, rate: decided })) : { principal, rate }
  }

  /** Where a principal is limited to some feature sets, refuses any other. */
  authorizeFeatureSets (principal: Principal, featureSets: Iterable<string>, action?: FeatureSetAction): void {
    this.#authenticator.authorizeFeatureSets(principal, featureSets, action)
  }

  /** Spends GraphQL cost points from the caller's per-minute budget (waits only when a fleet lease is needed first). */
  chargePoints (principal: Principal, points: number): RateDecision | Promise<RateDecision> | undefined {
    return principal.via === 'open' ? undefined : this.#explorePoints?.take(principal.id, points)
  }
}
