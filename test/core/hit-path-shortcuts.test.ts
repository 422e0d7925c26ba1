import t from 'tap'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { AccessGate } from '../../src/core/access/access-gate.js'
import { ApiKeyStore, hashApiKey, parseApiKeyFile, type StoredApiKey } from '../../src/core/access/api-key-store.js'
import { Authenticator } from '../../src/core/access/authenticator.js'
import { JwtVerifier } from '../../src/core/access/jwt-verifier.js'
import { RateLimiter } from '../../src/core/access/rate-limiter.js'
import { FeatureRegistry } from '../../src/core/feature-registry.js'
import { CachedRowReader } from '../../src/core/rows/cached-row-reader.js'
import { RowCache } from '../../src/core/rows/row-cache.js'
import type { FeatureRow, RowRequest, RowResult } from '../../src/domain/feature-row.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { ReadOptions } from '../../src/domain/read-options.js'

/**
 * What the online hit path remembers or skips to stay cheap (src/core/access, feature-registry,
 * rows), pinned to the behaviour it must keep: revocations, registry reloads and cancellation.
 */

const KEY = 'fgk_ranker_4f1c9a77e2b04c8e'

function keysWith (...entries: Array<{ id: string, key: string }>): StoredApiKey[] {
  return parseApiKeyFile({ keys: entries.map(({ id, key }) => ({ id, sha256: hashApiKey(key), scopes: ['online:read'] })) }, 'keys.yaml')
}

t.test('API keys: a verified key is remembered until the key file changes, and a wrong one never is', async (t) => {
  const store = new ApiKeyStore(keysWith({ id: 'ranker', key: KEY }))
  const first = store.verify(KEY)
  t.equal(first?.id, 'ranker')
  t.equal(store.verify(KEY), first, 'the second call answers from memory: the same principal')
  t.equal(store.verify(`${KEY}x`), undefined)
  t.equal(store.verify(`${KEY}x`), undefined, 'still refused the second time')

  store.replace(keysWith({ id: 'notebook', key: 'fgk_other' }))
  t.equal(store.verify(KEY), undefined, 'a key removed from the file is refused at once, remembered or not')
  t.equal(store.verify('fgk_other')?.id, 'notebook')
})

t.test('the access gate admits an API key synchronously (no promise per call) and a JWT asynchronously, refusing alike', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }
  const gate = new AccessGate({
    authenticator: new Authenticator({
      apiKeys: new ApiKeyStore(keysWith({ id: 'ranker', key: KEY })),
      jwt: new JwtVerifier({ jwks: { keys: [jwk] }, issuer: 'https://idp.example', audience: 'featuregate' }),
      open: false
    }),
    onlineRate: new RateLimiter({ capacity: 2, refillPerSecond: 1, describe: '1 request per second' })
  })
  const admitted = gate.admit('online', { apiKey: KEY })
  t.notOk(admitted instanceof Promise, 'an API key is admitted synchronously')
  t.match(admitted, { principal: { id: 'ranker' }, rate: { limit: 2, remaining: 1 } }, 'and spends from its budget')
  t.throws(() => gate.admit('online', { apiKey: 'fgk_wrong' }), { code: 'FG_ERR_UNAUTHENTICATED' }, 'a wrong key is refused synchronously')
  t.throws(() => gate.admit('explore', { apiKey: KEY }), { code: 'FG_ERR_PERMISSION_DENIED' }, 'scopes are checked on the same path')
  gate.admit('online', { apiKey: KEY })
  t.throws(() => gate.admit('online', { apiKey: KEY }), { code: 'FG_ERR_RATE_LIMITED' }, 'and budgets')

  const token = await new SignJWT({ scope: 'online:read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.example')
    .setAudience('featuregate').setSubject('pipeline-7').setIssuedAt().setExpirationTime('5m').sign(privateKey)
  const viaJwt = gate.admit('online', { authorization: `Bearer ${token}` })
  t.ok(viaJwt instanceof Promise, 'a JWT is verified asynchronously')
  t.match(await viaJwt, { principal: { id: 'jwt:pipeline-7', via: 'jwt' } })
  // The signature's first character always carries six bits of it; its last one's low bits are padding, so
  // rewriting the end can leave the signature as it was (1 run in 256 did).
  const signatureAt = token.lastIndexOf('.') + 1
  const tampered = `${token.slice(0, signatureAt)}${token[signatureAt] === 'A' ? 'B' : 'A'}${token.slice(signatureAt + 1)}`
  await t.rejects(async () => await gate.admit('online', { authorization: `Bearer ${tampered}` }), { code: 'FG_ERR_UNAUTHENTICATED' })
})

function featureSet (name: string, features: string[]): FeatureSetSpec {
  return { name, entityType: 'user', features: features.map((feature) => ({ name: feature, type: 'double' as const })) }
}

t.test('resolved references are remembered per registry snapshot: a reload is seen at once', async (t) => {
  let specs = [featureSet('profile', ['age', 'score'])]
  const registry = new FeatureRegistry({ list: async () => specs })
  await registry.reload()
  t.same(registry.resolve(['profile:age', 'profile']).map((f) => f.ref), ['profile:age', 'profile:age', 'profile:score'])
  const again = registry.resolve(['profile:age'])
  t.equal(again[0], registry.resolve(['profile:age'])[0], 'the second resolution reuses the first')
  again.push(again[0]!)
  t.equal(registry.resolve(['profile:age']).length, 1, 'callers get their own array: changing it changes nothing remembered')

  specs = [featureSet('profile', ['score', 'tenure'])]
  await registry.reload()
  t.throws(() => registry.resolve(['profile:age']), { code: 'FG_ERR_UNKNOWN_FEATURE' }, 'a feature the reload removed is unknown at once')
  t.same(registry.resolve(['profile']).map((f) => f.ref), ['profile:score', 'profile:tenure'], 'a whole-set reference lists the new features')
  t.equal(registry.resolve(['profile:score'])[0]!.featureSet, specs[0], 'resolved against the new spec')
})

t.test('rows all in the cache are answered without asking the signal; a row to read still honours it', async (t) => {
  const spec = featureSet('profile', ['age'])
  const row: FeatureRow = { eventTime: 1, values: new Map([['age', { type: 'double', value: 41 }]]), invalid: new Set() }
  const reads: RowRequest[][] = []
  const source = {
    async readRows (requests: readonly RowRequest[], _options: ReadOptions): Promise<RowResult[]> {
      reads.push([...requests])
      return requests.map(() => row)
    }
  }
  const reader = new CachedRowReader(source, new RowCache({ maxBytes: 1 << 20, ttlMs: 60_000, negativeTtlMs: 0, staleIfErrorMs: 0 }))
  const request = (entityId: string): RowRequest => ({ entityId, featureSet: spec, features: ['age'] })
  await reader.readRows([request('u1')], { deadlineAt: Date.now() + 5_000 })
  t.equal(reads.length, 1)

  const controller = new AbortController()
  controller.abort()
  let asked = 0
  const options = { deadlineAt: Date.now() + 5_000, get signal () { asked++; return controller.signal } }
  t.same(await reader.readRows([request('u1')], options), [row], 'a hit is answered')
  t.equal(asked, 0, 'without making (or reading) the caller\'s signal')
  await t.rejects(reader.readRows([request('u1'), request('u2')], options), { code: 'FG_ERR_DEADLINE_EXCEEDED' }, 'a caller that gave up reads nothing from the store')
  t.equal(reads.length, 1, 'no store read was started for it')
})
