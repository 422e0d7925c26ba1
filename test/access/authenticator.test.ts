import t from 'tap'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { ApiKeyStore, hashApiKey, parseApiKeyFile } from '../../src/core/access/api-key-store.js'
import { Authenticator } from '../../src/core/access/authenticator.js'
import { JwtVerifier } from '../../src/core/access/jwt-verifier.js'
import { RateLimiter } from '../../src/core/access/rate-limiter.js'

const RANKER_KEY = 'fgk_ranker_4f1c9a77e2b04c8e'
const NOTEBOOK_KEY = 'fgk_notebook_b2d7e1f0a9c3'
const REVOKED_KEY = 'fgk_old_0000'

function keyStore (): ApiKeyStore {
  return new ApiKeyStore(parseApiKeyFile({
    keys: [
      { id: 'ranker', sha256: hashApiKey(RANKER_KEY), scopes: ['online:read'], featureSets: ['user_text'] },
      { id: 'notebook', sha256: hashApiKey(NOTEBOOK_KEY), scopes: ['explore:read'] },
      { id: 'old', sha256: hashApiKey(REVOKED_KEY), scopes: ['online:read', 'explore:read', 'admin'], revoked: true }
    ]
  }, 'keys.yaml'))
}

t.test('API keys: found by hash, scoped, revoked ones refused', async (t) => {
  const auth = new Authenticator({ apiKeys: keyStore(), open: false })
  const ranker = await auth.authenticate({ authorization: `Bearer ${RANKER_KEY}` })
  t.equal(ranker.id, 'ranker')
  t.equal(ranker.via, 'api-key')
  t.doesNotThrow(() => auth.authorize(ranker, 'online:read'))
  t.throws(() => auth.authorize(ranker, 'explore:read'), { code: 'FG_ERR_PERMISSION_DENIED', kind: 'permission_denied' })
  t.doesNotThrow(() => auth.authorizeFeatureSets(ranker, ['user_text']))
  t.throws(() => auth.authorizeFeatureSets(ranker, ['user_text', 'user_profile']), { message: /user_profile/ })

  const notebook = await auth.authenticate({ apiKey: NOTEBOOK_KEY })
  t.equal(notebook.id, 'notebook')
  t.doesNotThrow(() => auth.authorizeFeatureSets(notebook, ['user_profile']), 'unrestricted key reads every set')

  await t.rejects(auth.authenticate({ authorization: `Bearer ${REVOKED_KEY}` }), { code: 'FG_ERR_UNAUTHENTICATED' })
  await t.rejects(auth.authenticate({ authorization: 'Bearer fgk_ranker_4f1c9a77e2b04c8f' }), { code: 'FG_ERR_UNAUTHENTICATED' })
  await t.rejects(auth.authenticate({}), { code: 'FG_ERR_UNAUTHENTICATED' })
  await t.rejects(auth.authenticate({ authorization: RANKER_KEY }), { code: 'FG_ERR_UNAUTHENTICATED' }, 'a bare key without a scheme is refused')
  await t.rejects(auth.authenticate({ authorization: `Basic ${RANKER_KEY}` }), { code: 'FG_ERR_UNAUTHENTICATED' })
  await t.rejects(auth.authenticate({ authorization: `Bearer ${'x'.repeat(100_000)}` }), { code: 'FG_ERR_UNAUTHENTICATED' })
})

t.test('error messages say nothing about other keys or internals', async (t) => {
  const auth = new Authenticator({ apiKeys: keyStore(), open: false })
  const error = await auth.authenticate({ authorization: 'Bearer fgk_ranker_wrong' }).catch((e: Error) => e)
  t.equal((error as Error).message, 'Missing or invalid credentials')
})

t.test('the key file is validated with one clear message', async (t) => {
  t.throws(() => parseApiKeyFile({ keys: [{ id: 'a', sha256: 'nothex', scopes: ['online:read'] }] }, 'keys.yaml'), { message: /keys.yaml: keys\[0\].sha256 must be 64 hex digits/ })
  t.throws(() => parseApiKeyFile({ keys: [{ id: 'a', sha256: hashApiKey('k'), scopes: ['root'] }] }, 'keys.yaml'), { message: /scopes must list/ })
  t.throws(() => parseApiKeyFile({ keys: [{ id: 'a', sha256: hashApiKey('k'), scopes: [] }, { id: 'a', sha256: hashApiKey('j'), scopes: [] }] }, 'f'), { message: /appears twice/ })
  t.throws(() => parseApiKeyFile('nonsense', 'f'), { message: /expected \{ keys/ })
})

t.test('JWT: verified against the key set; expired, mis-signed, wrong audience refused', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const other = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }
  const verifier = new JwtVerifier({ jwks: { keys: [jwk] }, issuer: 'https://idp.example', audience: 'featuregate' })
  const auth = new Authenticator({ jwt: verifier, open: false })
  const sign = async (key: Parameters<SignJWT['sign']>[0], claims: Record<string, unknown>, expires = '5m'): Promise<string> =>
    await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.example')
      .setAudience('featuregate').setSubject('pipeline-7').setIssuedAt().setExpirationTime(expires).sign(key)

  const good = await auth.authenticate({ authorization: `Bearer ${await sign(privateKey, { scope: 'explore:read unrelated', feature_sets: 'user_profile' })}` })
  t.equal(good.id, 'jwt:pipeline-7')
  t.same([...good.scopes], ['explore:read'], 'only our scopes are kept')
  t.same([...(good.featureSets ?? [])], ['user_profile'])

  await t.rejects(auth.authenticate({ authorization: `Bearer ${await sign(privateKey, { scope: 'explore:read' }, '-1m')}` }), { code: 'FG_ERR_UNAUTHENTICATED' }, 'expired')
  await t.rejects(auth.authenticate({ authorization: `Bearer ${await sign(other.privateKey, { scope: 'explore:read' })}` }), { code: 'FG_ERR_UNAUTHENTICATED' }, 'mis-signed')
  const wrongAudience = await new SignJWT({ scope: 'explore:read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.example')
    .setAudience('someone-else').setSubject('x').setExpirationTime('5m').sign(privateKey)
  await t.rejects(auth.authenticate({ authorization: `Bearer ${wrongAudience}` }), { code: 'FG_ERR_UNAUTHENTICATED' }, 'wrong audience')
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","scope":"admin"}').toString('base64url')}.`
  await t.rejects(auth.authenticate({ authorization: `Bearer ${unsigned}x` }), { code: 'FG_ERR_UNAUTHENTICATED' }, 'alg none')
})

t.test('open mode lets everyone in as one anonymous principal', async (t) => {
  const auth = new Authenticator({ open: true })
  const principal = await auth.authenticate({})
  t.equal(principal.id, 'anonymous')
  t.doesNotThrow(() => auth.authorize(principal, 'admin'))
})

t.test('rate limiter: budget spent, refused with a retry time, recovered', async (t) => {
  const limiter = new RateLimiter({ capacity: 3, refillPerSecond: 1, describe: '1 request per second' })
  const now = 1_000_000
  t.equal(limiter.take('a', 1, now).remaining, 2)
  limiter.take('a', 1, now)
  limiter.take('a', 1, now)
  t.throws(() => limiter.take('a', 1, now), { code: 'FG_ERR_RATE_LIMITED', kind: 'resource_exhausted', retryAfterSeconds: 1 })
  t.equal(limiter.take('b', 1, now).remaining, 2, 'callers have separate budgets')
  t.equal(limiter.take('a', 1, now + 1_000).remaining, 0, 'one token back after a second')
  t.throws(() => limiter.take('a', 5, now + 1_000), { message: /retry in 5 s/ })
})
