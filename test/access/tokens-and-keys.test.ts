import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { stringify } from 'yaml'
import { hashApiKey } from '../../src/core/access/api-key-store.js'
import { loadConfig } from '../../src/config.js'
import { build } from '../helpers/build-app.js'
import { clientFor, failureOf } from '../grpc/harness.js'

const ISSUER = 'https://idp.test'
const AUDIENCE = 'featuregate'
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>

async function jwkFile (dir: string, name: string, publicKey: KeyPair['publicKey'], kid: string): Promise<string> {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] }))
  return path
}

t.test('JWTs: an issuer and an audience are required, unless opted out loudly', async (t) => {
  const base = { DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', AWS_REGION: 'us-east-1', AUTH_JWKS_URL: 'https://idp.test/jwks.json' }
  t.throws(() => loadConfig(base), { code: 'FG_ERR_INVALID_CONFIG', message: /AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE/ })
  t.throws(() => loadConfig({ ...base, AUTH_JWT_ISSUER: ISSUER }), { message: /AUTH_JWT_AUDIENCE/ })
  t.equal(loadConfig({ ...base, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE }).access.jwtAnyIssuerAudience, false)
  t.equal(loadConfig({ ...base, AUTH_JWT_ANY_ISSUER_AUDIENCE: 'true' }).access.jwtAnyIssuerAudience, true)
})

t.test('JWTs must expire, and a rotated JWKS file is picked up without a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-jwks-'))
  const first = await generateKeyPair('RS256')
  const second = await generateKeyPair('RS256')
  const jwks = await jwkFile(dir, 'jwks.json', first.publicKey, 'k1')
  const app = await build(t, { DEMO_USERS: '5', AUTH_JWKS_FILE: jwks, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE })
  const sign = async (key: KeyPair['privateKey'], kid: string, expires: boolean): Promise<string> => {
    const jwt = new SignJWT({ scope: 'explore:read' }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('notebook').setIssuedAt()
    return await (expires ? jwt.setExpirationTime('5m') : jwt).sign(key)
  }
  const status = async (token: string): Promise<number> =>
    (await app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${token}` }, payload: { query: '{ __typename }' } })).statusCode

  t.equal(await status(await sign(first.privateKey, 'k1', true)), 200)
  t.equal(await status(await sign(first.privateKey, 'k1', false)), 401, 'a token without exp is refused')

  const rotated = await sign(second.privateKey, 'k2', true)
  t.equal(await status(rotated), 401, 'the new key is not trusted yet')
  await jwkFile(dir, 'jwks.json', second.publicKey, 'k2')
  let accepted = false
  for (let i = 0; i < 40 && !accepted; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    accepted = await status(rotated) === 200
  }
  t.ok(accepted, 'after the file changed, tokens signed by the new key verify')
  t.equal(await status(await sign(first.privateKey, 'k1', true)), 401, 'and the old key no longer does')
})

t.test('a key limited to some sets cannot tell the others from sets that do not exist; /metrics on the API port is not anonymous', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-keys-'))
  const keysFile = join(dir, 'keys.yaml')
  writeFileSync(keysFile, stringify({
    keys: [
      { id: 'ranker', sha256: hashApiKey('fgk_ranker_1'), scopes: ['online:read', 'explore:read'], featureSets: ['user_profile'] },
      { id: 'ops', sha256: hashApiKey('fgk_ops_1'), scopes: ['admin'] }
    ]
  }))
  const app = await build(t, { DEMO_USERS: '5', AUTH_API_KEYS_FILE: keysFile })
  const client = clientFor(t, app)
  const headers = { 'x-api-key': 'fgk_ranker_1' }

  const online = async (ref: string): Promise<{ code: grpc.status, details: string }> => {
    const error = await failureOf(t, client.getOnlineFeatures(['user_1'], [ref], { metadata: headers }))
    return { code: error.code, details: error.details.replace(/"[^"]*"/, '"…"') }
  }
  const existing = await online('user_text:embedding')
  const missing = await online('no_such_set:x')
  t.equal(existing.code, grpc.status.PERMISSION_DENIED)
  t.same(missing, existing, 'the same refusal for a set that exists and one that does not (gRPC)')

  const graphql = async (set: string): Promise<unknown> => {
    const response = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query: `{ getFeatures(entityIds: ["user_1"], featureNames: ["${set}:x"]) { entities { entityId } } }` } })
    const error = (response.json() as { errors: Array<{ message: string, extensions: unknown }> }).errors[0]!
    return { status: response.statusCode, extensions: error.extensions, message: error.message.replace(/"[^"]*"/, '"…"') }
  }
  const forbidden = await graphql('user_text')
  t.match(forbidden, { status: 403, extensions: { code: 'FORBIDDEN', fgCode: 'FG_ERR_PERMISSION_DENIED' } }, 'a set it may not read is refused (GraphQL)')
  t.same(await graphql('no_such_set'), forbidden, 'and one that does not exist gets the very same refusal')
  const pull = async (set: string): Promise<unknown> => {
    const response = await app.inject({ method: 'POST', url: '/v1/pull', headers: { ...headers, accept: 'application/x-ndjson' }, payload: { featureSet: set, features: [set] } })
    return { status: response.statusCode, code: (response.json() as { errors: Array<{ extensions: { fgCode: string } }> }).errors[0]!.extensions.fgCode }
  }
  t.same(await pull('no_such_set'), await pull('user_text'), 'the same refusal for both (pulls)')
  t.same(await pull('user_text'), { status: 403, code: 'FG_ERR_PERMISSION_DENIED' })

  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401, 'no anonymous scrape of the API port in production')
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': 'fgk_ops_1' } })).statusCode, 200, 'an admin credential may')
})
