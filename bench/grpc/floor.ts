/**
 * npm run bench:grpc — the gRPC cache-hit path against its floor, in server CPU per request.
 *
 * The gateway runs as production runs it (API-key auth on, rate limits on, metrics on their own port,
 * LOG_LEVEL=info to /dev/null), started both production ways: compiled (`npm run build`, then
 * `node --single-threaded-gc dist/src/server.js`, as the image does) and as `npm start` runs it (tsx: `node --single-threaded-gc --import tsx
 * src/server.ts`, which is what the tsx CLI spawns). The floor is a bare grpc-js server
 * (bare-replay.ts, compiled, on plain node) that answers every call with the gateway's own captured
 * answer bytes for that lookup.
 *
 * For each case (1 entity x 2 features; 1 entity x its 256-d embedding; every row cached) at c=1, 16
 * and 64, gateway (A) and bare (B) take turns A B B A, BENCH_ROUNDS times, and the server's CPU is
 * read from /proc/<pid>/task/<tid>/schedstat (nanoseconds on CPU, all threads) around each turn. Then
 * the same gateway is compared with itself: gRPC (A) against GraphQL `getFeatures` (B), same lookup,
 * for 1 and 100 entities. Every server and the store (dynalite with the demo data) is its own
 * process; this one only generates load, with a client that keeps answers as bytes.
 *
 * Knobs: BENCH_SECONDS per turn (2), BENCH_ROUNDS of ABBA (2), BENCH_WARMUP_SECONDS per server (4), BENCH_GRAPHQL_CONCURRENCY (16),
 * BENCH_NODE_FLAGS (extra flags for the gateways, after production's from src/node-flags.ts; BENCH_GATEWAY_FLAGS replaces those, "" for none), BENCH_GATEWAY_ENV (settings for the gateways, e.g. "CACHE_REFRESH_AHEAD_MS=0"), BENCH_MODES (compiled,tsx; baseline with BENCH_BASELINE_ROOT; company with BENCH_COMPANY), BENCH_CASES (two,embedding), BENCH_CONCURRENCIES (1,16,64), BENCH_SKIP_GRAPHQL=1, SKIP_BUILD=1 (reuse dist/), BENCH_CPU_PROF_DIR (the gateways write
 * V8 CPU profiles there: for flame graphs, not for figures).
 */
import { spawn, execFileSync, fork, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import ts from 'typescript'
import { demoRowsFor, demoUserId } from '../../src/demo/demo-data.js'
import { findProtoDir, LOADER_OPTIONS } from '../../src/plugins/grpc/proto-contract.js'
import { gatewayNodeFlags } from '../shared/gateway-flags.js'
import { quantile } from '../shared/online-load.js'
import { threadCpuNanos } from '../shared/process-cpu.js'
import { BENCH_CREDENTIALS, type StoreReady } from './protocol.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
/** Before anything is measured, each server answers every case for this long: V8 compiles a server's hot code over its first seconds, a cost a long-running process does not pay per call. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 4)
const GRAPHQL_CONCURRENCY = Number(process.env.BENCH_GRAPHQL_CONCURRENCY ?? 16)
type Mode = 'compiled' | 'tsx' | 'baseline' | 'company'
/** `baseline`: another checkout's compiled gateway (BENCH_BASELINE_ROOT, built), for before/after in one run. */
const MODES = (process.env.BENCH_MODES ?? 'compiled,tsx').split(',') as Mode[]
const BASELINE_ROOT = process.env.BENCH_BASELINE_ROOT
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR
/**
 * BENCH_MODES=company: in place of a gateway, a second bare server with some of the gateway's company
 * in its process (BENCH_COMPANY: http, sdk, sdk-once, monitors, headers; see bare-replay.ts), or with none
 * (BENCH_COMPANY=none: two identical servers, so the ratio shows the measurement's own noise).
 */
const COMPANY = process.env.BENCH_COMPANY ?? 'http,sdk,monitors'
const CONCURRENCIES = (process.env.BENCH_CONCURRENCIES ?? '1,16,64').split(',').map(Number)
const CASES = (process.env.BENCH_CASES ?? 'two,embedding').split(',')
const USERS = 2_000
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const HERE = fileURLToPath(new URL('.', import.meta.url))
const TARGET = 1.3
const GRAPHQL_TARGET = 0.5

interface Case {
  readonly name: string
  readonly features: readonly string[]
  readonly entities: number
}
const TWO_FEATURES: Case = { name: '1 entity x 2 features', features: ['user_word_stats:token_count', 'user_word_stats:avg_word_length'], entities: 1 }
const EMBEDDING: Case = { name: '1 entity x embedding', features: ['user_text:embedding'], entities: 1 }
const HUNDRED: Case = { name: '100 entities x 2 features', features: TWO_FEATURES.features, entities: 100 }
const GRAPHQL_LOOKUP = `query Lookup($ids: [String!]!, $features: [String!]!) {
  getFeatures(entityIds: $ids, featureNames: $features) { entities { entityId features { status value { json } } } } }`

// ---- processes -------------------------------------------------------------------------------

const children = new Set<ChildProcess>()

function track (child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

async function freePort (): Promise<number> {
  return await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

/**
 * Nanoseconds on a CPU so far per thread of a process (GC helpers and libuv workers included): the main
 * thread (the event loop) apart, the others by name (`comm`, digits dropped so numbered helpers add
 * up; Node leaves most named "node").
 */
function cpuNanosByThread (pid: number): Map<string, number> {
  const byName = new Map<string, number>()
  for (const { name, nanos } of threadCpuNanos(pid).values()) {
    const key = name.replace(/[0-9]+/g, '#')
    byName.set(key, (byName.get(key) ?? 0) + nanos)
  }
  return byName
}

function sum (values: Iterable<number>): number {
  let total = 0
  for (const value of values) total += value
  return total
}

/** Nanoseconds this process has spent on a CPU, over all its threads. */
function cpuNanos (pid: number): number {
  return sum(cpuNanosByThread(pid).values())
}

/** BENCH_THREADS=1: each comparison also says where each server's CPU went, by thread, per request. */
const THREADS = process.env.BENCH_THREADS === '1'

interface Server {
  readonly name: string
  readonly pid: number
  readonly grpcPort: number
  readonly httpPort: number | undefined
  /** A gateway's metrics port: its row cache's misses are read there around each comparison. */
  readonly metricsPort?: number
  readonly child: ChildProcess
}

async function startGateway (mode: Mode, store: StoreReady, keysFile: string): Promise<Server> {
  const [httpPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()]
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_NO_WARNINGS: '1',
    DYNAMODB_ENDPOINT: store.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    FEATURE_TABLE: store.featureTable,
    REGISTRY_TABLE: store.registryTable,
    HOST: '127.0.0.1',
    HTTP_PORT: String(httpPort),
    GRPC_PORT: String(grpcPort),
    METRICS_PORT: String(metricsPort),
    AUTH_API_KEYS_FILE: keysFile,
    // Limits stay on and are checked on every call; one caller sends everything here, so lift them out of the way.
    RATE_LIMIT_ONLINE_RPS: '10000000',
    RATE_LIMIT_EXPLORE_POINTS_PER_MINUTE: '1000000000',
    LOG_LEVEL: 'info',
    // BENCH_GATEWAY_ENV="CACHE_TTL_MS=3600000 ...": settings to compare a gateway with (space-separated).
    ...Object.fromEntries((process.env.BENCH_GATEWAY_ENV ?? '').split(' ').filter((pair) => pair.includes('=')).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]))
  }
  const prof = [...gatewayNodeFlags(), ...(CPU_PROF_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF_DIR, mode)}`])]
  const args = mode === 'tsx' ? [...prof, '--import', 'tsx', 'src/server.ts'] : [...prof, 'dist/src/server.js']
  if (mode === 'baseline' && BASELINE_ROOT === undefined) throw new Error('BENCH_MODES=baseline needs BENCH_BASELINE_ROOT (a built checkout)')
  const child = track(spawn(process.execPath, args, { cwd: mode === 'baseline' ? BASELINE_ROOT : ROOT, env, stdio: ['ignore', process.env.BENCH_TRACE === '1' ? 'inherit' : 'ignore', 'inherit'] }))
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`the ${mode} gateway exited with ${child.exitCode}`)
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then((r) => r.ok, () => false)
    if (ready) return { name: `gateway (${mode})`, pid: child.pid!, grpcPort, httpPort, metricsPort, child }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`the ${mode} gateway never became ready`)
}

/** Compiles bare-replay.ts to plain JavaScript beside dist/, so the floor runs on plain node too. */
function compileBare (): string {
  const source = readFileSync(join(HERE, 'bare-replay.ts'), 'utf8')
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
  const out = join(ROOT, 'dist', 'bench', 'grpc')
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'bare-replay.js'), outputText)
  return join(out, 'bare-replay.js')
}

async function startBare (script: string, answersFile: string, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const prof = CPU_PROF_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF_DIR, 'bare')}`]
  const child = track(spawn(process.execPath, [...prof, script, findProtoDir(), answersFile], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }))
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())))
    child.once('exit', (code) => reject(new Error(`bare-replay exited with ${String(code)}`)))
  })
  return { name: 'bare grpc-js', pid: child.pid!, grpcPort: port, httpPort: undefined, child }
}

// ---- clients ---------------------------------------------------------------------------------

type Lookup = (ids: readonly string[]) => Promise<unknown>

/** A client that sends what the example client sends (API key, deadline) and keeps answers as bytes. */
function grpcLookup (port: number, apiKey: string, features: readonly string[]): { lookup: Lookup, close: () => void } {
  const definition = protoLoader.loadSync('feature_store/v1/feature_store.proto', { ...LOADER_OPTIONS, includeDirs: [findProtoDir()] })
  const method = (definition['feature_store.v1.FeatureStoreService'] as grpc.ServiceDefinition).GetOnlineFeatures!
  const Client = grpc.makeGenericClientConstructor({ GetOnlineFeatures: { ...method, responseDeserialize: (bytes: Buffer) => bytes } }, 'FeatureStoreService')
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 })
  const call = (client as unknown as Record<string, (request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, bytes: Buffer) => void) => void>).GetOnlineFeatures!.bind(client)
  const lookup = async (ids: readonly string[]): Promise<Buffer> => await new Promise((resolve, reject) => {
    const metadata = new grpc.Metadata()
    metadata.set('x-api-key', apiKey)
    call({ entity_ids: ids, features }, metadata, { deadline: Date.now() + 5_000 }, (error, bytes) => error === null ? resolve(bytes) : reject(error))
  })
  return { lookup, close: () => client.close() }
}

function graphqlLookup (port: number, apiKey: string, features: readonly string[]): Lookup {
  return async (ids) => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query: GRAPHQL_LOOKUP, variables: { ids, features } })
    })
    const body = await response.json() as { errors?: unknown }
    if (!response.ok || body.errors !== undefined) throw new Error(`GraphQL answered ${response.status}: ${JSON.stringify(body.errors)}`)
    return body
  }
}

/**
 * Row cache misses so far (the gateway's own counter); 0 for a server without one. Rows in use are
 * read again before their TTL runs out (CACHE_REFRESH_AHEAD_MS), so a hit-path comparison should
 * count none; before that, rows expired mid-run and the rounds around it measured store reads.
 */
async function cacheMisses (server: Server): Promise<number> {
  if (server.metricsPort === undefined) return 0
  const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('featuregate_row_cache_misses_total '))
  return line === undefined ? 0 : Number(line.split(' ')[1])
}

/** Every row of the pool into the gateway's cache (a server without a cache has nothing to fill). */
async function fillCache (server: Server, apiKey: string, c: Case, pool: readonly string[]): Promise<void> {
  if (server.metricsPort === undefined) return
  const { lookup, close } = grpcLookup(server.grpcPort, apiKey, c.features)
  for (let i = 0; i < pool.length; i += 100) await lookup(pool.slice(i, i + 100))
  close()
}

// ---- load ------------------------------------------------------------------------------------

function usersWith (sets: ReadonlySet<string>): string[] {
  const ids: string[] = []
  for (let i = 0; i < USERS; i++) {
    const rows = demoRowsFor(i, 42, 0)
    if ([...sets].every((set) => rows.some((row) => row.featureSet.name === set))) ids.push(demoUserId(i))
  }
  return ids
}

function setsOf (features: readonly string[]): Set<string> {
  return new Set(features.map((ref) => ref.slice(0, ref.indexOf(':'))))
}

interface Turn {
  readonly requests: number
  readonly errors: number
  readonly cpuNanos: number
  /** cpuNanos by thread (cpuNanosByThread's names). */
  readonly threadNanos: ReadonlyMap<string, number>
  readonly latencies: number[]
}

/**
 * Where each pool's next turn goes on: every id is asked for in turn across turns, so each row stays
 * in use (and refreshed ahead of its TTL) however few calls a turn makes.
 */
const poolCursors = new WeakMap<readonly string[], number>()

/** `concurrency` callers, each picking `entities` ids from the pool per request, for `seconds`; the server's CPU around it. */
async function turn (pid: number, lookup: Lookup, pool: readonly string[], entities: number, concurrency: number, seconds: number): Promise<Turn> {
  const latencies: number[] = []
  let errors = 0
  let next = poolCursors.get(pool) ?? 0
  const before = cpuNanosByThread(pid)
  const until = performance.now() + seconds * 1000
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      const start = next
      next = (next + entities) % pool.length
      const ids = start + entities <= pool.length ? pool.slice(start, start + entities) : pool.slice(0, entities)
      const t0 = performance.now()
      try {
        await lookup(ids)
        latencies.push(performance.now() - t0)
      } catch (error) {
        if (errors++ === 0) process.stderr.write(`  first error: ${String(error)}\n`)
      }
    }
  }))
  poolCursors.set(pool, next)
  const threadNanos = new Map<string, number>()
  for (const [name, nanos] of cpuNanosByThread(pid)) threadNanos.set(name, nanos - (before.get(name) ?? 0))
  return { requests: latencies.length, errors, cpuNanos: sum(threadNanos.values()), threadNanos, latencies }
}

interface Arm {
  requests: number
  errors: number
  cpuNanos: number
  readonly threadNanos: Map<string, number>
  readonly latencies: number[]
}

function newArm (): Arm {
  return { requests: 0, errors: 0, cpuNanos: 0, threadNanos: new Map(), latencies: [] }
}

function add (arm: Arm, t: Turn): void {
  arm.requests += t.requests
  arm.errors += t.errors
  arm.cpuNanos += t.cpuNanos
  for (const [name, nanos] of t.threadNanos) arm.threadNanos.set(name, (arm.threadNanos.get(name) ?? 0) + nanos)
  for (const l of t.latencies) arm.latencies.push(l)
}

interface Side {
  readonly pid: number
  readonly lookup: Lookup
}

interface Figures {
  readonly cpuMicros: number
  /** CPU µs per request by thread, largest first, e.g. "main 182.5, node 5.8". */
  readonly byThread: string
  readonly p50: number
  readonly rps: number
  readonly errors: number
}

function figures (arm: Arm): Figures {
  arm.latencies.sort((x, y) => x - y)
  const perRequest = (nanos: number): number => nanos / 1e3 / Math.max(1, arm.requests)
  const byThread = [...arm.threadNanos].filter(([, nanos]) => nanos > 0).sort((x, y) => y[1] - x[1])
    .map(([name, nanos]) => `${name} ${perRequest(nanos).toFixed(1)}`).join(', ')
  return { cpuMicros: perRequest(arm.cpuNanos), byThread, p50: quantile(arm.latencies, 0.5), rps: arm.requests / (ROUNDS * 2 * SECONDS), errors: arm.errors }
}

interface Comparison {
  readonly a: Figures
  readonly b: Figures
  /** A's CPU per request over B's, round by round (each round: A B B A); the median is the figure reported. */
  readonly cpuRatios: readonly number[]
  readonly cpuRatio: number
  /** Each round's CPU µs per request, A then B. */
  readonly roundMicros: ReadonlyArray<readonly [number, number]>
  /** Each round's requests answered, A then B: a spiky round shows whether the CPU rose or the answers fell. */
  readonly roundRequests: ReadonlyArray<readonly [number, number]>
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * A B B A, ROUNDS times, after a short warm-up of each. A round's ratio compares its own turns, so a
 * burst of other work on the machine skews one round, not the figure (the median of the rounds).
 */
async function abba (a: Side, b: Side, pool: readonly string[], entities: number, concurrency: number): Promise<Comparison> {
  await turn(a.pid, a.lookup, pool, entities, concurrency, 0.5)
  await turn(b.pid, b.lookup, pool, entities, concurrency, 0.5)
  const armA = newArm()
  const armB = newArm()
  const cpuRatios: number[] = []
  const roundMicros: Array<[number, number]> = []
  const roundRequests: Array<[number, number]> = []
  for (let r = 0; r < ROUNDS; r++) {
    const roundA = newArm()
    const roundB = newArm()
    for (const [side, arm] of [[a, roundA], [b, roundB], [b, roundB], [a, roundA]] as const) add(arm, await turn(side.pid, side.lookup, pool, entities, concurrency, SECONDS))
    const micros: [number, number] = [roundA.cpuNanos / 1e3 / Math.max(1, roundA.requests), roundB.cpuNanos / 1e3 / Math.max(1, roundB.requests)]
    roundMicros.push(micros)
    roundRequests.push([roundA.requests, roundB.requests])
    cpuRatios.push(micros[0] / micros[1])
    add(armA, roundA)
    add(armB, roundB)
  }
  return { a: figures(armA), b: figures(armB), cpuRatios, cpuRatio: median(cpuRatios), roundMicros, roundRequests }
}

// ---- run -------------------------------------------------------------------------------------

function rounds (ratios: readonly number[]): string {
  return ratios.map((r) => r.toFixed(2)).join(' ')
}

function load (): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ')
}

function table (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)))
  const line = (row: readonly string[]): string => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

async function main (): Promise<void> {
  process.stderr.write(`featuregate bench:grpc (floor): ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ` +
    `${ROUNDS} ABBA rounds of ${SECONDS}s turns, load average ${load()}\n`)
  if (process.env.SKIP_BUILD !== '1') execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' })
  const bareScript = compileBare()
  const work = mkdtempSync(join(tmpdir(), 'fg-bench-floor-'))
  const apiKey = randomBytes(24).toString('base64url')
  const keysFile = join(work, 'keys.json')
  writeFileSync(keysFile, JSON.stringify({ keys: [{ id: 'bench', sha256: createHash('sha256').update(apiKey).digest('hex'), scopes: ['online:read', 'explore:read'] }] }))

  const storeChild = track(fork(join(HERE, 'store-process.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_USERS: String(USERS), NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }))
  const store = await new Promise<StoreReady>((resolve) => storeChild.once('message', (m) => resolve(m as StoreReady)))
  const servers: Server[] = []
  const clients: Array<() => void> = []
  const report: string[] = []
  try {
    const gateways = new Map<string, Server>()
    for (const mode of MODES.filter((m) => m !== 'company')) {
      const gateway = await startGateway(mode, store, keysFile)
      servers.push(gateway)
      gateways.set(mode, gateway)
    }
    const first = gateways.values().next().value
    if (first === undefined) throw new Error('BENCH_MODES needs a gateway (compiled, tsx or baseline): the bare servers replay its answers')
    const pools = new Map<Case, string[]>()
    const answers: Array<{ key: string, file: string }> = []
    for (const c of [TWO_FEATURES, EMBEDDING, HUNDRED]) {
      const pool = usersWith(setsOf(c.features))
      pools.set(c, pool)
      // Every row of the pool into each gateway's cache before anything is measured.
      for (const gateway of gateways.values()) {
        const { lookup, close } = grpcLookup(gateway.grpcPort, apiKey, c.features)
        for (let i = 0; i < pool.length; i += 100) await lookup(pool.slice(i, i + 100))
        close()
      }
      const { lookup, close } = grpcLookup(first.grpcPort, apiKey, c.features)
      const bytes = await lookup(pool.slice(0, c.entities)) as Buffer
      close()
      const file = join(work, `answer-${answers.length}.bin`)
      writeFileSync(file, bytes)
      answers.push({ key: `${c.entities}|${c.features.join(',')}`, file })
      process.stderr.write(`${c.name}: ${c.features.join(', ')}; answer ${bytes.length} bytes; pool of ${pool.length} users\n`)
    }
    const answersFile = join(work, 'answers.json')
    writeFileSync(answersFile, JSON.stringify(answers))
    const bare = await startBare(bareScript, answersFile)
    servers.push(bare)
    if (MODES.includes('company')) {
      const started = await startBare(bareScript, answersFile, { BARE_COMPANY: COMPANY, BARE_STORE_ENDPOINT: store.endpoint })
      const accompanied = { ...started, name: COMPANY === 'none' ? 'bare grpc-js, its twin' : `bare grpc-js with ${COMPANY}` }
      servers.push(accompanied)
      gateways.set('company', accompanied)
    }
    for (const server of servers) {
      for (const c of [TWO_FEATURES, EMBEDDING, HUNDRED]) {
        const { lookup, close } = grpcLookup(server.grpcPort, apiKey, c.features)
        await turn(server.pid, lookup, pools.get(c)!, c.entities, 4, WARMUP_SECONDS / 3)
        close()
      }
    }
    process.stderr.write(`servers up and warmed (${WARMUP_SECONDS}s each); load average ${load()}\n`)
    // What a server costs doing nothing (timers, event-loop monitors): at c=1 it is spread over few requests.
    const idleBefore = servers.map((s) => cpuNanos(s.pid))
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    servers.forEach((s, i) => process.stderr.write(`  idle CPU, ${s.name}: ${((cpuNanos(s.pid) - idleBefore[i]!) / 3e6).toFixed(2)} ms per second\n`))

    const targets: string[] = []
    for (const [mode, gateway] of gateways) {
      const rows: string[][] = []
      for (const c of [TWO_FEATURES, EMBEDDING].filter((c) => CASES.includes(c === TWO_FEATURES ? 'two' : 'embedding'))) {
        const g = grpcLookup(gateway.grpcPort, apiKey, c.features)
        const b = grpcLookup(bare.grpcPort, apiKey, c.features)
        clients.push(g.close, b.close)
        for (const concurrency of CONCURRENCIES) {
          // Rows of a case unused while the others ran have expired: read them again before measuring.
          await fillCache(gateway, apiKey, c, pools.get(c)!)
          const missesBefore = await cacheMisses(gateway)
          const { a: gw, b: floor, cpuRatio, cpuRatios, roundMicros, roundRequests } = await abba({ pid: gateway.pid, lookup: g.lookup }, { pid: bare.pid, lookup: b.lookup }, pools.get(c)!, c.entities, concurrency)
          const misses = await cacheMisses(gateway) - missesBefore
          const p50Ratio = gw.p50 / floor.p50
          rows.push([c.name, String(concurrency), gw.cpuMicros.toFixed(0), floor.cpuMicros.toFixed(0), `${cpuRatio.toFixed(2)}x`, rounds(cpuRatios),
            gw.p50.toFixed(3), floor.p50.toFixed(3), `${p50Ratio.toFixed(2)}x`, gw.rps.toFixed(0), floor.rps.toFixed(0), String(gw.errors + floor.errors), String(misses)])
          process.stderr.write(`  ${mode} ${c.name} c=${concurrency}: cache misses ${misses}; CPU ${gw.cpuMicros.toFixed(0)} vs ${floor.cpuMicros.toFixed(0)} µs/req (${cpuRatio.toFixed(2)}x; rounds ${roundMicros.map(([x, y], i) => `${x.toFixed(0)}/${y.toFixed(0)} (${roundRequests[i]![0]}/${roundRequests[i]![1]} calls)`).join(' ')}), p50 ${gw.p50.toFixed(3)} vs ${floor.p50.toFixed(3)} ms (${p50Ratio.toFixed(2)}x); load ${load()}\n`)
          if (THREADS) process.stderr.write(`    µs/req by thread, gateway: ${gw.byThread}\n    µs/req by thread, bare: ${floor.byThread}\n`)
          targets.push(`${mode}, ${c.name}, c=${concurrency}: CPU ${cpuRatio.toFixed(2)}x bare -> ${cpuRatio <= TARGET ? 'met' : 'NOT met'}`)
          if (concurrency === 1) targets.push(`${mode}, ${c.name}, c=1: p50 ${p50Ratio.toFixed(2)}x bare -> ${p50Ratio <= TARGET ? 'met' : 'NOT met'}`)
        }
        g.close()
        b.close()
      }
      const protocolRows: string[][] = []
      for (const c of process.env.BENCH_SKIP_GRAPHQL === '1' || gateway.httpPort === undefined ? [] : [TWO_FEATURES, HUNDRED]) {
        const g = grpcLookup(gateway.grpcPort, apiKey, c.features)
        clients.push(g.close)
        await fillCache(gateway, apiKey, c, pools.get(c)!)
        const { a: viaGrpc, b: viaGraphql, cpuRatio: ratio, cpuRatios } = await abba({ pid: gateway.pid, lookup: g.lookup }, { pid: gateway.pid, lookup: graphqlLookup(gateway.httpPort!, apiKey, c.features) },
          pools.get(c)!, c.entities, GRAPHQL_CONCURRENCY)
        g.close()
        protocolRows.push([c.name, String(GRAPHQL_CONCURRENCY), viaGrpc.cpuMicros.toFixed(0), viaGraphql.cpuMicros.toFixed(0), `${ratio.toFixed(2)}x`, rounds(cpuRatios),
          viaGrpc.p50.toFixed(3), viaGraphql.p50.toFixed(3), String(viaGrpc.errors + viaGraphql.errors)])
        process.stderr.write(`  ${mode} ${c.name}: gRPC ${viaGrpc.cpuMicros.toFixed(0)} vs GraphQL ${viaGraphql.cpuMicros.toFixed(0)} µs/req (${ratio.toFixed(2)}x); load ${load()}\n`)
        targets.push(`${mode}, ${c.name}: gRPC CPU ${ratio.toFixed(2)}x GraphQL's -> ${ratio <= GRAPHQL_TARGET ? 'met' : 'NOT met'}`)
      }
      const title = mode === 'compiled' ? `compiled (${['node', ...gatewayNodeFlags(), 'dist/src/server.js'].join(' ')})` : mode === 'tsx' ? `as npm start runs it (${['node', ...gatewayNodeFlags(), '--import tsx src/server.ts'].join(' ')})` : mode === 'company' ? (COMPANY === 'none' ? '(none: an identical bare server, the noise floor)' : `(none: the bare server with ${COMPANY})`) : `baseline: ${BASELINE_ROOT!}, compiled`
      report.push(`### gateway ${title}`, '',
        table(['case (cache hit)', 'c', 'gateway CPU µs/req', 'bare CPU µs/req', 'CPU ratio (median)', 'rounds', 'gateway p50 ms', 'bare p50 ms', 'p50 ratio', 'gateway req/s', 'bare req/s', 'errors', 'cache misses'], rows), '',
        table(['same lookup', 'c', 'gRPC CPU µs/req', 'GraphQL CPU µs/req', 'gRPC / GraphQL (median)', 'rounds', 'gRPC p50 ms', 'GraphQL p50 ms', 'errors'], protocolRows), '')
    }
    process.stderr.write(`load average after the run: ${load()} (other work on the machine skews latency more than CPU per request)\n`)
    console.log(report.join('\n'))
    for (const line of targets) console.log(`target: ${line}`)
  } finally {
    for (const close of clients) close()
    for (const server of servers) await stop(server.child)
    storeChild.disconnect()
    rmSync(work, { recursive: true, force: true })
  }
}

process.on('SIGINT', () => {
  for (const child of children) child.kill('SIGKILL')
  process.exit(130)
})
await main()
