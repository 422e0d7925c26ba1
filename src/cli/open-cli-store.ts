import type { Config } from '../config.js'
import type { FeatureStore } from '../domain/ports/feature-store.js'
import { openFeatureStore } from '../repo/open-feature-store.js'
import { CliError } from './cli-error.js'
import { describeStoreError } from './describe-store-error.js'

/**
 * The repository for the CLI, from the same environment configuration as the gateway. The
 * embedded store lives inside a gateway process, so the CLI needs a DynamoDB it can reach on its
 * own; store errors become one line saying what to do.
 */
export interface CliStoreOptions {
  readonly createTables?: boolean
  /** The change log table, created when missing (a writer must announce what it writes). */
  readonly ensureChangeTable?: boolean
  readonly onProgress?: (line: string) => void
  readonly onLayoutProblem?: (problem: string) => void
}

export async function openCliStore (config: Config, options: CliStoreOptions = {}): Promise<FeatureStore> {
  if (config.store.mode === 'embedded') {
    throw new CliError([
      'The CLI needs a DynamoDB to talk to: set DYNAMODB_ENDPOINT (e.g. http://localhost:8000 for DynamoDB Local) or AWS_REGION.',
      'With neither set the gateway starts an embedded store inside its own process, which the CLI cannot open;',
      'to load into a running gateway\'s embedded store, set DYNAMODB_ENDPOINT to the endpoint in its start-up log line.'
    ].join('\n'))
  }
  const where = config.store.endpoint ?? `DynamoDB in ${config.store.region}`
  try {
    return await openFeatureStore({
      ...config,
      createTables: options.createTables === true,
      ensureChangeTable: options.ensureChangeTable === true,
      ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
      ...(options.onLayoutProblem !== undefined && { onLayoutProblem: options.onLayoutProblem })
    })
  } catch (error) {
    throw describeStoreError(error, where, config)
  }
}
