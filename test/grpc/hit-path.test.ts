import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { hashApiKey } from '../../src/core/access/api-key-store.js'
import { build } from '../helpers/build-app.js'

/**
 * The cache-hit path as production runs it (API-key auth, metrics, request ids), after it was made
 * cheap: start hooks that finish synchronously, a signal made only when a store call asks for it.
 * Everything a caller sees must be as before.
 */
const KEY = 'fgk_ranker_5e0c'
const dir = mkdtempSync(join(tmpdir(), 'fg-hit-path-'))
const keysFile = join(dir, 'keys.json')
writeFileSync(keysFile, JSON.stringify({ keys: [{ id: 'ranker', sha256: hashApiKey(KEY), scopes: ['online:read'] }] }))
const { publicKey, privateKey } = await generateKeyPair('ES256')
const jwksFile = join(dir, 'jwks.json')
writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }))

const app = await build(t, {
  DEMO_USERS: '20',
  AUTH_API_KEYS_FILE: keysFile,
  AUTH_JWKS_FILE: jwksFile,
  AUTH_JWT_ISSUER: 'https://idp.example',
  AUTH_JWT_AUDIENCE: 'featuregate',
  RATE_LIMIT_ONLINE_RPS: '1000',
  METRICS_ENABLED: 'true'
})
// A plain channel too, to see the answer's initial metadata; requests are encoded by hand below.
const raw = new grpc.Client(`127.0.0.1:${app.grpcPort}`, grpc.credentials.createInsecure())
t.teardown(() => raw.close())

interface Answer {
  readonly headers: grpc.Metadata | undefined
  readonly error: grpc.ServiceError | null
}

/** One GetOnlineFeatures with the given metadata, keeping the answer's initial metadata. */
async function call (metadata: Record<string, string>, ids = ['user_1'], deadlineMs = 10_000): Promise<Answer> {
  return await new Promise((resolve) => {
    const sent = new grpc.Metadata()
    for (const [key, value] of Object.entries(metadata)) sent.set(key, value)
    let headers: grpc.Metadata | undefined
    const unary = raw.makeUnaryRequest('/feature_store.v1.FeatureStoreService/GetOnlineFeatures',
      (request: Buffer) => request, (bytes: Buffer) => bytes, encodeRequest(ids, ['user_profile:region']), sent, { deadline: Date.now() + deadlineMs },
      (error) => resolve({ headers, error }))
    unary.on('metadata', (received: grpc.Metadata) => { headers = received })
  })
}

/** GetOnlineFeaturesRequest by hand: field 1 entity_ids, field 2 features (both repeated strings). */
function encodeRequest (ids: readonly string[], features: readonly string[]): Buffer {
  const field = (tag: number, text: string): Buffer => {
    const bytes = Buffer.from(text)
    return Buffer.concat([Buffer.from([tag, bytes.length]), bytes])
  }
  return Buffer.concat([...ids.map((id) => field(0x0a, id)), ...features.map((f) => field(0x12, f))])
}

t.test('with an API key: the caller\'s request id and its remaining budget come back with the answer', async (t) => {
  const traced = await call({ 'x-api-key': KEY, 'x-request-id': 'hit-trace-1' })
  t.equal(traced.error, null)
  t.same(traced.headers?.get('x-request-id'), ['hit-trace-1'])
  t.same(traced.headers?.get('x-ratelimit-limit'), ['1000'])
  t.match(traced.headers?.get('x-ratelimit-remaining')[0], /^\d+$/)

  const untraced = await call({ authorization: `Bearer ${KEY}` })
  t.match(untraced.headers?.get('x-request-id')[0], /^[0-9a-f-]{36}$/, 'a UUID when the caller sent none')

  const refused = await call({ 'x-api-key': 'fgk_wrong', 'x-request-id': 'hit-trace-2' })
  t.equal(refused.error?.code, grpc.status.UNAUTHENTICATED, 'a wrong key is still refused')
})

t.test('with a JWT (verified asynchronously) the later hooks still run: the request id comes back', async (t) => {
  const token = await new SignJWT({ scope: 'online:read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.example')
    .setAudience('featuregate').setSubject('pipeline-7').setIssuedAt().setExpirationTime('5m').sign(privateKey)
  const answer = await call({ authorization: `Bearer ${token}`, 'x-request-id': 'jwt-trace-1' })
  t.equal(answer.error, null)
  t.same(answer.headers?.get('x-request-id'), ['jwt-trace-1'])
  t.same(answer.headers?.get('x-ratelimit-limit'), ['1000'])
})

t.test('a cache hit makes no AbortController; a call that reads the store gets a signal for it', async (t) => {
  const Original = globalThis.AbortController
  let made = 0
  globalThis.AbortController = class extends Original {
    constructor () {
      super()
      made++
    }
  }
  t.teardown(() => { globalThis.AbortController = Original })

  t.equal((await call({ 'x-api-key': KEY }, ['user_2'])).error, null, 'user_2 read from the store')
  t.ok(made > 0, 'the store call had a signal to abort')
  made = 0
  for (let i = 0; i < 5; i++) t.equal((await call({ 'x-api-key': KEY }, ['user_2'])).error, null)
  t.equal(made, 0, 'five hits, no AbortController')
})
