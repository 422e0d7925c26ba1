/**
 * A caller's budget shared by every replica, kept in the store: replicas lease tokens from it in
 * chunks (src/core/access/fleet-rate-limiter.ts) instead of asking per request.
 *
 * The budget is a token bucket of `capacity` tokens refilled at `refillPerSecond`, identified by
 * `budget` (what is counted: 'online', 'explore') and `caller`. Implementations must take tokens
 * atomically across replicas: two leases never get the same token. Times are the asking replica's
 * clock in epoch milliseconds, so replicas' clocks must agree (NTP; a skew of d ms changes a
 * caller's budget by at most d × refillPerSecond / 1000 tokens).
 */
export interface BudgetLedger {
  /**
   * Takes up to `tokens` from the budget, and at least `minTokens` (≤ tokens) or none at all.
   * Rejects with a typed store error when the store cannot be asked.
   */
  lease (request: LeaseRequest, signal?: AbortSignal): Promise<LeaseGrant>
}

export interface LeaseRequest {
  readonly budget: string
  readonly caller: string
  readonly tokens: number
  readonly minTokens: number
  readonly capacity: number
  readonly refillPerSecond: number
  /** Epoch milliseconds on the asking replica. */
  readonly now: number
}

export interface LeaseGrant {
  /** Tokens now the replica's to spend: 0, or from minTokens to tokens. */
  readonly granted: number
  /** Tokens left in the shared budget right after this lease (the caller's remaining budget, fleet-wide). */
  readonly remaining: number
  /** Epoch milliseconds when `minTokens` more could be granted, as the budget stands after this lease. */
  readonly nextAt: number
}

/**
 * The bucket as one number, the time the bucket would be full again ("theoretical arrival time" of
 * the generic cell rate algorithm): tokens available at `now` are capacity − (fullAt − now) × rate,
 * capped at capacity. One number makes "take n if there are n" a single conditional add in the store.
 */
export function tokensAvailable (fullAt: number | undefined, now: number, capacity: number, refillPerSecond: number): number {
  if (fullAt === undefined || fullAt <= now) return capacity
  return Math.max(0, capacity - (fullAt - now) * refillPerSecond / 1000)
}

/** When `tokens` will be available, given the bucket is full at `fullAt`. */
export function availableAt (fullAt: number | undefined, tokens: number, capacity: number, refillPerSecond: number): number {
  if (fullAt === undefined) return 0
  return fullAt - (capacity - tokens) * 1000 / refillPerSecond
}
