import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runIngest } from '../../src/cli/run-ingest.js'
import { loadConfig } from '../../src/config.js'
import { build } from '../helpers/build-app.js'
import { LOCAL_CREDENTIALS } from '../helpers/test-store.js'

process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId
process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey

class Sink {
  text = ''
  write (chunk: string): boolean { this.text += chunk; return true }
}

t.test('ingest --gateway: a running gateway serves the new rows at once, not after its cache TTL', async (t) => {
  const app = await build(t, { DEMO_USERS: '10', CACHE_TTL_MS: '600000' })
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
