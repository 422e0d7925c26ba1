import { execFile } from 'node:child_process'
import t from 'tap'
import { loadConfig } from '../src/config.js'

t.test('defaults: embedded store, demo data, cache and batching on', async (t) => {
  const config = loadConfig({})
  t.match(config, {
    host: '0.0.0.0',
    httpPort: 8080,
    grpcPort: 50051,
    store: { mode: 'embedded', endpoint: undefined, region: 'us-east-1', featureTable: 'featuregate_features', registryTable: 'featuregate_registry', demoUsers: 10_000, demoSeed: 42 },
    cache: { enabled: true, maxBytes: 256 * 1024 * 1024, ttlMs: 60_000, negativeTtlMs: 10_000 },
    batch: { enabled: true, windowMs: 0, maxKeys: 100 },
    limits: { maxEntitiesPerRequest: 1_000, maxFeaturesPerRequest: 200, defaultDeadlineMs: 2_000 }
  })
})

t.test('DYNAMODB_ENDPOINT or an AWS region selects DynamoDB instead of the embedded store', async (t) => {
  t.match(loadConfig({ DYNAMODB_ENDPOINT: 'http://localhost:8000' }).store, { mode: 'aws', endpoint: 'http://localhost:8000', region: 'us-east-1' })
  t.match(loadConfig({ AWS_REGION: 'eu-west-1' }).store, { mode: 'aws', endpoint: undefined, region: 'eu-west-1' })
  t.match(loadConfig({ AWS_DEFAULT_REGION: 'ap-south-1' }).store, { mode: 'aws', region: 'ap-south-1' })
  t.match(loadConfig({ AWS_REGION: '', AWS_DEFAULT_REGION: 'ap-south-1' }).store, { mode: 'aws', region: 'ap-south-1' }, 'an empty AWS_REGION counts as unset')
  t.match(loadConfig({ AWS_REGION: '', DYNAMODB_ENDPOINT: '' }).store, { mode: 'embedded' }, 'empty variables count as unset')
  t.match(loadConfig({ CACHE_ENABLED: 'off', BATCH_ENABLED: 'FALSE', CACHE_MAX_BYTES: '1048576', BATCH_WINDOW_MS: '2' }), {
    cache: { enabled: false, maxBytes: 1_048_576 }, batch: { enabled: false, windowMs: 2 }
  })
})

t.test('fair sharing of exploration work: defaults, and an under-load concurrency no larger than the normal one', async (t) => {
  t.same(loadConfig({}).access.exploreQueue, { maxConcurrent: 4, maxConcurrentUnderLoad: 1, maxWaitingPerCaller: 16, yieldLagMs: 25 })
  t.same(loadConfig({ EXPLORE_MAX_CONCURRENT: '8', EXPLORE_MAX_CONCURRENT_UNDER_LOAD: '2', EXPLORE_MAX_WAITING_PER_CALLER: '3', EXPLORE_YIELD_LAG_MS: '0' }).access.exploreQueue,
    { maxConcurrent: 8, maxConcurrentUnderLoad: 2, maxWaitingPerCaller: 3, yieldLagMs: 0 })
  t.throws(() => loadConfig({ EXPLORE_MAX_CONCURRENT: '2', EXPLORE_MAX_CONCURRENT_UNDER_LOAD: '3' }), { code: 'FG_ERR_INVALID_CONFIG', message: 'EXPLORE_MAX_CONCURRENT_UNDER_LOAD must be an integer from 1 to 2, got "3"' })
  t.throws(() => loadConfig({ EXPLORE_MAX_WAITING_PER_CALLER: '0' }), { code: 'FG_ERR_INVALID_CONFIG', message: 'EXPLORE_MAX_WAITING_PER_CALLER must be an integer from 1 to 100000, got "0"' })
})

t.test('a bad value is one line naming the variable, what it got and what is allowed', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['HTTP_PORT', 'abc', 'HTTP_PORT must be an integer from 0 to 65535, got "abc"'],
    ['HTTP_PORT', '65536', 'HTTP_PORT must be an integer from 0 to 65535, got "65536"'],
    ['HTTP_PORT', '80.5', 'HTTP_PORT must be an integer from 0 to 65535, got "80.5"'],
    ['HTTP_PORT', '0x50', 'HTTP_PORT must be an integer from 0 to 65535, got "0x50"'],
    ['GRPC_PORT', '-1', 'GRPC_PORT must be an integer from 0 to 65535, got "-1"'],
    ['HOST', 'my host', 'HOST must be a host name or IP address, got "my host"'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    ['DYNAMODB_ENDPOINT', 'localhost:8000', 'DYNAMODB_ENDPOINT must be an http(s) URL such as http://localhost:8000, got "localhost:8000"'],
    ['DYNAMODB_ENDPOINT', 'ftp://x', 'DYNAMODB_ENDPOINT must be an http(s) URL such as http://localhost:8000, got "ftp://x"'],
    ['FEATURE_TABLE', 'ab', 'FEATURE_TABLE must be 3-255 characters of A-Z, a-z, 0-9, _ . -, got "ab"'],
    ['REGISTRY_TABLE', 'my table', 'REGISTRY_TABLE must be 3-255 characters of A-Z, a-z, 0-9, _ . -, got "my table"'],
    ['DEMO_USERS', '-5', 'DEMO_USERS must be an integer from 0 to 1000000, got "-5"'],
    ['STORE_MAX_SOCKETS', '0', 'STORE_MAX_SOCKETS must be an integer from 1 to 10000, got "0"'],
    ['STORE_MAX_ATTEMPTS', '11', 'STORE_MAX_ATTEMPTS must be an integer from 1 to 10, got "11"'],
    ['CACHE_ENABLED', 'maybe', 'CACHE_ENABLED must be true or false, got "maybe"'],
    ['CACHE_MAX_BYTES', '10', 'CACHE_MAX_BYTES must be an integer from 1024 to 1099511627776, got "10"'],
    ['CACHE_TTL_MS', '0', 'CACHE_TTL_MS must be an integer from 1 to 86400000, got "0"'],
    ['BATCH_ENABLED', 'y', 'BATCH_ENABLED must be true or false, got "y"'],
    ['BATCH_MAX_KEYS', '101', 'BATCH_MAX_KEYS must be an integer from 1 to 100, got "101"'],
    ['BATCH_WINDOW_MS', '5000', 'BATCH_WINDOW_MS must be an integer from 0 to 1000, got "5000"'],
    ['MAX_ENTITIES_PER_REQUEST', '0', 'MAX_ENTITIES_PER_REQUEST must be an integer from 1 to 1000000, got "0"'],
    ['DEFAULT_DEADLINE_MS', '1e3', 'DEFAULT_DEADLINE_MS must be an integer from 1 to 600000, got "1e3"'],
    ['REGISTRY_RELOAD_MS', 'often', 'REGISTRY_RELOAD_MS must be an integer from 0 to 86400000, got "often"']
  ]
  for (const [name, value, message] of cases) {
    t.throws(() => loadConfig({ [name]: value }), { code: 'FG_ERR_INVALID_CONFIG', message }, `${name}=${value}`)
  }
})

t.test('the gateway refuses to start on a bad value, with that one line and exit code 1', async (t) => {
  const run = await new Promise<{ code: number | null, stdout: string, stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HTTP_PORT: '99999' }, timeout: 60_000
    }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }))
  })
  t.same(run, { code: 1, stdout: '', stderr: 'featuregate: HTTP_PORT must be an integer from 0 to 65535, got "99999"\n' })
})
