import { availableAt, tokensAvailable, type BudgetLedger, type LeaseGrant, type LeaseRequest } from '../../src/domain/ports/budget-ledger.js'
import { StoreUnavailableError } from '../../src/errors.js'

/**
 * The budget ledger's semantics in memory (what dynamo-budget-ledger.ts does with conditional
 * writes), for the core's lease logic: counts leases and can be made to fail like an unreachable store.
 */
export class InMemoryBudgetLedger implements BudgetLedger {
  readonly #fullAt = new Map<string, number>()
  readonly requests: LeaseRequest[] = []
  /** While true, every lease fails as an unreachable store would. */
  unreachable = false

  async lease (request: LeaseRequest): Promise<LeaseGrant> {
    this.requests.push(request)
    if (this.unreachable) throw new StoreUnavailableError()
    const key = `${request.budget}#${request.caller}`
    const { capacity, refillPerSecond, now } = request
    const fullAt = this.#fullAt.get(key)
    const available = Math.floor(tokensAvailable(fullAt, now, capacity, refillPerSecond))
    const granted = available >= request.tokens ? request.tokens : available >= request.minTokens ? available : 0
    const after = Math.max(fullAt ?? now, now) + granted * 1000 / refillPerSecond
    if (granted > 0) this.#fullAt.set(key, after)
    return { granted, remaining: Math.floor(tokensAvailable(after, now, capacity, refillPerSecond)), nextAt: availableAt(after, request.minTokens, capacity, refillPerSecond) }
  }

  leasesOf (caller: string): number {
    return this.requests.filter((r) => r.caller === caller).length
  }
}
