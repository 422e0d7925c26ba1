import * as grpc from '@grpc/grpc-js'
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { encodeTypedValue, rowsOf, type TypedValue } from '../../examples/grpc-client.js'
import type { WriteRow } from '../../src/generated/proto/feature_store/v1/WriteRow.js'
import type { FastifyInstance } from 'fastify'
import { build } from '../helpers/build-app.js'
import { ALL_TYPES } from '../helpers/all-types.js'
import { clientFor, failureOf } from '../grpc/harness.js'
import { httpWrite, registerSets, row, SCORES } from './write-helpers.js'

const T0 = 1_790_000_000_000

t.test('online writes over both protocols, on the embedded store with the cache on', async (t) => {
  const app = await build(t, { DEMO_USERS: '20' })
  await registerSets(app, [SCORES, ALL_TYPES])
  const client = clientFor(t, app)
  const score = async (entityId: string): Promise<{ value: TypedValue | null, eventTimeMs: number, status: string }> => {
    const [entity] = rowsOf(await client.getOnlineFeatures([entityId], ['scores:score']))
    const cell = entity!.features.get('scores:score')!
    return { value: cell.value, eventTimeMs: cell.eventTimeMs, status: cell.status }
  }
  const grpcRow = (entityId: string, eventTime: number, value: number | null, note: string | null = 'n'): WriteRow => ({
    entity_id: entityId,
    event_time_ms: eventTime,
    features: { score: encodeTypedValue(value === null ? null : { type: 'double', value }), note: encodeTypedValue(note === null ? null : { type: 'string', value: note }) }
  })

  t.test('HTTP: one result per row in order, a bad row rejected with its reason, and this replica serves the write at once', async (t) => {
    await httpWrite(app, { featureSet: 'scores', rows: [row('h1', T0, 0.25)] })
    t.same(await score('h1'), { value: { type: 'double', value: 0.25 }, eventTimeMs: T0, status: 'FEATURE_STATUS_PRESENT' }, 'read once, so it is cached')
    const answer = await httpWrite(app, { featureSet: 'scores', rows: [row('h1', T0 + 1, 0.75), row('h2', T0, 1, 7 as unknown as string), row('h3', T0, null)] })
    t.equal(answer.status, 200)
    t.same(answer.body, {
      featureSet: 'scores',
      written: 2,
      leftAlone: 0,
      rejected: 1,
      results: [{ outcome: 'WRITTEN' }, { outcome: 'REJECTED', reason: 'Invalid value for note: expected a string of well-formed Unicode' }, { outcome: 'WRITTEN' }]
    })
    t.same(await score('h1'), { value: { type: 'double', value: 0.75 }, eventTimeMs: T0 + 1, status: 'FEATURE_STATUS_PRESENT' }, 'the new value, not the cached one')
    t.equal((await score('h2')).status, 'FEATURE_STATUS_NOT_FOUND', 'the rejected row wrote nothing')
    t.equal((await score('h3')).status, 'FEATURE_STATUS_NULL_VALUE')
  })

  t.test('gRPC: the same, and the writing replica serves the write at once', async (t) => {
    await client.writeFeatures({ feature_set: 'scores', rows: [grpcRow('g1', T0, 1.5)] })
    t.equal((await score('g1')).value?.value, 1.5)
    const answer = await client.writeFeatures({ feature_set: 'scores', rows: [grpcRow('g1', T0 + 5, 2.5), { entity_id: '', event_time_ms: T0, features: {} }] })
    t.same(answer, {
      results: [
        { outcome: 'WRITE_OUTCOME_WRITTEN', reason: '' },
        { outcome: 'WRITE_OUTCOME_REJECTED', reason: 'Invalid entity id: an entity id must be a non-empty string' }
      ],
      written: 1,
      left_alone: 0,
      rejected: 1
    })
    t.same(await score('g1'), { value: { type: 'double', value: 2.5 }, eventTimeMs: T0 + 5, status: 'FEATURE_STATUS_PRESENT' })
  })

  t.test('gRPC: every value type as the read side carries it, read back exactly; a member of another type is rejected', async (t) => {
    const values: Record<string, TypedValue> = {
      d: { type: 'double', value: -0.5 },
      i: { type: 'int64', value: 9_007_199_254_740_993n },
      s: { type: 'string', value: 'héllo' },
      b: { type: 'bool', value: true },
      y: { type: 'bytes', value: Uint8Array.from([0, 255, 7]) },
      ts: { type: 'timestamp', value: T0 - 1 },
      v: { type: 'float_vector', value: Float32Array.from([0.1, -1, 2, 3, 4, 5, 6, 7.5]) },
      dl: { type: 'double_list', value: [1.25, -2] },
      il: { type: 'int64_list', value: [-9_223_372_036_854_775_808n, 3n] },
      sl: { type: 'string_list', value: ['a', ''] },
      bl: { type: 'bool_list', value: [false, true] }
    }
    const features = Object.fromEntries(Object.entries(values).map(([name, value]) => [name, encodeTypedValue(value)]))
    const answer = await client.writeFeatures({
      feature_set: 'all_types',
      rows: [
        { entity_id: 'thing_1', event_time_ms: T0, features },
        { entity_id: 'thing_2', event_time_ms: T0, features: { ...features, i: { string_value: '12' } } }
      ]
    })
    t.same(answer.results, [
      { outcome: 'WRITE_OUTCOME_WRITTEN', reason: '' },
      { outcome: 'WRITE_OUTCOME_REJECTED', reason: 'Invalid value for i: expected Value.int64_value (the feature is int64), got Value.string_value' }
    ])
    const [entity] = rowsOf(await client.getOnlineFeatures(['thing_1'], ['all_types']))
    for (const [name, value] of Object.entries(values)) t.same(entity!.features.get(`all_types:${name}`)?.value, value, name)
  })

  t.test('only_newer: a late event is left alone, on both protocols; without it the late event overwrites', async (t) => {
    await httpWrite(app, { featureSet: 'scores', rows: [row('n1', T0 + 100, 10), row('n2', T0 + 100, 20)] })
    const late = await httpWrite(app, { featureSet: 'scores', onlyNewer: true, rows: [row('n1', T0 + 50, 11), row('n2', T0 + 200, 21)] })
    t.same(late.body.results, [{ outcome: 'LEFT_ALONE' }, { outcome: 'WRITTEN' }])
    t.match(late.body, { written: 1, leftAlone: 1, rejected: 0 })
    t.same(await score('n1'), { value: { type: 'double', value: 10 }, eventTimeMs: T0 + 100, status: 'FEATURE_STATUS_PRESENT' })
    t.same(await score('n2'), { value: { type: 'double', value: 21 }, eventTimeMs: T0 + 200, status: 'FEATURE_STATUS_PRESENT' })

    const grpcLate = await client.writeFeatures({ feature_set: 'scores', only_newer: true, rows: [grpcRow('n2', T0 + 150, 99), grpcRow('n3', T0, 3)] })
    t.same(grpcLate.results.map((r) => r.outcome), ['WRITE_OUTCOME_LEFT_ALONE', 'WRITE_OUTCOME_WRITTEN'])
    t.equal(grpcLate.left_alone, 1)
    t.equal((await score('n2')).value?.value, 21)

    await client.writeFeatures({ feature_set: 'scores', rows: [grpcRow('n2', T0 + 150, 99)] })
    t.same(await score('n2'), { value: { type: 'double', value: 99 }, eventTimeMs: T0 + 150, status: 'FEATURE_STATUS_PRESENT' }, 'a plain write replaces whatever is stored')
  })

  t.test('an entity twice in one call: written in order; with only_newer the newer event wins whatever the order', async (t) => {
    const plain = await httpWrite(app, { featureSet: 'scores', rows: [row('d1', T0 + 9, 1), row('d1', T0 + 1, 2)] })
    t.same(plain.body.results, [{ outcome: 'WRITTEN' }, { outcome: 'WRITTEN' }])
    t.same(await score('d1'), { value: { type: 'double', value: 2 }, eventTimeMs: T0 + 1, status: 'FEATURE_STATUS_PRESENT' }, 'the later row wins')
    const newer = await httpWrite(app, { featureSet: 'scores', onlyNewer: true, rows: [row('d2', T0 + 9, 1), row('d2', T0 + 1, 2)] })
    t.same(newer.body.results, [{ outcome: 'WRITTEN' }, { outcome: 'LEFT_ALONE' }])
    t.same(await score('d2'), { value: { type: 'double', value: 1 }, eventTimeMs: T0 + 9, status: 'FEATURE_STATUS_PRESENT' })
  })

  t.test('safe to retry: the same call twice leaves the same state and gives the same results', async (t) => {
    const rows = Array.from({ length: 60 }, (_, i) => row(`r${i}`, T0 + i, i / 2))
    for (const onlyNewer of [false, true]) {
      const first = await httpWrite(app, { featureSet: 'scores', onlyNewer, rows })
      const again = await httpWrite(app, { featureSet: 'scores', onlyNewer, rows })
      t.same(again.body, first.body, `onlyNewer ${String(onlyNewer)}: same answer`)
      t.equal(first.body.written, 60)
    }
    const rowsRead = rowsOf(await client.getOnlineFeatures(rows.map((r) => String(r.entity_id)), ['scores:score']))
    t.same(rowsRead.map((r) => r.features.get('scores:score')?.value?.value), rows.map((_, i) => i / 2), 'all 60 rows (three store calls) as written')

    const grpcRows = [grpcRow('gr1', T0, 1), grpcRow('gr2', T0, 2)]
    const first = await client.writeFeatures({ feature_set: 'scores', only_newer: true, rows: grpcRows })
    const again = await client.writeFeatures({ feature_set: 'scores', only_newer: true, rows: grpcRows })
    t.same(again, first)
    t.same(first.results.map((r) => r.outcome), ['WRITE_OUTCOME_WRITTEN', 'WRITE_OUTCOME_WRITTEN'], 'an equal event time is not older: rewritten, same state')
  })

  t.test('a call about nothing it may write is refused whole: unknown set, no rows, a malformed body', async (t) => {
    const unknown = await httpWrite(app, { featureSet: 'nope', rows: [row('x', T0, 1)] })
    t.equal(unknown.status, 400)
    t.match(unknown.body.errors, [{ message: 'Unknown feature set "nope"', extensions: { code: 'BAD_USER_INPUT', fgCode: 'FG_ERR_UNKNOWN_FEATURE_SET' } }])
    const empty = await httpWrite(app, { featureSet: 'scores', rows: [] })
    t.equal(empty.status, 400)
    t.match(empty.body.errors, [{ extensions: { fgCode: 'FG_ERR_MISSING_ARGUMENT' } }])
    const extra = await httpWrite(app, { featureSet: 'scores', rows: [], only_newer: true })
    t.equal(extra.status, 400)
    t.match(extra.body.errors, [{ message: /unexpected field "only_newer"/ }])
    const notRows = await httpWrite(app, { featureSet: 'scores', rows: { entity_id: 'x' } })
    t.match(notRows.body.errors, [{ message: /rows must be a list/ }])

    const grpcUnknown = await failureOf(t, client.writeFeatures({ feature_set: 'nope', rows: [grpcRow('x', T0, 1)] }))
    t.equal(grpcUnknown.code, grpc.status.INVALID_ARGUMENT)
    t.equal(grpcUnknown.details, 'Unknown feature set "nope"')
    const grpcEmpty = await failureOf(t, client.writeFeatures({ feature_set: 'scores', rows: [] }))
    t.equal(grpcEmpty.code, grpc.status.INVALID_ARGUMENT)

    const raw = new grpc.Client(`127.0.0.1:${app.grpcPort}`, grpc.credentials.createInsecure())
    t.teardown(() => raw.close())
    const garbage = await new Promise<grpc.ServiceError | null>((resolve) => {
      raw.makeUnaryRequest('/feature_store.v1.FeatureStoreService/WriteFeatures', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x12, 0xff, 0xff, 0x01]), { deadline: Date.now() + 10_000 },
        (error) => resolve(error))
    })
    t.equal(garbage?.code, grpc.status.INVALID_ARGUMENT, 'undecodable bytes are the caller\'s error, not INTERNAL')
    t.match(garbage?.details, /not a valid WriteFeatures request message/)
    const badJson = await app.inject({ method: 'POST', url: '/v1/write', headers: { 'content-type': 'application/json' }, payload: '{"featureSet": ' })
    t.equal(badJson.statusCode, 400)
  })

  t.test('metrics count rows written, left alone and rejected, by protocol', async (t) => {
    const text = (await app.inject('/metrics')).body
    const count = (protocol: string, result: string): number => Number(new RegExp(`^featuregate_write_rows_total\\{protocol="${protocol}",result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
    t.ok(count('http', 'written') >= 120, 'http written')
    t.ok(count('http', 'left_alone') >= 2, 'http left alone')
    t.ok(count('http', 'rejected') >= 1, 'http rejected')
    t.ok(count('grpc', 'written') >= 3, 'grpc written')
    t.ok(count('grpc', 'left_alone') >= 1, 'grpc left alone')
    t.ok(count('grpc', 'rejected') >= 2, 'grpc rejected')
    t.match(text, /featuregate_grpc_server_handling_seconds_count\{grpc_service="feature_store.v1.FeatureStoreService",grpc_method="WriteFeatures",grpc_code="OK"\} \d+/)
  })
})

t.test('limits on rows and bytes per call, refused whole before anything is written', async (t) => {
  const app = await build(t, { DEMO_USERS: '5', WRITE_MAX_ROWS: '3', WRITE_MAX_BYTES: '2048' })
  await registerSets(app, [SCORES])
  const client = clientFor(t, app)
  const four = Array.from({ length: 4 }, (_, i) => row(`l${i}`, T0, i))

  const tooMany = await httpWrite(app, { featureSet: 'scores', rows: four })
  t.equal(tooMany.status, 400)
  t.match(tooMany.body.errors, [{ message: 'Too many rows in one write: 4 requested, the limit is 3', extensions: { code: 'LIMIT_EXCEEDED', fgCode: 'FG_ERR_LIMIT_EXCEEDED' } }])
  const big = await httpWrite(app, { featureSet: 'scores', rows: [row('l9', T0, 1, 'x'.repeat(3_000))] })
  t.equal(big.status, 400)
  t.match(big.body.errors, [{ message: /^Too many bytes in one write request: \d+ requested, the limit is 2048$/, extensions: { code: 'LIMIT_EXCEEDED' } }])

  const grpcTooMany = await failureOf(t, client.writeFeatures({
    feature_set: 'scores',
    rows: four.map((r) => ({ entity_id: String(r.entity_id), event_time_ms: T0, features: { score: { double_value: 1 }, note: { string_value: 'n' } } }))
  }))
  t.equal(grpcTooMany.code, grpc.status.INVALID_ARGUMENT)
  t.equal(grpcTooMany.details, 'Too many rows in one write: 4 requested, the limit is 3')
  const grpcBig = await failureOf(t, client.writeFeatures({
    feature_set: 'scores', rows: [{ entity_id: 'l9', event_time_ms: T0, features: { score: { double_value: 1 }, note: { string_value: 'x'.repeat(3_000) } } }]
  }))
  t.equal(grpcBig.code, grpc.status.INVALID_ARGUMENT)
  t.match(grpcBig.details, /^Too many bytes in one write request: \d+ requested, the limit is 2048$/)

  const [entity] = rowsOf(await client.getOnlineFeatures(['l0', 'l9'], ['scores:score']))
  t.equal(entity!.features.get('scores:score')?.status, 'FEATURE_STATUS_NOT_FOUND', 'nothing of a refused call is written')
})

/**
 * A gateway whose store write calls each hold their answer back 300 ms (a slow store), two at a time, and
 * 8 calls' worth of rows to write: a second wave of calls would start well after 100 ms.
 */
async function slowStoreWrites (t: Tap.Test): Promise<{ app: FastifyInstance, client: ReturnType<typeof clientFor>, ids: string[], calls: () => number }> {
  const app = await build(t, { DEMO_USERS: '5', WRITE_CONCURRENCY: '2' })
  await registerSets(app, [SCORES])
  const writer = app.featureStore.writer
  const writeRows = writer.writeRows.bind(writer)
  let calls = 0
  writer.writeRows = async (...args: Parameters<typeof writer.writeRows>) => {
    calls++
    await writeRows(...args)
    await sleep(300)
  }
  t.teardown(() => { writer.writeRows = writeRows })
  const ids = Array.from({ length: 8 * writer.maxRowsPerCall }, (_, i) => `d${String(i).padStart(3, '0')}`)
  return { app, client: clientFor(t, app), ids, calls: () => calls }
}

/** The calls under way when the call ended finished, and no more started: their rows are written and served, the others never written. */
async function onlyTheFirstWaveWritten (t: Tap.Test, slow: Awaited<ReturnType<typeof slowStoreWrites>>): Promise<void> {
  await sleep(800)
  t.equal(slow.calls(), 2, 'only the first two store calls ran (eight would have if the write had gone on)')
  const served = rowsOf(await slow.client.getOnlineFeatures(slow.ids, ['scores:score'])).map((entity) => entity.features.get('scores:score')?.status)
  const present = served.filter((status) => status === 'FEATURE_STATUS_PRESENT').length
  t.equal(present, 2 * slow.app.featureStore.writer.maxRowsPerCall, 'the rows of the calls that ran are written and served')
  t.equal(served.filter((status) => status === 'FEATURE_STATUS_NOT_FOUND').length, slow.ids.length - present, 'the others were never written')
}

t.test('gRPC WriteFeatures honours the caller\'s deadline: no store call starts after it, and what was written is served', async (t) => {
  const slow = await slowStoreWrites(t)
  const failure = await failureOf(t, slow.client.writeFeatures({
    feature_set: 'scores',
    rows: slow.ids.map((id) => ({ entity_id: id, event_time_ms: T0, features: { score: { double_value: 1 }, note: { string_value: 'n' } } }))
  }, { deadlineMs: 100 }))
  t.equal(failure.code, grpc.status.DEADLINE_EXCEEDED)
  await onlyTheFirstWaveWritten(t, slow)
})

t.test('an HTTP write whose client goes away stops as a cancelled gRPC call does: no store call starts after it, and what was written is served', async (t) => {
  const slow = await slowStoreWrites(t)
  const address = await slow.app.listen({ port: 0, host: '127.0.0.1' })
  // The client leaves once the first wave of store calls is under way (whatever the machine's speed).
  const leaving = new AbortController()
  void (async () => {
    while (slow.calls() < 2) await sleep(5)
    leaving.abort()
  })()
  await t.rejects(fetch(`${address}/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ featureSet: 'scores', rows: slow.ids.map((id) => row(id, T0, 1)) }),
    signal: leaving.signal
  }), { name: 'AbortError' }, 'the client left before the answer')
  await onlyTheFirstWaveWritten(t, slow)
})
