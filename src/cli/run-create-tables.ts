import type { Config } from '../config.js'
import { EXIT_OK } from './cli-error.js'
import { openCliStore } from './open-cli-store.js'
import type { Output } from './run-ingest.js'

/**
 * `create-tables`: the feature, registry and budget tables, created when missing, and the feature table
 * migrated to the layout pulls read (the by-set index added, shard keys backfilled on rows written
 * before it, with progress). Safe to run again: a second run finds nothing to do.
 */
export async function runCreateTables (config: Config, stdout: Output): Promise<number> {
  const store = await openCliStore(config, { createTables: true, onProgress: (line) => stdout.write(`${line}\n`) })
  await store.close()
  stdout.write(`tables ${config.store.featureTable} and ${config.store.registryTable} are ready at ${config.store.endpoint ?? `DynamoDB in ${config.store.region}`}\n`)
  return EXIT_OK
}
