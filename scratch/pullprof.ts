// Scratch: what a pull thread does for one pull (read, turn into values, encode), in one process, timed.
import { FeatureExport } from '../src/core/export/feature-export.js'
import { FeaturePull } from '../src/core/export/feature-pull.js'
import { FeatureRegistry } from '../src/core/feature-registry.js'
import { loadConfig } from '../src/config.js'
import { openFeatureStore, openBulkReader } from '../src/repo/open-feature-store.js'
import { encoderFor, slicesOf } from '../src/plugins/pull/pull-slices.js'

const config = loadConfig(process.env)
const store = await openFeatureStore({ ...config, createTables: false })
const registry = new FeatureRegistry(store.registry)
await registry.reload()
const scanner = openBulkReader({ store: config.store, endpoint: store.endpoint, embedded: false, maxConcurrentCalls: 8, observer: { storeCall: (op: string, s: number, code?: string) => { (globalThis as any).calls = ((globalThis as any).calls ?? 0) + 1; if (code !== undefined && code !== 'OK' && code !== 'ok') console.log('storeCall', op, code) }, batchGet () {}, unprocessedRetry () {}, throttled () {}, featureStatuses () {}, exportPage () {} } as never })
const limits = { maxPageSize: 1000, maxFeaturesPerRequest: 100, maxScanItemsPerPage: 10000, scanSegments: 4, defaultDeadlineMs: 30000 }
const format = (process.env.FORMAT ?? 'ndjson') as 'ndjson' | 'arrow'
const noEncode = process.env.NO_ENCODE === '1'
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
  const pull = new FeaturePull(new FeatureExport(registry, scanner, limits))
  const prepared = pull.prepare({ featureSet: 'user_moderation', features: ['toxicity', 'reports_30d', 'is_restricted', 'restricted_until', 'flagged_terms'].map((f) => 'user_moderation:' + f), segment: { index: 0, count: 1 } } as never)
  const encoder = encoderFor(format, prepared.featureSet.name, prepared.features)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let rows = 0
  let bytes = 0
  for await (const batch of pull.batches(prepared)) {
    for (const slice of slicesOf(batch)) {
      if (!noEncode) for (const b of encoder.batch(slice)) bytes += b.byteLength
      rows += slice.rows.length
    }
    if (batch.done) break
  }
  const cpu = process.cpuUsage(cpu0)
  const s = (performance.now() - t0) / 1e3
  console.log(`${format}${noEncode ? ' (no encode)' : ''}: ${rows} rows in ${s.toFixed(2)} s, ${(rows / s).toFixed(0)} rows/s, ${((cpu.user + cpu.system) / rows).toFixed(2)} µs CPU/row, ${(bytes / rows).toFixed(0)} bytes/row, ${(globalThis as any).calls} calls so far`)
}
scanner.close()
await store.close()
