import type { ReadOptions } from '../domain/read-options.js'

/**
 * Runs one SDK call with a signal that aborts when the caller's does or its deadline passes, and
 * clears that deadline timer as soon as the call settles (AbortSignal.timeout cannot be cleared:
 * one per call would fire later anyway, building an exception nobody reads).
 */
export async function withCallSignal<T> (options: ReadOptions, call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (options.deadlineAt === undefined) return await call(options.signal)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException('deadline passed', 'TimeoutError')), Math.max(1, options.deadlineAt - Date.now()))
  const forward = (): void => controller.abort(options.signal?.reason)
  if (options.signal?.aborted === true) forward()
  else options.signal?.addEventListener('abort', forward, { once: true })
  try {
    return await call(controller.signal)
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', forward)
  }
}
