import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { execFileSync } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import t, { type Test } from 'tap'
import type { FeaturegateError } from '../../src/errors.js'
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../src/repo/embedded-dynamo.js'
import { openFeatureStore } from '../../src/repo/open-feature-store.js'
import { testConfig } from '../helpers/build-app.js'
import { LOCAL_CREDENTIALS } from '../helpers/test-store.js'

async function tableNames (endpoint: string): Promise<string[]> {
  const client = createDynamoClient({ endpoint, region: 'us-east-1', maxSockets: 2, connectTimeoutMs: 1_000, maxAttempts: 1, retryBaseMs: 10, staticCredentials: LOCAL_CREDENTIALS })
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? []
  } finally {
    client.destroy()
  }
}

async function started (t: Test, options: Parameters<typeof startEmbeddedDynamo>[0] = {}): Promise<EmbeddedDynamo> {
  const store = await startEmbeddedDynamo(options)
  t.teardown(async () => await store.close())
  return store
}

/** The store's thread, as the process announces it when it is created. */
function nextWorker (): Promise<Worker> {
  return new Promise((resolve) => process.once('worker', resolve))
}

t.test('the store answers while the gateway\'s own thread is blocked: it runs on a thread of its own', async (t) => {
  const store = await started(t)
  // execFileSync blocks this thread until the child is done; a store on this thread could not answer it.
  const answer = execFileSync(process.execPath, ['-e', `
    fetch(${JSON.stringify(store.endpoint)}, { method: 'POST', body: '{}', headers: {
      'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables', 'x-amz-date': '20240101T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=k/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' } })
      .then(async (r) => process.stdout.write(r.status + ' ' + await r.text()))`], { timeout: 20_000, encoding: 'utf8' })
  t.equal(answer, '200 {"TableNames":[]}')
})

t.test('close stops the server and ends its thread', async (t) => {
  const thread = nextWorker()
  const store = await startEmbeddedDynamo()
  const worker = await thread
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve))
  t.same(await tableNames(store.endpoint), [])
  await store.close()
  await exited
  await t.rejects(tableNames(store.endpoint), /ECONNREFUSED/, 'nothing listens any more')
  await store.close()
  t.pass('a second close is harmless')
})

t.test('a port in use rejects start, naming the address', async (t) => {
  const first = await started(t)
  const port = Number(new URL(first.endpoint).port)
  await t.rejects(startEmbeddedDynamo({ port }), { message: `The embedded store did not start: could not listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}` })
})

t.test('a data directory that cannot be used rejects start, naming it and why', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'featuregate-embedded-'))
  const file = join(dir, 'a-file')
  await writeFile(file, '')
  await t.rejects(startEmbeddedDynamo({ dataDir: join(file, 'store') }), { message: /^The embedded store did not start: the data directory .*a-file\/store is not usable: ENOTDIR/ })

  await started(t, { dataDir: join(dir, 'store') })
  await t.rejects(startEmbeddedDynamo({ dataDir: join(dir, 'store') }), { message: /^The embedded store did not start: the data directory .*store is not usable: IO error: lock .*LOCK/ },
    'a second gateway on the same directory is refused at start, not at its first request')
})

t.test('data under dataDir outlives a restart', async (t) => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'featuregate-embedded-')), 'store')
  const config = testConfig({ FEATURE_TABLE: 'restart_features', REGISTRY_TABLE: 'restart_registry', BUDGET_TABLE: 'restart_budgets' })
  const first = await startEmbeddedDynamo({ dataDir })
  const opened = await openFeatureStore({ store: { ...config.store, mode: 'aws', endpoint: first.endpoint }, createTables: true, staticCredentials: LOCAL_CREDENTIALS })
  await opened.close()
  await first.close()
  const second = await started(t, { dataDir })
  t.same((await tableNames(second.endpoint)).sort(), ['restart_budgets', 'restart_features', 'restart_features_changes', 'restart_registry'])
})

t.test('a store thread that dies is reported once, and store calls then fail as unavailable', async (t) => {
  const failures: Error[] = []
  const thread = nextWorker()
  const store = await openFeatureStore({ store: testConfig({ DEMO_USERS: '0' }).store, onEmbeddedStoreFailure: (error) => failures.push(error) })
  t.teardown(async () => await store.close())
  t.equal(store.embedded, true)
  await store.ping()
  const worker = await thread
  await worker.terminate() // as an out-of-memory or a native crash in the thread would end it
  t.equal(failures.length, 1)
  t.match(failures[0]?.message, /^The embedded store stopped \(its thread exited with code 1\); store calls will fail until restart$/)
  const error = await store.ping().then(() => undefined, (error: unknown) => error as FeaturegateError)
  t.match(error, { code: 'FG_ERR_STORE_UNAVAILABLE', kind: 'unavailable' })
  await store.close()
  t.equal(failures.length, 1, 'closing after the fact reports nothing more')
})
