import type { Config } from '../config.js'
import { EXIT_OK } from './cli-error.js'
import { openCliStore } from './open-cli-store.js'
import type { Output } from './run-ingest.js'

/** `create-tables`: the feature and registry tables, created when missing (safe to run again). */
export async function runCreateTables (config: Config, stdout: Output): Promise<number> {
  const store = await openCliStore(config, { createTables: true })
  await store.close()
  stdout.write(`tables ${config.store.featureTable} and ${config.store.registryTable} are ready at ${config.store.endpoint ?? `DynamoDB in ${config.store.region}`}\n`)
  return EXIT_OK
}
