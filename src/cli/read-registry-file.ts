import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { parseDocument } from 'yaml'
import type { FeatureSetSpec } from '../domain/feature-set-spec.js'
import { parseRegistryFile } from '../domain/parse-registry.js'
import { isFeaturegateError } from '../errors.js'
import { CliError } from './cli-error.js'

/**
 * Reads and validates a registry file: JSON for `.json`, YAML otherwise (YAML also reads JSON).
 * Every error names the file, and the line and column for syntax errors.
 */
export async function readRegistryFile (path: string): Promise<FeatureSetSpec[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new CliError(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  return parseRegistryText(text, path)
}

export function parseRegistryText (text: string, path: string): FeatureSetSpec[] {
  let input: unknown
  if (extname(path).toLowerCase() === '.json') {
    try {
      input = JSON.parse(text)
    } catch (error) {
      throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`)
    }
  } else {
    const document = parseDocument(text)
    const [first] = document.errors
    if (first !== undefined) {
      const at = first.linePos?.[0]
      // The library's message ends in its own " at line L, column C:" and a code frame; say it once, on one line.
      const reason = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')
      throw new CliError(`${path}: YAML error${at === undefined ? '' : ` at line ${at.line}, column ${at.col}`}: ${reason}`)
    }
    input = document.toJS()
  }
  try {
    return parseRegistryFile(input)
  } catch (error) {
    if (isFeaturegateError(error)) throw new CliError(`${path}: ${error.message}`)
    throw error
  }
}
