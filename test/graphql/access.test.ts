import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { hashApiKey } from '../../src/core/access/api-key-store.js'
import { build } from '../helpers/build-app.js'
import { gql, ObserverRecorder } from './graphql-helpers.js'

const PROFILE_ONLY = 'fgk_profile_only_5e6f7a8b'
const NOTEBOOK = 'fgk_notebook_0a1b2c3d'

/** The access gate's decisions as GraphQL sees them: feature-set limits per key, cost points per minute. */
t.test('GraphQL behind the access gate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-gql-keys-'))
  const keysFile = join(dir, 'keys.yaml')
  writeFileSync(keysFile, stringify({
    keys: [
      { id: 'profile-only', sha256: hashApiKey(PROFILE_ONLY), scopes: ['explore:read'], featureSets: ['user_profile'] },
      { id: 'notebook', sha256: hashApiKey(NOTEBOOK), scopes: ['explore:read'] }
    ]
  }))
  const app = await build(t, { DEMO_USERS: '20', AUTH_API_KEYS_FILE: keysFile, RATE_LIMIT_EXPLORE_POINTS_PER_MINUTE: '300' })
  const recorder = ObserverRecorder.install(t, app)
  const as = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` })

  t.test('a key limited to some feature sets sees and reads only those', async (t) => {
    const listed = await gql(app, '{ featureSets { name } features { ref } }', undefined, as(PROFILE_ONLY))
    t.same(listed.body.data.featureSets, [{ name: 'user_profile' }])
    t.ok(listed.body.data.features.every((f: { ref: string }) => f.ref.startsWith('user_profile:')))
    recorder.reset()
    for (const query of [
      '{ getFeatures(entityIds: ["user_1"], featureNames: ["user_text:sentiment_score"]) { entities { entityId } } }',
      '{ featureRows(featureSet: "user_profile", features: ["user_profile:region"], first: 5, filter: [{ feature: "user_text:sentiment_score", gt: 0 }]) { nodes { entityId } } }',
      '{ featureStatistics(featureSet: "user_text", sample: 10) { rows } }'
    ]) {
      const { status, body } = await gql(app, query, undefined, as(PROFILE_ONLY))
      t.equal(status, 403, query)
      t.equal(body.errors?.[0]?.extensions?.code, 'FORBIDDEN')
    }
    t.equal(recorder.calls(), 0, 'refused before any store call')
    const allowed = await gql(app, '{ getFeatures(entityIds: ["user_1"], featureNames: ["user_profile"]) { entities { entityId } } }', undefined, as(PROFILE_ONLY))
    t.equal(allowed.status, 200)
  })

  t.test('cost points per minute: the budget in extensions, then 429 with retry-after', async (t) => {
    const query = 'query Lookup($ids: [String!]!) { getFeatures(entityIds: $ids, featureNames: ["user_profile:region"]) { entities { entityId features { status } } } }'
    const ids = Array.from({ length: 20 }, (_, i) => `user_${i}`)
    const first = await gql(app, query, { ids }, as(NOTEBOOK))
    t.equal(first.status, 200)
    const cost = first.body.extensions?.cost
    t.match(cost, { requestedQueryCost: Number, throttleStatus: { maximumAvailable: 300 } })
    t.equal(cost.throttleStatus.currentlyAvailable, 300 - cost.requestedQueryCost)
    let last = first
    for (let i = 0; i < 10 && last.status === 200; i++) last = await gql(app, query, { ids }, as(NOTEBOOK))
    t.equal(last.status, 429)
    t.equal(last.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED')
    t.ok(Number(last.headers['retry-after']) >= 1)
    t.equal(recorder.rejections.at(-1), 'rate_limit')
  })
})
