import t from 'tap'
import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { buildApp } from '../../src/app.js'
import { FeatureRegistry } from '../../src/core/feature-registry.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import { testConfig } from '../helpers/build-app.js'
import { embeddedStoreClient, writeRows } from '../helpers/test-store.js'

t.test('a new feature set appears on reload; a broken one is skipped and logged, the rest kept', async (t) => {
  const lines: string[] = []
  const config = testConfig({ DEMO_USERS: '5', LOG_LEVEL: 'info' })
  const app = await buildApp(config, { logStream: { write: (line: string) => { lines.push(line) } } })
  t.teardown(async () => await app.close())
  await app.ready()
  const client = embeddedStoreClient(t, app)
  const put = async (name: string, spec: string): Promise<void> => {
    await client.send(new PutItemCommand({ TableName: config.store.registryTable, Item: { name: { S: name }, spec: { S: spec } } }))
  }
  await put('item_text', JSON.stringify({ name: 'item_text', entityType: 'item', features: [{ name: 'title_embedding', type: 'float_vector', dimension: 8 }] }))
  await put('broken_set', JSON.stringify({ name: 'broken_set', entityType: 'item', features: [{ name: 'x', type: 'complex128' }] }))

  const reloaded = await app.inject({ method: 'POST', url: '/admin/registry/reload' })
  t.same((reloaded.json() as { featureSets: string[] }).featureSets.sort(), ['item_text', 'user_profile', 'user_text', 'user_word_stats'])
  t.equal(app.featureRegistry.featureSet('item_text').features[0]?.dimension, 8, 'registered with no code change or redeploy')
  t.throws(() => app.featureRegistry.featureSet('broken_set'), { code: 'FG_ERR_UNKNOWN_FEATURE_SET' })
  const logged = lines.map((line) => JSON.parse(line) as { msg?: string, featureSet?: string, reason?: string })
    .find((entry) => entry.msg === 'Registry entry skipped: its spec is invalid')
  t.match(logged, { featureSet: 'broken_set', reason: /complex128/ })
})

t.test('after an ingest, clearing the cache makes reads see the new rows at once', async (t) => {
  // The change log would forget the row within a poll (test/core/change-follower.test.ts); off here, to pin the clear itself.
  const app = await buildApp(testConfig({ DEMO_USERS: '5', CHANGE_FEED_POLL_MS: '0' }))
  t.teardown(async () => await app.close())
  await app.ready()
  const region = async (entityId: string): Promise<unknown> =>
    (await app.featureLookup.getFeatures([entityId], ['user_profile:region'])).entities[0]!.results[0]!.value
  const old = await region('user_1')
  await region('user_2')
  const before = app.featureRows.cacheStats()
  t.equal(before?.entries, 2)
  await writeRows(app.featureStore.writer, [{ entityId: 'user_1', featureSet: app.featureRegistry.featureSet('user_profile'), eventTime: Date.now(), values: new Map([['region', { type: 'string', value: 'mars-north' }]]) }])
  t.same(await region('user_1'), old, 'served from the cache until it is cleared')
  const cleared = await app.inject({ method: 'POST', url: '/admin/cache/clear' })
  t.same(cleared.json(), { clearedEntries: 2, clearedBytes: before?.bytes })
  t.equal(app.featureRows.cacheStats()?.entries, 0)
  t.same(await region('user_1'), { type: 'string', value: 'mars-north' }, 'the ingested value, at once')
})

t.test('a clear is never undone by a read that started before it', async (t) => {
  const app = await buildApp(testConfig({ DEMO_USERS: '5' }))
  t.teardown(async () => await app.close())
  await app.ready()
  const profile = app.featureRegistry.featureSet('user_profile')
  const region = async (entityId: string): Promise<unknown> =>
    (await app.featureLookup.getFeatures([entityId], ['user_profile:region'])).entities[0]!.results[0]!.value
  // Hold the store's answer (read before the ingest) until the clear has happened.
  const port = app.featureStore.rows
  const readRows = port.readRows.bind(port)
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let answered!: () => void
  const read = new Promise<void>((resolve) => { answered = resolve })
  port.readRows = async (requests, options) => {
    const rows = await readRows(requests, options)
    answered()
    await released
    return rows
  }
  t.teardown(() => { port.readRows = readRows })
  const inFlight = region('user_3')
  await read
  port.readRows = readRows
  await writeRows(app.featureStore.writer, [{ entityId: 'user_3', featureSet: profile, eventTime: Date.now(), values: new Map([['region', { type: 'string', value: 'mars-south' }]]) }])
  await app.inject({ method: 'POST', url: '/admin/cache/clear' })
  release()
  t.notSame(await inFlight, { type: 'string', value: 'mars-south' }, 'the read that started before the ingest answers with what it read')
  t.same(await region('user_3'), { type: 'string', value: 'mars-south' }, 'and does not put the old row back in the cache')
})

t.test('a registry type change never fails a lookup: values that no longer fit read as INVALID, the rest as usual', async (t) => {
  const app = await buildApp(testConfig({ DEMO_USERS: '5' }))
  t.teardown(async () => await app.close())
  await app.ready()
  const query = '{ getFeatures(entityIds: ["user_1", "user_3"], featureNames: ["user_word_stats:avg_word_length", "user_word_stats:token_count"]) { entities { entityId features { ref status value { json } } } } }'
  const ask = async (): Promise<{ errors?: unknown[], data: { getFeatures: { entities: Array<{ entityId: string, features: Array<{ ref: string, status: string }> }> } } }> =>
    (await app.inject({ method: 'POST', url: '/graphql', payload: { query } })).json()
  const before = await ask()
  t.equal(before.errors, undefined)
  const stored = before.data.getFeatures.entities.filter((e) => e.features[0]!.status !== 'NOT_FOUND')
  t.ok(stored.length > 0, 'the demo has word stats for some of these users (and they are now cached)')

  const spec = app.featureRegistry.featureSet('user_word_stats')
  await app.featureStore.registry.put({ ...spec, features: spec.features.map((f) => f.name === 'avg_word_length' ? { ...f, type: 'int64' as const } : f) })
  t.equal((await app.inject({ method: 'POST', url: '/admin/registry/reload' })).statusCode, 200)
  const after = await ask()
  t.equal(after.errors, undefined, 'no error, no null entity')
  for (const entity of after.data.getFeatures.entities) {
    const was = before.data.getFeatures.entities.find((e) => e.entityId === entity.entityId)!
    if (was.features[0]!.status === 'NOT_FOUND') continue
    t.equal(entity.features[0]!.status, 'INVALID', `${entity.entityId}: a stored double read as int64 is INVALID (not the cached old decoding)`)
    t.equal(entity.features[1]!.status, was.features[1]!.status, `${entity.entityId}: token_count served as before`)
  }
})

t.test('a registry entry that stops parsing keeps its last good spec serving, logged and counted', async (t) => {
  const lines: string[] = []
  const config = testConfig({ DEMO_USERS: '5', LOG_LEVEL: 'info' })
  const app = await buildApp(config, { logStream: { write: (line: string) => { lines.push(line) } } })
  t.teardown(async () => await app.close())
  await app.ready()
  const client = embeddedStoreClient(t, app)
  const good = app.featureRegistry.featureSet('user_profile')
  await client.send(new PutItemCommand({ TableName: config.store.registryTable, Item: { name: { S: 'user_profile' }, spec: { S: '{"name":"user_profile","features":[{"name":"region","type":"varchar"}]}' } } }))
  t.equal((await app.inject({ method: 'POST', url: '/admin/registry/reload' })).statusCode, 200)
  t.same(app.featureRegistry.featureSet('user_profile'), good, 'the set keeps serving its last good spec')
  const answer = await app.featureLookup.getFeatures(['user_1'], ['user_profile:region'])
  t.not(answer.entities[0]!.results[0]!.status, 'INVALID')
  const logged = lines.map((line) => JSON.parse(line) as { msg?: string, featureSet?: string }).find((entry) => entry.featureSet === 'user_profile')
  t.equal(logged?.msg, 'Registry entry is invalid: serving its last good spec')
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(metrics, /^featuregate_registry_invalid_entries 1$/m)
  t.match(metrics, /^featuregate_registry_sets_on_last_good_spec 1$/m)
})

t.test('a reload that started earlier never overwrites one that finished after starting later', async (t) => {
  const v1: FeatureSetSpec = { name: 's', entityType: 'e', features: [{ name: 'a', type: 'double' }] }
  const v2: FeatureSetSpec = { ...v1, features: [{ name: 'a', type: 'int64' }] }
  const answers: Array<(specs: FeatureSetSpec[]) => void> = []
  const registry = new FeatureRegistry({ list: async () => await new Promise<FeatureSetSpec[]>((resolve) => { answers.push(resolve) }) })
  const periodic = registry.reload()
  const admin = registry.reload()
  answers[1]!([v2]) // the admin reload reads the newer registry and lands first
  await admin
  answers[0]!([v1]) // the periodic one read before the change and lands late
  await periodic
  t.same(registry.featureSet('s'), v2, 'the newer reload stands')
})
