import t from 'tap'
import { FeatureRegistry } from '../../src/core/feature-registry.js'
import { FeatureWrites } from '../../src/core/writes/feature-writes.js'
import type { WriteCounts } from '../../src/core/gateway-observer.js'
import { StoreUnavailableError } from '../../src/errors.js'
import { storeBackends } from '../helpers/store-backends.js'
import { openTestStore, readAll, writerWith, type TestStore } from '../helpers/test-store.js'
import { SCORES } from '../writes/write-helpers.js'

const T0 = 1_790_000_000_000
const LIMITS = { maxRows: 500, maxBytes: 4 * 1024 * 1024, concurrency: 4 }
const row = (entityId: string, eventTime: number, score: number): Record<string, unknown> => ({ entity_id: entityId, event_time: eventTime, features: { score, note: 'n' } })

for (const backend of storeBackends()) {
  t.test(`FeatureWrites on ${backend.name}`, async (t) => {
    const endpoint = await backend.start(t)
    const store = await openTestStore(t, endpoint)
    await store.registry.put(SCORES)
    const registry = new FeatureRegistry(store.registry)
    await registry.reload()
    const counts: WriteCounts[] = []
    const writesOver = (s: Pick<TestStore, 'writer' | 'rows'>): FeatureWrites => new FeatureWrites({
      registry, writer: s.writer, rows: s.rows, access: undefined, observer: { rowsWritten: (_protocol, c) => counts.push(c) }, limits: LIMITS
    })
    const writes = writesOver(store)
    const scoreOf = async (entityId: string): Promise<unknown> => {
      const [stored] = await readAll(store.rows, [{ entityId, featureSet: SCORES, features: undefined }], { deadlineAt: Date.now() + 10_000 })
      const value = stored?.values.get('score')
      return value?.type === 'double' ? [value.value, stored!.eventTime] : value
    }

    t.test('many rows (several store calls at once), cached reads see them at once, metrics counted', async (t) => {
      await writes.write('http', undefined, { featureSet: 'scores', rows: [row('c1', T0, 1)], onlyNewer: false, allowMissing: false })
      t.same(await scoreOf('c1'), [1, T0], 'cached now')
      const rows = Array.from({ length: 120 }, (_, i) => row(`c${i}`, T0 + 1, i))
      const result = await writes.write('http', undefined, { featureSet: 'scores', rows, onlyNewer: false, allowMissing: false })
      t.match(result, { written: 120, leftAlone: 0, rejected: 0 })
      t.same(await scoreOf('c1'), [1, T0 + 1], 'the cached row was forgotten')
      t.same(await scoreOf('c119'), [119, T0 + 1])
      t.same(counts.at(-1), { written: 120, leftAlone: 0, rejected: 0 })
    })

    t.test('only_newer keeps a newer stored row; an equal event time rewrites (a retry is a no-op)', async (t) => {
      await writes.write('grpc', undefined, { featureSet: 'scores', rows: [row('o1', T0 + 10, 1)], onlyNewer: false, allowMissing: false })
      const late = await writes.write('grpc', undefined, { featureSet: 'scores', rows: [row('o1', T0 + 5, 2), row('o2', T0, 3)], onlyNewer: true, allowMissing: false })
      t.same(late.rows.map((r) => r.outcome), ['LEFT_ALONE', 'WRITTEN'])
      t.same(await scoreOf('o1'), [1, T0 + 10])
      const retry = await writes.write('grpc', undefined, { featureSet: 'scores', rows: [row('o1', T0 + 10, 1)], onlyNewer: true, allowMissing: false })
      t.same(retry.rows.map((r) => r.outcome), ['WRITTEN'])
      t.same(await scoreOf('o1'), [1, T0 + 10])
    })

    t.test('a store failure fails the call, and this replica forgets every row it may have written', async (t) => {
      await writes.write('http', undefined, { featureSet: 'scores', rows: [row('f1', T0, 1)], onlyNewer: false, allowMissing: false })
      t.same(await scoreOf('f1'), [1, T0], 'cached')
      let calls = 0
      const failing = writerWith(store.writer, {
        writeRows: async (rows) => {
          // The first call lands; the second fails as a store outage would.
          if (calls++ === 0) return await store.writer.writeRows(rows)
          throw new StoreUnavailableError()
        }
      })
      const rows = [row('f1', T0 + 1, 2), ...Array.from({ length: 40 }, (_, i) => row(`f${i + 2}`, T0, i))]
      await t.rejects(writesOver({ writer: failing, rows: store.rows }).write('http', undefined, { featureSet: 'scores', rows, onlyNewer: false, allowMissing: false }),
        { code: 'FG_ERR_STORE_UNAVAILABLE' })
      t.same(await scoreOf('f1'), [2, T0 + 1], 'the row that was written is served, not the cached one')
    })
  })
}
