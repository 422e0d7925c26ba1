import { InvalidConfigError } from './errors.js'
import { loadAccessConfig, type AccessConfig } from './config/access-config.js'
import { readBool, readEnum, readInt, readOptional, readString, readUrl, type Env } from './config/env-readers.js'

export type { AccessConfig, BudgetConfig, ExploreQueueConfig } from './config/access-config.js'

/**
 * All settings come from environment variables, read once at start. A wrong value stops start-up
 * with one line naming the variable, what it got and what is allowed.
 */
export interface Config {
  readonly host: string
  readonly httpPort: number
  readonly grpcPort: number
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  readonly store: StoreConfig
  readonly cache: CacheConfig
  readonly batch: BatchConfig
  readonly limits: LimitsConfig
  readonly metrics: MetricsConfig
  readonly lifecycle: LifecycleConfig
  /** Requests slower than this are logged at warn with their route and timing; 0 turns it off. */
  readonly slowRequestMs: number
  readonly registryReloadMs: number
  readonly changeFeed: ChangeFeedConfig
  readonly access: AccessConfig
  readonly graphql: GraphqlConfig
  readonly writes: WritesConfig
}

/** The online write API (WriteFeatures, POST /v1/write): its limits are checked before any row is read. */
export interface WritesConfig {
  /** Rows in one write call. */
  readonly maxRows: number
  /** Bytes of one write request as received (JSON body or protobuf message). */
  readonly maxBytes: number
  /** Store calls one write call keeps in flight (BatchWriteItem calls of 25 rows; 4x as many conditional puts with only_newer). */
  readonly concurrency: number
}

/** The GraphQL exploration API: its limits are checked before any store call (src/plugins/graphql). */
export interface GraphqlConfig {
  /** GraphiQL at /graphiql; on by default only in the embedded (development) mode. */
  readonly graphiql: boolean
  /** Deepest field nesting of a query, introspection (__schema) excluded. */
  readonly maxDepth: number
  /** Deepest nesting counting __schema introspection (GraphiQL's own query needs 15; ofType chains are linear, so headroom is cheap). */
  readonly maxIntrospectionDepth: number
  /** Static cost (points, see graphql/README.md) above which a query is refused before it runs. */
  readonly maxCost: number
  readonly maxAliases: number
  /** Lexical tokens in one query document. */
  readonly maxTokens: number
  /** Operations in one batched request; 0 turns batching off. */
  readonly maxBatch: number
  /** Largest `first` of a bulk pull page. */
  readonly maxPageSize: number
  /** Items one page may examine before it returns what it has (selective filters scan many). */
  readonly maxScanItemsPerPage: number
  /** Bytes of rows one page may hold before it returns what it has (rows of large items: a pull thread's heap is capped). */
  readonly maxPageBytes: number
  /** DynamoDB parallel-scan segments a pull spreads over. */
  readonly scanSegments: number
  /** Rows one statistics query may read (a whole-set request stops there and says so). */
  readonly maxStatisticsRows: number
  /** Concurrent DynamoDB calls of bulk pulls, apart from the online lookups' own limit. */
  readonly bulkMaxConcurrentCalls: number
  /** Deadline of a pull page or a statistics query. */
  readonly bulkDeadlineMs: number
  /** Threads that read and encode streamed pulls (POST /v1/pull) off the event loop; 0 runs them on it. */
  readonly pullThreads: number
  /** graphql-jit: compile a query once it ran this many times (1: from its second run); 0 off. Measured in bench:graphql. */
  readonly jitAfter: number
  /** Operation names always given their own metrics label. */
  readonly operationLabels: readonly string[]
  /** Other safe operation names labelled as first seen, up to this many; the rest are "other". */
  readonly maxLearnedOperationLabels: number
}

/**
 * How a replica learns of writes made anywhere (the change log every writer appends to, README "A fleet
 * of replicas"): it reads the log every pollMs and forgets exactly the rows written.
 */
export interface ChangeFeedConfig {
  /** One read of the change log per interval: the bound on staleness across replicas; 0 turns following off. */
  readonly pollMs: number
  /** Each read looks this far behind the previous one, for writers' clock skew and entries landing late. */
  readonly lookbackMs: number
  /** A feed unreadable for longer than this is not caught up entry by entry: the whole row cache is cleared instead. */
  readonly maxCatchUpMs: number
}

export interface MetricsConfig {
  /** Prometheus metrics; off removes /metrics and records nothing (the observer becomes a no-op). */
  readonly enabled: boolean
  /**
   * Separate port for /metrics, /livez and /readyz so they are not exposed with the public API;
   * undefined serves /metrics on the HTTP port beside the API.
   */
  readonly port: number | undefined
}

export interface LifecycleConfig {
  /** After SIGTERM, how long to keep serving while reporting not ready, so load balancers stop sending work first. */
  readonly shutdownDelayMs: number
  /** How long in-flight calls then get to finish before the process gives up and exits 1. */
  readonly shutdownGraceMs: number
}

export interface StoreConfig {
  /** embedded: start dynalite in-process and load the demo data; aws: talk to DYNAMODB_ENDPOINT or AWS. */
  readonly mode: 'embedded' | 'aws'
  readonly endpoint: string | undefined
  readonly region: string
  readonly featureTable: string
  readonly registryTable: string
  /** The change log every writer appends to after a write, so every replica forgets the rows written. */
  readonly changeTable: string
  /** Callers' budgets shared by the fleet (BUDGET_SCOPE=fleet): one item per (budget, caller). */
  readonly budgetTable: string
  readonly embeddedDataDir: string | undefined
  readonly demoUsers: number
  readonly demoSeed: number
  readonly maxSockets: number
  readonly connectTimeoutMs: number
  readonly maxAttempts: number
  readonly retryBaseMs: number
  readonly maxConcurrentCalls: number
}

export interface CacheConfig {
  readonly enabled: boolean
  readonly maxBytes: number
  readonly ttlMs: number
  readonly negativeTtlMs: number
  /** How long past its TTL a cached row may still be served while the store is unavailable or throttling (0: never). */
  readonly staleIfErrorMs: number
  /** A row looked up with less than this left of its TTL is read again in the background (at most half the TTL; 0: never). */
  readonly refreshAheadMs: number
}

export interface BatchConfig {
  readonly enabled: boolean
  /** 0 merges lookups made in the same event-loop turn; more waits that long for company. */
  readonly windowMs: number
  readonly maxKeys: number
}

export interface LimitsConfig {
  readonly maxEntitiesPerRequest: number
  readonly maxFeaturesPerRequest: number
  /** Applied when the caller gives no deadline of its own. */
  readonly defaultDeadlineMs: number
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/
const TABLE_NAME_RULE = '3-255 characters of A-Z, a-z, 0-9, _ . -'

export function loadConfig (env: Env = process.env): Config {
  const endpoint = readUrl(env, 'DYNAMODB_ENDPOINT')
  // An empty variable (common in manifests: `AWS_REGION: ""`) counts as unset, for mode and region alike.
  const region = readOptional(env, 'AWS_REGION') ?? readOptional(env, 'AWS_DEFAULT_REGION')
  const mode = endpoint === undefined && region === undefined ? 'embedded' : 'aws'
  const featureTable = readString(env, 'FEATURE_TABLE', 'featuregate_features', TABLE_NAME, TABLE_NAME_RULE)
  return {
    host: readString(env, 'HOST', '0.0.0.0', /^[A-Za-z0-9.:-]+$/, 'a host name or IP address'),
    httpPort: readInt(env, 'HTTP_PORT', 8080, 0, 65535),
    grpcPort: readInt(env, 'GRPC_PORT', 50051, 0, 65535),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    store: {
      mode,
      endpoint,
      region: region ?? 'us-east-1',
      featureTable,
      registryTable: readString(env, 'REGISTRY_TABLE', 'featuregate_registry', TABLE_NAME, TABLE_NAME_RULE),
      // Derived from the feature table, so stores sharing one server (tests, stages) never share a log.
      changeTable: readString(env, 'CHANGE_TABLE', `${featureTable}_changes`.slice(0, 255), TABLE_NAME, TABLE_NAME_RULE),
      budgetTable: readString(env, 'BUDGET_TABLE', 'featuregate_budgets', TABLE_NAME, TABLE_NAME_RULE),
      embeddedDataDir: env.EMBEDDED_DATA_DIR === '' ? undefined : env.EMBEDDED_DATA_DIR,
      demoUsers: readInt(env, 'DEMO_USERS', 10_000, 0, 1_000_000),
      demoSeed: readInt(env, 'DEMO_SEED', 42, 0, 2 ** 31 - 1),
      maxSockets: readInt(env, 'STORE_MAX_SOCKETS', 64, 1, 10_000),
      connectTimeoutMs: readInt(env, 'STORE_CONNECT_TIMEOUT_MS', 1_000, 1, 60_000),
      maxAttempts: readInt(env, 'STORE_MAX_ATTEMPTS', 3, 1, 10),
      retryBaseMs: readInt(env, 'STORE_RETRY_BASE_MS', 10, 1, 10_000),
      maxConcurrentCalls: readInt(env, 'STORE_MAX_CONCURRENT_CALLS', 32, 1, 10_000)
    },
    cache: {
      enabled: readBool(env, 'CACHE_ENABLED', true),
      maxBytes: readInt(env, 'CACHE_MAX_BYTES', 256 * 1024 * 1024, 1024, 2 ** 40),
      ttlMs: readInt(env, 'CACHE_TTL_MS', 60_000, 1, 86_400_000),
      negativeTtlMs: readInt(env, 'CACHE_NEGATIVE_TTL_MS', 10_000, 0, 86_400_000),
      staleIfErrorMs: readInt(env, 'STALE_IF_ERROR_MS', 300_000, 0, 86_400_000),
      refreshAheadMs: readInt(env, 'CACHE_REFRESH_AHEAD_MS', 10_000, 0, 86_400_000)
    },
    batch: {
      enabled: readBool(env, 'BATCH_ENABLED', true),
      windowMs: readInt(env, 'BATCH_WINDOW_MS', 0, 0, 1_000),
      maxKeys: readInt(env, 'BATCH_MAX_KEYS', 100, 1, 100)
    },
    limits: {
      maxEntitiesPerRequest: readInt(env, 'MAX_ENTITIES_PER_REQUEST', 1_000, 1, 1_000_000),
      maxFeaturesPerRequest: readInt(env, 'MAX_FEATURES_PER_REQUEST', 200, 1, 100_000),
      defaultDeadlineMs: readInt(env, 'DEFAULT_DEADLINE_MS', 2_000, 1, 600_000)
    },
    metrics: {
      enabled: readBool(env, 'METRICS_ENABLED', true),
      port: readMetricsPort(env)
    },
    lifecycle: {
      shutdownDelayMs: readInt(env, 'SHUTDOWN_DELAY_MS', 0, 0, 300_000),
      shutdownGraceMs: readInt(env, 'SHUTDOWN_GRACE_MS', 20_000, 1, 3_600_000)
    },
    slowRequestMs: readInt(env, 'SLOW_REQUEST_MS', 1_000, 0, 3_600_000),
    registryReloadMs: readInt(env, 'REGISTRY_RELOAD_MS', 30_000, 0, 86_400_000),
    changeFeed: {
      pollMs: readInt(env, 'CHANGE_FEED_POLL_MS', 1_000, 0, 3_600_000),
      lookbackMs: readInt(env, 'CHANGE_FEED_LOOKBACK_MS', 5_000, 0, 600_000),
      maxCatchUpMs: readInt(env, 'CHANGE_FEED_MAX_CATCH_UP_MS', 120_000, 1_000, 86_400_000)
    },
    access: loadAccessConfig(env, mode),
    graphql: loadGraphqlConfig(env, mode),
    writes: {
      maxRows: readInt(env, 'WRITE_MAX_ROWS', 500, 1, 10_000),
      // 4 MiB: the gRPC server's largest request message, so both protocols take the same calls.
      maxBytes: readInt(env, 'WRITE_MAX_BYTES', 4 * 1024 * 1024, 1024, 4 * 1024 * 1024),
      concurrency: readInt(env, 'WRITE_CONCURRENCY', 8, 1, 256)
    }
  }
}

const OPERATION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/

function loadGraphqlConfig (env: Env, storeMode: StoreConfig['mode']): GraphqlConfig {
  const operationLabels = (readOptional(env, 'GRAPHQL_OPERATION_LABELS') ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '')
  for (const name of operationLabels) {
    if (!OPERATION_NAME.test(name)) throw new InvalidConfigError(`GRAPHQL_OPERATION_LABELS must be GraphQL operation names (letter, then letters, digits, _; at most 64), got ${JSON.stringify(name)}`)
  }
  return {
    graphiql: readBool(env, 'GRAPHIQL', storeMode === 'embedded'),
    maxDepth: readInt(env, 'GRAPHQL_MAX_DEPTH', 10, 2, 100),
    maxIntrospectionDepth: readInt(env, 'GRAPHQL_MAX_INTROSPECTION_DEPTH', 20, 2, 100),
    maxCost: readInt(env, 'GRAPHQL_MAX_COST', 50_000, 1, 1_000_000_000),
    maxAliases: readInt(env, 'GRAPHQL_MAX_ALIASES', 30, 0, 10_000),
    maxTokens: readInt(env, 'GRAPHQL_MAX_TOKENS', 5_000, 100, 1_000_000),
    maxBatch: readInt(env, 'GRAPHQL_MAX_BATCH', 0, 0, 100),
    maxPageSize: readInt(env, 'GRAPHQL_MAX_PAGE_SIZE', 1_000, 1, 100_000),
    maxScanItemsPerPage: readInt(env, 'GRAPHQL_MAX_SCAN_ITEMS_PER_PAGE', 100_000, 100, 100_000_000),
    maxPageBytes: readInt(env, 'GRAPHQL_MAX_PAGE_BYTES', 4 * 1024 * 1024, 65_536, 64 * 1024 * 1024),
    scanSegments: readInt(env, 'GRAPHQL_SCAN_SEGMENTS', 4, 1, 64),
    maxStatisticsRows: readInt(env, 'GRAPHQL_MAX_STATISTICS_ROWS', 100_000, 1, 100_000_000),
    bulkMaxConcurrentCalls: readInt(env, 'GRAPHQL_BULK_MAX_CONCURRENT_CALLS', 8, 1, 1_000),
    bulkDeadlineMs: readInt(env, 'GRAPHQL_BULK_DEADLINE_MS', 30_000, 1, 600_000),
    pullThreads: readInt(env, 'PULL_THREADS', 1, 0, 64),
    jitAfter: readInt(env, 'GRAPHQL_JIT_AFTER', 1, 0, 1_000_000),
    operationLabels,
    maxLearnedOperationLabels: readInt(env, 'GRAPHQL_MAX_LEARNED_OPERATION_LABELS', 50, 0, 1_000)
  }
}

/** Unset means "beside the API"; a fixed port equal to another listener's would only fail later as EADDRINUSE. */
function readMetricsPort (env: Env): number | undefined {
  if (env.METRICS_PORT === undefined || env.METRICS_PORT === '') return undefined
  const port = readInt(env, 'METRICS_PORT', 0, 0, 65535)
  const others = { HTTP_PORT: readInt(env, 'HTTP_PORT', 8080, 0, 65535), GRPC_PORT: readInt(env, 'GRPC_PORT', 50051, 0, 65535) }
  for (const [name, taken] of Object.entries(others)) {
    if (port !== 0 && port === taken) throw new InvalidConfigError(`METRICS_PORT must differ from ${name}, both are ${port}`)
  }
  return port
}
