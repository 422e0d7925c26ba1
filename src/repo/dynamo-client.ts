import http from 'node:http'
import https from 'node:https'
import { DynamoDBClient, DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { ConfiguredRetryStrategy } from '@smithy/core/retry'
import { backoffDelayMs } from '../lib/backoff.js'

/** Fixed credentials, for local DynamoDB-compatible servers that accept any. */
export interface StaticCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export interface DynamoClientOptions {
  readonly endpoint: string | undefined
  readonly region: string
  readonly maxSockets: number
  readonly connectTimeoutMs: number
  readonly maxAttempts: number
  readonly retryBaseMs: number
  /**
   * Backstop for calls that carry no abort signal of their own (writes, registry scans, table
   * checks): a socket silent this long fails the call instead of hanging a loader or a reload
   * forever. Reads on the serving path are cut much sooner by their deadline's signal.
   */
  readonly idleTimeoutMs?: number
  /** Fixed credentials for the embedded store, which accepts any; undefined uses the AWS chain (IRSA, env, profile). */
  readonly staticCredentials?: StaticCredentials
}

const DEFAULT_IDLE_TIMEOUT_MS = 10_000
/** No SDK retry waits longer than this: the caller's deadline is usually shorter anyway. */
const MAX_RETRY_DELAY_MS = 1_000

/**
 * The SDK's wait before retry `attempt`: exponential from `baseMs`, with full jitter as smithy's own
 * strategy has, so a fleet of gateways throttled together does not retry in lockstep.
 */
export function sdkRetryDelayMs (attempt: number, baseMs: number, random: () => number = Math.random): number {
  return backoffDelayMs(attempt, baseMs, MAX_RETRY_DELAY_MS, random)
}

/**
 * A client tuned for a serving path. The SDK's defaults back off for seconds on a throttle and
 * open a new socket per burst; here connections are kept alive in a pool sized for the load, and
 * retries start at a few milliseconds and stay inside the caller's deadline (each call also gets
 * the caller's abort signal, see batch-get.ts).
 */
export function createDynamoClient (options: DynamoClientOptions): DynamoDBClient {
  const agentOptions = { keepAlive: true, keepAliveMsecs: 1_000, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets }
  return new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: options.staticCredentials,
    retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts, (attempt) => sdkRetryDelayMs(attempt, options.retryBaseMs)),
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      connectionTimeout: options.connectTimeoutMs,
      requestTimeout: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      throwOnRequestTimeout: true
    })
  })
}

/** Opens `connections` sockets up front so the first requests do not pay for TCP and TLS set-up. */
export async function warmConnections (client: DynamoDBClient, table: string, connections: number): Promise<void> {
  await Promise.all(Array.from({ length: connections }, async () => await client.send(new DescribeTableCommand({ TableName: table }))))
}
