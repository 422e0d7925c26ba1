import type { FastifyReply } from 'fastify'
import { isFeaturegateError, type ErrorKind, type FeaturegateError } from '../errors.js'

/**
 * What an HTTP client is told about a typed error: the status, and the GraphQL-style extensions
 * (`{ code, fgCode, retryAfterSeconds? }`). Shared by the GraphQL error formatter and every other
 * HTTP route that refuses a request (the access hook), so a refusal reads the same wherever it
 * happens.
 */
const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid_argument: 400,
  not_found: 404,
  deadline_exceeded: 504,
  unavailable: 503,
  resource_exhausted: 429,
  unauthenticated: 401,
  permission_denied: 403,
  internal: 500
}

/** `extensions.code` by kind: the codes GraphQL clients conventionally switch on. */
export const CODE_BY_KIND: Readonly<Record<ErrorKind, string>> = {
  invalid_argument: 'BAD_USER_INPUT',
  not_found: 'NOT_FOUND',
  deadline_exceeded: 'DEADLINE_EXCEEDED',
  unavailable: 'SERVICE_UNAVAILABLE',
  resource_exhausted: 'RESOURCE_EXHAUSTED',
  unauthenticated: 'UNAUTHENTICATED',
  permission_denied: 'FORBIDDEN',
  internal: 'INTERNAL_SERVER_ERROR'
}

/** Typed errors whose code says more than their kind does. */
const CODE_BY_FG_CODE: Readonly<Record<string, string>> = {
  FG_ERR_LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  FG_ERR_RATE_LIMITED: 'RATE_LIMITED',
  FG_ERR_INVALID_CURSOR: 'INVALID_CURSOR'
}

/** The one mapping from an error's kind to an HTTP status, for every HTTP route. */
export function httpStatusOf (error: FeaturegateError): number {
  return STATUS_BY_KIND[error.kind]
}

/** extensions for a typed error: the GraphQL code clients switch on, and our stable FG_ERR_* code. */
export function featuregateExtensions (error: FeaturegateError): Record<string, unknown> {
  const extensions: Record<string, unknown> = { code: CODE_BY_FG_CODE[error.code] ?? CODE_BY_KIND[error.kind], fgCode: error.code }
  if (error.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = error.retryAfterSeconds
  return extensions
}

/** A refusal or failure as an HTTP client is told it: the status, the message, and `{ code, fgCode, ... }`. */
export interface HttpFailure {
  readonly status: number
  readonly message: string
  readonly extensions: Readonly<Record<string, unknown>>
  readonly retryAfterSeconds: number | undefined
}

/** Never an untyped error's own message (a raw SDK error names tables and ARNs): that is for the log. */
const INTERNAL_HTTP_MESSAGE = 'Internal error'

export function httpFailureOf (error: unknown): HttpFailure {
  if (isFeaturegateError(error)) return { status: httpStatusOf(error), message: error.message, extensions: featuregateExtensions(error), retryAfterSeconds: error.retryAfterSeconds }
  return { status: 500, message: INTERNAL_HTTP_MESSAGE, extensions: { code: CODE_BY_KIND.internal }, retryAfterSeconds: undefined }
}

/** The one way an HTTP route answers a failure: the GraphQL-style body clients expect, with its headers. */
export async function sendHttpFailure (reply: FastifyReply, failure: HttpFailure): Promise<FastifyReply> {
  if (failure.status === 401) void reply.header('www-authenticate', 'Bearer realm="featuregate"')
  if (failure.retryAfterSeconds !== undefined) void reply.header('retry-after', String(failure.retryAfterSeconds))
  return await reply.code(failure.status).send({ errors: [{ message: failure.message, extensions: failure.extensions }] })
}
