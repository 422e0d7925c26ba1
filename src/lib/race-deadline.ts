import type { ReadOptions } from '../domain/read-options.js'
import { DeadlineExceededError } from '../errors.js'

/** A caller whose own deadline passes stops waiting, even while a merged call runs on for others. */
export async function raceDeadline<T> (result: Promise<T>, options: ReadOptions): Promise<T> {
  if (options.signal === undefined && options.deadlineAt === undefined) return await result
  return await new Promise<T>((resolve, reject) => {
    const fail = (): void => {
      cleanup()
      reject(new DeadlineExceededError('reading features'))
    }
    const timer = options.deadlineAt === undefined ? undefined : setTimeout(fail, Math.max(0, options.deadlineAt - Date.now()))
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer)
      options.signal?.removeEventListener('abort', fail)
    }
    options.signal?.addEventListener('abort', fail, { once: true })
    result.then((value) => { cleanup(); resolve(value) }, (error: unknown) => { cleanup(); reject(error) })
  })
}
