import { LRUCache } from 'lru-cache'
import { RateLimitedError } from '../../errors.js'

export interface RateLimit {
  /** Most that can be spent at once (the bucket). */
  readonly capacity: number
  /** Units restored per second. */
  readonly refillPerSecond: number
  /** How the limit reads in messages, e.g. "100 requests per second". */
  readonly describe: string
}

export interface RateDecision {
  readonly limit: number
  readonly remaining: number
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number
}

/** A caller's budget as the access gate spends it: this replica's buckets, or the fleet's (fleet-rate-limiter.ts). */
export interface CallerBudget {
  /** Spends `cost` units of the caller's budget, or fails with RateLimitedError; answers at once whenever it can. */
  take (caller: string, cost?: number, now?: number): RateDecision | Promise<RateDecision>
}

interface Bucket {
  tokens: number
  updatedAt: number
}

/**
 * Token buckets per caller: requests per second on gRPC, query cost points per minute on GraphQL
 * (as GitHub's API counts points). Bounded in memory: idle callers' buckets are forgotten, which
 * only ever errs towards a full bucket.
 */
export class RateLimiter implements CallerBudget {
  readonly #limit: RateLimit
  readonly #buckets = new LRUCache<string, Bucket>({ max: 100_000 })

  constructor (limit: RateLimit) {
    this.#limit = limit
  }

  get limit (): RateLimit {
    return this.#limit
  }

  /** Spends `cost` units of the caller's budget, or throws RateLimitedError saying when to retry. */
  take (caller: string, cost = 1, now = Date.now()): RateDecision {
    const { capacity, refillPerSecond } = this.#limit
    const bucket = this.#buckets.get(caller) ?? { tokens: capacity, updatedAt: now }
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.updatedAt) / 1000 * refillPerSecond)
    bucket.updatedAt = now
    this.#buckets.set(caller, bucket)
    if (bucket.tokens < cost) {
      const retryAfter = Math.max(1, Math.ceil((cost - bucket.tokens) / refillPerSecond))
      throw new RateLimitedError({ describe: this.#limit.describe, retryAfterSeconds: retryAfter, limit: capacity, remaining: Math.floor(bucket.tokens) })
    }
    bucket.tokens -= cost
    return { limit: capacity, remaining: Math.floor(bucket.tokens), resetSeconds: Math.ceil((capacity - bucket.tokens) / refillPerSecond) }
  }
}
