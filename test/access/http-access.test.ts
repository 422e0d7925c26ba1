import t from 'tap'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { hashApiKey } from '../../src/core/access/api-key-store.js'
import { build, testConfig } from './../helpers/build-app.js'
import { buildApp } from '../../src/app.js'

const ADMIN_KEY = 'fgk_admin_9d8c7b6a5f4e'
const NOTEBOOK_KEY = 'fgk_notebook_1a2b3c4d'

function writeKeys (path: string, revokeAdmin = false): void {
  writeFileSync(path, stringify({
    keys: [
      { id: 'ops', sha256: hashApiKey(ADMIN_KEY), scopes: ['admin'], revoked: revokeAdmin },
      { id: 'notebook', sha256: hashApiKey(NOTEBOOK_KEY), scopes: ['explore:read'] }
    ]
  }))
}

t.test('HTTP routes behind the gate: 401 without, 403 with the wrong scope, revocation without restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-keys-'))
  const keysFile = join(dir, 'keys.yaml')
  writeKeys(keysFile)
  const app = await build(t, { DEMO_USERS: '5', AUTH_API_KEYS_FILE: keysFile })

  const anonymous = await app.inject({ method: 'POST', url: '/admin/registry/reload' })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.headers['www-authenticate'], /^Bearer/)
  t.match(anonymous.json(), { errors: [{ extensions: { code: 'UNAUTHENTICATED', fgCode: 'FG_ERR_UNAUTHENTICATED' } }] })

  const notebook = await app.inject({ method: 'POST', url: '/admin/registry/reload', headers: { authorization: `Bearer ${NOTEBOOK_KEY}` } })
  t.equal(notebook.statusCode, 403)
  t.match(notebook.json(), { errors: [{ extensions: { code: 'FORBIDDEN', fgCode: 'FG_ERR_PERMISSION_DENIED' } }] })

  const admin = await app.inject({ method: 'POST', url: '/admin/registry/reload', headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  t.equal(admin.statusCode, 200)
  t.ok((admin.json() as { featureSets: string[] }).featureSets.includes('user_text'))

  t.equal((await app.inject('/livez')).statusCode, 200, 'probes stay open')
  t.equal((await app.inject('/readyz')).statusCode, 200, 'probes stay open')
  t.equal((await app.inject('/livez')).headers['x-content-type-options'], 'nosniff', 'security headers are set')

  writeKeys(keysFile, true)
  let status = 200
  for (let i = 0; i < 50 && status === 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    status = (await app.inject({ method: 'POST', url: '/admin/registry/reload', headers: { authorization: `Bearer ${ADMIN_KEY}` } })).statusCode
  }
  t.equal(status, 401, 'a revoked key is refused once the key file changes')
})

t.test('a production store without credentials refuses to start unless told to run open', async (t) => {
  await t.rejects(buildApp(testConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', AWS_REGION: 'eu-west-1' })), { code: 'FG_ERR_INVALID_CONFIG', message: /AUTH_MODE=open/ })
  t.throws(() => testConfig({ AUTH_MODE: 'required' }), { message: /AUTH_MODE=required needs credentials/ })
  t.throws(() => testConfig({ TLS_CERT_FILE: '/tmp/cert.pem' }), { message: /TLS_CERT_FILE and TLS_KEY_FILE/ })
  t.equal(testConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', AUTH_MODE: 'open' }).access.mode, 'open')
})
