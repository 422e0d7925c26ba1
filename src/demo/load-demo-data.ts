import type { FeatureStore } from '../domain/ports/feature-store.js'
import { DEMO_FEATURE_SETS } from './demo-registry.js'
import { demoRowsFor } from './demo-data.js'

export interface DemoLoadResult {
  readonly users: number
  readonly rows: number
  readonly milliseconds: number
}

/** Registers the demo feature sets and writes `users` users' rows, several writers at a time. */
export async function loadDemoData (store: FeatureStore, users: number, seed: number, now = Date.now()): Promise<DemoLoadResult> {
  const started = performance.now()
  for (const spec of DEMO_FEATURE_SETS) await store.registry.put(spec)
  const usersPerBatch = 200
  let next = 0
  let rows = 0
  const worker = async (): Promise<void> => {
    while (next < users) {
      const from = next
      next = Math.min(users, next + usersPerBatch)
      const prepared = []
      for (let i = from; i < next; i++) for (const row of demoRowsFor(i, seed, now)) prepared.push(store.writer.prepare(row))
      rows += prepared.length
      await store.writer.writeRows(prepared)
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  return { users, rows, milliseconds: Math.round(performance.now() - started) }
}
