import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { hashApiKey } from '../../src/core/access/api-key-store.js'
import { build } from '../helpers/build-app.js'
import { pullNdjson } from './pull-helpers.js'

const PROFILE_ONLY = 'fgk_profile_only_5e6f7a8b'
const NOTEBOOK = 'fgk_notebook_0a1b2c3d'
const SERVING = 'fgk_serving_9f8e7d6c'

/** The access gate on POST /v1/pull: GraphQL's scope, per-key feature-set limits, rows charged to the caller's budget. */
t.test('pulls behind the access gate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-pull-keys-'))
  const keysFile = join(dir, 'keys.yaml')
  writeFileSync(keysFile, stringify({
    keys: [
      { id: 'profile-only', sha256: hashApiKey(PROFILE_ONLY), scopes: ['explore:read'], featureSets: ['user_profile'] },
      { id: 'notebook', sha256: hashApiKey(NOTEBOOK), scopes: ['explore:read'] },
      { id: 'serving', sha256: hashApiKey(SERVING), scopes: ['online:read'] }
    ]
  }))
  // A pulled row costs 2 points (pullWork): 300 points a minute pay for 150 rows.
  const app = await build(t, { DEMO_USERS: '400', AUTH_API_KEYS_FILE: keysFile, RATE_LIMIT_EXPLORE_POINTS_PER_MINUTE: '300' })
  const as = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` })
  const profile = { featureSet: 'user_profile', features: ['user_profile:region'], batchSize: 20 }

  t.test('credentials and scope, as GraphQL: 401 without, 403 for an online-only key', async (t) => {
    const anonymous = await pullNdjson(app, profile)
    t.equal(anonymous.status, 401)
    t.match(anonymous.json, { errors: [{ extensions: { code: 'UNAUTHENTICATED', fgCode: 'FG_ERR_UNAUTHENTICATED' } }] })
    const serving = await pullNdjson(app, profile, as(SERVING))
    t.equal(serving.status, 403)
    t.match(serving.json, { errors: [{ extensions: { code: 'FORBIDDEN', fgCode: 'FG_ERR_PERMISSION_DENIED' } }] })
  })

  t.test('a key limited to some feature sets pulls only those, filters and joined features included', async (t) => {
    for (const body of [
      { featureSet: 'user_text', features: ['user_text:sentiment_score'] },
      { ...profile, features: ['user_profile:region', 'user_text:sentiment_score'] },
      { ...profile, filter: [{ feature: 'user_text:sentiment_score', gt: 0 }] }
    ]) {
      const refused = await pullNdjson(app, body, as(PROFILE_ONLY))
      t.equal(refused.status, 403, JSON.stringify(body))
      t.equal(refused.json.errors[0].extensions.fgCode, 'FG_ERR_PERMISSION_DENIED')
    }
    const allowed = await pullNdjson(app, { ...profile, batchSize: 5, filter: [{ feature: 'user_profile:region', eq: 'us-east' }] }, as(PROFILE_ONLY))
    t.equal(allowed.status, 200)
    t.ok(allowed.rows.length > 0 && allowed.rows.every((r) => r.features['user_profile:region'] === 'us-east'))
  })

  t.test('rows are charged to the budget as they stream: a spent budget ends the pull with the error marker, then 429', async (t) => {
    const pull = await pullNdjson(app, profile, as(NOTEBOOK))
    t.equal(pull.status, 200)
    t.equal(pull.end, undefined, 'not complete')
    // 7 batches of 20 rows at 2 points fit in 300 points; the budget refills 5 points a second meanwhile.
    t.ok(pull.rows.length >= 140 && pull.rows.length <= 160 && pull.rows.length % 20 === 0, `whole batches the budget paid for: ${pull.rows.length} rows`)
    t.match(pull.error, { code: 'RATE_LIMITED', fgCode: 'FG_ERR_RATE_LIMITED', retryAfterSeconds: Number })
    const next = await pullNdjson(app, { ...profile, after: pull.resumeTokens.at(-1) }, as(NOTEBOOK))
    t.equal(next.status, 429, 'refused before the first byte once spent')
    t.equal(next.json.errors[0].extensions.fgCode, 'FG_ERR_RATE_LIMITED')
    t.ok(Number(next.headers['retry-after']) >= 1, 'with retry-after')
  })
})
