import { DeadlineExceededError } from '../errors.js'

/** Exponential backoff with full jitter, capped at `capMs`. */
export function backoffDelayMs (attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt))
}

/** Sleeps unless the signal aborts or the deadline would pass first, in which case it rejects at once. */
export async function sleepWithin (ms: number, signal: AbortSignal | undefined, deadlineAt: number | undefined, what: string): Promise<void> {
  if (deadlineAt !== undefined && Date.now() + ms >= deadlineAt) throw new DeadlineExceededError(what)
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new DeadlineExceededError(what))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
