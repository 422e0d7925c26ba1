import type { Config } from '../config.js'
import { applyRegistry } from './apply-registry.js'
import { EXIT_OK } from './cli-error.js'
import { openCliStore } from './open-cli-store.js'
import { readRegistryFile } from './read-registry-file.js'
import { reloadGateway } from './reload-gateway.js'
import type { Output } from './run-ingest.js'

export interface ApplyCommand {
  readonly file: string
  readonly dryRun: boolean
  readonly gateway: string | undefined
  /** Bearer key for the gateway's admin endpoint (FEATUREGATE_API_KEY). */
  readonly apiKey: string | undefined
}

/** `apply <file>`: validate (before touching the store), register, then optionally tell the gateway. */
export async function runApply (config: Config, command: ApplyCommand, stdout: Output): Promise<number> {
  const specs = await readRegistryFile(command.file)
  // A set needs nothing of its own in the store; but say so if pulls of it could not run yet.
  const store = await openCliStore(config, { ensureChangeTable: true, onLayoutProblem: (problem) => stdout.write(`warning: ${problem}\n`) })
  try {
    const result = await applyRegistry(store.registry, specs, { dryRun: command.dryRun })
    const verb = command.dryRun ? 'would be' : ''
    const line = (label: string, names: readonly string[]): void => {
      if (names.length > 0) stdout.write(`${label}${verb === '' ? '' : ` (${verb})`}: ${names.join(', ')}\n`)
    }
    line('created', result.created)
    line('changed', result.changed)
    line('unchanged', result.unchanged)
    if (result.untouched.length > 0) stdout.write(`also registered, not in ${command.file}, left as is: ${result.untouched.join(', ')}\n`)
    for (const warning of result.warnings) stdout.write(`warning: ${warning}\n`)
    if (command.dryRun) {
      stdout.write(`dry run: ${command.file} is valid; nothing was written${command.gateway === undefined ? '' : ' and the gateway was not asked to reload'}\n`)
      return EXIT_OK
    }
    if (command.gateway !== undefined) {
      const served = await reloadGateway(command.gateway, command.apiKey)
      stdout.write(`gateway ${command.gateway} reloaded its registry: ${served.join(', ')}\n`)
    }
    return EXIT_OK
  } finally {
    await store.close()
  }
}
