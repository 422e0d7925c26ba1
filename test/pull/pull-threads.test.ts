import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { build } from '../helpers/build-app.js'
import { interruptedNdjsonPull, metricLine, pullNdjson, readNdjson } from './pull-helpers.js'

/** Pulls on pull threads (PULL_THREADS, 1 by default): the thread's own reader, its metrics, its failures. */

/** The nice values of this process's threads (Linux /proc), the highest first. */
function threadNiceValues (): number[] {
  const values: number[] = []
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      values.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]))
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return values.sort((a, b) => b - a)
}

t.test('a pull runs on a pull thread, and its store calls and statuses reach this thread\'s metrics', async (t) => {
  const app = await build(t, { DEMO_USERS: '300' })
  t.ok(app.pullThreads !== undefined, 'threads by default')
  const queriesBefore = await metricLine(app, 'featuregate_dynamodb_request_duration_seconds_count{operation="Query",outcome="ok"}')
  const running: number[] = []
  let niceSeen = 0
  const watching = setInterval(() => {
    running.push(app.pullThreads!.running)
    if (process.platform === 'linux') niceSeen = Math.max(niceSeen, threadNiceValues()[0] ?? 0)
  }, 1)
  const pull = await pullNdjson(app, { featureSet: 'user_profile', features: ['user_profile'], batchSize: 100 })
  clearInterval(watching)
  t.equal(pull.status, 200)
  t.same(pull.end, { end: true, rows: pull.rows.length })
  t.ok(pull.rows.length >= 250, `${pull.rows.length} rows`)
  t.ok(running.some((n) => n === 1), 'the pull was running on a thread')
  t.equal(app.pullThreads!.running, 0, 'and is forgotten once done')
  if (process.platform === 'linux') t.equal(niceSeen, 10, 'the pull thread runs at nice 10, below the event loop')
  else t.pass('thread priorities are checked on Linux only')
  const queries = await metricLine(app, 'featuregate_dynamodb_request_duration_seconds_count{operation="Query",outcome="ok"}') - queriesBefore
  t.ok(queries >= Math.ceil(pull.rows.length / 100), `the thread's ${queries} Query calls were counted here`)
  let present = 0
  for (const row of pull.rows) for (const status of Object.values(row.statuses)) if (status === 'PRESENT') present++
  t.equal(await metricLine(app, 'featuregate_feature_statuses_total{protocol="pull",status="PRESENT"}'), present, 'statuses counted as pulled')
  t.equal(await metricLine(app, 'featuregate_export_rows_total{protocol="pull"}'), pull.rows.length, 'rows counted')
  const examined = await metricLine(app, 'featuregate_export_items_examined_total{protocol="pull"}')
  t.ok(examined >= pull.rows.length && examined <= 1.05 * pull.rows.length, `${examined} items examined for ${pull.rows.length} rows (the set's own items only)`)
})

t.test('rows a pull on a thread reads by key (a joined set) reach this thread\'s BatchGetItem metrics', async (t) => {
  const app = await build(t, { DEMO_USERS: '200' })
  const calls = 'featuregate_store_batch_keys_count'
  const keys = 'featuregate_store_batch_keys_sum'
  const [callsBefore, keysBefore] = [await metricLine(app, calls), await metricLine(app, keys)]
  const pull = await pullNdjson(app, { featureSet: 'user_text', features: ['user_text:sentiment_score', 'user_profile:region'], batchSize: 50 })
  t.equal(pull.status, 200)
  t.same(pull.end, { end: true, rows: pull.rows.length })
  t.ok(pull.rows.length > 0, `${pull.rows.length} rows`)
  const batchCalls = await metricLine(app, calls) - callsBefore
  t.ok(batchCalls >= Math.ceil(pull.rows.length / 100), `${batchCalls} BatchGetItem calls counted for ${pull.rows.length} rows`)
  t.equal(await metricLine(app, keys) - keysBefore, pull.rows.length, 'one key read per pulled row for the joined set')
})

t.test('a failure on the thread before the first byte is a plain JSON error with its code', async (t) => {
  // A deadline no page can meet: the thread's read fails typed, as a store failure would.
  const app = await build(t, { DEMO_USERS: '50', GRAPHQL_BULK_DEADLINE_MS: '1' })
  const pull = await pullNdjson(app, { featureSet: 'user_profile', features: ['user_profile'], batchSize: 10 })
  t.equal(pull.status, 504)
  t.equal(pull.json.errors[0].extensions.fgCode, 'FG_ERR_DEADLINE_EXCEEDED')
})

// Embeddings (a few KB of NDJSON a row) for 2,000 users: more than the socket buffers hold, so a pull is
// still running when its thread stops or its store goes away. One gateway for both; the store's going
// away comes last, as nothing can be read after it.
t.test('failures on a pull thread mid-stream', async (t) => {
  const app = await build(t, { DEMO_USERS: '2000' })
  await app.listen({ port: 0, host: '127.0.0.1' })

  t.test('a pull thread that stops ends only its pulls, with the error marker; the next pull gets a new thread', async (t) => {
    const body = { featureSet: 'user_text', features: ['user_text'], batchSize: 20 }
    const whole = (await pullNdjson(app, body)).rows.length
    const { status, text } = await interruptedNdjsonPull(app, body, async () => {
      t.equal(app.pullThreads!.running, 1)
      await app.pullThreads!.crash()
    })
    t.equal(status, 200)
    const pull = readNdjson(text)
    t.equal(pull.end, undefined, 'no end line')
    t.match(pull.error, { fgCode: 'FG_ERR_NOT_READY', message: /pull thread stopped.*resume/ }, 'the error line says to resume')
    t.ok(pull.rows.length > 0 && pull.rows.length < whole, `${pull.rows.length} of ${whole} rows before it`)
    t.equal(await metricLine(app, 'featuregate_pull_errors_total{format="ndjson",code="FG_ERR_NOT_READY"}'), 1)
    // The reader resumes from its last token, on a thread started for it.
    const rest = await pullNdjson(app, { ...body, after: pull.resumeTokens.at(-1) })
    t.equal(rest.status, 200)
    t.same(rest.end, { end: true, rows: rest.rows.length })
    const committed = readNdjson(text.slice(0, text.lastIndexOf('{"resume_after"'))).rows.length
    const ids = [...pull.rows.slice(0, committed), ...rest.rows].map((r) => r.entity_id)
    t.equal(new Set(ids).size, ids.length, 'no row twice')
    t.equal(ids.length, whole, 'every row once')
  })

  t.test('a store failure on the thread mid-stream ends the stream with the error marker, counted in metrics', async (t) => {
    const errorsBefore = await metricLine(app, 'featuregate_pull_errors_total{format="ndjson",code="FG_ERR_STORE_UNAVAILABLE"}')
    const failedBefore = await metricLine(app, 'featuregate_pulls_total{format="ndjson",outcome="error"}')
    // The store goes away while the pull waits for its reader: the thread's next read fails, as a real outage would.
    const { status, text } = await interruptedNdjsonPull(app, { featureSet: 'user_text', features: ['user_text'], batchSize: 20 }, async () => await app.featureStore.close())
    t.equal(status, 200)
    const pull = readNdjson(text)
    t.equal(pull.end, undefined, 'no end line')
    t.match(pull.error, { fgCode: 'FG_ERR_STORE_UNAVAILABLE', message: String }, 'the error line names the store')
    t.ok(pull.rows.length > 0, `${pull.rows.length} rows before it`)
    t.equal(await metricLine(app, 'featuregate_pull_errors_total{format="ndjson",code="FG_ERR_STORE_UNAVAILABLE"}') - errorsBefore, 1)
    t.equal(await metricLine(app, 'featuregate_pulls_total{format="ndjson",outcome="error"}') - failedBefore, 1)
  })
})

t.test('a pull thread sends each page as one batch; on the event loop a page goes out 250 rows at a time', async (t) => {
  for (const threads of ['1', '0']) {
    const app = await build(t, { DEMO_USERS: '1500', PULL_THREADS: threads })
    // Pages of 600 span shards (about 23 users each): every page but the last holds 600 rows.
    const body = { featureSet: 'user_profile', features: ['user_profile:region'], batchSize: 600, segment: { index: 0, count: 1 } }
    const text = (await app.inject({ method: 'POST', url: '/v1/pull', headers: { accept: 'application/x-ndjson' }, payload: body })).body
    const batches: number[] = []
    let rows = 0
    for (const line of text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)) {
      if (typeof line.entity_id === 'string') rows++
      else if (typeof line.resume_after === 'string') {
        batches.push(rows)
        rows = 0
      }
    }
    const total = batches.reduce((a, b) => a + b, 0) + rows
    t.ok(total > 1200, `${total} rows`)
    const pages = Math.ceil(total / 600)
    const lastPage = total - (pages - 1) * 600
    t.same(batches.slice(0, 4), threads === '1' ? [600, 600, lastPage] : [250, 250, 100, 250], `PULL_THREADS=${threads}: the first batches`)
    // On the loop, every page of 600 in slices of 250, 250 and 100; the last page's rows likewise.
    t.equal(batches.length, threads === '1' ? pages : (pages - 1) * 3 + Math.ceil(lastPage / 250), `PULL_THREADS=${threads}: ${batches.length} batches for ${pages} pages`)
  }
})
