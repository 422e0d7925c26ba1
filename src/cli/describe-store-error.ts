import type { Config } from '../config.js'
import { isFeaturegateError } from '../errors.js'
import { CliError } from './cli-error.js'

/** Turns what the SDK threw while connecting into advice. */
export function describeStoreError (thrown: unknown, where: string, config: Config): CliError {
  // The repository types store errors for the gateway's callers; the SDK's own error says more here.
  const error = isFeaturegateError(thrown) && thrown.cause !== undefined ? thrown.cause : thrown
  const name = error instanceof Error ? error.name : ''
  const message = error instanceof Error ? error.message : String(error)
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return new CliError(`No AWS credentials for ${where}: ${message.replace(/\.$/, '')}. For a local endpoint set AWS_ACCESS_KEY_ID and ` +
      'AWS_SECRET_ACCESS_KEY to any letters and digits (DynamoDB Local keeps one database per key id unless started with -sharedDb).', 2, { cause: error })
  }
  if (name === 'ResourceNotFoundException') {
    return new CliError(`Table ${config.store.featureTable} or ${config.store.registryTable} does not exist at ${where}: run \`npm run cli -- create-tables\` first.`, 2, { cause: error })
  }
  const code = (error as { code?: unknown }).code
  const detail = typeof code === 'string' && code !== '' && !message.includes(code) ? `${code} ${message}` : message
  return new CliError(`Cannot use ${where}: ${detail || name}`, 3, { cause: error })
}
