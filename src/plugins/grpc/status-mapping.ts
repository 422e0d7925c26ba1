import { Metadata, status } from '@grpc/grpc-js'
import { isFeaturegateError, type ErrorKind, type FeaturegateError } from '../../errors.js'

/**
 * The one place that decides what a gRPC caller is told when a call fails. Errors carry a `kind`
 * (src/errors.ts); each kind has exactly one gRPC status. Anything that is not one of our typed
 * errors is a bug: the caller gets INTERNAL with a fixed message, never the error's message or
 * stack (which may name files, hosts or the store's wording); the server logs the real error.
 */
export const STATUS_OF_KIND: Readonly<Record<ErrorKind, status>> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  unavailable: status.UNAVAILABLE,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  internal: status.INTERNAL
}

export const INTERNAL_MESSAGE = 'Internal error'
/** Messages can quote the caller's input; gRPC carries them in a header, so keep them short. */
const MAX_DETAILS_LENGTH = 512

export interface GrpcFailure {
  readonly code: status
  /** The status name (e.g. INVALID_ARGUMENT), for metrics and logs. */
  readonly codeName: string
  readonly details: string
  /** Trailers for the caller, e.g. retry-after on rate limits. */
  readonly metadata: Metadata | undefined
  /** True when this is a bug to log with its stack, not a caller's or the store's problem. */
  readonly unexpected: boolean
}

/**
 * What the call was when it failed: `expired` (its deadline passed: grpc-js has told the caller
 * DEADLINE_EXCEEDED already, whatever the work then threw on being cut off) or `cancelled` (the
 * caller went away). Either way the answer is never read, but it is counted honestly.
 */
export type CallState = 'active' | 'cancelled' | 'expired'

export function toGrpcFailure (error: unknown, state: CallState = 'active'): GrpcFailure {
  if (state === 'expired') return failure(status.DEADLINE_EXCEEDED, 'Deadline exceeded', undefined, false)
  if (state === 'cancelled') return failure(status.CANCELLED, 'Cancelled by the caller', undefined, false)
  if (!isFeaturegateError(error) || error.kind === 'internal') return failure(status.INTERNAL, INTERNAL_MESSAGE, undefined, true)
  return failure(STATUS_OF_KIND[error.kind], truncate(error.message), retryAfter(error), false)
}

export function statusName (code: status): string {
  return status[code] ?? 'UNKNOWN'
}

function failure (code: status, details: string, metadata: Metadata | undefined, unexpected: boolean): GrpcFailure {
  return { code, codeName: statusName(code), details, metadata, unexpected }
}

function truncate (message: string): string {
  return message.length <= MAX_DETAILS_LENGTH ? message : `${message.slice(0, MAX_DETAILS_LENGTH - 1)}…`
}

/** Rate-limit errors say when to come back (as HTTP's Retry-After does); the caller's client can honour it. */
function retryAfter (error: FeaturegateError): Metadata | undefined {
  const seconds = error.retryAfterSeconds
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined
  const metadata = new Metadata()
  metadata.set('retry-after', String(Math.max(0, Math.ceil(seconds))))
  return metadata
}
