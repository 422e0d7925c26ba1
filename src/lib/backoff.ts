import { DeadlineExceededError } from '../errors.js'

/** Exponential backoff with full jitter, capped at `capMs`. */
export function backoffDelayMs (attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt))
}

/** Sleeps unless the signal aborts or the deadline would pass first, in which case it rejects at once. */
export async function sleepWithin (ms: number, signal: AbortSignal | undefined, deadlineAt: number | undefined, what: string): Promise<void> {
  if (deadlineAt !== undefined && Date.now() + ms >= deadlineAt) throw new DeadlineExceededError(what)
  throwIfAborted(signal, what)
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

/** Throws before new work starts once the caller gave up or its deadline passed (work under way is left to finish). */
export function throwIfOver (options: { readonly signal?: AbortSignal, readonly deadlineAt?: number } | undefined, what: string): void {
  throwIfAborted(options?.signal, what)
  if (options?.deadlineAt !== undefined && Date.now() >= options.deadlineAt) throw new DeadlineExceededError(what)
}

/**
 * A caller that gave up gets the same typed error as one whose deadline passed; AbortSignal's own
 * throwIfAborted would throw a bare DOMException that no protocol knows how to map.
 */
export function throwIfAborted (signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw new DeadlineExceededError(what)
}
