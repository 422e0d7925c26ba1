import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { PreparedRow } from '../../src/domain/ports/row-writer.js'
import { ingestLines, type IngestProgress } from '../../src/cli/ingest.js'
import { readRegistryFile } from '../../src/cli/read-registry-file.js'
import { runIngest, type IngestCommand } from '../../src/cli/run-ingest.js'
import { loadConfig } from '../../src/config.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import { ChangeLog } from '../../src/repo/change-log.js'
import { FeatureWriter } from '../../src/repo/feature-writer.js'
import { startEmbeddedDynamo } from '../../src/repo/embedded-dynamo.js'
import { startFaultProxy } from '../helpers/fault-proxy.js'
import { LOCAL_CREDENTIALS, localClient, openTestStore, writerWith, readAll, type TestStore } from '../helpers/test-store.js'

// The CLI takes credentials from the AWS chain, like the gateway; a local server accepts any.
process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId
process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey

const SCORES: FeatureSetSpec = {
  name: 'scores',
  entityType: 'user',
  features: [{ name: 'score', type: 'double' }, { name: 'note', type: 'string' }]
}

async function * linesOf (text: string): AsyncIterable<string> {
  for (const line of text.split('\n')) yield line
}

const line = (entityId: string, score: number | null, note: unknown = 'n', eventTime: unknown = 1_700_000_000_000): string =>
  JSON.stringify({ entity_id: entityId, event_time: eventTime, features: { score, note } })

async function scoreOf (store: TestStore, entityId: string): Promise<unknown> {
  const [row] = await readAll(store.rows, [{ entityId, featureSet: SCORES, features: undefined }], { deadlineAt: Date.now() + 10_000 })
  const value = row?.values.get('score')
  return value === undefined ? undefined : value === null ? null : value.type === 'double' ? value.value : value
}

class Sink {
  text = ''
  write (chunk: string): boolean {
    this.text += chunk
    return true
  }
}

t.test('ingest', async (t) => {
  const dynamo = await startEmbeddedDynamo()
  t.teardown(async () => await dynamo.close())
  const freshStore = async (t: Test): Promise<TestStore> => {
    const store = await openTestStore(t, dynamo.endpoint, { env: { CACHE_ENABLED: 'false' } })
    await store.registry.put(SCORES)
    return store
  }

  t.test('ingest announces what it wrote in the change log, creating the log table when an older create-tables made none', async (t) => {
    const store = await freshStore(t)
    const file = join(await mkdtemp(join(tmpdir(), 'featuregate-ingest-')), 'scores.jsonl')
    await writeFile(file, [line('u1', 1), line('u2', 2)].join('\n') + '\n')
    const changeTable = `${store.featureTable}_new_changes`
    const config = loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, FEATURE_TABLE: store.featureTable, REGISTRY_TABLE: store.registryTable, CHANGE_TABLE: changeTable })
    t.equal(await runIngest(config, command({ featureSet: 'scores', file }), new Sink(), new Sink()), 0)
    const entries = await new ChangeLog(localClient(t, dynamo.endpoint), changeTable).readSince(Date.now() - 60_000)
    t.same(entries.map((entry) => ({ kind: entry.kind, featureSet: entry.featureSet, entityIds: [...entry.entityIds].sort() })),
      [{ kind: 'rows', featureSet: 'scores', entityIds: ['u1', 'u2'] }], 'one entry naming both rows')
  })

  t.test('the example file loads cleanly into the example registry, values exact', async (t) => {
    const store = await openTestStore(t, dynamo.endpoint, { env: { CACHE_ENABLED: 'false' } })
    const specs = await readRegistryFile('examples/registry.yaml')
    for (const spec of specs) await store.registry.put(spec)
    const userText = specs.find((s) => s.name === 'user_text')!
    const config = loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, FEATURE_TABLE: store.featureTable, REGISTRY_TABLE: store.registryTable })
    const stdout = new Sink()
    const code = await runIngest(config, command({ featureSet: 'user_text', file: 'examples/user_text.jsonl' }), stdout, new Sink())
    t.equal(code, 0)
    t.match(stdout.text, /^ingest user_text from examples\/user_text\.jsonl: 5 lines, 5 written, 0 rejected in /)

    const source = (await readFile('examples/user_text.jsonl', 'utf8')).trim().split('\n').map((text) => JSON.parse(text) as {
      entity_id: string, event_time: string | number, features: { embedding: number[], sentiment_score: number | null, top_terms: string[] }
    })
    const rows = await readAll(store.rows, source.map((record) => ({ entityId: record.entity_id, featureSet: userText, features: undefined })), { deadlineAt: Date.now() + 10_000 })
    for (const [i, record] of source.entries()) {
      const row = rows[i]!
      t.equal(row.eventTime, typeof record.event_time === 'number' ? record.event_time : Date.parse(record.event_time), `${record.entity_id} event time`)
      const embedding = row.values.get('embedding')
      t.same(embedding?.type === 'float_vector' ? Buffer.from(embedding.value.buffer, embedding.value.byteOffset, embedding.value.byteLength) : undefined,
        Buffer.from(Float32Array.from(record.features.embedding).buffer), `${record.entity_id} embedding, bit for bit as float32`)
      t.same(row.values.get('sentiment_score'), record.features.sentiment_score === null ? null : { type: 'double', value: record.features.sentiment_score })
      t.same(row.values.get('top_terms'), { type: 'string_list', value: record.features.top_terms })
    }
  })

  t.test('bad lines are reported with their line numbers; every good line is written', async (t) => {
    const store = await freshStore(t)
    const dir = await mkdtemp(join(tmpdir(), 'featuregate-ingest-'))
    const file = join(dir, 'scores.jsonl')
    const big = 'x'.repeat(410 * 1024)
    await writeFile(file, [
      '\uFEFF' + line('u1', 0.5), // 1: a byte-order mark is not an error
      'not json', // 2
      '', // 3: blank lines are skipped, not counted
      line('u2', null), // 4: null is a value (NULL_VALUE)
      JSON.stringify({ entity_id: 'u3', event_time: 'yesterday', features: { score: 1, note: 'n' } }), // 5
      line('u4', 1, 7), // 6: note is not a string
      JSON.stringify({ entity_id: 'u5', event_time: 1, features: { score: 1, note: 'n', colour: 'red' } }), // 7
      JSON.stringify({ entity_id: 'u6', event_time: 1, features: { score: 1 } }), // 8: note missing
      line('', 1), // 9
      line('u7', 1, big), // 10: item over 400 KB
      line('u8', 1e300), // 11: outside DynamoDB's number range
      JSON.stringify({ entity_id: 'u9', eventTime: 1, features: {} }), // 12: misspelt field
      '[1, 2]', // 13
      line('u10', -2.25, 'ok', '2026-11-20T10:00:00.000Z'), // 14
      line('u11', 1, 'n', '2026-11-20T10:00:00'), // 15: no offset, so the machine's time zone would decide
      line('u12', 1, 'n', 1795991541256000), // 16: microseconds
      '   ' // 17: blank
    ].join('\r\n') + '\r\n')
    const rejects = join(dir, 'rejects.jsonl')
    const config = loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, FEATURE_TABLE: store.featureTable, REGISTRY_TABLE: store.registryTable })
    const stdout = new Sink()
    const code = await runIngest(config, command({ featureSet: 'scores', file, rejectsFile: rejects }), stdout, new Sink())
    t.equal(code, 1, 'exit code 1: some lines rejected')
    const report = stdout.text.split('\n')
    t.match(report[0], /: 15 lines, 3 written, 12 rejected in /)
    t.match(report.slice(1), [
      'rejected lines:',
      '  line 2: not valid JSON: Unexpected token \'o\', "not json" is not valid JSON',
      '  line 5: event_time: expected epoch milliseconds or an ISO-8601 time with a UTC offset, got "yesterday"',
      '  line 6: Invalid value for note: expected a string of well-formed Unicode',
      '  line 7: unknown feature "colour" in feature set scores (it has score, note)',
      '  line 8: missing feature note: a line replaces the entity\'s whole row in scores, so give null for no value (or pass --allow-missing)',
      '  line 9: Invalid entity id: an entity id must be a non-empty string',
      /^ {2}line 10: Row for entity u7 in feature set scores is 4\d{5} bytes; DynamoDB items are limited to 400 KB$/,
      '  line 11: Invalid value for score: 1e+300 is outside the range DynamoDB numbers can hold (magnitude 1e-130 to 1e126, or 0)',
      '  line 12: unexpected field "eventTime"; a line has entity_id, event_time and features',
      '  line 13: expected a JSON object {"entity_id", "event_time", "features"}',
      '  line 15: event_time: "2026-11-20T10:00:00" has no UTC offset: add Z (UTC) or an offset such as +02:00',
      '  line 16: event_time: 1795991541256000 is after the year 2200: event times are epoch milliseconds (this looks like micro- or nanoseconds) from 1970 to 2200',
      ''
    ])
    t.equal(report.length, 15, 'nothing else in the report')

    t.equal(await scoreOf(store, 'u1'), 0.5)
    t.equal(await scoreOf(store, 'u2'), null)
    t.equal(await scoreOf(store, 'u10'), -2.25)
    for (const id of ['u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9', 'u11', 'u12']) t.equal(await scoreOf(store, id), undefined, `${id} not written`)

    const kept = (await readFile(rejects, 'utf8')).trim().split('\n').map((text) => JSON.parse(text) as { line: number, error: string, text: string })
    t.same(kept.map((r) => r.line), [2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16])
    t.equal(kept[0]!.text, 'not json', 'the rejects file keeps each line as it was, to fix and load again')
  })

  t.test('every line is read however long the rejects file takes to open (readline drops lines emitted before iteration)', { skip: process.platform === 'win32' && 'a FIFO needs a POSIX system' }, async (t) => {
    const store = await freshStore(t)
    const dir = await mkdtemp(join(tmpdir(), 'featuregate-ingest-'))
    const file = join(dir, 'scores.jsonl')
    await writeFile(file, [line('f1', 1), line('f2', 2), 'oops', line('f3', 3)].join('\n') + '\n')
    // A FIFO as the rejects file: opening it for writing waits until a reader opens it, so the input
    // is read (and readline would emit its lines) long before the ingest could start iterating.
    const rejects = join(dir, 'rejects.fifo')
    execFileSync('mkfifo', [rejects])
    const config = loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, FEATURE_TABLE: store.featureTable, REGISTRY_TABLE: store.registryTable })
    const stdout = new Sink()
    const running = runIngest(config, command({ featureSet: 'scores', file, rejectsFile: rejects, json: true }), stdout, new Sink())
    await new Promise((resolve) => setTimeout(resolve, 300))
    const kept = readFile(rejects, 'utf8')
    // With the lines dropped, readline's end went unseen too and the ingest never finished: bound the wait.
    const hung = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000).unref())
    t.equal(await Promise.race([running, hung]), 1, 'exit code 1: one line rejected')
    t.match(JSON.parse(stdout.text), { lines: 4, written: 3, rejected: 1, rejectedLines: [{ line: 3 }] }, 'all four lines read, numbered from the first')
    t.match(JSON.parse((await kept).trim()), { line: 3, text: 'oops' })
    t.equal(await scoreOf(store, 'f1'), 1)
  })

  t.test('--json prints a machine-readable report', async (t) => {
    const store = await freshStore(t)
    const dir = await mkdtemp(join(tmpdir(), 'featuregate-ingest-'))
    const file = join(dir, 'scores.jsonl')
    await writeFile(file, [line('a', 1), 'oops', line('b', 2)].join('\n'))
    const config = loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, FEATURE_TABLE: store.featureTable, REGISTRY_TABLE: store.registryTable })
    const stdout = new Sink()
    t.equal(await runIngest(config, command({ featureSet: 'scores', file, json: true }), stdout, new Sink()), 1)
    t.match(JSON.parse(stdout.text), { featureSet: 'scores', lines: 3, written: 2, rejected: 1, unwrittenLines: [], rejectedLines: [{ line: 2, reason: /^not valid JSON/ }] })
  })

  t.test('an unknown feature set or a missing file is a clear error before anything is written', async (t) => {
    const store = await freshStore(t)
    const config = loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, FEATURE_TABLE: store.featureTable, REGISTRY_TABLE: store.registryTable })
    await t.rejects(runIngest(config, command({ featureSet: 'nope', file: 'examples/user_text.jsonl' }), new Sink(), new Sink()),
      { name: 'CliError', exitCode: 2, message: 'Unknown feature set "nope"; the registry has scores' })
    await t.rejects(runIngest(config, command({ featureSet: 'scores', file: 'no/such/file.jsonl' }), new Sink(), new Sink()),
      { name: 'CliError', exitCode: 2, message: 'Cannot read no/such/file.jsonl: ENOENT' })
  })

  t.test('25 rows per call, every accepted line written once, the later line of an entity wins', async (t) => {
    const store = await freshStore(t)
    const calls: number[] = []
    const writer = writerWith(store.writer, {
      writeRows: async (items: readonly PreparedRow[]) => {
        calls.push(items.length)
        const ids = items.map((item) => item.entityId)
        t.equal(new Set(ids).size, ids.length, 'no entity twice in one call')
        await store.writer.writeRows(items)
      }
    })
    // 1000 lines over 400 entities: each entity appears two or three times, in order.
    const text = Array.from({ length: 1_000 }, (_, i) => line(`e${i % 400}`, i)).join('\n')
    const report = await ingestLines({ featureSet: SCORES, lines: linesOf(text), writer, concurrency: 8 })
    t.match(report, { lines: 1_000, written: 1_000, rejected: 0, unwrittenLines: [] })
    t.ok(calls.every((n) => n <= 25), 'at most 25 items per BatchWriteItem')
    t.equal(calls.reduce((a, b) => a + b, 0), 1_000)
    for (const id of [0, 1, 199, 200, 399]) t.equal(await scoreOf(store, `e${id}`), id < 200 ? 800 + id : 400 + id, `e${id} holds its last line`)
  })

  t.test('a later line never loses to an earlier one still in flight', async (t) => {
    const store = await freshStore(t)
    let firstHeld = true
    let releaseFirst: () => void = () => {}
    const held = new Promise<void>((resolve) => { releaseFirst = resolve })
    const writer = writerWith(store.writer, {
      writeRows: async (items: readonly PreparedRow[]) => {
        if (firstHeld) {
          firstHeld = false
          // Hold the first batch until another batch has been written or, if none comes, a moment passes.
          setTimeout(releaseFirst, 50)
          await held
        }
        await store.writer.writeRows(items)
        releaseFirst()
      }
    })
    const text = [line('x', 1), ...Array.from({ length: 24 }, (_, i) => line(`f${i}`, i)), line('x', 2), line('y', 3)].join('\n')
    const report = await ingestLines({ featureSet: SCORES, lines: linesOf(text), writer, concurrency: 4 })
    t.equal(report.written, 27)
    t.equal(await scoreOf(store, 'x'), 2)
  })

  t.test('progress is reported while a long run goes on', async (t) => {
    const store = await freshStore(t)
    const seen: IngestProgress[] = []
    let reported: () => void = () => {}
    const firstReport = new Promise<void>((resolve) => { reported = resolve })
    const writer = writerWith(store.writer, {
      writeRows: async (items: readonly PreparedRow[]) => {
        await firstReport // the run cannot finish before a progress line was printed
        await store.writer.writeRows(items)
      }
    })
    const report = await ingestLines({
      featureSet: SCORES,
      lines: linesOf(Array.from({ length: 60 }, (_, i) => line(`p${i}`, i)).join('\n')),
      writer,
      onProgress: (progress) => { seen.push(progress); reported() },
      progressEveryMs: 5
    })
    t.ok(seen.length >= 1)
    t.match(seen[0], { lines: Number, written: Number, rejected: 0, seconds: Number })
    t.equal(report.written, 60)
  })

  t.test('when the store gives up, the report names every accepted line it did not write', async (t) => {
    const store = await freshStore(t)
    const proxy = await startFaultProxy(t, dynamo.endpoint)
    let writes = 0
    // Two calls go through; from the third on the store takes 5 rows of each call and never the rest.
    proxy.decide = (operation) => operation !== 'BatchWriteItem' ? { kind: 'forward' } : ++writes <= 2 ? { kind: 'forward' } : { kind: 'unprocess', keep: writes === 3 ? 5 : 0 }
    const writer = new FeatureWriter(localClient(t, proxy.endpoint), store.featureTable, { retryBaseMs: 1, maxUnprocessedRetries: 2 })
    const lines = Array.from({ length: 200 }, (_, i) => i === 30 ? 'bad' : line(`s${i}`, i))
    const report = await ingestLines({ featureSet: SCORES, lines: linesOf(lines.join('\n')), writer, concurrency: 1 })
    t.match(report.storeError, /StoreThrottledError|throttling/)
    t.ok(report.stoppedAfterLine! < 200, `stopped after line ${report.stoppedAfterLine}`)
    t.same(report.rejectedLines.map((r) => r.line), [31])
    t.equal(report.written, 55, 'two whole calls and 5 rows of the third')
    // Every line read is accounted for exactly once: written (and in the store), rejected, or named unwritten.
    const unwritten = new Set(report.unwrittenLines)
    for (let n = 1; n <= report.stoppedAfterLine!; n++) {
      if (n === 31) continue
      const stored = await scoreOf(store, `s${n - 1}`)
      t.equal(stored !== undefined, !unwritten.has(n), `line ${n} is ${unwritten.has(n) ? 'named unwritten' : 'stored'}`)
    }
    t.equal(report.written + report.rejected + report.unwrittenLines.length, report.lines)
  })

  t.test('an input that fails mid-run: in-flight writes are waited for and every accepted line is accounted for', async (t) => {
    const store = await freshStore(t)
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    // The first batch is still being written when the input fails.
    const writer = writerWith(store.writer, { writeRows: async (rows) => { await held; await store.writer.writeRows(rows) } })
    async function * failing (): AsyncIterable<string> {
      for (let i = 0; i < 30; i++) yield line(`f${i}`, i)
      setTimeout(release, 50)
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })
    }
    const report = await ingestLines({ featureSet: SCORES, lines: failing(), writer, concurrency: 2 })
    t.match(report.failure, /EIO/)
    t.equal(report.written, 25, 'the batch in flight was waited for and confirmed')
    t.same(report.unwrittenLines, [26, 27, 28, 29, 30], 'the accepted lines not yet sent are named')
    t.equal(report.stoppedAfterLine, 30)
    t.equal(await scoreOf(store, 'f24'), 24)
    t.equal(await scoreOf(store, 'f25'), undefined)
  })

  t.test('unexpected failures exit 3, never 1: an unreadable input, an unwritable rejects file', async (t) => {
    const store = await freshStore(t)
    const config = loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, FEATURE_TABLE: store.featureTable, REGISTRY_TABLE: store.registryTable })
    const dir = await mkdtemp(join(tmpdir(), 'featuregate-ingest-'))
    const stdout = new Sink()
    t.equal(await runIngest(config, command({ featureSet: 'scores', file: dir }), stdout, new Sink()), 3, 'a directory as input')
    t.match(stdout.text, /the run failed: .*EISDIR/)
    await t.rejects(runIngest(config, command({ featureSet: 'scores', file: 'examples/user_text.jsonl', rejectsFile: join(dir, 'no', 'such', 'dir', 'rejects.jsonl') }), new Sink(), new Sink()),
      { name: 'CliError', exitCode: 3, message: /Cannot write the rejects file .*ENOENT/ })
  })

  t.test('--only-newer retries throttling as the batch path does', async (t) => {
    const store = await freshStore(t)
    const proxy = await startFaultProxy(t, dynamo.endpoint)
    let puts = 0
    proxy.decide = (operation) => operation === 'PutItem' && ++puts <= 6 ? { kind: 'throttle' } : { kind: 'forward' }
    const writer = new FeatureWriter(localClient(t, proxy.endpoint, { maxAttempts: 1 }), store.featureTable, { retryBaseMs: 1, maxUnprocessedRetries: 8 })
    const report = await ingestLines({ featureSet: SCORES, lines: linesOf([line('o1', 1), line('o2', 2)].join('\n')), writer, onlyNewer: true })
    t.equal(report.storeError, undefined)
    t.equal(report.written, 2)
    t.ok(puts > 6, `throttled ${Math.min(puts, 6)} times, then written`)
    t.equal(await scoreOf(store, 'o2'), 2)
  })
})

function command (overrides: Partial<IngestCommand> & Pick<IngestCommand, 'featureSet' | 'file'>): IngestCommand {
  return { allowMissing: false, concurrency: 4, rejectsFile: undefined, json: false, quiet: true, ...overrides }
}
