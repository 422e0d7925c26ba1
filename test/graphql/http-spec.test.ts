import t from 'tap'
import { serverAudits } from 'graphql-http'
import { build } from '../helpers/build-app.js'

/**
 * The GraphQL-over-HTTP spec, audited by graphql-http's own suite against the real server. Stock
 * Mercurius fails one MUST (a null `extensions` is refused); http-compliance.ts fixes it.
 */
t.test('GraphQL over HTTP: every MUST of the spec holds', async (t) => {
  const app = await build(t, { DEMO_USERS: '0' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const url = `http://127.0.0.1:${port}/graphql`
  const warnings: string[] = []
  for (const audit of serverAudits({ url })) {
    const result = await audit.fn()
    if (audit.name.startsWith('MUST')) t.equal(result.status, 'ok', `${audit.id} ${audit.name}${result.status === 'ok' ? '' : `: ${result.reason}`}`)
    else if (result.status !== 'ok') warnings.push(`${audit.id} ${audit.name}: ${result.reason}`)
  }
  // SHOULDs we do not follow on purpose (see graphql/README.md), listed so a change shows up in review.
  t.comment(`SHOULD/MAY not followed:\n${warnings.join('\n')}`)

  t.test('null extensions are accepted (the MUST stock Mercurius fails)', async (t) => {
    const response = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ featureSets { name } }', variables: null, operationName: null, extensions: null } })
    t.equal(response.statusCode, 200)
  })

  t.test('application/graphql-response+json: its content type, and no data entry on request errors', async (t) => {
    const accept = { accept: 'application/graphql-response+json, application/json;q=0.9' }
    const ok = await app.inject({ method: 'POST', url: '/graphql', headers: accept, payload: { query: '{ featureSets { name } }' } })
    t.match(ok.headers['content-type'], /^application\/graphql-response\+json/)
    const invalid = await app.inject({ method: 'POST', url: '/graphql', headers: accept, payload: { query: '{ nope }' } })
    t.equal(invalid.statusCode, 400)
    t.notOk('data' in invalid.json())
    const json = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ featureSets { name } }' } })
    t.match(json.headers['content-type'], /^application\/json/)
  })
})
