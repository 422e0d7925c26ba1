import type { ErrorKind, FeaturegateError } from '../errors.js'

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

/** The one mapping from an error's kind to an HTTP status, for every HTTP route. */
export function httpStatusOf (error: FeaturegateError): number {
  return STATUS_BY_KIND[error.kind]
}
