import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runCli, servedValue, startFleet, startGateway, untilServed, localStoreEnv, type CliRun } from '../helpers/gateway-fleet.js'
import { storeBackends } from '../helpers/store-backends.js'

/**
 * The fleet promise (README "A fleet of replicas"): a row written by the CLI, which names no gateway,
 * is served by every replica within CHANGE_FEED_POLL_MS (1 s by default) plus a store round trip.
 * CACHE_TTL_MS is ten minutes here, so nothing but the change log can explain a replica serving it.
 * The same for a row written through one replica's write API, which that replica serves at once.
 * The wait allows 5 s: the 2 s target plus room for a loaded 2-core CI machine; the measured times
 * are printed, and bench:fleet measures the distribution.
 */
const WITHIN_MS = 5_000
const LONG_TTL = { CACHE_TTL_MS: '600000' }
const REF = 'user_text:sentiment_score'

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'featuregate-fleet-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  return dir
}

/** A user_text line: only the sentiment matters here (the other features are null). */
async function ingestSentiment (dir: string, env: Record<string, string>, entityId: string, score: number): Promise<CliRun> {
  const file = join(dir, `${entityId}-${score}.jsonl`)
  await writeFile(file, JSON.stringify({ entity_id: entityId, event_time: Date.now(), features: { embedding: null, sentiment_score: score, top_terms: null } }) + '\n')
  return await runCli(['ingest', 'user_text', file, '--quiet'], env)
}

function ok (t: Test, run: CliRun, what: string): void {
  t.equal(run.code, 0, what, { stdout: run.stdout, stderr: run.stderr })
}

const dynamoDbLocal = storeBackends().find((backend) => backend.name === 'dynamodb-local')

t.test('3 gateway processes over DynamoDB Local: a CLI ingest naming no gateway, and a registry change, reach all 3', { skip: dynamoDbLocal === undefined && 'needs Java 17 for DynamoDB Local' }, async (t) => {
  const env = localStoreEnv(await dynamoDbLocal!.start(t))
  const dir = await tempDir(t)
  ok(t, await runCli(['create-tables'], env), 'create-tables (the change log table included)')
  ok(t, await runCli(['apply', 'examples/registry.yaml'], env), 'apply')
  ok(t, await ingestSentiment(dir, env, 'user_5', 0.25), 'first ingest')

  const fleet = await startFleet(t, 3, { ...env, ...LONG_TTL })
  for (const gateway of fleet) t.equal(await servedValue(gateway, 'user_5', REF), 0.25, 'each replica has user_5 cached')

  ok(t, await ingestSentiment(dir, env, 'user_5', 0.75), 'second ingest, no --gateway')
  const took = await untilServed(fleet, 'user_5', REF, 0.75, WITHIN_MS)
  t.comment(`new row served by each replica after ${took.join(', ')} ms (from the ingest's exit)`)
  t.equal(took.length, 3, 'all 3 serve the new value')

  // Through one replica's write API: that replica serves the row at once, the others within the bound.
  const written = await fetch(`${fleet[0]!.api}/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ featureSet: 'user_text', rows: [{ entity_id: 'user_5', event_time: Date.now(), features: { embedding: null, sentiment_score: 0.125, top_terms: null } }] })
  })
  t.equal(written.status, 200, 'POST /v1/write')
  t.equal(await servedValue(fleet[0]!, 'user_5', REF), 0.125, 'the writing replica serves the written row on the next read')
  const tookApi = await untilServed(fleet, 'user_5', REF, 0.125, WITHIN_MS)
  t.comment(`row written through replica 1's API served by each replica after ${tookApi.join(', ')} ms`)
  t.equal(tookApi.length, 3, 'all 3 serve the row written through one of them')

  const registry = join(dir, 'more.yaml')
  await writeFile(registry, 'featureSets:\n  - name: user_clicks\n    entityType: user\n    features:\n      - name: clicks_7d\n        type: int64\n')
  ok(t, await runCli(['apply', registry], env), 'apply a new set, no --gateway')
  const started = performance.now()
  await Promise.all(fleet.map(async (gateway) => {
    while (performance.now() - started < WITHIN_MS) {
      const answer = await fetch(`${gateway.api}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ featureSet(name: "user_clicks") { name } }' })
      })
      if (((await answer.json()) as { data?: { featureSet: unknown } }).data?.featureSet !== null) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`${gateway.api} does not know user_clicks after ${WITHIN_MS} ms`)
  }))
  t.pass(`the new set is served by all 3 after ${Math.round(performance.now() - started)} ms (REGISTRY_RELOAD_MS is off)`)
})

t.test('2 gateway processes over one embedded store: the second points at the first\'s endpoint; a CLI ingest reaches both', async (t) => {
  const first = await startGateway(t, LONG_TTL)
  t.ok(first.storeEndpoint, 'the embedded store\'s endpoint is in the start-up log line')
  const env = { DYNAMODB_ENDPOINT: first.storeEndpoint!, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }
  const second = await startGateway(t, { ...env, ...LONG_TTL })
  const before = await servedValue(first, 'user_5', REF)
  t.type(before, 'number', 'the demo data has a sentiment for user_5')
  t.equal(await servedValue(second, 'user_5', REF), before, 'both serve (and cache) the same row')

  const dir = await tempDir(t)
  ok(t, await ingestSentiment(dir, env, 'user_5', 0.5), 'ingest, no --gateway')
  const took = await untilServed([first, second], 'user_5', REF, 0.5, WITHIN_MS)
  t.comment(`new row served by each replica after ${took.join(', ')} ms (from the ingest's exit)`)
  t.equal(took.length, 2, 'both serve the new value')
})
