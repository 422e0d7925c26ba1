import { mkdtemp, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { applyRegistry } from '../../src/cli/apply-registry.js'
import { parseRegistryText, readRegistryFile } from '../../src/cli/read-registry-file.js'
import { runApply } from '../../src/cli/run-apply.js'
import { runIngest } from '../../src/cli/run-ingest.js'
import { loadConfig } from '../../src/config.js'
import { hashApiKey } from '../../src/core/access/api-key-store.js'
import { DEMO_FEATURE_SETS } from '../../src/demo/demo-registry.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import { build } from '../helpers/build-app.js'
import { LOCAL_CREDENTIALS } from '../helpers/test-store.js'

process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId
process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey

class Sink {
  text = ''
  write (chunk: string): boolean {
    this.text += chunk
    return true
  }
}

/** An in-memory registry: applyRegistry's decisions need no store to be checked. */
function memoryRegistry (initial: FeatureSetSpec[] = []): { list: () => Promise<FeatureSetSpec[]>, put: (spec: FeatureSetSpec) => Promise<void>, puts: string[] } {
  const sets = new Map(initial.map((spec) => [spec.name, spec]))
  const puts: string[] = []
  return {
    puts,
    list: async () => [...sets.values()],
    put: async (spec) => { puts.push(spec.name); sets.set(spec.name, spec) }
  }
}

t.test('the example registry is valid and its user_text is exactly the demo set', async (t) => {
  const specs = await readRegistryFile('examples/registry.yaml')
  t.same(specs.map((s) => s.name), ['user_text', 'user_moderation'])
  t.same(specs[0], DEMO_FEATURE_SETS.find((s) => s.name === 'user_text'), 'applying it to a demo gateway changes nothing')
  t.same(parseRegistryText(JSON.stringify({ featureSets: specs }), 'same.json'), specs, 'JSON says the same as YAML')
})

t.test('registry parse errors name the file, the place and what is allowed', async (t) => {
  const cases: Array<[string, string, string | RegExp]> = [
    ['r.yaml', 'featureSets:\n  - name: a\n   entityType: user\n', /^r\.yaml: YAML error at line 3, column \d+: Sequence item without - indicator$/],
    ['r.yaml', 'featureSets: [\n', /^r\.yaml: YAML error at line \d+, column \d+: /],
    ['r.json', '{"featureSets": [', /^r\.json is not valid JSON: /],
    ['r.yaml', 'just text', 'r.yaml: Invalid registry: registry file must be an object'],
    ['r.yaml', 'featureSets: {}', 'r.yaml: Invalid registry: a registry file is a list of feature sets or { featureSets: [...] }'],
    ['r.yaml', '- name: 1x\n  entityType: user\n  features: [{name: a, type: double}]', 'r.yaml: Invalid registry: feature set name must start with a letter and hold only letters, digits and _ (at most 128); got "1x"'],
    ['r.yaml', '- name: s\n  entityType: user\n  features: []', 'r.yaml: Invalid registry: s.features must be a non-empty list'],
    ['r.yaml', '- name: s\n  entityType: user\n  features: [{name: a, type: float}]', 'r.yaml: Invalid registry: s.features[0].type must be one of double, int64, string, bool, bytes, timestamp, float_vector, double_list, int64_list, string_list, bool_list; got "float"'],
    ['r.yaml', '- name: s\n  entityType: user\n  features: [{name: v, type: float_vector}]', 'r.yaml: Invalid registry: s.features[0].dimension must be an integer from 1 to 100000 for a float_vector'],
    ['r.yaml', '- name: s\n  entityType: user\n  features: [{name: a, type: double, dimension: 3}]', 'r.yaml: Invalid registry: s.features[0].dimension is only allowed on float_vector features'],
    ['r.yaml', '- name: s\n  entityType: user\n  features: [{name: a, type: double}, {name: a, type: string}]', 'r.yaml: Invalid registry: s declares feature "a" twice'],
    ['r.yaml', '- name: s\n  entityType: user\n  maxAgeSeconds: -5\n  features: [{name: a, type: double}]', 'r.yaml: Invalid registry: s.maxAgeSeconds must be a positive integer number of seconds'],
    ['r.yaml', '- name: s\n  entityType: user\n  tags: nlp\n  features: [{name: a, type: double}]', 'r.yaml: Invalid registry: s.tags must be a list of non-empty strings'],
    ['r.yaml', '- name: s\n  features: [{name: a, type: double}]', 'r.yaml: Invalid registry: s.entityType must start with a letter and hold only letters, digits and _ (at most 128); got undefined'],
    ['r.yaml', '- {name: s, entityType: u, features: [{name: a, type: double}]}\n- {name: s, entityType: u, features: [{name: b, type: double}]}', 'r.yaml: Invalid registry: feature set "s" appears twice'],
    ['r.yaml', 'featureSets:\n  - name: s\n    name: t\n', /^r\.yaml: YAML error at line 3, column 5: Map keys must be unique/]
  ]
  for (const [path, text, message] of cases) {
    t.throws(() => parseRegistryText(text, path), { name: 'CliError', exitCode: 2, message }, JSON.stringify(text).slice(0, 60))
  }
  await t.rejects(readRegistryFile('no/such/registry.yaml'), { message: 'Cannot read no/such/registry.yaml: ENOENT' })
})

t.test('apply creates, updates and leaves alone, and warns when stored rows will read differently', async (t) => {
  const textSet = DEMO_FEATURE_SETS.find((s) => s.name === 'user_text')!
  const profile = DEMO_FEATURE_SETS.find((s) => s.name === 'user_profile')!
  const registry = memoryRegistry([textSet, profile])
  const changed: FeatureSetSpec = {
    ...textSet,
    features: [{ name: 'embedding', type: 'float_vector', dimension: 384 }, { name: 'sentiment_score', type: 'string' }]
  }
  const fresh: FeatureSetSpec = { name: 'user_new', entityType: 'user', features: [{ name: 'a', type: 'bool' }] }

  const dry = await applyRegistry(registry, [changed, fresh], { dryRun: true })
  t.same(registry.puts, [], 'a dry run writes nothing')
  t.equal(dry.dryRun, true)

  const result = await applyRegistry(registry, [changed, fresh])
  t.same(result.created, ['user_new'])
  t.same(result.changed, ['user_text'])
  t.same(result.untouched, ['user_profile'])
  t.same(result.warnings, [
    'user_text:embedding changes from float_vector(256) to float_vector(384): rows already stored read as INVALID until rewritten',
    'user_text:sentiment_score changes from double to string: rows already stored read as INVALID until rewritten',
    'user_text:top_terms is removed: stored values stay in the table but are no longer served'
  ])
  t.same(registry.puts, ['user_text', 'user_new'])

  const again = await applyRegistry(registry, [changed, fresh])
  t.same(again.unchanged, ['user_text', 'user_new'], 'applying twice is a no-op')
  t.same(registry.puts, ['user_text', 'user_new'], 'unchanged sets are not rewritten')
})

t.test('apply and ingest against a running gateway\'s embedded store, then the gateway reloads and serves', async (t) => {
  const app = await build(t, { DEMO_USERS: '20' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const gateway = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  const config = loadConfig({ DYNAMODB_ENDPOINT: app.featureStore.endpoint })
  await t.rejects(app.featureLookup.getFeatures(['user_10000'], ['user_moderation']), { code: 'FG_ERR_UNKNOWN_FEATURE_SET' })

  const stdout = new Sink()
  t.equal(await runApply(config, { file: 'examples/registry.yaml', dryRun: false, gateway, apiKey: undefined }, stdout), 0)
  t.same(stdout.text.split('\n'), [
    'created: user_moderation',
    'unchanged: user_text',
    'also registered, not in examples/registry.yaml, left as is: user_profile, user_word_stats',
    `gateway ${gateway} reloaded its registry: user_moderation, user_profile, user_text, user_word_stats`,
    ''
  ])
  const moderation = await app.featureLookup.getFeatures(['user_0'], ['user_moderation:toxicity'])
  t.equal(moderation.entities[0]!.results[0]!.status, 'NOT_FOUND', 'the new set is served at once')

  t.equal(await runIngest(config, { featureSet: 'user_text', file: 'examples/user_text.jsonl', allowMissing: false, concurrency: 2, rejectsFile: undefined, json: false, quiet: true }, new Sink(), new Sink()), 0)
  const served = await app.featureLookup.getFeatures(['user_10003', 'user_10004'], ['user_text:sentiment_score', 'user_text:top_terms'], { now: Date.UTC(2026, 10, 22) })
  t.same(served.entities.map((e) => e.results.map((r) => r.status)), [['NULL_VALUE', 'PRESENT'], ['PRESENT', 'PRESENT']])
  t.same(served.entities[1]!.results[1]!.value, { type: 'string_list', value: ['news', 'price', 'app', 'feature', 'thanks'] })
})

t.test('a gateway that cannot be reached is reported after the registry is written', async (t) => {
  const app = await build(t, { DEMO_USERS: '0' })
  const config = loadConfig({ DYNAMODB_ENDPOINT: app.featureStore.endpoint })
  const closed = await closedPort()
  await t.rejects(runApply(config, { file: 'examples/registry.yaml', dryRun: false, gateway: `http://127.0.0.1:${closed}`, apiKey: undefined }, new Sink()), {
    name: 'CliError', exitCode: 3, message: `The registry is written, but the gateway at http://127.0.0.1:${closed} could not be reached (ECONNREFUSED); it picks the change up at its next periodic reload.`
  })
  t.same((await app.featureStore.registry.list()).map((s) => s.name), ['user_moderation', 'user_text'])
  await t.rejects(runApply(config, { file: 'examples/registry.yaml', dryRun: false, gateway: 'not a url', apiKey: undefined }, new Sink()), {
    exitCode: 2, message: '--gateway must be a URL such as http://localhost:8080, got "not a url"'
  })
})

t.test('a gateway that requires credentials reloads for FEATUREGATE_API_KEY with the admin scope only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'featuregate-keys-'))
  const keysFile = join(dir, 'keys.yaml')
  await writeFile(keysFile, JSON.stringify({
    keys: [
      { id: 'ops', sha256: hashApiKey('admin-secret'), scopes: ['admin'] },
      { id: 'ranker', sha256: hashApiKey('read-secret'), scopes: ['online:read'] }
    ]
  }))
  const app = await build(t, { DEMO_USERS: '0', AUTH_API_KEYS_FILE: keysFile })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const gateway = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const config = loadConfig({ DYNAMODB_ENDPOINT: app.featureStore.endpoint })
  const apply = async (apiKey: string | undefined): Promise<number> => await runApply(config, { file: 'examples/registry.yaml', dryRun: false, gateway, apiKey }, new Sink())
  await t.rejects(apply(undefined), { exitCode: 3, message: /^The registry is written, but the gateway at http:\/\/127\.0\.0\.1:\d+ refused to reload: HTTP 401 \(set FEATUREGATE_API_KEY to a key with the admin scope\)/ })
  await t.rejects(apply('read-secret'), { exitCode: 3, message: /refused to reload: HTTP 403 \(set FEATUREGATE_API_KEY/ })
  t.equal(await apply('admin-secret'), 0)
  t.same(app.featureRegistry.featureSets().map((s) => s.name).sort(), ['user_moderation', 'user_text'])
})

/** A port nothing listens on: bound, then released. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
