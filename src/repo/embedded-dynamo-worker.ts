import { accessSync, constants, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import dynalite from 'dynalite'

/** What the gateway's thread gives the store's thread at start. */
export interface EmbeddedDynamoWorkerData {
  readonly dataDir: string | undefined
  readonly listenPort: number
}
/** The store's thread to the gateway's. */
export type FromEmbeddedDynamo =
  | { readonly type: 'listening', readonly port: number }
  | { readonly type: 'failed', readonly message: string }
  | { readonly type: 'closed' }
/** The gateway's thread to the store's. */
export type ToEmbeddedDynamo = { readonly type: 'close' }

/**
 * The embedded store's thread: dynalite's request parsing, LevelDB work and JSON encoding run here,
 * so a heavy scan costs the gateway's event loop no more than a remote DynamoDB would.
 */
if (parentPort === null) throw new Error('embedded-dynamo-worker runs only as a worker thread')
const port: MessagePort = parentPort
const { dataDir, listenPort } = workerData as EmbeddedDynamoWorkerData
const post = (message: FromEmbeddedDynamo): void => { port.postMessage(message) }

/** The part of dynalite's own `level` package the start-up check needs. */
interface LevelModule {
  Level: new (path: string) => { open (): Promise<void>, close (): Promise<void> }
}

/**
 * dynalite opens LevelDB lazily and, when that fails (another process holds the directory's lock),
 * throws from its first request. Opening it once here first turns that into a clear start error.
 */
async function checkDataDir (dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true })
  accessSync(dir, constants.R_OK | constants.W_OK)
  const { Level } = createRequire(createRequire(import.meta.url).resolve('dynalite'))('level') as LevelModule
  const db = new Level(dir)
  try {
    await db.open()
  } catch (error) {
    const cause = (error as Error).cause
    throw new Error(cause instanceof Error ? cause.message : (error as Error).message, { cause: error })
  }
  await db.close()
}

async function start (): Promise<void> {
  if (dataDir !== undefined) {
    try {
      await checkDataDir(dataDir)
    } catch (error) {
      post({ type: 'failed', message: `the data directory ${dataDir} is not usable: ${(error as Error).message}` })
      return
    }
  }
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dataDir !== undefined && { path: dataDir }) })
  server.once('error', (error: Error) => {
    post({ type: 'failed', message: `could not listen on 127.0.0.1:${listenPort}: ${error.message}` })
  })
  server.listen(listenPort, '127.0.0.1', () => {
    post({ type: 'listening', port: (server.address() as AddressInfo).port })
  })
  port.on('message', (message: ToEmbeddedDynamo) => {
    if (message.type !== 'close') return
    // dynalite's close also closes LevelDB, so data on disk is complete before the thread ends.
    server.close(() => {
      post({ type: 'closed' })
      port.close()
    })
    server.closeAllConnections()
  })
}

start().catch((error: unknown) => { post({ type: 'failed', message: (error as Error).message }) })
