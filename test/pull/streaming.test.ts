import t from 'tap'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { RecordBatchReader, type RecordBatch } from 'apache-arrow'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { ScanRequest, ScanResult } from '../../src/domain/ports/bulk-reader.js'
import type { ReadOptions } from '../../src/domain/read-options.js'
import type { FeatureExport } from '../../src/core/export/feature-export.js'
import { KnownRows } from '../../src/core/export/page-rows.js'
import { FeaturePull } from '../../src/core/export/feature-pull.js'
import { StoreUnavailableError } from '../../src/errors.js'
import { shardOf } from '../../src/repo/set-shards.js'
import { build } from '../helpers/build-app.js'
import { writeRows } from '../helpers/test-store.js'
import { ARROW, NDJSON, metricLine, pullNdjson, readNdjson } from './pull-helpers.js'

/** Pulls over a real socket: what a dropped connection, a stalled reader and a failing store do to a stream. */

async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/pull`
}

/** Counts the store scans the export makes (one or more per page), and lets a test fail one. */
function watchScans (app: FastifyInstance): { calls: () => number, failFrom: (call: number) => void } {
  const bulk = app.featureStore.bulk
  const scan = bulk.scan.bind(bulk)
  let calls = 0
  let failFrom = Infinity
  bulk.scan = async (request: ScanRequest, options: ReadOptions): Promise<ScanResult> => {
    calls++
    // A store that fails after the first page: a fault the embedded store cannot produce on demand.
    if (calls >= failFrom) throw new StoreUnavailableError()
    return await scan(request, options)
  }
  return { calls: () => calls, failFrom: (call) => { failFrom = call } }
}

/**
 * A pull over a connection of its own, read chunk by chunk until `enough` says so; then the reader goes
 * away (its socket destroyed). Node's http rather than fetch: an aborted fetch leaves undici opening a
 * spare connection that never sends a request, which the server's close then waits out (connectionTimeout).
 */
async function droppedPull (url: string, accept: string, body: unknown, enough: (bytes: number, text: () => string) => boolean): Promise<Buffer> {
  const target = new URL(url)
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent: false, headers: { accept, 'content-type': 'application/json' } }, resolve)
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
  const chunks: Buffer[] = []
  let bytes = 0
  const text = (): string => Buffer.concat(chunks).toString('utf8')
  // Leaving the loop early destroys the response, and with it the socket: the connection drops.
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks.push(chunk)
    bytes += chunk.byteLength
    if (enough(bytes, text)) break
  }
  return Buffer.concat(chunks)
}

/** Complete Arrow batches in a (possibly cut) IPC byte stream, and whether reading it failed. */
function completeBatches (bytes: Buffer): { batches: RecordBatch[], failed: boolean } {
  const batches: RecordBatch[] = []
  try {
    for (const batch of RecordBatchReader.from(bytes)) batches.push(batch)
    return { batches, failed: false }
  } catch {
    return { batches, failed: true }
  }
}

t.test('a pull that breaks continues from its last resume token: every row exactly once', async (t) => {
  const app = await build(t, { DEMO_USERS: '1500' })
  const url = await listen(app)
  const body = { featureSet: 'user_profile', features: ['user_profile:region'], batchSize: 100 }
  const whole = await pullNdjson(app, body)
  const expected = whole.rows.map((r) => r.entity_id).sort()
  t.ok(expected.length > 1000)
  // Pulled values count in the per-status metrics as looked-up ones do, under their own protocol label.
  const served = new Map<string, number>()
  for (const row of whole.rows) for (const status of Object.values(row.statuses)) served.set(status, (served.get(status) ?? 0) + 1)
  t.ok(served.size > 0)
  for (const [status, count] of served) {
    t.equal(await metricLine(app, `featuregate_feature_statuses_total{protocol="pull",status="${status}"}`), count, `${status} counted for the pull`)
  }

  t.test('NDJSON: rows after the last resume line are dropped, then the rest is pulled with after', async (t) => {
    // Read about 80% of the pull, then drop the connection mid-batch.
    const text = (await droppedPull(url, NDJSON, body, (_, received) => received().split('\n').length >= expected.length * 0.8)).toString('utf8')
    // The connection broke mid-batch: everything up to the last token's batch, then part of the next one.
    const lines = text.slice(0, text.lastIndexOf('\n')).split('\n')
    const tokenLines = lines.flatMap((line, i) => line.startsWith('{"resume_after"') ? [i] : [])
    t.ok(tokenLines.length >= 2, `${tokenLines.length} batches read before the drop`)
    const cutAt = tokenLines.at(-2)! + 1 + 30
    const received = readNdjson(lines.slice(0, cutAt).join('\n'))
    t.equal(received.end, undefined, 'the broken pull has no end line')
    const token = received.resumeTokens.at(-1)!
    // A reader commits rows batch by batch: the 30 after the last resume line come again.
    const committed = readNdjson(lines.slice(0, tokenLines.at(-2)! + 1).join('\n')).rows.map((r) => r.entity_id)
    t.equal(received.rows.length - committed.length, 30, 'rows of the unfinished batch are dropped')
    const rest = await pullNdjson(app, { ...body, after: token })
    t.equal(rest.status, 200)
    t.same(rest.end, { end: true, rows: rest.rows.length })
    const all = [...committed, ...rest.rows.map((r) => r.entity_id)]
    t.equal(new Set(all).size, all.length, 'no row twice')
    t.same(all.sort(), expected, 'no row lost')
    let aborted = 0
    for (let i = 0; i < 50 && aborted === 0; i++, await sleep(100)) aborted = await metricLine(app, 'featuregate_pulls_total{format="ndjson",outcome="aborted"}')
    t.equal(aborted, 1, 'the gateway saw the reader leave and stopped the pull')
  })

  t.test('a pull that ends while its next page is read ahead leaves no failure unobserved', async (t) => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
    process.on('unhandledRejection', onUnhandled)
    t.teardown(() => { process.off('unhandledRejection', onUnhandled) })
    const pull = new FeaturePull(app.featureExport)
    const controller = new AbortController()
    const batches = pull.batches(pull.prepare({ featureSet: 'user_profile', features: ['user_profile:region'], batchRows: 20 }), { signal: controller.signal })
    const first = await batches.next()
    t.equal(first.value?.columns.length, 20)
    // The reader leaves: the page read ahead of it fails with the abort, and nobody asks for it.
    controller.abort()
    await sleep(200)
    t.same(unhandled, [], 'the read ahead failed quietly')
    await batches.return()
    const after = await pullNdjson(app, body)
    t.same(after.rows.map((r) => r.entity_id).sort(), expected, 'the gateway still pulls every row once')
  })

  /** The app's export, counting the pages read from the store through it; `failAt` makes that page's read fail. */
  const countingExport = (failAt = Infinity): { exporter: FeatureExport, reads: () => number } => {
    const real = app.featureExport
    let reads = 0
    const exporter = {
      get limits () { return real.limits },
      plan: real.plan.bind(real),
      read: async (...args: Parameters<FeatureExport['read']>) => {
        if (++reads === failAt) throw new StoreUnavailableError()
        return await real.read(...args)
      },
      values: real.values.bind(real),
      shardsOfSegment: real.shardsOfSegment.bind(real)
    } as unknown as FeatureExport
    return { exporter, reads: () => reads }
  }
  // One segment: one page after another (the server's fan-out reads its segments side by side, below).
  const request = { featureSet: 'user_profile', features: ['user_profile:region'], batchRows: 100, segment: { index: 0, count: 1 } }
  const inScanOrder = (await pullNdjson(app, { ...body, segment: { index: 0, count: 1 } })).rows.map((r) => r.entity_id)

  t.test('a reader holding its batch has one page read ahead of it, no more; every page is read once, in scan order', async (t) => {
    const { exporter, reads } = countingExport()
    const pull = new FeaturePull(exporter)
    const batches = pull.batches(pull.prepare(request))
    const first = await batches.next()
    for (let i = 0; i < 100 && reads() < 2; i++) await sleep(20)
    t.equal(reads(), 2, 'the page handed out, and the next read while the reader holds it')
    await sleep(300)
    t.equal(reads(), 2, 'and no more until the reader takes one')
    const ids = first.value!.columns.entityIds()
    let handedOut = 1
    for (let next = await batches.next(); next.done !== true; next = await batches.next()) {
      handedOut++
      ids.push(...next.value.columns.entityIds())
    }
    t.same(ids, inScanOrder, 'every row once, in the order the streamed pull gives them')
    t.equal(reads(), handedOut, 'each page read once, none read past the last')
  })

  t.test('the server\'s fan-out reads its segments side by side, one page ahead each, and hands their pages out in turn', async (t) => {
    const { exporter, reads } = countingExport()
    const pull = new FeaturePull(exporter)
    const segments = app.featureExport.limits.scanSegments
    t.ok(segments > 1, `${segments} segments`)
    const batches = pull.batches(pull.prepare({ ...request, segment: undefined }))
    const first = await batches.next()
    for (let i = 0; i < 100 && reads() < segments + 1; i++) await sleep(20)
    t.equal(reads(), segments + 1, 'every segment\'s first page, then the next page of the segment handed out')
    await sleep(300)
    t.equal(reads(), segments + 1, 'and no more until the reader takes one')
    const segmentOf = (id: string): number => shardOf(id) % segments
    const order: number[] = []
    const ids: string[] = []
    for (let next = first; next.done !== true; next = await batches.next()) {
      const rows = next.value.columns.entityIds()
      if (rows.length === 0) continue
      t.equal(new Set(rows.map(segmentOf)).size, 1, 'a batch holds one segment\'s rows')
      order.push(segmentOf(rows[0]!))
      ids.push(...rows)
    }
    t.same(order.slice(0, segments), Array.from({ length: segments }, (_, i) => i), 'segments take turns')
    t.same([...ids].sort(), expected, 'every row once')
    for (let segment = 0; segment < segments; segment++) {
      t.same(ids.filter((id) => segmentOf(id) === segment), whole.rows.map((r) => r.entity_id).filter((id) => segmentOf(id) === segment),
        `segment ${segment}'s rows in the store's order, as the streamed pull gives them`)
    }
  })

  t.test('the next page is read from the store while this one\'s values are made, not after', async (t) => {
    const { exporter, reads } = countingExport()
    const values = exporter.values.bind(exporter)
    const readsWhileMakingValues: number[] = []
    exporter.values = async (...args: Parameters<FeatureExport['values']>) => {
      // Values that take a while: the next page's read must not wait for them.
      for (let i = 0; i < 100 && reads() < readsWhileMakingValues.length + 2; i++) await sleep(20)
      readsWhileMakingValues.push(reads())
      return await values(...args)
    }
    const pull = new FeaturePull(exporter)
    const batches = pull.batches(pull.prepare(request))
    t.equal((await batches.next()).value?.columns.length, 100)
    t.same(readsWhileMakingValues, [2], 'the second page was read while the first page\'s values were made')
    await batches.return()
  })

  t.test('a page\'s values need no store call of their own, even with columns of other sets: its read brought them', async (t) => {
    const plan = app.featureExport.plan({ featureSet: 'user_profile', features: ['user_profile:region', 'user_word_stats:token_count', 'user_word_stats'], first: 50 })
    const read = await app.featureExport.read(plan)
    const calls = watchScans(app)
    const bulk = app.featureStore.bulk
    const readRows = bulk.readRows.bind(bulk)
    let keyReads = 0
    bulk.readRows = async (...args: Parameters<typeof bulk.readRows>) => { keyReads++; return await readRows(...args) }
    t.teardown(() => { bulk.readRows = readRows })
    const page = await app.featureExport.values(plan, read)
    t.equal(keyReads + calls.calls(), 0, 'no store read while the values were made')
    t.equal(page.storeCalls, read.storeCalls)
    const { columns } = page
    t.equal(columns.length, 50)
    const column = plan.features.findIndex((f) => f.ref === 'user_word_stats:token_count')
    const rows = Array.from({ length: columns.length }, (_, row) => row)
    t.ok(rows.some((row) => columns.status(row, column) === 'PRESENT'), 'the other set\'s values are there')
    t.same(columns.entityIds(), (await app.featureExport.page(plan)).rows.map((r) => r.entity.entityId), 'the same rows as page()')
  })

  t.test('a read that fails ahead reaches the reader after the pages read before it, as a typed error', async (t) => {
    const { exporter } = countingExport(3)
    const pull = new FeaturePull(exporter)
    const batches = pull.batches(pull.prepare(request))
    t.equal((await batches.next()).value?.columns.length, 100)
    // The second page comes; the third read, started as it is handed out, fails.
    t.equal((await batches.next()).value?.columns.length, 100, 'the page read before the failure')
    await sleep(200)
    await t.rejects(batches.next(), { code: 'FG_ERR_STORE_UNAVAILABLE' }, 'then the failure')
  })

  t.test('a page that read nothing and did not move on ends the pull with a fault instead of reading it forever', async (t) => {
    for (const segment of [{ index: 0, count: 1 }, undefined]) {
      const { exporter } = countingExport()
      // A reader that answers every page with no rows, more to come, and the position it started from.
      exporter.read = async (plan) => ({
        kept: [], known: new KnownRows(), readOptions: {}, hasNextPage: true, endCursor: undefined, endPosition: plan.position, itemsScanned: 0, storeCalls: 0, bytesRead: 0
      })
      const pull = new FeaturePull(exporter)
      const batches = pull.batches(pull.prepare({ ...request, segment }))
      await t.rejects(batches.next(), { message: 'a pull page read nothing and did not move on' }, segment === undefined ? 'the server\'s fan-out' : 'one segment')
    }
  })

  t.test('Arrow: the cut stream yields its complete batches; the last one\'s token resumes', async (t) => {
    // The whole stream is about 15 bytes a row here; stop near 60% of it, mid-batch or not.
    const { batches } = completeBatches(await droppedPull(url, ARROW, body, (bytes) => bytes >= expected.length * 15 * 0.6))
    t.ok(batches.length > 1, `${batches.length} complete batches before the cut`)
    t.notOk(batches.some((b) => b.metadata.get('featuregate.end') === 'true'), 'no end marker before the cut')
    const seen = batches.flatMap((b) => Array.from({ length: b.numRows }, (_, i) => b.get(i)!.toJSON().entity_id as string))
    const token = batches.at(-1)!.metadata.get('featuregate.resume_after')!
    const rest = readNdjson((await app.inject({ method: 'POST', url: '/v1/pull', headers: { accept: NDJSON }, payload: { ...body, after: token } })).body)
    const all = [...seen, ...rest.rows.map((r) => r.entity_id)]
    t.equal(new Set(all).size, all.length, 'no row twice')
    t.same(all.sort(), expected, 'no row lost')
  })
})

/** Rows of 16 KB embeddings (about 80 KB of NDJSON each): the whole pull is far larger than any socket buffer. */
const WIDE: FeatureSetSpec = { name: 'wide', entityType: 'thing', features: [{ name: 'v', type: 'float_vector', dimension: 4096 }] }

t.test('a reader that stops reading stops the scan: pages read stay bounded, then the pull completes', async (t) => {
  // On the event loop (PULL_THREADS=0): the scans are counted by wrapping this thread's reader.
  const app = await build(t, { DEMO_USERS: '5', PULL_THREADS: '0' })
  await app.featureStore.registry.put(WIDE)
  const rows = 800
  for (let start = 0; start < rows; start += 100) {
    await writeRows(app.featureStore.writer, Array.from({ length: 100 }, (_, i) => ({
      entityId: `thing_${start + i}`,
      featureSet: WIDE,
      eventTime: Date.now(),
      values: new Map([['v', { type: 'float_vector' as const, value: Float32Array.from({ length: 4096 }, (_, j) => Math.sin(start + i + j)) }]])
    })))
  }
  await app.featureRegistry.reload()
  const url = new URL(await listen(app))
  const scans = watchScans(app)
  // The server's fan-out, and one segment whose shards (about 12 rows) hold more than a page of 10: it reads shards ahead.
  for (const segment of [undefined, { index: 0, count: 1 }]) {
    const label = segment === undefined ? 'fan-out' : 'one segment, shards read ahead'
    const before = scans.calls()
    const body = JSON.stringify({ featureSet: 'wide', features: ['wide:v'], batchSize: 10, segment })
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { accept: NDJSON, 'content-type': 'application/json' } }, resolve)
      req.on('error', reject)
      req.end(body)
    })
    t.equal(response.statusCode, 200)
    response.pause()
    // The gateway reads ahead only until the socket's buffers are full, then waits: the count settles.
    let settled = -1
    for (let waited = 0; waited < 20_000 && settled !== scans.calls() - before; waited += 1_000) {
      settled = scans.calls() - before
      await sleep(1_000)
    }
    t.equal(scans.calls() - before, settled, `${label}: no page read while the reader is stalled (${settled} scans so far)`)
    let text = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => { text += chunk })
    response.resume()
    await new Promise((resolve) => response.on('end', resolve))
    const pull = readNdjson(text)
    t.same(pull.end, { end: true, rows }, `${label}: the pull completes once the reader reads again`)
    const pages = pull.resumeTokens.length
    t.ok(settled < pages / 2, `${label}: read ahead of a stalled reader: ${settled} scans for ${pages} pages (socket buffers, then it waits)`)
  }
})

t.test('a store failure mid-stream ends the stream with the error marker, counted in metrics', async (t) => {
  // On the event loop (PULL_THREADS=0), where a wrapped reader can fail on demand; pull-threads.test.ts has the threads' failures.
  const app = await build(t, { DEMO_USERS: '600', PULL_THREADS: '0' })
  const url = await listen(app)
  const scans = watchScans(app)
  const body = { featureSet: 'user_profile', features: ['user_profile'], batchSize: 50 }

  t.test('NDJSON: the first batch, then an error line and no end line', async (t) => {
    scans.failFrom(scans.calls() + 2)
    const pull = await pullNdjson(app, body)
    t.equal(pull.status, 200, 'the failure came after the first byte')
    t.equal(pull.rows.length, 50)
    t.equal(pull.resumeTokens.length, 1)
    t.equal(pull.end, undefined, 'never an end line')
    t.match(pull.error, { code: 'SERVICE_UNAVAILABLE', fgCode: 'FG_ERR_STORE_UNAVAILABLE', message: String })
    t.equal(await metricLine(app, 'featuregate_pull_errors_total{format="ndjson",code="FG_ERR_STORE_UNAVAILABLE"}'), 1)
    t.equal(await metricLine(app, 'featuregate_pulls_total{format="ndjson",outcome="error"}'), 1)
  })

  t.test('Arrow: the stream is cut, so no reader takes it for complete', async (t) => {
    scans.failFrom(scans.calls() + 2)
    const response = await fetch(url, { method: 'POST', headers: { accept: ARROW, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    t.equal(response.status, 200)
    const chunks: Buffer[] = []
    const reader = response.body!.getReader()
    let cut = false
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done === true) break
        chunks.push(Buffer.from(value))
      }
    } catch {
      cut = true
    }
    t.ok(cut, 'the HTTP response ends abnormally (no final chunk)')
    const { batches } = completeBatches(Buffer.concat(chunks))
    t.equal(batches.reduce((n, b) => n + b.numRows, 0), 50, 'the first batch arrived')
    t.notOk(batches.some((b) => b.metadata.get('featuregate.end') === 'true'), 'and no end marker')
    t.equal(await metricLine(app, 'featuregate_pull_errors_total{format="arrow",code="FG_ERR_STORE_UNAVAILABLE"}'), 1)
  })

  t.test('a failure on the first page is a plain JSON error with its status', async (t) => {
    scans.failFrom(scans.calls() + 1)
    const pull = await pullNdjson(app, body)
    t.equal(pull.status, 503)
    t.equal(pull.json.errors[0].extensions.fgCode, 'FG_ERR_STORE_UNAVAILABLE')
    scans.failFrom(Infinity)
  })

  t.test('counted: rows streamed and finished pulls', async (t) => {
    const pull = await pullNdjson(app, body)
    t.ok(pull.end !== undefined)
    t.ok(await metricLine(app, 'featuregate_pull_rows_total{format="ndjson"}') >= 50 + pull.rows.length)
    t.ok(await metricLine(app, 'featuregate_pulls_total{format="ndjson",outcome="complete"}') >= 1)
  })
})
