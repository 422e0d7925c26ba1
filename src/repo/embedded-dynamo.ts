import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import dynalite from 'dynalite'

export interface EmbeddedDynamo {
  readonly endpoint: string
  close (): Promise<void>
}

/**
 * A DynamoDB-compatible server (dynalite) inside this process, for a fresh machine with no AWS
 * settings: in memory, or on disk under `dataDir` so data outlives a restart.
 */
export async function startEmbeddedDynamo (options: { dataDir?: string | undefined, port?: number } = {}): Promise<EmbeddedDynamo> {
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true })
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.dataDir !== undefined && { path: options.dataDir }) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections?.()
    })
  }
}
