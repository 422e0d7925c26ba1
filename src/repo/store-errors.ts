import { DeadlineExceededError, StoreThrottledError, StoreUnavailableError, type FeaturegateError } from '../errors.js'

const THROTTLE_NAMES = new Set([
  'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException'
])

/** DynamoDB said "too fast": worth retrying after a backoff. */
export function isThrottling (error: unknown): boolean {
  return error instanceof Error && THROTTLE_NAMES.has(error.name)
}

/** Turns whatever the SDK threw into one of the typed store errors that each protocol maps to its codes. */
export function toStoreError (error: unknown, what: string, deadlineAt: number | undefined): FeaturegateError {
  const name = error instanceof Error ? error.name : ''
  if (THROTTLE_NAMES.has(name)) return withCause(new StoreThrottledError(), error)
  if (name === 'AbortError' || name === 'TimeoutError' || (deadlineAt !== undefined && Date.now() >= deadlineAt)) {
    return withCause(new DeadlineExceededError(what), error)
  }
  return withCause(new StoreUnavailableError(), error)
}

function withCause<E extends FeaturegateError> (wrapped: E, cause: unknown): E {
  Object.defineProperty(wrapped, 'cause', { value: cause, enumerable: false })
  return wrapped
}
