import { InvalidConfigError } from './errors.js'

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
  readonly registryReloadMs: number
}

export interface StoreConfig {
  /** embedded: start dynalite in-process and load the demo data; aws: talk to DYNAMODB_ENDPOINT or AWS. */
  readonly mode: 'embedded' | 'aws'
  readonly endpoint: string | undefined
  readonly region: string
  readonly featureTable: string
  readonly registryTable: string
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

type Env = Readonly<Record<string, string | undefined>>

function readInt (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max || !/^-?\d+$/.test(raw.trim())) {
    throw new InvalidConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  }
  return value
}

function readBool (env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const normalised = raw.trim().toLowerCase()
  if (['true', '1', 'yes', 'on'].includes(normalised)) return true
  if (['false', '0', 'no', 'off'].includes(normalised)) return false
  throw new InvalidConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`)
}

function readEnum<T extends string> (env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if ((allowed as readonly string[]).includes(raw)) return raw as T
  throw new InvalidConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`)
}

function readString (env: Env, name: string, fallback: string, pattern: RegExp, allowed: string): string {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!pattern.test(raw)) throw new InvalidConfigError(`${name} must be ${allowed}, got ${JSON.stringify(raw)}`)
  return raw
}

function readUrl (env: Env, name: string): string | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  try {
    const url = new URL(raw)
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw
  } catch {}
  throw new InvalidConfigError(`${name} must be an http(s) URL such as http://localhost:8000, got ${JSON.stringify(raw)}`)
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/
const TABLE_NAME_RULE = '3-255 characters of A-Z, a-z, 0-9, _ . -'

export function loadConfig (env: Env = process.env): Config {
  const endpoint = readUrl(env, 'DYNAMODB_ENDPOINT')
  const regionSet = (env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '') !== ''
  const mode = endpoint === undefined && !regionSet ? 'embedded' : 'aws'
  return {
    host: readString(env, 'HOST', '0.0.0.0', /^[A-Za-z0-9.:-]+$/, 'a host name or IP address'),
    httpPort: readInt(env, 'HTTP_PORT', 8080, 0, 65535),
    grpcPort: readInt(env, 'GRPC_PORT', 50051, 0, 65535),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    store: {
      mode,
      endpoint,
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      featureTable: readString(env, 'FEATURE_TABLE', 'featuregate_features', TABLE_NAME, TABLE_NAME_RULE),
      registryTable: readString(env, 'REGISTRY_TABLE', 'featuregate_registry', TABLE_NAME, TABLE_NAME_RULE),
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
      negativeTtlMs: readInt(env, 'CACHE_NEGATIVE_TTL_MS', 10_000, 0, 86_400_000)
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
    registryReloadMs: readInt(env, 'REGISTRY_RELOAD_MS', 30_000, 0, 86_400_000)
  }
}
