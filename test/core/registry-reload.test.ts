import t from 'tap'
import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { buildApp } from '../../src/app.js'
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import { testConfig } from '../helpers/build-app.js'

t.test('a new feature set appears on reload; a broken one is skipped and logged, the rest kept', async (t) => {
  const lines: string[] = []
  const config = testConfig({ DEMO_USERS: '5', LOG_LEVEL: 'info' })
  const app = await buildApp(config, { logStream: { write: (line: string) => { lines.push(line) } } })
  t.teardown(async () => await app.close())
  await app.ready()
  const client = createDynamoClient({
    endpoint: app.featureStore.endpoint,
    region: 'us-east-1',
    maxSockets: 2,
    connectTimeoutMs: 1_000,
    maxAttempts: 1,
    retryBaseMs: 10,
    staticCredentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' }
  })
  t.teardown(() => client.destroy())
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

t.test('the cache can be cleared after an ingest, so reads see the new rows at once', async (t) => {
  const app = await buildApp(testConfig({ DEMO_USERS: '5' }))
  t.teardown(async () => await app.close())
  await app.ready()
  await app.featureLookup.getFeatures(['user_1', 'user_2'], ['user_profile:region'])
  const before = app.featureRows.cacheStats()
  t.equal(before?.entries, 2)
  const cleared = await app.inject({ method: 'POST', url: '/admin/cache/clear' })
  t.same(cleared.json(), { clearedEntries: 2, clearedBytes: before?.bytes })
  t.equal(app.featureRows.cacheStats()?.entries, 0)
})
