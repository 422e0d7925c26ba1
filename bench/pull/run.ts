/**
 * npm run bench:pull — streamed training pulls (POST /v1/pull) against the store's own floor, in one run.
 *
 * Processes, as in bench:grpc and bench:isolation: the store (dynalite with the demo data, for the online
 * lookups) in its own process; the gateway (the whole app) in another; the store floor (plain SDK Query)
 * in a third; load, pulls and measurement from this one. The pulled set is `user_moderation` from
 * examples/registry.yaml, made with the CLI as a user would: `npm run cli -- apply examples/registry.yaml`,
 * then `npm run cli -- ingest user_moderation <file>` of BENCH_ROWS generated JSON Lines.
 *
 * Measured, each against a floor measured in the same run:
 *  - rows/s of NDJSON and Arrow pulls: "1 segment" is one pull with segment {index: 0, count: 1} (all 64
 *    shards, one Query at a time); "4 segments" is four parallel pulls with segment {index: i, count: 4},
 *    rows/s summed; "server fan-out" is one pull with no segment (the gateway splits it over
 *    GRAPHQL_SCAN_SEGMENTS itself). Floors: the same shard-Query plan from the floor process with 1 and 4
 *    parallel readers. Each such pull reads its first BENCH_PULL_ROWS rows (split between its readers),
 *    the floor the same count per reader;
 *  - an Arrow pull against GraphQL featureRows paging (first: 1000) of the same rows (one segment of
 *    BENCH_GRAPHQL_SEGMENTS, whole);
 *  - items examined per row: the floor's ScannedCount, the gateway's own FeatureExport pages during a
 *    whole pull, and featureRows' scan { itemsScanned };
 *  - the gateway's RSS (/proc/<pid>/status VmRSS every 50 ms) during an Arrow pull of the whole set;
 *  - gRPC p50/p99 alone and during a 4-segment Arrow pull.
 * Knobs: BENCH_ROWS (200000), BENCH_PULL_ROWS (100000; 0 = whole set), BENCH_ROUNDS (3; best of),
 * BENCH_GRAPHQL_SEGMENTS (8), BENCH_SECONDS (5, each gRPC phase), BENCH_GRPC_CONCURRENCY (8),
 * BENCH_USERS (2000 demo users for the lookups), BENCH_INGEST_CONCURRENCY (4, the CLI's default),
 * BENCH_PROFILE_DIR (unset; a directory for the gateway's --cpu-prof profile), BENCH_NODE_FLAGS (extra flags for the gateway's node,
 * after production's; BENCH_GATEWAY_FLAGS replaces production's, "" for none),
 * BENCH_TRACE=1 (the gateway's stdout on this one's, e.g. with BENCH_NODE_FLAGS=--trace-gc), BENCH_THREADS=1 (the reading
 * process's CPU per row by thread under each timed pull and floor).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { Agent, request, type IncomingMessage } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { RecordBatchReader } from 'apache-arrow'
import { DEMO_FEATURE_SETS } from '../../src/demo/demo-registry.js'
import { BENCH_CREDENTIALS, type StoreReady } from '../grpc/protocol.js'
import type { GrpcLoadOptions } from '../shared/online-load.js'
import { gatewayNodeFlags } from '../shared/gateway-flags.js'
import { processCpuMicros, threadCpuNanos, type ThreadCpu } from '../shared/process-cpu.js'
import type { ExportCounts, FloorJob, FloorResult, GatewayReady, LoopDelay, OnlineLoadJob, OnlineLoadResult } from './protocol.js'

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000)
const PULL_ROWS = Number(process.env.BENCH_PULL_ROWS ?? 100_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const GRAPHQL_SEGMENTS = Number(process.env.BENCH_GRAPHQL_SEGMENTS ?? 8)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const GRPC_CONCURRENCY = Number(process.env.BENCH_GRPC_CONCURRENCY ?? 8)
const USERS = Number(process.env.BENCH_USERS ?? 2_000)
const INGEST_CONCURRENCY = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 4)
/** Where the gateway writes a V8 CPU profile of the whole run (--cpu-prof), when set. */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR
/** BENCH_THREADS=1: each timed pull (and floor) also says where the reading process's CPU went, by thread. */
const THREADS = process.env.BENCH_THREADS === '1'
const HERE = fileURLToPath(new URL('.', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SET = 'user_moderation'
const FEATURES = ['toxicity', 'reports_30d', 'is_restricted', 'restricted_until', 'flagged_terms']
/** Rows per batch of a pull and per featureRows page, and the floor's Query Limit: the gateway's default page. */
const BATCH = 1_000
/** The online lookups measured alone and during pulls. */
const ONLINE_LOAD: GrpcLoadOptions = { seconds: SECONDS, concurrency: GRPC_CONCURRENCY, features: DEMO_FEATURE_SETS.map((set) => set.name), users: Math.min(USERS, 1_000) }

type Format = 'ndjson' | 'arrow'
const ACCEPT: Record<Format, string> = { ndjson: 'application/x-ndjson', arrow: 'application/vnd.apache.arrow.stream' }

const children: ChildProcess[] = []
async function start<T> (script: string, env: NodeJS.ProcessEnv, execArgv: string[] = [], stdout: 'ignore' | 'inherit' = 'ignore'): Promise<{ child: ChildProcess, ready: T }> {
  const child = fork(script, [], { execArgv: ['--import', 'tsx', ...execArgv], env: { ...env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', stdout, 'inherit', 'ipc'] })
  children.push(child)
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('message', (message) => resolve(message as T))
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)}`)))
  })
  return { child, ready }
}

async function ask<T> (child: ChildProcess, message: object): Promise<T> {
  const answer = once(child, 'message') as Promise<[T]>
  child.send(message)
  return (await answer)[0]
}

/** `npm run cli -- <args>` against the benchmark's store, as README "Loading data (CLI)" shows; its report line. */
async function cli (args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn('npm', ['run', '-s', 'cli', '--', ...args], { cwd: ROOT, env: { ...env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] })
  const out: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  const [code] = await once(child, 'exit') as [number | null]
  const text = Buffer.concat(out).toString().trim()
  if (code !== 0) throw new Error(`npm run cli -- ${args.join(' ')} exited with ${String(code)}: ${text}`)
  return text
}

/** BENCH_ROWS lines of user_moderation, every feature type of the set, some nulls and empty lists. */
async function writeRows (file: string, rows: number): Promise<void> {
  const out = createWriteStream(file)
  const now = Date.now()
  for (let i = 0; i < rows; i++) {
    const line = JSON.stringify({
      entity_id: `mod_user_${i}`,
      event_time: now - i,
      features: {
        toxicity: (i % 1_000) / 1_000,
        reports_30d: i % 17,
        is_restricted: i % 5 === 0,
        restricted_until: i % 5 === 0 ? now + 86_400_000 : null,
        flagged_terms: i % 3 === 0 ? ['spam', 'scam'] : []
      }
    }) + '\n'
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

interface PullOutcome { rows: number, bytes: number, complete: boolean, error: string | undefined }

/**
 * One streamed pull, read as a client would: Arrow through apache-arrow's stream reader, NDJSON line
 * by line (rows told from control lines by their first key, not parsed: the client's CPU is shared with
 * the gateway on this machine). Stops reading (closes the connection) once `stopAfter` rows arrived.
 */
async function pull (port: number, format: Format, body: object, stopAfter?: number, signal?: AbortSignal): Promise<PullOutcome> {
  const outcome: PullOutcome = { rows: 0, bytes: 0, complete: false, error: undefined }
  const req = request({ host: '127.0.0.1', port, path: '/v1/pull', method: 'POST', agent, signal, headers: { 'content-type': 'application/json', accept: ACCEPT[format] } })
  let response: IncomingMessage
  try {
    response = await new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve)
      req.once('error', reject)
      req.end(JSON.stringify(body))
    })
  } catch (error) {
    return signal?.aborted === true ? outcome : { ...outcome, error: (error as Error).message }
  }
  req.on('error', () => {}) // from here on, the response's own iteration reports a failure
  if (response.statusCode !== 200) {
    const chunks: Buffer[] = []
    for await (const chunk of response) chunks.push(chunk as Buffer)
    return { ...outcome, error: `HTTP ${String(response.statusCode)} ${Buffer.concat(chunks).toString().slice(0, 300)}` }
  }
  const enough = (): boolean => stopAfter !== undefined && outcome.rows >= stopAfter
  try {
    if (format === 'arrow') {
      const counted = async function * (): AsyncGenerator<Uint8Array> {
        for await (const chunk of response) {
          outcome.bytes += (chunk as Buffer).length
          yield chunk as Buffer
        }
      }
      const reader = await RecordBatchReader.from(counted())
      for await (const batch of reader) {
        outcome.rows += batch.numRows
        if (batch.metadata.get('featuregate.end') === 'true') outcome.complete = true
        if (enough()) break
      }
    } else {
      let tail = ''
      for await (const chunk of response) {
        outcome.bytes += (chunk as Buffer).length
        const lines = (tail + (chunk as Buffer).toString()).split('\n')
        tail = lines.pop() ?? ''
        for (const line of lines) {
          if (line.startsWith('{"entity_id"')) outcome.rows++
          else if (line.startsWith('{"end"')) outcome.complete = true
          else if (line.startsWith('{"error"')) outcome.error = line.slice(0, 300)
        }
        if (enough()) break
      }
    }
  } catch (error) {
    if (signal?.aborted !== true) outcome.error = (error as Error).message
  } finally {
    req.destroy()
  }
  return outcome
}

interface Measured { rows: number, bytes: number, seconds: number, errors: string[] }
const rate = (m: { rows: number, seconds: number }): number => m.rows / m.seconds

/**
 * CPU µs per row spent by the store, by the gateway or floor process reading it, and by this process (the
 * pull's client); with BENCH_THREADS=1 also the reading process's by thread: main first, then the others
 * from the busiest (a pull thread, V8's GC and compiler helpers, libuv's pool: Node 20 names them all "node").
 */
interface CpuPerRow { store: number, server: number, client: number, serverThreads?: ReadonlyArray<{ thread: string, micros: number }> }

/** Each thread's CPU between two readings, µs per row, main first, then the busiest first. */
function threadsPerRow (before: ReadonlyMap<string, ThreadCpu>, after: ReadonlyMap<string, ThreadCpu>, rows: number): Array<{ thread: string, micros: number }> {
  const spent = [...after].map(([tid, { name, nanos }]) => ({ thread: name === 'main' ? 'main' : `${name}/${tid}`, micros: (nanos - (before.get(tid)?.nanos ?? 0)) / 1e3 / Math.max(1, rows) }))
  return spent.sort((a, b) => a.thread === 'main' ? -1 : b.thread === 'main' ? 1 : b.micros - a.micros)
}

/** Runs `work` and charges the CPU each process spent during it to its rows. */
async function withCpu<T extends { rows: number }> (pids: { store: number, server: number }, work: () => Promise<T>): Promise<T & { cpu: CpuPerRow }> {
  const before = { store: processCpuMicros(pids.store), server: processCpuMicros(pids.server), client: process.cpuUsage(), threads: THREADS ? threadCpuNanos(pids.server) : undefined }
  const value = await work()
  const client = process.cpuUsage(before.client)
  const perRow = (micros: number): number => micros / Math.max(1, value.rows)
  return {
    ...value,
    cpu: {
      store: perRow(processCpuMicros(pids.store) - before.store),
      server: perRow(processCpuMicros(pids.server) - before.server),
      client: perRow(client.user + client.system),
      ...(before.threads !== undefined && { serverThreads: threadsPerRow(before.threads, threadCpuNanos(pids.server), value.rows) })
    }
  }
}

/** `readers` parallel pulls (segment i of `readers`, or one pull with no segment), each stopped after its share of `rows`. */
async function measurePull (port: number, format: Format, readers: number | 'fan-out', rows: number | undefined): Promise<Measured> {
  const bodies = readers === 'fan-out'
    ? [{ featureSet: SET, features: [SET], batchSize: BATCH }]
    : Array.from({ length: readers }, (_, index) => ({ featureSet: SET, features: [SET], batchSize: BATCH, segment: { index, count: readers } }))
  const share = rows === undefined ? undefined : Math.ceil(rows / bodies.length)
  const started = performance.now()
  const outcomes = await Promise.all(bodies.map(async (body) => await pull(port, format, body, share)))
  const seconds = (performance.now() - started) / 1e3
  const errors = outcomes.flatMap((o) => o.error === undefined ? [] : [o.error])
  if (share === undefined) for (const o of outcomes) if (!o.complete && o.error === undefined) errors.push('pull ended without its end marker')
  return { rows: outcomes.reduce((a, o) => a + o.rows, 0), bytes: outcomes.reduce((a, o) => a + o.bytes, 0), seconds, errors }
}

const GRAPHQL_QUERY = `query Rows($after: String, $segment: ScanSegment) {
  featureRows(featureSet: "${SET}", features: ["${SET}"], first: ${BATCH}, after: $after, segment: $segment) {
    edges { node { entityId features { status value { json } } } }
    pageInfo { hasNextPage endCursor }
    scan { itemsScanned }
  } }`

interface GraphqlPage { data?: { featureRows: { edges: unknown[], pageInfo: { hasNextPage: boolean, endCursor: string | null }, scan: { itemsScanned: number } } }, errors?: unknown[] }

async function postGraphql (port: number, body: string): Promise<{ status: number, retryAfter: number, text: string }> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: Number(response.headers['retry-after'] ?? 0), text: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** featureRows page after page, one at a time, as a notebook pages it (refusals honoured and counted). */
async function graphqlPull (port: number, segment: { index: number, count: number }): Promise<Measured & { itemsScanned: number, refused: number }> {
  let after: string | null = null
  let rows = 0
  let bytes = 0
  let itemsScanned = 0
  let refused = 0
  const errors: string[] = []
  const started = performance.now()
  for (;;) {
    const response = await postGraphql(port, JSON.stringify({ query: GRAPHQL_QUERY, variables: { after, segment } }))
    bytes += response.text.length
    if (response.status === 503 || response.status === 429) {
      refused++
      await new Promise((resolve) => setTimeout(resolve, Math.max(20, response.retryAfter * 1e3)))
      continue
    }
    const page = (JSON.parse(response.text) as GraphqlPage).data?.featureRows
    if (response.status !== 200 || page === undefined) {
      errors.push(`HTTP ${response.status} ${response.text.slice(0, 300)}`)
      break
    }
    rows += page.edges.length
    itemsScanned += page.scan.itemsScanned
    if (!page.pageInfo.hasNextPage) break
    after = page.pageInfo.endCursor
  }
  return { rows, bytes, seconds: (performance.now() - started) / 1e3, errors, itemsScanned, refused }
}

function rssMb (pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? NaN : Number(match[1]) / 1024
}

interface RssWatch<T> {
  readonly value: T
  readonly before: number
  readonly peak: number
  readonly after: number
  readonly samples: number
  /** Peak of each quarter of the work's duration: flat once the heap has grown to its working size, rising if memory followed the rows. */
  readonly quarters: number[]
}

/** The gateway's RSS just before `work`, its peak during it (sampled every 50 ms) and just after. */
async function watchRss<T> (pid: number, work: () => Promise<T>): Promise<RssWatch<T>> {
  const before = rssMb(pid)
  const started = performance.now()
  const samples: Array<{ at: number, mb: number }> = []
  const timer = setInterval(() => samples.push({ at: performance.now() - started, mb: rssMb(pid) }), 50)
  try {
    const value = await work()
    const after = rssMb(pid)
    const took = performance.now() - started
    samples.push({ at: took, mb: after })
    const quarters = [0, 1, 2, 3].map((q) => Math.max(before, ...samples.filter((s) => s.at >= q * took / 4 && s.at <= (q + 1) * took / 4).map((s) => s.mb)))
    return { value, before, peak: Math.max(before, ...samples.map((s) => s.mb)), after, samples: samples.length, quarters }
  } finally {
    clearInterval(timer)
  }
}

const fixed = (n: number, digits = 0): string => Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a'
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(', ')

const startedAt = performance.now()
const loadBefore = load()
const dir = await mkdtemp(join(tmpdir(), 'featuregate-bench-pull-'))
try {
  console.log(`bench:pull: load average ${loadBefore} (1, 5, 15 min) on ${String((await import('node:os')).cpus().length)} CPUs; gateway PULL_THREADS=${process.env.PULL_THREADS ?? '1 (default)'}, node flags: ${gatewayNodeFlags().join(' ') || 'none'}`)
  const store = await start<StoreReady>(join(HERE, '../grpc/store-process.ts'), { ...process.env, BENCH_USERS: String(USERS) })
  const storeEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DYNAMODB_ENDPOINT: store.ready.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    FEATURE_TABLE: store.ready.featureTable,
    REGISTRY_TABLE: store.ready.registryTable
  }
  console.log(`store: ${store.ready.users} demo users loaded in ${(store.ready.loadMs / 1e3).toFixed(1)} s`)
  console.log(`cli apply: ${(await cli(['apply', 'examples/registry.yaml'], storeEnv)).split('\n')[0] ?? ''}`)
  const file = join(dir, `${SET}.jsonl`)
  await writeRows(file, ROWS)
  const ingestStarted = performance.now()
  const ingestReport = await cli(['ingest', SET, file, '--quiet', '--concurrency', String(INGEST_CONCURRENCY)], storeEnv)
  const ingestSeconds = (performance.now() - ingestStarted) / 1e3
  console.log(`cli ingest: ${ingestReport} (${fixed(ROWS / ingestSeconds)} rows/s including the CLI's start)`)

  const gateway = await start<GatewayReady>(join(HERE, 'gateway-process.ts'), {
    ...storeEnv,
    AUTH_MODE: 'open',
    GRPC_PORT: '0',
    LOG_LEVEL: 'warn',
    GRAPHQL_MAX_COST: '100000000',
    RATE_LIMIT_EXPLORE_POINTS_PER_MINUTE: '1000000000',
    RATE_LIMIT_ONLINE_RPS: '10000000'
  }, [...gatewayNodeFlags(), ...(PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`])], process.env.BENCH_TRACE === '1' ? 'inherit' : 'ignore')
  const gatewayPid = gateway.child.pid!
  const floor = await start<{ type: 'ready' }>(join(HERE, 'floor-process.ts'), storeEnv)
  const port = gateway.ready.httpPort
  const gatewayPids = { store: store.child.pid!, server: gatewayPid }
  const floorPids = { store: store.child.pid!, server: floor.child.pid! }
  const counts = async (): Promise<ExportCounts> => await ask<ExportCounts>(gateway.child, { type: 'counts' })
  const loopDelay = async (): Promise<LoopDelay> => await ask<LoopDelay>(gateway.child, { type: 'loop-delay' })
  const floorRead = async (segments: number, rows: number | undefined): Promise<FloorResult> => await ask<FloorResult>(floor.child, {
    type: 'floor', featureSet: SET, features: FEATURES, segments, rowsPerSegment: rows === undefined ? undefined : Math.ceil(rows / segments), limit: BATCH
  } satisfies FloorJob)

  // The lookups run from their own process (online-process.ts), not beside the pulls' readers in this one.
  const online = await start<{ type: 'ready' }>(join(HERE, 'online-process.ts'), { ...process.env })
  const grpcLoad = async (load: GrpcLoadOptions): Promise<OnlineLoadResult> =>
    await ask<OnlineLoadResult>(online.child, { type: 'online', grpcPort: gateway.ready.grpcPort, load } satisfies OnlineLoadJob)
  // Warm every path once (JIT, sockets, the registry's caches) before anything is timed.
  await grpcLoad({ ...ONLINE_LOAD, seconds: 1 })
  for (const format of ['ndjson', 'arrow'] as const) await measurePull(port, format, 4, 4 * BATCH)
  await floorRead(4, 4 * BATCH)

  // The gateway's RSS over everything after the warm-up: does it follow the rows pulled, or stay put?
  const warmRss = rssMb(gatewayPid)
  const warmCounts = await counts()
  let benchPeakRss = warmRss
  const benchRss = setInterval(() => { benchPeakRss = Math.max(benchPeakRss, rssMb(gatewayPid)) }, 50)
  await loopDelay()
  const grpcAlone = await grpcLoad(ONLINE_LOAD)
  const loopAlone = await loopDelay()

  // Rows/s, interleaved so a burst of outside load falls on all of them alike; best of BENCH_ROUNDS.
  const capped = PULL_ROWS > 0 ? Math.min(PULL_ROWS, ROWS) : undefined
  type Key = 'floor1' | 'floor4' | `${Format}:${1 | 4 | 'fan-out'}`
  const best = new Map<Key, { rows: number, seconds: number, examined?: number, errors: string[], rssGrowth: number, cpu: CpuPerRow }>()
  const keep = (key: Key, m: { rows: number, seconds: number, examined?: number, errors: string[], cpu: CpuPerRow }, rssGrowth: number): void => {
    const top = best.get(key)
    // Rows/s of the best round; RSS growth the largest of any round.
    const growth = Math.max(rssGrowth, top?.rssGrowth ?? 0)
    best.set(key, top === undefined || rate(m) > rate(top) ? { ...m, rssGrowth: growth } : { ...top, rssGrowth: growth })
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const readers of [1, 4] as const) {
      const f = await withCpu(floorPids, async () => await floorRead(readers, capped))
      keep(`floor${readers}`, { rows: f.rows, seconds: f.seconds, examined: f.examined, errors: [], cpu: f.cpu }, 0)
      for (const format of ['ndjson', 'arrow'] as const) {
        const watched = await watchRss(gatewayPid, async () => await withCpu(gatewayPids, async () => await measurePull(port, format, readers, capped)))
        keep(`${format}:${readers}`, watched.value, watched.peak - watched.before)
      }
    }
    for (const format of ['ndjson', 'arrow'] as const) {
      const watched = await watchRss(gatewayPid, async () => await withCpu(gatewayPids, async () => await measurePull(port, format, 'fan-out', capped)))
      keep(`${format}:fan-out`, watched.value, watched.peak - watched.before)
    }
  }

  // Arrow against GraphQL featureRows for the same rows: one segment of the set, whole, each way.
  const part = { index: 0, count: GRAPHQL_SEGMENTS }
  const arrowPartStarted = performance.now()
  const arrowPart = await pull(port, 'arrow', { featureSet: SET, features: [SET], batchSize: BATCH, segment: part })
  const arrowPartSeconds = (performance.now() - arrowPartStarted) / 1e3
  const graphql = await graphqlPull(port, part)

  // The whole set in one pull of each format (server fan-out): RSS and the gateway's own items examined per row.
  const whole = async (format: Format): Promise<RssWatch<Measured> & { examined: number, pageRows: number }> => {
    const countsBefore = await counts()
    const watched = await watchRss(gatewayPid, async () => await measurePull(port, format, 'fan-out', undefined))
    const countsAfter = await counts()
    return { ...watched, examined: countsAfter.itemsScanned - countsBefore.itemsScanned, pageRows: countsAfter.rows - countsBefore.rows }
  }
  const full = await whole('arrow')
  const fullNdjson = await whole('ndjson')
  const fullExamined = full.examined + fullNdjson.examined
  const fullRows = full.pageRows + fullNdjson.pageRows
  const floorFull = await floorRead(4, undefined)

  // Online lookups during a 4-segment Arrow pull of the whole set (stopped when the phase ends).
  const stop = new AbortController()
  const pullsStarted = performance.now()
  const during4 = Array.from({ length: 4 }, async (_, index) =>
    await pull(port, 'arrow', { featureSet: SET, features: [SET], batchSize: BATCH, segment: { index, count: 4 } }, undefined, stop.signal))
  await new Promise((resolve) => setTimeout(resolve, 500))
  await loopDelay()
  const grpcDuring = await grpcLoad(ONLINE_LOAD)
  const loopDuring = await loopDelay()
  stop.abort()
  const duringOutcomes = await Promise.all(during4)
  const duringRate = duringOutcomes.reduce((a, o) => a + o.rows, 0) / ((performance.now() - pullsStarted) / 1e3)
  clearInterval(benchRss)
  const rowsRead = (await counts()).rows - warmCounts.rows
  const loadAfter = load()

  // ---- report ----
  const floor1 = best.get('floor1')!
  const floor4 = best.get('floor4')!
  console.log(`\nPulls of ${SET} (${ROWS.toLocaleString('en-US')} rows made with the CLI; 5 features: double, int64, bool, timestamp, string list; batches of ${BATCH}),` +
    ` each timed pull reading its first ${capped === undefined ? 'all' : capped.toLocaleString('en-US')} rows, best of ${ROUNDS}`)
  console.log('what                                                   rows    seconds     rows/s   vs floor   RSS growth MB   CPU µs/row: store reader client  errors')
  const line = (label: string, m: { rows: number, seconds: number, errors: string[], cpu?: CpuPerRow }, against: { rows: number, seconds: number } | undefined, rssGrowth?: number): void => {
    const cpu = m.cpu === undefined ? ''.padStart(33) : `${m.cpu.store.toFixed(1).padStart(18)} ${m.cpu.server.toFixed(1).padStart(6)} ${m.cpu.client.toFixed(1).padStart(6)}`
    console.log(`${label.padEnd(50)} ${fixed(m.rows).padStart(8)} ${m.seconds.toFixed(2).padStart(10)} ${fixed(rate(m)).padStart(10)} ${(against === undefined ? '' : `${(rate(m) / rate(against)).toFixed(2)}x`).padStart(10)} ${(rssGrowth === undefined ? '' : rssGrowth.toFixed(1)).padStart(15)} ${cpu}  ${m.errors.length === 0 ? '' : m.errors[0]!}`)
    const threads = m.cpu?.serverThreads
    if (threads !== undefined) {
      // Threads under 0.5 µs a row (idle helpers, the inspector) summed, so the line stays readable.
      const shown = threads.filter((t) => t.thread === 'main' || t.micros >= 0.5)
      const rest = threads.filter((t) => !shown.includes(t)).reduce((a, t) => a + t.micros, 0)
      console.log(`  reader CPU µs/row by thread: ${shown.map((t) => `${t.thread} ${t.micros.toFixed(1)}`).join(', ')}, ${threads.length - shown.length} others ${rest.toFixed(1)}`)
    }
  }
  line('floor: SDK Query, 1 reader (shards 0..63)', floor1, undefined)
  line('NDJSON pull, segment {0, 1}', best.get('ndjson:1')!, floor1, best.get('ndjson:1')!.rssGrowth)
  line('Arrow pull, segment {0, 1}', best.get('arrow:1')!, floor1, best.get('arrow:1')!.rssGrowth)
  line('floor: SDK Query, 4 parallel readers', floor4, undefined)
  line('NDJSON, 4 parallel pulls, segment {i, 4}', best.get('ndjson:4')!, floor4, best.get('ndjson:4')!.rssGrowth)
  line('Arrow, 4 parallel pulls, segment {i, 4}', best.get('arrow:4')!, floor4, best.get('arrow:4')!.rssGrowth)
  line('NDJSON, one pull, server fan-out (vs 4 readers)', best.get('ndjson:fan-out')!, floor4, best.get('ndjson:fan-out')!.rssGrowth)
  line('Arrow, one pull, server fan-out (vs 4 readers)', best.get('arrow:fan-out')!, floor4, best.get('arrow:fan-out')!.rssGrowth)
  const arrowPartMeasured = { rows: arrowPart.rows, seconds: arrowPartSeconds, errors: arrowPart.error === undefined ? [] : [arrowPart.error] }
  console.log(`\nThe same rows (segment {0, ${GRAPHQL_SEGMENTS}}, whole) as an Arrow pull and as GraphQL featureRows pages of ${BATCH} (value { json }), one after another`)
  line('Arrow pull', arrowPartMeasured, undefined)
  line(`GraphQL featureRows (${graphql.refused} refused)`, graphql, arrowPartMeasured)
  console.log(`\nThe whole set in one pull (server fan-out); floor, 4 readers, whole set: ${fixed(rate(floorFull))} rows/s`)
  for (const [name, w] of [['Arrow', full], ['NDJSON', fullNdjson]] as const) {
    console.log(`${name}: ${fixed(w.value.rows)} rows in ${w.value.seconds.toFixed(1)} s (${fixed(rate(w.value))} rows/s, ${(w.value.bytes / 2 ** 20).toFixed(1)} MB)${w.value.errors.length > 0 ? `, ERROR ${w.value.errors[0]!}` : ''};` +
      ` gateway RSS ${w.before.toFixed(1)} MB before, peak ${w.peak.toFixed(1)} MB (${w.samples} samples; peak by quarter of the pull ${w.quarters.map((q) => q.toFixed(1)).join(', ')}), ${w.after.toFixed(1)} MB after`)
  }
  console.log(`gateway RSS over the whole bench after warm-up (${fixed(rowsRead)} rows read by its export): ${warmRss.toFixed(1)} MB after warm-up, peak ${benchPeakRss.toFixed(1)} MB`)
  console.log(`\ngRPC GetOnlineFeatures (1 user x ${ONLINE_LOAD.features.length} demo sets, concurrency ${GRPC_CONCURRENCY}, ${SECONDS} s each)`)
  console.log(`alone:                               p50 ${grpcAlone.p50.toFixed(3)} ms  p99 ${grpcAlone.p99.toFixed(3)} ms  ${fixed(grpcAlone.rps)} req/s  ${grpcAlone.errors} errors`)
  console.log(`during a 4-segment Arrow pull:       p50 ${grpcDuring.p50.toFixed(3)} ms  p99 ${grpcDuring.p99.toFixed(3)} ms  ${fixed(grpcDuring.rps)} req/s  ${grpcDuring.errors} errors; the pull got ${fixed(duringRate)} rows/s`)
  console.log(`gateway event-loop delay, alone: p99 ${loopAlone.p99Ms.toFixed(1)} ms, max ${loopAlone.maxMs.toFixed(1)} ms; during: p99 ${loopDuring.p99Ms.toFixed(1)} ms, max ${loopDuring.maxMs.toFixed(1)} ms`)

  const ratio = (m: { rows: number, seconds: number }, against: { rows: number, seconds: number }): number => rate(m) / rate(against)
  const figures: Array<[string, string, string, boolean]> = [
    ['items examined / row, gateway, both whole pulls (its pages)', (fullExamined / fullRows).toFixed(3), '<= 1.05', fullExamined / fullRows <= 1.05],
    ['items examined / row, GraphQL featureRows scan.itemsScanned', (graphql.itemsScanned / graphql.rows).toFixed(3), '<= 1.05', graphql.itemsScanned / graphql.rows <= 1.05],
    ['items examined / row, floor (ScannedCount), whole set', (floorFull.examined / floorFull.rows).toFixed(3), '<= 1.05', floorFull.examined / floorFull.rows <= 1.05],
    [`gateway RSS growth, Arrow pull of ${fixed(full.value.rows)} rows`, `${(full.peak - full.before).toFixed(1)} MB`, '<= 100 MB', full.peak - full.before <= 100 && full.value.rows >= 200_000],
    [`gateway RSS growth, NDJSON pull of ${fixed(fullNdjson.value.rows)} rows`, `${(fullNdjson.peak - fullNdjson.before).toFixed(1)} MB`, '<= 100 MB', fullNdjson.peak - fullNdjson.before <= 100 && fullNdjson.value.rows >= 200_000],
    ['NDJSON pull rows/s, 1 segment / floor', `${ratio(best.get('ndjson:1')!, floor1).toFixed(2)}x`, '>= 1.0x', ratio(best.get('ndjson:1')!, floor1) >= 1],
    ['Arrow pull rows/s, 1 segment / floor', `${ratio(best.get('arrow:1')!, floor1).toFixed(2)}x`, '>= 1.0x', ratio(best.get('arrow:1')!, floor1) >= 1],
    ['NDJSON pull rows/s, 4 segments / floor', `${ratio(best.get('ndjson:4')!, floor4).toFixed(2)}x`, '>= 1.0x', ratio(best.get('ndjson:4')!, floor4) >= 1],
    ['Arrow pull rows/s, 4 segments / floor', `${ratio(best.get('arrow:4')!, floor4).toFixed(2)}x`, '>= 1.0x', ratio(best.get('arrow:4')!, floor4) >= 1],
    ['NDJSON pull rows/s, server fan-out / 4-reader floor', `${ratio(best.get('ndjson:fan-out')!, floor4).toFixed(2)}x`, '>= 1.0x', ratio(best.get('ndjson:fan-out')!, floor4) >= 1],
    ['Arrow pull rows/s, server fan-out / 4-reader floor', `${ratio(best.get('arrow:fan-out')!, floor4).toFixed(2)}x`, '>= 1.0x', ratio(best.get('arrow:fan-out')!, floor4) >= 1],
    ['Arrow pull / GraphQL featureRows, same rows', `${ratio(arrowPartMeasured, graphql).toFixed(2)}x`, '>= 5x', ratio(arrowPartMeasured, graphql) >= 5],
    ['gRPC p99 during 4-segment pull / alone', `${(grpcDuring.p99 / grpcAlone.p99).toFixed(2)}x`, '<= 2x', grpcDuring.p99 / grpcAlone.p99 <= 2]
  ]
  const errors = [...best.values()].flatMap((m) => m.errors).length + full.value.errors.length + fullNdjson.value.errors.length + graphql.errors.length + arrowPartMeasured.errors.length
  console.log(`\n${'figure'.padEnd(62)} ${'measured'.padStart(10)}  ${'target'.padEnd(10)} met`)
  for (const [name, value, target, met] of figures) console.log(`${name.padEnd(62)} ${value.padStart(10)}  ${target.padEnd(10)} ${met ? 'met' : 'NOT met'}`)
  console.log(`\n${errors} pull errors; CLI ingest ${fixed(ROWS / ingestSeconds)} rows/s; load average ${loadBefore} before, ${loadAfter} after; ${((performance.now() - startedAt) / 1e3).toFixed(0)} s in all`)
} finally {
  // Disconnecting lets each process close itself (and the gateway write its --cpu-prof profile); a kill after 5 s.
  await Promise.all(children.map(async (child) => {
    if (child.exitCode !== null || !child.connected) return
    const exited = once(child, 'exit')
    child.disconnect()
    const timer = setTimeout(() => child.kill(), 5_000)
    await exited
    clearTimeout(timer)
  }))
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
