import { InvalidConfigError } from '../errors.js'
import { readBool, readEnum, readInt, readOptional, readUrl, type Env } from './env-readers.js'

export interface AccessConfig {
  /**
   * open: no credentials asked (development, or production explicitly told so). unset: production
   * with no credentials configured — the serving app refuses to start (the CLI does not care).
   */
  readonly mode: 'open' | 'required' | 'unset'
  readonly apiKeysFile: string | undefined
  readonly jwksFile: string | undefined
  readonly jwksUrl: string | undefined
  readonly jwtIssuer: string | undefined
  readonly jwtAudience: string | undefined
  /** Tokens are accepted without an issuer or audience check: only with AUTH_JWT_ANY_ISSUER_AUDIENCE=true, loudly. */
  readonly jwtAnyIssuerAudience: boolean
  /** Per caller, on the online (gRPC) path. */
  readonly onlineRequestsPerSecond: number
  readonly onlineBurst: number
  /** Per caller, GraphQL query cost points per minute. */
  readonly explorePointsPerMinute: number
  /** How those budgets are shared between replicas (src/core/access/fleet-rate-limiter.ts). */
  readonly budgets: BudgetConfig
  /** Fair sharing of exploration work (src/core/access/explore-queue.ts). */
  readonly exploreQueue: ExploreQueueConfig
  /** TLS for both ports when both are set. */
  readonly tlsCertFile: string | undefined
  readonly tlsKeyFile: string | undefined
  readonly httpBodyLimitBytes: number
  /** Empty: CORS off. */
  readonly corsOrigins: readonly string[]
}

export interface BudgetConfig {
  /**
   * fleet: a caller's budget holds for the whole fleet, leased in chunks from the store.
   * replica: each replica enforces the whole budget on its own (N replicas admit N × the budget).
   */
  readonly scope: 'fleet' | 'replica'
  /** Leases a replica aims to take per busy caller and budget per second: the store writes a budget costs. */
  readonly leasesPerSecond: number
  /** Unspent leased tokens are dropped this long after their lease, so an idle replica hoards nothing. */
  readonly leaseTtlMs: number
  /** A lease slower than this counts as the store being unreachable. */
  readonly leaseTimeoutMs: number
  /** While the store is unreachable each replica enforces budget / this (the HPA's minReplicas). */
  readonly fallbackReplicas: number
  /** How often a replica in fallback tries the store again. */
  readonly retryMs: number
}

export interface ExploreQueueConfig {
  readonly maxConcurrent: number
  /** While online lookups are in flight or the event loop lags. */
  readonly maxConcurrentUnderLoad: number
  readonly maxWaitingPerCaller: number
  /** 0: event-loop lag never lowers the concurrency. */
  readonly yieldLagMs: number
}

/**
 * Who may call and how much: credentials, TLS, CORS, per-caller budgets and fair queueing of exploration.
 * `storeMode` is StoreConfig['mode'], spelled out so this module does not import src/config.ts back:
 * with no credentials the embedded (development) store is open and any other refuses to serve.
 */
export function loadAccessConfig (env: Env, storeMode: 'embedded' | 'aws'): AccessConfig {
  const apiKeysFile = readOptional(env, 'AUTH_API_KEYS_FILE')
  const jwksFile = readOptional(env, 'AUTH_JWKS_FILE')
  const jwksUrl = readUrl(env, 'AUTH_JWKS_URL')
  const hasCredentials = apiKeysFile !== undefined || jwksFile !== undefined || jwksUrl !== undefined
  const fallback = hasCredentials ? 'required' : storeMode === 'embedded' ? 'open' : 'unset'
  const mode = readEnum<'open' | 'required' | 'unset'>(env, 'AUTH_MODE', fallback, ['open', 'required'])
  if (mode === 'required' && !hasCredentials) {
    throw new InvalidConfigError('AUTH_MODE=required needs credentials: set AUTH_API_KEYS_FILE and/or AUTH_JWKS_FILE or AUTH_JWKS_URL')
  }
  const jwtIssuer = readOptional(env, 'AUTH_JWT_ISSUER')
  const jwtAudience = readOptional(env, 'AUTH_JWT_AUDIENCE')
  const jwtAnyIssuerAudience = readBool(env, 'AUTH_JWT_ANY_ISSUER_AUDIENCE', false)
  // A key set alone would accept a token minted by the same identity provider for any other service.
  if ((jwksFile !== undefined || jwksUrl !== undefined) && (jwtIssuer === undefined || jwtAudience === undefined) && !jwtAnyIssuerAudience) {
    throw new InvalidConfigError('JWTs need AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE (a token for another service of the same identity provider would pass otherwise); set AUTH_JWT_ANY_ISSUER_AUDIENCE=true to accept any, knowingly')
  }
  const tlsCertFile = readOptional(env, 'TLS_CERT_FILE')
  const tlsKeyFile = readOptional(env, 'TLS_KEY_FILE')
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) throw new InvalidConfigError('TLS_CERT_FILE and TLS_KEY_FILE must be set together')
  const onlineRequestsPerSecond = readInt(env, 'RATE_LIMIT_ONLINE_RPS', 5_000, 1, 10_000_000)
  return {
    mode,
    apiKeysFile,
    jwksFile,
    jwksUrl,
    jwtIssuer,
    jwtAudience,
    jwtAnyIssuerAudience,
    onlineRequestsPerSecond,
    onlineBurst: readInt(env, 'RATE_LIMIT_ONLINE_BURST', onlineRequestsPerSecond, 1, 10_000_000),
    explorePointsPerMinute: readInt(env, 'RATE_LIMIT_EXPLORE_POINTS_PER_MINUTE', 1_000_000, 1, 1_000_000_000),
    budgets: loadBudgetConfig(env),
    exploreQueue: loadExploreQueueConfig(env),
    tlsCertFile,
    tlsKeyFile,
    httpBodyLimitBytes: readInt(env, 'HTTP_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    corsOrigins: (readOptional(env, 'CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '')
  }
}

function loadBudgetConfig (env: Env): BudgetConfig {
  return {
    scope: readEnum(env, 'BUDGET_SCOPE', 'fleet', ['fleet', 'replica']),
    leasesPerSecond: readInt(env, 'BUDGET_LEASES_PER_SECOND', 4, 1, 100),
    leaseTtlMs: readInt(env, 'BUDGET_LEASE_TTL_MS', 1_000, 50, 60_000),
    leaseTimeoutMs: readInt(env, 'BUDGET_LEASE_TIMEOUT_MS', 500, 10, 10_000),
    fallbackReplicas: readInt(env, 'BUDGET_FALLBACK_REPLICAS', 3, 1, 1_000),
    retryMs: readInt(env, 'BUDGET_RETRY_MS', 2_000, 100, 600_000)
  }
}

function loadExploreQueueConfig (env: Env): ExploreQueueConfig {
  const maxConcurrent = readInt(env, 'EXPLORE_MAX_CONCURRENT', 4, 1, 1_000)
  return {
    maxConcurrent,
    maxConcurrentUnderLoad: readInt(env, 'EXPLORE_MAX_CONCURRENT_UNDER_LOAD', 1, 1, maxConcurrent),
    maxWaitingPerCaller: readInt(env, 'EXPLORE_MAX_WAITING_PER_CALLER', 16, 1, 100_000),
    yieldLagMs: readInt(env, 'EXPLORE_YIELD_LAG_MS', 25, 0, 60_000)
  }
}
