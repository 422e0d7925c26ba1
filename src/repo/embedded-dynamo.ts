import { startModuleThread } from '../lib/module-thread.js'
import type { EmbeddedDynamoWorkerData, FromEmbeddedDynamo, ToEmbeddedDynamo } from './embedded-dynamo-worker.js'

export interface EmbeddedDynamo {
  readonly endpoint: string
  close (): Promise<void>
}

export interface EmbeddedDynamoOptions {
  /** Keep the data on disk here so it outlives a restart; in memory when absent. */
  readonly dataDir?: string | undefined
  /** 0 (the default) lets the OS choose. */
  readonly port?: number
  /**
   * The store's thread stopped while the gateway still needed it. Calls then fail as connection
   * refusals (typed unavailable errors); this says why. Default: a line on stderr.
   */
  readonly onFailure?: (error: Error) => void
}

/** How long close waits for dynalite to drain and close LevelDB before ending the thread anyway. */
const CLOSE_GRACE_MS = 5_000

/**
 * A DynamoDB-compatible server (dynalite) for a fresh machine with no AWS settings, in memory or on
 * disk under `dataDir`. It runs on a worker thread of its own: in this process (nothing to reap),
 * but off the gateway's event loop, so the gateway waits on it as on a remote store and its lag and
 * latency figures measure the gateway alone.
 */
export async function startEmbeddedDynamo (options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const data: EmbeddedDynamoWorkerData = { dataDir: options.dataDir, listenPort: options.port ?? 0 }
  const worker = startModuleThread(import.meta.url, 'embedded-dynamo-worker', data)
  let closing = false
  let exited = false
  const exit = new Promise<void>((resolve) => worker.once('exit', () => { exited = true; resolve() }))

  const port = await new Promise<number>((resolve, reject) => {
    const settle = (error?: Error, listening?: number): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit)
      if (listening !== undefined) return resolve(listening)
      reject(new Error(`The embedded store did not start: ${error?.message ?? 'unknown error'}`, { cause: error }))
      void worker.terminate()
    }
    const onMessage = (message: FromEmbeddedDynamo): void => {
      if (message.type === 'listening') settle(undefined, message.port)
      else if (message.type === 'failed') settle(new Error(message.message))
    }
    const onError = (error: Error): void => { settle(error) }
    const onExit = (code: number): void => { settle(new Error(`its thread exited with code ${code}`)) }
    worker.on('message', onMessage).on('error', onError).on('exit', onExit)
  })

  const onFailure = options.onFailure ?? ((error: Error) => { process.stderr.write(`${error.message}\n`) })
  // An uncaught error in the store's thread ends that thread only (its 'error' comes before its
  // 'exit'); the gateway lives on, its store calls fail as unavailable, and this says why, once.
  let crash: Error | undefined
  worker.on('error', (error) => { crash = error })
  worker.on('exit', (code) => {
    if (!closing) onFailure(new Error(`The embedded store stopped (${crash?.message ?? `its thread exited with code ${code}`}); store calls will fail until restart`, { cause: crash }))
  })

  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      if (closing) return await exit
      closing = true
      if (exited) return
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (message: FromEmbeddedDynamo) => { if (message.type === 'closed') resolve() })
      })
      const grace = setTimeout(() => { void worker.terminate() }, CLOSE_GRACE_MS)
      worker.postMessage({ type: 'close' } satisfies ToEmbeddedDynamo)
      await Promise.race([closed, exit])
      clearTimeout(grace)
      await worker.terminate()
    }
  }
}
