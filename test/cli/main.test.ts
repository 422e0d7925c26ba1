import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startEmbeddedDynamo } from '../../src/repo/embedded-dynamo.js'
import { LOCAL_CREDENTIALS } from '../helpers/test-store.js'

/** The CLI as a user runs it: a separate process, its exit code, its stdout and stderr. */
interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

async function cli (args: string[], env: Record<string, string> = {}): Promise<Run> {
  // Only what the CLI needs: nothing from this machine's AWS settings may leak in.
  const clean = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }
  return await new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: clean, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr })
    })
  })
}

t.test('usage, wrong arguments and configuration problems, each said in a line or two', async (t) => {
  const [none, help, unknown, missing, embedded, badConfig] = await Promise.all([
    cli([]), cli(['--help']), cli(['load']), cli(['ingest', 'user_text']),
    cli(['create-tables']),
    cli(['create-tables'], { DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', STORE_MAX_SOCKETS: '0' })
  ])
  t.equal(none.code, 2)
  t.match(none.stdout, /^featuregate CLI: load data into the feature store\n\nusage: npm run cli -- <command> \[options\]/)
  t.equal(help.code, 0)
  t.match(help.stdout, /ingest <feature_set> <file\.jsonl\|->/)
  t.same(unknown, { code: 2, stdout: '', stderr: 'featuregate cli: Unknown command "load"; the commands are create-tables, apply and ingest (see --help)\n' })
  t.same(missing, { code: 2, stdout: '', stderr: 'featuregate cli: expected 2 arguments, got 1; usage: ingest <feature_set> <file.jsonl> (see --help)\n' })

  t.equal(embedded.code, 2, 'without DYNAMODB_ENDPOINT or AWS_REGION the CLI says what to set')
  t.equal(embedded.stderr, [
    'featuregate cli: The CLI needs a DynamoDB to talk to: set DYNAMODB_ENDPOINT (e.g. http://localhost:8000 for DynamoDB Local) or AWS_REGION.',
    'With neither set the gateway starts an embedded store inside its own process, which the CLI cannot open;',
    'to load into a running gateway\'s embedded store, set DYNAMODB_ENDPOINT to the endpoint in its start-up log line.',
    ''
  ].join('\n'))

  t.same(badConfig, { code: 2, stdout: '', stderr: 'featuregate cli: STORE_MAX_SOCKETS must be an integer from 1 to 10000, got "0"\n' }, 'one line naming the variable')
})

t.test('create-tables, apply and ingest against a store, with exit codes', async (t) => {
  const dynamo = await startEmbeddedDynamo()
  t.teardown(async () => await dynamo.close())
  const env = { DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey }

  const early = await cli(['apply', 'examples/registry.yaml'], env)
  t.same(early, { code: 2, stdout: '', stderr: 'featuregate cli: Table featuregate_features or featuregate_registry does not exist at ' + dynamo.endpoint + ': run `npm run cli -- create-tables` first.\n' })

  const created = await cli(['create-tables'], env)
  t.same(created, { code: 0, stdout: `tables featuregate_features and featuregate_registry are ready at ${dynamo.endpoint}\n`, stderr: '' }, 'no SDK notices on stderr')

  const applied = await cli(['apply', 'examples/registry.yaml'], env)
  t.same(applied, { code: 0, stdout: 'created: user_text, user_moderation\n', stderr: '' })

  const dir = await mkdtemp(join(tmpdir(), 'featuregate-cli-'))
  const file = join(dir, 'moderation.jsonl')
  const good = (id: string): string => JSON.stringify({ entity_id: id, event_time: '2026-11-20T00:00:00Z', features: { toxicity: 0.1, reports_30d: '3', is_restricted: false, restricted_until: null, flagged_terms: [] } })
  await writeFile(file, [good('user_1'), '{"entity_id": "user_2", "event_time": 1, "features": {"toxicity": "high"}}', good('user_3')].join('\n') + '\n')
  const [ingested, clean, unreachable] = await Promise.all([
    cli(['ingest', 'user_moderation', file], env),
    cli(['ingest', 'user_text', 'examples/user_text.jsonl', '--json'], env),
    cli(['create-tables'], { ...env, DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' })
  ])
  t.equal(ingested.code, 1, 'exit code 1 when a line is rejected')
  t.equal(ingested.stdout.replace(/in \d+\.\d s/, 'in X s'), [
    `ingest user_moderation from ${file}: 3 lines, 2 written, 1 rejected in X s`,
    'rejected lines:',
    '  line 2: Invalid value for toxicity: expected a finite number',
    ''
  ].join('\n'))
  t.equal(ingested.stderr, '')

  t.equal(clean.code, 0)
  t.match(JSON.parse(clean.stdout), { featureSet: 'user_text', lines: 5, written: 5, rejected: 0 })

  t.equal(unreachable.code, 3)
  t.match(unreachable.stderr, /^featuregate cli: Cannot use http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/)
})
