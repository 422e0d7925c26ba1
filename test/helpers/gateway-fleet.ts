import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { LOCAL_CREDENTIALS } from './test-store.js'

/** What the launcher needs of a tap Test: somewhere to stop processes at the end (benches pass their own). */
export interface Teardown {
  teardown (fn: () => unknown): void
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** One gateway process, started as `npm start` starts it (src/server.ts through tsx). */
export interface GatewayProcess {
  /** http://127.0.0.1:PORT of the API (GraphQL, /v1/..., /admin/...). */
  readonly api: string
  /** http://127.0.0.1:PORT of /metrics, /livez, /readyz. */
  readonly ops: string
  /** 127.0.0.1:PORT of the gRPC server. */
  readonly grpc: string
  /** The embedded store's endpoint, from the start-up log line, when this process started one. */
  readonly storeEndpoint: string | undefined
  /** Every JSON log line so far. */
  readonly logs: Array<Record<string, unknown>>
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  kill (signal: NodeJS.Signals): void
}

/**
 * Environment for a process (gateway or CLI) against a local DynamoDB-compatible server: the
 * credentials the test stores use, so DynamoDB Local (one database per key id) shows them the same tables.
 */
export function localStoreEnv (endpoint: string): Record<string, string> {
  return {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey
  }
}

/**
 * Starts src/server.ts in a process of its own, ports chosen by the OS and read back from its log;
 * killed on teardown. With no DYNAMODB_ENDPOINT in `env` it starts the embedded store (demo data
 * for DEMO_USERS users, 20 by default). Access is open unless `env` says otherwise.
 */
export async function startGateway (t: Teardown, env: Record<string, string> = {}): Promise<GatewayProcess> {
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
      AUTH_MODE: 'open',
      LOG_LEVEL: 'info',
      ...env
    },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  // A test process that exits without its teardowns (a failed assertion's exit, a timeout) must not leave a gateway behind.
  const kill = (): void => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }
  process.once('exit', kill)
  t.teardown(async () => {
    process.removeListener('exit', kill)
    kill()
    await exited
  })
  const logs: Array<Record<string, unknown>> = []
  let api: string | undefined
  let ops: string | undefined
  let grpc: string | undefined
  let storeEndpoint: string | undefined
  const lines = createInterface({ input: child.stdout! })
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`the gateway did not start listening within 60 s: ${JSON.stringify(logs.slice(-3))}`)), 60_000)
    void exited.then(() => reject(new Error(`the gateway exited before listening: ${JSON.stringify(logs.slice(-3))}`)))
    lines.on('line', (line) => {
      let entry: Record<string, unknown>
      try { entry = JSON.parse(line) as Record<string, unknown> } catch { return }
      logs.push(entry)
      const msg = String(entry.msg)
      const url = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(msg)?.[1]
      if (url !== undefined) {
        if (entry.server === 'metrics') ops = url
        else api = url
      }
      if (msg.startsWith('gRPC server listening') && typeof entry.port === 'number') grpc = `127.0.0.1:${entry.port}`
      if (msg.startsWith('Using the embedded') && typeof entry.endpoint === 'string') storeEndpoint = entry.endpoint
      if (api !== undefined && ops !== undefined && grpc !== undefined) {
        clearTimeout(deadline)
        resolve()
      }
    })
  })
  return { api: api!, ops: ops!, grpc: grpc!, storeEndpoint, logs, exited, kill: (signal) => child.kill(signal) }
}

/** `count` gateways started side by side with the same environment. */
export async function startFleet (t: Teardown, count: number, env: Record<string, string> = {}): Promise<GatewayProcess[]> {
  return await Promise.all(Array.from({ length: count }, async () => await startGateway(t, env)))
}

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The README's CLI (`npm run cli -- ...`: src/cli/main.ts through tsx) in a process of its own; it names no gateway unless `args` do. */
export async function runCli (args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  return { code, stdout, stderr }
}

/** One feature's value as a gateway serves it over GraphQL (its `json`), or null when it has none. */
export async function servedValue (gateway: Pick<GatewayProcess, 'api'>, entityId: string, ref: string): Promise<unknown> {
  const response = await fetch(`${gateway.api}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'query Served($ids: [String!]!, $refs: [String!]!) { getFeatures(entityIds: $ids, featureNames: $refs) { entities { features { status value { json } } } } }',
      variables: { ids: [entityId], refs: [ref] }
    })
  })
  const body = await response.json() as { data?: { getFeatures: { entities: Array<{ features: Array<{ value: { json: unknown } | null }> }> } }, errors?: unknown }
  if (body.data === undefined) throw new Error(`${gateway.api} answered ${response.status}: ${JSON.stringify(body.errors)}`)
  return body.data.getFeatures.entities[0]?.features[0]?.value?.json ?? null
}

/**
 * Asks each gateway every 50 ms until it serves `expected`; resolves with the milliseconds each took
 * (measured from the call), or rejects naming the ones still serving something else after `withinMs`.
 */
export async function untilServed (gateways: ReadonlyArray<Pick<GatewayProcess, 'api'>>, entityId: string, ref: string, expected: unknown, withinMs: number): Promise<number[]> {
  const started = performance.now()
  return await Promise.all(gateways.map(async (gateway) => {
    let last: unknown
    while (performance.now() - started < withinMs) {
      last = await servedValue(gateway, entityId, ref)
      if (JSON.stringify(last) === JSON.stringify(expected)) return Math.round(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`${gateway.api} still served ${JSON.stringify(last)} for ${entityId} ${ref} after ${withinMs} ms (expected ${JSON.stringify(expected)})`)
  }))
}
