/**
 * npm run bench:embedded — what the embedded store's place costs the gateway it serves.
 *
 * Two gateways side by side in one run, each with the quick start's embedded store (no AWS settings)
 * and the same demo data: `inline` runs dynalite on the gateway's own event loop (as before),
 * `thread` on a worker thread of its own (as now). For each, in turn:
 *   1. the demo data load time at start;
 *   2. online lookups alone: gRPC (1 user x every demo set, concurrency 8) and GraphQL getFeatures
 *      (concurrency 2), with the gateway's event-loop delay (p50/p99/max) over the same seconds;
 *   3. the same while two GraphQL workers pull user_text pages of 1,000 rows back to back (the
 *      heaviest pull: embeddings as JSON numbers), with the pull's rows/s and the pages shed (503).
 * Phases alternate between the two gateways (BENCH_ROUNDS times) so a busy machine hurts both alike.
 * Knobs: BENCH_SECONDS (5), BENCH_USERS (10000), BENCH_ROUNDS (1).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FeatureStoreClient } from '../../examples/grpc-client.js'
import { demoUserId } from '../../src/demo/demo-data.js'
import { DEMO_FEATURE_SETS } from '../../src/demo/demo-registry.js'
import { quantile } from '../shared/online-load.js'
import { PULL_QUERIES } from '../shared/pull-queries.js'
import type { GatewayLag, GatewayReady } from './protocol.js'
import { gatewayNodeFlags } from '../shared/gateway-flags.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const USERS = Number(process.env.BENCH_USERS ?? 10_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1)
const HERE = fileURLToPath(new URL('.', import.meta.url))
const FEATURES = DEMO_FEATURE_SETS.map((set) => set.name)
const PULLS = PULL_QUERIES
type PhaseName = 'alone' | keyof typeof PULLS
const PHASES: PhaseName[] = ['alone', 'json', 'packed']
const LOOKUP = 'query Lookup($ids: [String!]!) { getFeatures(entityIds: $ids, featureNames: ["user_profile", "user_word_stats"]) { entities { entityId features { status } } } }'
const MODES = ['inline', 'thread'] as const
type Mode = typeof MODES[number]

interface Gateway { readonly child: ChildProcess, readonly ready: GatewayReady, readonly grpc: FeatureStoreClient }
interface Latency { p50: number, p99: number, rps: number, errors: number, shed: number }
interface Phase { grpc: Latency, graphql: Latency, lag: GatewayLag, pullRowsPerSecond?: number, shed?: number, failed?: number }

const children: ChildProcess[] = []

async function startGateway (mode: Mode): Promise<Gateway> {
  const child = fork(join(HERE, 'gateway-process.ts'), [], {
    // Production's node flags (bench/shared/gateway-flags.ts), as the image runs the gateway.
    execArgv: [...gatewayNodeFlags(), '--import', 'tsx'],
    env: { ...process.env, BENCH_STORE: mode, BENCH_USERS: String(USERS), NODE_NO_WARNINGS: '1', AUTH_MODE: 'open', GRPC_PORT: '0', LOG_LEVEL: 'warn', GRAPHQL_MAX_COST: '10000000', METRICS_PORT: '0' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  children.push(child)
  const ready = await new Promise<GatewayReady>((resolve, reject) => {
    child.once('message', (message) => resolve(message as GatewayReady))
    child.once('exit', (code) => reject(new Error(`the ${mode} gateway exited with ${String(code)}`)))
  })
  return { child, ready, grpc: new FeatureStoreClient(`127.0.0.1:${ready.grpcPort}`, { defaultDeadlineMs: 5_000 }) }
}

async function lag (gateway: Gateway, message: 'reset' | 'read'): Promise<GatewayLag> {
  const answer = new Promise<GatewayLag>((resolve) => gateway.child.once('message', (reading) => resolve(reading as GatewayLag)))
  gateway.child.send(message)
  return message === 'read' ? await answer : { type: 'lag', p50: 0, p99: 0, max: 0 }
}

async function timed (seconds: number, concurrency: number, call: (i: number) => Promise<void>): Promise<Latency> {
  const latencies: number[] = []
  let errors = 0
  let shed = 0
  let next = 0
  const until = performance.now() + seconds * 1000
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      const started = performance.now()
      try {
        await call(next++)
        latencies.push(performance.now() - started)
      } catch (error) {
        if (error instanceof Overloaded) shed++
        else if (errors++ === 0) console.error((error as Error).message)
      }
    }
  }))
  latencies.sort((a, b) => a - b)
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), rps: latencies.length / seconds, errors, shed }
}

async function post (port: number, body: string): Promise<{ status: number, text: string }> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A lookup the gateway refused for load (HTTP 503): counted apart from failures. */
class Overloaded extends Error {}

async function graphqlLookup (port: number, i: number): Promise<void> {
  const response = await post(port, JSON.stringify({ query: LOOKUP, variables: { ids: [demoUserId(i % 1000)] } }))
  if (response.status === 503) throw new Overloaded()
  if (response.status !== 200 || response.text.includes('"errors"')) throw new Error(`HTTP ${response.status} ${response.text.slice(0, 200)}`)
}

async function pullWorker (port: number, query: string, stop: () => boolean, tally: { rows: number, shed: number, failed: number }): Promise<void> {
  let after: string | null = null
  while (!stop()) {
    const response = await post(port, JSON.stringify({ query, variables: { after } }))
    if (response.status === 503 || response.status === 429) {
      tally.shed++
      await new Promise((resolve) => setTimeout(resolve, 20))
      continue
    }
    if (response.status !== 200) {
      if (tally.failed++ === 0) console.error(`pull failed: HTTP ${response.status} ${response.text.slice(0, 300)}`)
      continue
    }
    const page = (JSON.parse(response.text) as { data: { featureRows: { edges: unknown[], pageInfo: { hasNextPage: boolean, endCursor: string | null } } } }).data.featureRows
    tally.rows += page.edges.length
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null
  }
}

/** gRPC and GraphQL lookups for SECONDS, with the gateway's event-loop delay over the same span. */
async function lookups (gateway: Gateway): Promise<Omit<Phase, 'pullRowsPerSecond' | 'shed' | 'failed'>> {
  await lag(gateway, 'reset')
  const [grpc, graphql] = await Promise.all([
    timed(SECONDS, 8, async (i) => { await gateway.grpc.getOnlineFeatures([demoUserId(i % 1000)], FEATURES, { deadlineMs: 5_000 }) }),
    timed(SECONDS, 2, async (i) => await graphqlLookup(gateway.ready.httpPort, i))
  ])
  return { grpc, graphql, lag: await lag(gateway, 'read') }
}

async function duringPull (gateway: Gateway, query: string): Promise<Phase> {
  let stopped = false
  const tally = { rows: 0, shed: 0, failed: 0 }
  const started = performance.now()
  const pulls = [0, 1].map(async () => await pullWorker(gateway.ready.httpPort, query, () => stopped, tally))
  await new Promise((resolve) => setTimeout(resolve, 500))
  const phase = await lookups(gateway)
  stopped = true
  await Promise.all(pulls)
  return { ...phase, pullRowsPerSecond: tally.rows / ((performance.now() - started) / 1000), ...tally }
}

try {
  const gateways = new Map<Mode, Gateway>()
  const loads = new Map<Mode, number[]>()
  // Started one after the other, so neither demo load competes with the other.
  for (const round of [0, 1]) {
    for (const mode of round === 0 ? MODES : [...MODES].reverse()) {
      const gateway = await startGateway(mode)
      loads.set(mode, [...(loads.get(mode) ?? []), gateway.ready.demoLoadMs])
      if (round === 0) {
        gateways.set(mode, gateway)
      } else {
        gateway.grpc.close()
        gateway.child.kill()
      }
    }
  }
  for (const gateway of gateways.values()) await lookups(gateway) // warm caches and connections

  const results = new Map<Mode, Map<PhaseName, Phase[]>>(MODES.map((mode) => [mode, new Map(PHASES.map((phase) => [phase, []]))]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const phase of PHASES) {
      for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
        const gateway = gateways.get(mode)!
        results.get(mode)!.get(phase)!.push(phase === 'alone' ? await lookups(gateway) : await duringPull(gateway, PULLS[phase]))
      }
    }
  }

  const n = (value: number, width = 8, digits = 2): string => value.toFixed(digits).padStart(width)
  const label = (phase: PhaseName): string => phase === 'alone' ? 'lookups alone' : `lookups + 2 pulls (${phase})`
  console.log(`\nEmbedded store on the gateway's event loop (inline, as before) vs on a thread of its own (thread, as now); ${USERS} demo users, ${SECONDS} s phases, ${ROUNDS} round(s)`)
  console.log('\ndemo data load at start (ms, two starts each):')
  for (const mode of MODES) console.log(`  ${mode.padEnd(7)} ${loads.get(mode)!.map((ms) => String(ms).padStart(6)).join(' ')}`)
  console.log('\nphase                         store   loop lag ms p50/p99/max    gRPC ms p50/p99   gRPC req/s  GraphQL ms p50/p99  GQL shed  pull rows/s  pull shed  errors')
  for (const phase of PHASES) {
    for (const mode of MODES) {
      for (const r of results.get(mode)!.get(phase)!) {
        const pull = phase === 'alone' ? ''.padEnd(22) : `${n(r.pullRowsPerSecond ?? 0, 11, 0)}  ${String(r.shed ?? 0).padStart(9)}`
        console.log(`${label(phase).padEnd(28)}  ${mode.padEnd(6)}  ${n(r.lag.p50, 7)} ${n(r.lag.p99, 7)} ${n(r.lag.max, 7)}   ${n(r.grpc.p50, 7)} ${n(r.grpc.p99, 7)}  ${n(r.grpc.rps, 10, 0)}   ${n(r.graphql.p50, 7)} ${n(r.graphql.p99, 7)}  ${String(r.graphql.shed).padStart(8)}  ${pull}  ${String(r.grpc.errors + r.graphql.errors + (r.failed ?? 0)).padStart(6)}`)
      }
    }
  }
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
  const of = (mode: Mode, phase: PhaseName, pick: (r: Phase) => number): number => median(results.get(mode)!.get(phase)!.map(pick))
  console.log(`\nthread / inline (median of rounds; < 1 is better${ROUNDS > 1 ? '' : '; one round: run BENCH_ROUNDS=3 for steadier ratios'}):`)
  for (const phase of PHASES) {
    const ratio = (pick: (r: Phase) => number): string => (of('thread', phase, pick) / of('inline', phase, pick)).toFixed(2).padStart(5)
    console.log(`  ${label(phase).padEnd(28)}  loop lag p99 ${ratio((r) => r.lag.p99)}x   gRPC p99 ${ratio((r) => r.grpc.p99)}x   GraphQL p99 ${ratio((r) => r.graphql.p99)}x${phase === 'alone' ? '' : `   pull rows/s ${ratio((r) => r.pullRowsPerSecond ?? 0)}x`}`)
  }
  for (const gateway of gateways.values()) gateway.grpc.close()
} finally {
  for (const child of children) child.kill()
}
process.exit(0)
