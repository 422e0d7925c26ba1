import type { FeatureStoreClient } from '../../examples/grpc-client.js'
import { demoUserId } from '../../src/demo/demo-data.js'

export interface LatencyFigures {
  readonly p50: number
  readonly p99: number
  readonly rps: number
  readonly errors: number
}

/** The value at quantile `q` of ascending `sorted` (NaN when empty). */
export function quantile (sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

export interface GrpcLoadOptions {
  readonly seconds: number
  readonly concurrency: number
  /** Feature references of each lookup. */
  readonly features: readonly string[]
  /** Lookups cycle over demo users 0 … users-1. */
  readonly users: number
}

/** Inference-style online load: one demo user per GetOnlineFeatures, `concurrency` at a time, for `seconds`. */
export async function grpcLoad (client: FeatureStoreClient, options: GrpcLoadOptions): Promise<LatencyFigures> {
  const latencies: number[] = []
  let errors = 0
  const until = performance.now() + options.seconds * 1000
  let next = 0
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (performance.now() < until) {
      const id = demoUserId(next++ % options.users)
      const started = performance.now()
      try {
        await client.getOnlineFeatures([id], options.features, { deadlineMs: 5_000 })
        latencies.push(performance.now() - started)
      } catch {
        errors++
      }
    }
  }))
  latencies.sort((a, b) => a - b)
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), rps: latencies.length / options.seconds, errors }
}
