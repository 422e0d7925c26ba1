import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { FeatureStoreClient } from '../../examples/grpc-client.js'
import { buildApp } from '../../src/app.js'
import { gracefulShutdown } from '../../src/graceful-shutdown.js'
import { testConfig } from '../helpers/build-app.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

t.test('shutdown under load: not ready first, still serving during the delay, every in-flight HTTP request and gRPC call answered', async (t) => {
  // No cache: each in-flight lookup reads the store while it is closing.
  const config = testConfig({ DEMO_USERS: '50', METRICS_PORT: '0', SHUTDOWN_DELAY_MS: '200', CACHE_ENABLED: 'false' })
  const app = await buildApp(config)
  const IN_FLIGHT = 24
  const refs = ['user_profile:region', 'user_word_stats']

  // Requests park inside the handler until close has begun, so they are in flight when it starts.
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let inside = 0
  let allInside!: () => void
  const everyoneInside = new Promise<void>((resolve) => { allInside = resolve })
  app.get('/test/lookup', async (request) => {
    const entityId = `user_${(request.query as { i: string }).i}`
    if (++inside === IN_FLIGHT) allInside()
    await gate
    const result = await app.featureLookup.getFeatures([entityId], refs)
    return { entityId: result.entities[0]?.entityId, statuses: result.entities[0]?.results.map((r) => r.status) }
  })
  let closeBegan!: () => void
  const closing = new Promise<void>((resolve) => { closeBegan = resolve })
  app.addHook('preClose', async () => { closeBegan() })
  // gRPC calls park in a call hook; released once the plugins' onClose hooks (the gRPC server's
  // graceful shutdown among them: this hook, added last, runs first) are under way.
  let releaseGrpc!: () => void
  const grpcGate = new Promise<void>((resolve) => { releaseGrpc = resolve })
  let grpcInside = 0
  let allGrpcInside!: () => void
  const everyGrpcInside = new Promise<void>((resolve) => { allGrpcInside = resolve })
  app.grpcCallHooks.onCallStart(async () => {
    if (++grpcInside === IN_FLIGHT) allGrpcInside()
    await grpcGate
  })
  app.addHook('onClose', async () => { setImmediate(releaseGrpc) })
  let closed = false
  t.teardown(async () => { if (!closed) await app.close() })

  await app.listen({ host: '127.0.0.1', port: 0 })
  const api = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const ops = `http://127.0.0.1:${app.metricsAddress()!.port}`
  t.equal((await fetch(`${ops}/readyz`)).status, 200)

  const expected = await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, i) =>
    (await app.featureLookup.getFeatures([`user_${i}`], refs)).entities[0]!.results.map((r) => r.status)))
  const client = new FeatureStoreClient(`127.0.0.1:${app.grpcPort}`, { defaultDeadlineMs: 60_000 })
  t.teardown(() => client.close())
  const grpcInflight = Array.from({ length: IN_FLIGHT }, async (_, i) => {
    const response = await client.getOnlineFeatures([`user_${i}`], refs)
    return response.results.map((column) => String(column.statuses[0]).replace(/^FEATURE_STATUS_/, ''))
  })
  const inflight = Array.from({ length: IN_FLIGHT }, async (_, i) => {
    const response = await fetch(`${api}/test/lookup?i=${i}`)
    return { status: response.status, connection: response.headers.get('connection'), body: await response.json() as { entityId: string, statuses: string[] } }
  })
  await everyoneInside
  await everyGrpcInside

  const shutdown = gracefulShutdown(app, config.lifecycle)
  t.ok(app.readiness.draining, 'readiness turns false first, synchronously')
  // The delay: load balancers see 503 on both ports' /readyz, but work is still accepted.
  t.equal((await fetch(`${ops}/readyz`)).status, 503)
  t.equal((await fetch(`${api}/readyz`)).status, 503)
  const duringDelay = await fetch(`${api}/livez`)
  t.equal(duringDelay.status, 200, 'new requests during the delay are still served')
  t.equal(duringDelay.headers.get('connection'), 'close', '...and told to reconnect elsewhere')

  await closing
  release()
  const results = await Promise.all(inflight)
  t.same(results.map((r) => r.status), Array(IN_FLIGHT).fill(200), 'no in-flight request failed')
  t.same(results.map((r) => r.body.entityId), Array.from({ length: IN_FLIGHT }, (_, i) => `user_${i}`))
  t.ok(results.every((r) => r.connection === 'close'), 'their connections end with the answer instead of idling past the grace period')
  t.same(results.map((r) => r.body.statuses), expected, 'each got the same answer as before shutdown began')

  t.same(await Promise.all(grpcInflight), expected, 'every in-flight gRPC call answered OK with its features')

  await shutdown
  closed = true
  await t.rejects(client.getOnlineFeatures(['user_1'], refs, { deadlineMs: 2_000 }), { code: 14 }, 'new gRPC calls: UNAVAILABLE')
  await t.rejects(fetch(`${api}/livez`), 'the API port no longer accepts connections')
  await t.rejects(fetch(`${ops}/livez`), 'nor does the metrics port')
})

interface Started {
  readonly api: string
  readonly ops: string
  readonly logs: Array<Record<string, unknown>>
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  kill (signal: NodeJS.Signals): void
}

/** The real process entry point (src/server.ts), ports chosen by the OS and read back from its log. */
async function startServer (t: Test, env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      HTTP_PORT: '0',
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      DEMO_USERS: '20',
      REGISTRY_RELOAD_MS: '0',
      LOG_LEVEL: 'info',
      ...env
    },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const logs: Array<Record<string, unknown>> = []
  let api: string | undefined
  let ops: string | undefined
  const lines = createInterface({ input: child.stdout })
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('the server did not start listening within 60 s')), 60_000)
    void exited.then(() => reject(new Error(`the server exited before listening: ${JSON.stringify(logs.slice(-3))}`)))
    lines.on('line', (line) => {
      let entry: Record<string, unknown>
      try { entry = JSON.parse(line) as Record<string, unknown> } catch { return }
      logs.push(entry)
      const url = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(entry.msg))?.[1]
      if (url !== undefined) {
        if (entry.server === 'metrics') ops = url
        else api = url
      }
      if (api !== undefined && ops !== undefined) {
        clearTimeout(deadline)
        resolve()
      }
    })
  })
  return { api: api!, ops: ops!, logs, exited, kill: (signal) => child.kill(signal) }
}

t.test('the process: SIGTERM turns readiness off, keeps serving through SHUTDOWN_DELAY_MS, exits 0', async (t) => {
  const server = await startServer(t, { SHUTDOWN_DELAY_MS: '3000' })
  t.equal((await fetch(`${server.ops}/readyz`)).status, 200)
  server.kill('SIGTERM')
  let sawNotReady = false
  const served: number[] = []
  // Bounded: at most 100 rounds, stops at the first 503.
  for (let round = 0; round < 100 && !sawNotReady; round++) {
    const ready = await fetch(`${server.ops}/readyz`)
    sawNotReady = ready.status === 503
    served.push((await fetch(`${server.api}/livez`)).status)
    if (!sawNotReady) await sleep(10)
  }
  t.ok(sawNotReady, '/readyz answered 503 while the process was still serving')
  t.ok(served.every((status) => status === 200), 'API requests during the delay were all served')
  const exit = await server.exited
  t.same(exit, { code: 0, signal: null }, 'exit code 0')
  const messages = server.logs.map((entry) => entry.msg)
  t.match(server.logs.find((entry) => entry.msg === 'Shutting down'), { signal: 'SIGTERM', shutdownDelayMs: 3000 })
  t.ok(messages.indexOf('Shutting down') < messages.indexOf('Drained and closed'), 'drained, then exited')
})

t.test('the process: SIGINT without a delay exits 0 promptly', async (t) => {
  const server = await startServer(t, { SHUTDOWN_DELAY_MS: '0' })
  server.kill('SIGINT')
  t.same(await server.exited, { code: 0, signal: null })
  t.match(server.logs.find((entry) => entry.msg === 'Shutting down'), { signal: 'SIGINT' })
})
