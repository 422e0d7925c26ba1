import { parseArgs } from 'node:util'
import { loadConfig, type Config } from '../config.js'
import { isFeaturegateError } from '../errors.js'
import { CliError, EXIT_STORE, EXIT_USAGE } from './cli-error.js'
import { describeStoreError } from './describe-store-error.js'

const USAGE = `featuregate CLI: load data into the feature store

usage: npm run cli -- <command> [options]

commands:
  create-tables                          create the feature, registry and budget tables (safe to repeat)
  apply <registry.yaml|registry.json>    validate a registry file and register its feature sets
      --dry-run                          validate and show what would change; write nothing
      --gateway URL                      then ask the gateway at URL to reload its registry
  ingest <feature_set> <file.jsonl|->    load JSON Lines ({"entity_id", "event_time", "features"})
      --allow-missing                    accept lines that leave out some of the set's features
      --only-newer                       leave a stored row alone when its event time is later (backfills)
      --concurrency N                    BatchWriteItem calls in flight (default 4)
      --rejects FILE                     write every rejected line to FILE (JSON Lines: line, error, text)
      --json                             print the report as JSON
      --quiet                            no progress lines on stderr
      --gateway URL                      then ask the gateway at URL to clear its row cache

The store comes from the same environment as the gateway: DYNAMODB_ENDPOINT or AWS_REGION (one is
required), FEATURE_TABLE, REGISTRY_TABLE, AWS credentials. FEATUREGATE_API_KEY is sent to --gateway
as a bearer key (admin scope) when the gateway requires credentials.
exit codes: 0 done; 1 some lines rejected (all others written); 2 usage or configuration; 3 store or gateway failure
`

/** Commands are imported when run, so usage and argument errors answer without loading the AWS SDK. */
async function main (argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE)
    return command === undefined ? EXIT_USAGE : 0
  }
  let config: Config | undefined
  const configured = (): Config => (config ??= loadConfig(process.env))
  try {
    switch (command) {
      case 'create-tables': {
        parse(rest, {}, 0, 'create-tables')
        const { runCreateTables } = await import('./run-create-tables.js')
        return await runCreateTables(configured(), process.stdout)
      }
      case 'apply': {
        const { values, positionals } = parse(rest, { 'dry-run': { type: 'boolean' }, gateway: { type: 'string' } }, 1, 'apply <registry file>')
        const { runApply } = await import('./run-apply.js')
        return await runApply(configured(), {
          file: positionals[0]!,
          dryRun: values['dry-run'] === true,
          gateway: typeof values.gateway === 'string' ? values.gateway : undefined,
          apiKey: process.env.FEATUREGATE_API_KEY === '' ? undefined : process.env.FEATUREGATE_API_KEY
        }, process.stdout)
      }
      case 'ingest': {
        const { values, positionals } = parse(rest, {
          'allow-missing': { type: 'boolean' },
          'only-newer': { type: 'boolean' },
          concurrency: { type: 'string' },
          rejects: { type: 'string' },
          json: { type: 'boolean' },
          quiet: { type: 'boolean' },
          gateway: { type: 'string' }
        }, 2, 'ingest <feature_set> <file.jsonl>')
        const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency)
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new CliError(`--concurrency must be an integer from 1 to 64, got ${JSON.stringify(values.concurrency)}`)
        const { runIngest } = await import('./run-ingest.js')
        return await runIngest(configured(), {
          featureSet: positionals[0]!,
          file: positionals[1]!,
          allowMissing: values['allow-missing'] === true,
          onlyNewer: values['only-newer'] === true,
          concurrency,
          rejectsFile: typeof values.rejects === 'string' ? values.rejects : undefined,
          json: values.json === true,
          quiet: values.quiet === true,
          gateway: typeof values.gateway === 'string' ? values.gateway : undefined,
          apiKey: process.env.FEATUREGATE_API_KEY
        }, process.stdout, process.stderr)
      }
      default:
        throw new CliError(`Unknown command ${JSON.stringify(command)}; the commands are create-tables, apply and ingest (see --help)`)
    }
  } catch (error) {
    if (error instanceof CliError) return fail(error.message, error.exitCode)
    if (isFeaturegateError(error)) return fail(error.message, error.kind === 'internal' || error.kind === 'invalid_argument' ? EXIT_USAGE : EXIT_STORE)
    // Anything else came from the store mid-command (the connection was checked at open).
    if (config !== undefined && typeof error === 'object' && error !== null && '$metadata' in error) {
      const described = describeStoreError(error, config.store.endpoint ?? `DynamoDB in ${config.store.region}`, config)
      return fail(described.message, described.exitCode)
    }
    // A bug: say so, with where, and exit as a failed run (never 1, which means "some lines rejected").
    return fail(`unexpected error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, EXIT_STORE)
  }
}

type Options = Record<string, { type: 'string' | 'boolean' }>

interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | undefined>>
  readonly positionals: readonly string[]
}

/** parseArgs for one command, with its positional count checked and errors said in one line. */
function parse (args: readonly string[], options: Options, positionals: number, synopsis: string): Parsed {
  let parsed: Parsed
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true }) as Parsed
  } catch (error) {
    throw new CliError(`${(error as Error).message.split('\n')[0]}; usage: ${synopsis} (see --help)`)
  }
  if (parsed.positionals.length !== positionals) {
    throw new CliError(`expected ${positionals === 0 ? 'no arguments' : `${positionals} argument${positionals > 1 ? 's' : ''}`}, got ${parsed.positionals.length}; usage: ${synopsis} (see --help)`)
  }
  return parsed
}

function fail (message: string, exitCode: number): number {
  process.stderr.write(`featuregate cli: ${message}\n`)
  return exitCode
}

// The SDK's eight-line notice that it will need Node 22 from 2027 would bury every report; the
// gateway's logs still carry it, once per process.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
process.exitCode = await main(process.argv.slice(2))
