import t from 'tap'
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb'
import { buildApp } from '../../src/app.js'
import { InvalidConfigError } from '../../src/errors.js'
import { testConfig } from '../helpers/build-app.js'
import { embeddedStoreClient } from '../helpers/test-store.js'

t.test('no internal message reaches a client, and no client mistake is a 500', async (t) => {
  const app = await buildApp(testConfig({ DEMO_USERS: '5' }))
  t.teardown(async () => await app.close())
  // Not a real route: stands for any handler that throws something untyped (a bug, a raw SDK error).
  app.get('/test/bug', async () => { throw new Error('ECONNREFUSED arn:aws:dynamodb:eu-west-1:123456789012:table/secret') })
  await app.ready()

  t.test('a mutation sent with GET is 405 with Allow: POST (GraphQL over HTTP)', async (t) => {
    const response = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('mutation { x }')}` })
    t.equal(response.statusCode, 405)
    t.equal(response.headers.allow, 'POST')
    t.equal(response.json().errors[0].extensions.code, 'METHOD_NOT_ALLOWED')
    t.match(response.json().errors[0].message, /GET/)
  })

  t.test('a bug on an HTTP route is a 500 that says nothing of its internals', async (t) => {
    const response = await app.inject({ method: 'GET', url: '/test/bug' })
    t.equal(response.statusCode, 500)
    t.same(response.json(), { errors: [{ message: 'Internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] })
  })

  t.test('a malformed body on an HTTP route stays the 400 Fastify says it is', async (t) => {
    const response = await app.inject({ method: 'POST', url: '/admin/cache/clear', headers: { 'content-type': 'application/json' }, payload: '{nope' })
    t.equal(response.statusCode, 400)
  })

  t.test('a store failure on an admin route is a typed 503, never the SDK message with the table ARN', async (t) => {
    const client = embeddedStoreClient(t, app)
    await client.send(new DeleteTableCommand({ TableName: app.config.store.registryTable }))
    const response = await app.inject({ method: 'POST', url: '/admin/registry/reload' })
    t.equal(response.statusCode, 503)
    t.equal(response.json().errors[0].extensions.fgCode, 'FG_ERR_STORE_UNAVAILABLE')
    t.notMatch(response.body, /arn:|featuregate_registry|ResourceNotFound|Requested resource/i)
  })
})

t.test('GraphQL masks an internal error as gRPC does', async (t) => {
  const app = await buildApp(testConfig({ DEMO_USERS: '5' }))
  t.teardown(async () => await app.close())
  await app.ready()
  // A typed internal error from deep inside (here: the registry search) must not reach the caller with its message.
  app.featureRegistry.search = () => { throw new InvalidConfigError('secret table arn:aws:dynamodb:eu-west-1:123456789012:table/x is misconfigured') }
  const response = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ featureSets { name } }' } })
  const error = (response.json() as { errors: Array<{ message: string, extensions: { code: string } }> }).errors[0]!
  t.equal(error.extensions.code, 'INTERNAL_SERVER_ERROR')
  t.notMatch(JSON.stringify(response.json()), /arn:|secret/)
})
