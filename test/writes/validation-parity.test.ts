import t from 'tap'
import type { Value } from '../../src/generated/proto/feature_store/v1/Value.js'
import type { WriteRow } from '../../src/generated/proto/feature_store/v1/WriteRow.js'
import { ingestLines } from '../../src/cli/ingest.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import { build } from '../helpers/build-app.js'
import { ALL_TYPES } from '../helpers/all-types.js'
import { clientFor } from '../grpc/harness.js'
import { httpWrite, registerSets, SCORES } from './write-helpers.js'

const T0 = 1_790_000_000_000
const MICROSECONDS = 1_795_991_541_256_000

async function * linesOf (records: readonly unknown[]): AsyncIterable<string> {
  for (const record of records) yield JSON.stringify(record)
}

/** What CLI ingest says of each record, in order (undefined: accepted). */
async function ingestReasons (app: Awaited<ReturnType<typeof build>>, spec: FeatureSetSpec, records: readonly unknown[], allowMissing = false): Promise<Array<string | undefined>> {
  const report = await ingestLines({ featureSet: spec, lines: linesOf(records), writer: app.featureStore.writer, allowMissing })
  const byLine = new Map(report.rejectedLines.map((r) => [r.line, r.reason]))
  return records.map((_, i) => byLine.get(i + 1))
}

/** The one place the protocols' wording differs: how each names the switch for partial rows. */
const hint = (reason: string | undefined, as: string): string | undefined => reason?.replace('(or pass --allow-missing)', `(or ${as})`)

t.test('the write API rejects exactly the lines CLI ingest rejects, for the same reasons', async (t) => {
  const app = await build(t, { DEMO_USERS: '5' })
  await registerSets(app, [SCORES, ALL_TYPES])
  const client = clientFor(t, app)
  const good = { entity_id: 'p0', event_time: T0, features: { score: 1, note: 'n' } }

  t.test('every way a JSON line goes wrong, ingest against POST /v1/write', async (t) => {
    const records: unknown[] = [
      good,
      { ...good, event_time: 'yesterday' },
      { ...good, features: { score: 1, note: 7 } },
      { ...good, features: { score: 1, note: 'n', colour: 'red' } },
      { ...good, features: { score: 1 } },
      { ...good, entity_id: '' },
      { ...good, entity_id: 'big', features: { score: 1, note: 'x'.repeat(420_000) } },
      { ...good, features: { score: 1e300, note: 'n' } },
      { ...good, eventTime: T0 },
      [1, 2],
      { ...good, event_time: '2026-11-20T10:00:00' },
      { ...good, event_time: MICROSECONDS },
      { event_time: T0, features: { score: 1, note: 'n' } },
      { entity_id: 'p1', features: { score: 1, note: 'n' } },
      { ...good, features: [1] },
      { ...good, entity_id: 'bad\u0007id' },
      { ...good, features: { score: '1', note: 'n' } }
    ]
    const expected = await ingestReasons(app, SCORES, records)
    t.equal(expected.filter((r) => r !== undefined).length, records.length - 1, 'every line but the first is a reject for ingest')
    const answer = await httpWrite(app, { featureSet: 'scores', rows: records })
    t.equal(answer.status, 200)
    t.same(answer.body.results!.map((r) => r.reason), expected.map((r) => hint(r, 'set allowMissing')))
    t.same(answer.body.results!.map((r) => r.outcome), expected.map((r) => r === undefined ? 'WRITTEN' : 'REJECTED'))
  })

  t.test('what the proto can carry wrong, ingest against WriteFeatures', async (t) => {
    const values = (score: Value, note: Value = { string_value: 'n' }): Record<string, Value> => ({ score, note })
    const cases: Array<{ json: unknown, wire: WriteRow }> = [
      { json: good, wire: { entity_id: 'p0', event_time_ms: T0, features: values({ double_value: 1 }) } },
      { json: { ...good, entity_id: '' }, wire: { entity_id: '', event_time_ms: T0, features: values({ double_value: 1 }) } },
      { json: { ...good, event_time: MICROSECONDS }, wire: { entity_id: 'p0', event_time_ms: MICROSECONDS, features: values({ double_value: 1 }) } },
      { json: { ...good, event_time: -5 }, wire: { entity_id: 'p0', event_time_ms: -5, features: values({ double_value: 1 }) } },
      { json: { entity_id: 'p0', features: good.features }, wire: { entity_id: 'p0', features: values({ double_value: 1 }) } },
      { json: { ...good, features: { ...good.features, colour: 'red' } }, wire: { entity_id: 'p0', event_time_ms: T0, features: { ...values({ double_value: 1 }), colour: { string_value: 'red' } } } },
      { json: { ...good, features: { score: 1 } }, wire: { entity_id: 'p0', event_time_ms: T0, features: { score: { double_value: 1 } } } },
      { json: { ...good, features: { score: 1e300, note: 'n' } }, wire: { entity_id: 'p0', event_time_ms: T0, features: values({ double_value: 1e300 }) } },
      { json: { ...good, entity_id: 'big', features: { score: 1, note: 'x'.repeat(420_000) } }, wire: { entity_id: 'big', event_time_ms: T0, features: values({ double_value: 1 }, { string_value: 'x'.repeat(420_000) }) } },
      { json: { ...good, features: { score: null, note: null } }, wire: { entity_id: 'p0', event_time_ms: T0, features: values({}, {}) } }
    ]
    const expected = await ingestReasons(app, SCORES, cases.map((c) => c.json))
    const answer = await client.writeFeatures({ feature_set: 'scores', rows: cases.map((c) => c.wire) })
    t.same(answer.results.map((r) => r.reason === '' ? undefined : r.reason), expected.map((r) => hint(r, 'set allow_missing')))
    t.equal(answer.written, 2)
  })

  t.test('typed values checked alike: dimension, time range, float32 range', async (t) => {
    const cases: Array<{ json: unknown, wire: WriteRow }> = [
      { json: { entity_id: 't1', event_time: T0, features: { v: [1, 2, 3, 4, 5, 6, 7] } }, wire: { entity_id: 't1', event_time_ms: T0, features: { v: { float_vector_value: { values: [1, 2, 3, 4, 5, 6, 7] } } } } },
      { json: { entity_id: 't2', event_time: T0, features: { ts: -5 } }, wire: { entity_id: 't2', event_time_ms: T0, features: { ts: { timestamp_ms_value: -5 } } } },
      { json: { entity_id: 't3', event_time: T0, features: { v: [1e39, 0, 0, 0, 0, 0, 0, 0] } }, wire: { entity_id: 't3', event_time_ms: T0, features: { v: { float_vector_value: { values: [Infinity, 0, 0, 0, 0, 0, 0, 0] } } } } },
      { json: { entity_id: 't4', event_time: T0, features: { il: ['1', '-2'], dl: [0.5] } }, wire: { entity_id: 't4', event_time_ms: T0, features: { il: { int64_list_value: { values: ['1', '-2'] } }, dl: { double_list_value: { values: [0.5] } } } } }
    ]
    const expected = await ingestReasons(app, ALL_TYPES, cases.map((c) => c.json), true)
    t.same(expected.map((r) => r === undefined), [false, false, false, true])
    const answer = await client.writeFeatures({ feature_set: 'all_types', allow_missing: true, rows: cases.map((c) => c.wire) })
    const reasons = answer.results.map((r) => r.reason === '' ? undefined : r.reason)
    t.same([reasons[0], reasons[1], reasons[3]], [expected[0], expected[1], expected[3]])
    // JSON can say 1e39 (outside float32); the proto's float cannot, so its nearest is infinity: refused alike, by the same check's family.
    t.match(reasons[2], /^Invalid value for v: /)
    const http = await httpWrite(app, { featureSet: 'all_types', allowMissing: true, rows: cases.map((c) => c.json) })
    t.same(http.body.results!.map((r) => r.reason), expected)
  })
})
