import createError from '@fastify/error'

/**
 * Every error a caller can see, with a stable code. Each protocol maps `kind` to its own status once
 * (src/plugins/grpc/status-mapping.ts, src/plugins/graphql/error-mapping.ts); nothing else decides
 * what a client is told. Messages name the offending input and the limit, never internals.
 */
export type ErrorKind =
  | 'invalid_argument'
  | 'not_found'
  | 'deadline_exceeded'
  | 'unavailable'
  | 'resource_exhausted'
  | 'unauthenticated'
  | 'permission_denied'
  | 'internal'

export interface FeaturegateError extends Error {
  readonly code: string
  readonly statusCode?: number
  readonly kind: ErrorKind
  /**
   * Seconds after which the same request may succeed, on refusals that know it (rate limits,
   * a full queue). HTTP sends it as Retry-After, gRPC as the retry-after trailer, GraphQL in extensions.
   */
  readonly retryAfterSeconds?: number
}

/** When to come back, for the errors that may know it. */
export interface RetryHint {
  readonly retryAfterSeconds?: number
}

function define (code: string, message: string, statusCode: number, kind: ErrorKind) {
  const Base = createError<[string?, (string | number)?, (string | number)?]>(code, message, statusCode)
  return class extends Base implements FeaturegateError {
    readonly kind = kind
    // `declare`: no own property (not even `undefined`) unless a subclass that carries it sets it.
    declare readonly retryAfterSeconds?: number
  }
}

// Input that the caller can fix.
export const InvalidFeatureRefError = define('FG_ERR_INVALID_FEATURE_REF', 'Invalid feature reference %s: expected "feature_set:feature" or "feature_set"', 400, 'invalid_argument')
export const UnknownFeatureSetError = define('FG_ERR_UNKNOWN_FEATURE_SET', 'Unknown feature set "%s"', 400, 'invalid_argument')
export const UnknownFeatureError = define('FG_ERR_UNKNOWN_FEATURE', 'Unknown feature "%s" in feature set "%s"', 400, 'invalid_argument')
export const InvalidEntityIdError = define('FG_ERR_INVALID_ENTITY_ID', 'Invalid entity id: %s', 400, 'invalid_argument')
export const InvalidArgumentError = define('FG_ERR_INVALID_ARGUMENT', 'Invalid request: %s', 400, 'invalid_argument')
export const MissingArgumentError = define('FG_ERR_MISSING_ARGUMENT', 'At least one %s is required', 400, 'invalid_argument')
/** A count outside its limit; the numbers ride along so each protocol can name them. */
export class LimitExceededError extends define('FG_ERR_LIMIT_EXCEEDED', 'Too many %s: %s requested, the limit is %s', 400, 'invalid_argument') {
  readonly requested: number
  /** A number, or words for a lower bound ("at least 1"). */
  readonly limit: number | string

  constructor (what: string, requested: number, limit: number | string) {
    super(what, requested, limit)
    this.requested = requested
    this.limit = limit
  }
}
export const InvalidFeatureValueError = define('FG_ERR_INVALID_FEATURE_VALUE', 'Invalid value for %s: %s', 400, 'invalid_argument')
export const InvalidRegistryError = define('FG_ERR_INVALID_REGISTRY', 'Invalid registry: %s', 400, 'invalid_argument')
export const ItemTooLargeError = define('FG_ERR_ITEM_TOO_LARGE', 'Row for entity %s in feature set %s is %s bytes; DynamoDB items are limited to 400 KB', 400, 'invalid_argument')
export const InvalidCursorError = define('FG_ERR_INVALID_CURSOR', 'Invalid cursor: %s', 400, 'invalid_argument')
export const InvalidFilterError = define('FG_ERR_INVALID_FILTER', 'Invalid filter on %s: %s', 400, 'invalid_argument')
export const EntityNotFoundError = define('FG_ERR_ENTITY_NOT_FOUND', 'Entity "%s" has none of the requested features', 404, 'not_found')

// The store, seen from a caller.
export const DeadlineExceededError = define('FG_ERR_DEADLINE_EXCEEDED', 'Deadline exceeded while %s', 504, 'deadline_exceeded')
export class StoreThrottledError extends define('FG_ERR_STORE_THROTTLED', 'The feature store is throttling reads; retry with backoff', 429, 'resource_exhausted') {
  override readonly retryAfterSeconds: number | undefined

  constructor ({ retryAfterSeconds }: RetryHint = {}) {
    super()
    this.retryAfterSeconds = retryAfterSeconds
  }
}
export const StoreUnavailableError = define('FG_ERR_STORE_UNAVAILABLE', 'The feature store is unavailable', 503, 'unavailable')
export const NotReadyError = define('FG_ERR_NOT_READY', 'The gateway is not ready: %s', 503, 'unavailable')

// Who is calling, and what they may do.
export const UnauthenticatedError = define('FG_ERR_UNAUTHENTICATED', 'Missing or invalid credentials', 401, 'unauthenticated')
export const PermissionDeniedError = define('FG_ERR_PERMISSION_DENIED', 'This credential may not %s', 403, 'permission_denied')

/** What a rate limiter knows when it refuses: the limit in words and numbers, and when to retry. */
export interface RateLimitState {
  /** How the limit reads in the message, e.g. "100 requests per second". */
  readonly describe: string
  readonly retryAfterSeconds: number
  /** The bucket's capacity. */
  readonly limit: number
  /** Units left in the bucket (fewer than the request needed). */
  readonly remaining: number
}

export class RateLimitedError extends define('FG_ERR_RATE_LIMITED', 'Rate limit reached: %s; retry in %s s', 429, 'resource_exhausted') {
  override readonly retryAfterSeconds: number
  readonly limit: number
  readonly remaining: number

  constructor ({ describe, retryAfterSeconds, limit, remaining }: RateLimitState) {
    super(describe, retryAfterSeconds)
    this.retryAfterSeconds = retryAfterSeconds
    this.limit = limit
    this.remaining = remaining
  }
}

/** A caller already has as many requests waiting for a turn as it may (src/lib/fair-queue.ts); others are still served. */
export class QueueFullError extends define('FG_ERR_QUEUE_FULL', 'Too many requests of this caller are waiting for their turn (%s); retry in %s s', 503, 'unavailable') {
  override readonly retryAfterSeconds: number

  constructor (waiting: number, retryAfterSeconds: number) {
    super(String(waiting), retryAfterSeconds)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

export const InvalidConfigError = define('FG_ERR_INVALID_CONFIG', '%s', 500, 'internal')

export function isFeaturegateError (error: unknown): error is FeaturegateError {
  return error instanceof Error && typeof (error as Partial<FeaturegateError>).kind === 'string' &&
    typeof (error as Partial<FeaturegateError>).code === 'string' && (error as Partial<FeaturegateError>).code!.startsWith('FG_ERR_')
}
