import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runIngest } from '../../src/cli/run-ingest.js'
import { loadConfig } from '../../src/config.js'
import { build } from '../helpers/build-app.js'
import { startFaultProxy } from '../helpers/fault-proxy.js'
import { LOCAL_CREDENTIALS } from '../helpers/test-store.js'

process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId
process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey

class Sink {
  text = ''
  write (chunk: string): boolean { this.text += chunk; return true }
}

t.test('ingest --gateway: a running gateway serves the new rows at once, not after its cache TTL', async (t) => {
  // The change log would also bring the row within a second (test/fleet/propagation.test.ts); off here, so
  // only --gateway can explain the gateway serving it at once.
  const app = await build(t, { DEMO_USERS: '10', CACHE_TTL_MS: '600000', CHANGE_FEED_POLL_MS: '0' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const gateway = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const regionOf = async (): Promise<unknown> => {
    const result = await app.featureLookup.getFeatures(['user_3'], ['user_profile:region'])
    return result.entities[0]?.results[0]?.value?.value
  }
  const before = await regionOf()
  t.not(before, 'moon-base', 'the cached value is the demo one')

  const dir = await mkdtemp(join(tmpdir(), 'fg-ingest-gw-'))
  const file = join(dir, 'profile.jsonl')
  await writeFile(file, JSON.stringify({ entity_id: 'user_3', event_time: Date.now(), features: { region: 'moon-base', last_active: Date.now() } }) + '\n')
  const config = loadConfig({ DYNAMODB_ENDPOINT: app.featureStore.endpoint ?? '', AWS_REGION: 'us-east-1' })
  const base = { featureSet: 'user_profile', file, allowMissing: false, concurrency: 1, rejectsFile: undefined, json: false, quiet: true }

  t.equal(await runIngest(config, base, new Sink(), new Sink()), 0)
  t.equal(await regionOf(), before, 'without --gateway the gateway still serves its cached row')
  t.equal(await runIngest(config, { ...base, gateway }, new Sink(), new Sink()), 0)
  t.equal(await regionOf(), 'moon-base', 'with --gateway the cache was cleared and the new row is served')
})

t.test('ingest --only-newer: a late backfill does not overwrite a fresher row; without it, it does', async (t) => {
  const app = await build(t, { DEMO_USERS: '10', CACHE_ENABLED: 'false' })
  const config = loadConfig({ DYNAMODB_ENDPOINT: app.featureStore.endpoint ?? '', AWS_REGION: 'us-east-1' })
  const dir = await mkdtemp(join(tmpdir(), 'fg-only-newer-'))
  const fileFor = async (name: string, region: string, eventTime: number): Promise<string> => {
    const file = join(dir, name)
    await writeFile(file, [
      JSON.stringify({ entity_id: 'user_5', event_time: eventTime, features: { region, last_active: eventTime } }),
      JSON.stringify({ entity_id: 'brand_new_user', event_time: eventTime, features: { region, last_active: eventTime } })
    ].join('\n') + '\n')
    return file
  }
  const now = Date.now()
  const stored = async (id: string): Promise<unknown> => (await app.featureLookup.getFeatures([id], ['user_profile:region'])).entities[0]?.results[0]?.value?.value
  const base = { featureSet: 'user_profile', allowMissing: false, concurrency: 2, rejectsFile: undefined, json: true, quiet: true }

  t.equal(await runIngest(config, { ...base, file: await fileFor('fresh.jsonl', 'fresh-region', now) }, new Sink(), new Sink()), 0)
  const report = new Sink()
  t.equal(await runIngest(config, { ...base, onlyNewer: true, file: await fileFor('old.jsonl', 'stale-region', now - 86_400_000) }, report, new Sink()), 0)
  t.match(JSON.parse(report.text), { written: 0, skippedOlder: 2 }, 'both rows are older than what is stored')
  t.equal(await stored('user_5'), 'fresh-region', 'the fresher row stays')

  const newer = new Sink()
  t.equal(await runIngest(config, { ...base, onlyNewer: true, file: await fileFor('newer.jsonl', 'newer-region', now + 1_000) }, newer, new Sink()), 0)
  t.match(JSON.parse(newer.text), { written: 2, skippedOlder: 0 })
  t.equal(await stored('user_5'), 'newer-region', 'a newer row replaces it')

  t.equal(await runIngest(config, { ...base, file: await fileFor('old-again.jsonl', 'stale-region', now - 86_400_000) }, new Sink(), new Sink()), 0)
  t.equal(await stored('user_5'), 'stale-region', 'without --only-newer the last write wins, as in Feast')
})

t.test('conditional writes name the rows they could not confirm when the store fails', async (t) => {
  const { FeatureWriter, toItem } = await import('../../src/repo/feature-writer.js')
  const { createDynamoClient } = await import('../../src/repo/dynamo-client.js')
  const { DEMO_FEATURE_SETS } = await import('../../src/demo/demo-registry.js')
  const client = createDynamoClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxSockets: 2, connectTimeoutMs: 200, maxAttempts: 1, retryBaseMs: 1, staticCredentials: LOCAL_CREDENTIALS })
  t.teardown(() => client.destroy())
  const writer = new FeatureWriter(client, 'featuregate_features', { retryBaseMs: 1, maxUnprocessedRetries: 1 })
  const profile = DEMO_FEATURE_SETS.find((s) => s.name === 'user_profile')!
  const items = ['a', 'b', 'c'].map((id) => toItem({ entityId: id, featureSet: profile, eventTime: 1, values: new Map([['region', { type: 'string', value: 'x' }]]) }))
  const error = await writer.putItemsIfNewer(items, 2).then(() => undefined, (e: unknown) => e)
  t.ok(error !== undefined, 'the failure is thrown, not swallowed')
  const { unwrittenKeys } = await import('../../src/repo/feature-writer.js')
  t.same(unwrittenKeys(error)?.map((k) => k.entityId).sort(), ['a', 'b', 'c'], 'every row is named as not confirmed')
})

t.test('ingest --gateway after a partial failure: the rows that were written are served at once', async (t) => {
  const app = await build(t, { DEMO_USERS: '10', CACHE_TTL_MS: '600000' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const gateway = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const regionOf = async (id: string): Promise<unknown> => (await app.featureLookup.getFeatures([id], ['user_profile:region'])).entities[0]?.results[0]?.value?.value
  const before = await regionOf('user_1')
  // The store takes the first call (25 rows) and never the second.
  const proxy = await startFaultProxy(t, app.featureStore.endpoint ?? '')
  let writes = 0
  proxy.decide = (operation) => operation === 'BatchWriteItem' && ++writes > 1 ? { kind: 'unprocess', keep: 0 } : { kind: 'forward' }
  const dir = await mkdtemp(join(tmpdir(), 'fg-ingest-partial-'))
  const file = join(dir, 'profile.jsonl')
  const now = Date.now()
  await writeFile(file, Array.from({ length: 30 }, (_, i) => JSON.stringify({ entity_id: `user_${i}`, event_time: now, features: { region: `partial-${i}`, last_active: now } })).join('\n') + '\n')
  const config = loadConfig({ DYNAMODB_ENDPOINT: proxy.endpoint, AWS_REGION: 'us-east-1', STORE_RETRY_BASE_MS: '1' })
  const code = await runIngest(config, { featureSet: 'user_profile', file, allowMissing: false, concurrency: 1, rejectsFile: undefined, json: false, quiet: true, gateway }, new Sink(), new Sink())
  t.equal(code, 3, 'the store failed part of the run')
  t.not(before, 'partial-1')
  t.equal(await regionOf('user_1'), 'partial-1', 'a row the store took is served at once: the cache was cleared anyway')
})
