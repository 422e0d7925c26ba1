import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { build } from '../helpers/build-app.js'
import { clientFor, failureOf } from '../grpc/harness.js'

t.test('JWTs verified against a JWKS URL, on both protocols, every scope boundary both ways', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const stranger = await generateKeyPair('RS256')
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }] })
  const idp = createServer((_request, response) => { response.setHeader('content-type', 'application/json'); response.end(jwks) })
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { idp.close() })
  const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`

  const app = await build(t, { DEMO_USERS: '10', AUTH_JWKS_URL: jwksUrl, AUTH_JWT_ISSUER: 'https://idp.test', AUTH_JWT_AUDIENCE: 'featuregate' })
  const client = clientFor(t, app)
  const token = async (scope: string, options: { expires?: string, key?: Parameters<SignJWT['sign']>[0] } = {}): Promise<string> =>
    await new SignJWT({ scope }).setProtectedHeader({ alg: 'RS256', kid: 'idp-1' }).setIssuer('https://idp.test').setAudience('featuregate')
      .setSubject('svc-ranker').setIssuedAt().setExpirationTime(options.expires ?? '5m').sign(options.key ?? privateKey)
  const graphql = async (bearer: string): Promise<{ status: number, code: unknown }> => {
    const response = await app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${bearer}` }, payload: { query: '{ featureSets { name } }' } })
    const body = response.json() as { errors?: Array<{ extensions?: { code?: string } }> }
    return { status: response.statusCode, code: body.errors?.[0]?.extensions?.code }
  }
  const online = async (bearer: string): Promise<grpc.status> => {
    try {
      await client.getOnlineFeatures(['user_1'], ['user_profile:region'], { metadata: { authorization: `Bearer ${bearer}` } })
      return grpc.status.OK
    } catch (error) {
      return (error as grpc.ServiceError).code
    }
  }

  const explorer = await token('explore:read')
  const inference = await token('online:read')
  t.equal((await graphql(explorer)).status, 200, 'explore scope reads GraphQL')
  t.equal(await online(explorer), grpc.status.PERMISSION_DENIED, 'explore scope cannot make online reads')
  t.equal(await online(inference), grpc.status.OK, 'online scope reads gRPC')
  t.same(await graphql(inference), { status: 403, code: 'FORBIDDEN' }, 'online scope cannot explore')
  const admin = await app.inject({ method: 'POST', url: '/admin/registry/reload', headers: { authorization: `Bearer ${explorer}` } })
  t.equal(admin.statusCode, 403, 'explore scope is not admin')
  const adminToken = await token('admin')
  t.equal((await app.inject({ method: 'POST', url: '/admin/registry/reload', headers: { authorization: `Bearer ${adminToken}` } })).statusCode, 200)

  const expired = await token('online:read explore:read', { expires: '-2m' })
  t.same(await graphql(expired), { status: 401, code: 'UNAUTHENTICATED' }, 'expired token')
  t.equal(await online(expired), grpc.status.UNAUTHENTICATED)
  const misSigned = await token('online:read explore:read', { key: stranger.privateKey })
  t.same(await graphql(misSigned), { status: 401, code: 'UNAUTHENTICATED' }, 'token signed by another key')
  t.equal(await online(misSigned), grpc.status.UNAUTHENTICATED)
  const failure = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile:region'], { metadata: { authorization: `Bearer ${misSigned}` } }))
  t.equal(failure.details, 'Missing or invalid credentials', 'nothing about keys or internals in the message')
})
