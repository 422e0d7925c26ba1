/**
 * How long a caller is prepared to wait. Every layer down to the SDK call honours both: the signal
 * cancels work the caller gave up on, the deadline bounds retries and backoff.
 */
export interface ReadOptions {
  readonly signal?: AbortSignal
  /** Absolute time (Date.now() clock) after which the answer is useless to the caller. */
  readonly deadlineAt?: number
}
