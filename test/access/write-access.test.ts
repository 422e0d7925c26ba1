import t from 'tap'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { stringify } from 'yaml'
import { hashApiKey } from '../../src/core/access/api-key-store.js'
import type { WriteFeaturesRequest } from '../../src/generated/proto/feature_store/v1/WriteFeaturesRequest.js'
import { build } from '../helpers/build-app.js'
import { clientFor, failureOf } from '../grpc/harness.js'
import { httpWrite, registerSets, row, SCORES } from '../writes/write-helpers.js'

const PIPELINE_KEY = 'fgk_pipeline_11aa'
const SCORES_ONLY_KEY = 'fgk_scoresonly_22bb'
const RANKER_KEY = 'fgk_ranker_33cc'
const T0 = 1_790_000_000_000

t.test('writes need scope features:write, checked per feature set like reads, on both protocols', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-write-keys-'))
  const keysFile = join(dir, 'keys.yaml')
  writeFileSync(keysFile, stringify({
    keys: [
      { id: 'pipeline', sha256: hashApiKey(PIPELINE_KEY), scopes: ['features:write'] },
      { id: 'scores-only', sha256: hashApiKey(SCORES_ONLY_KEY), scopes: ['features:write', 'online:read'], featureSets: ['scores'] },
      { id: 'ranker', sha256: hashApiKey(RANKER_KEY), scopes: ['online:read'] }
    ]
  }))
  const app = await build(t, { DEMO_USERS: '5', AUTH_API_KEYS_FILE: keysFile })
  await registerSets(app, [SCORES])
  const client = clientFor(t, app)
  const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` })
  const body = (featureSet: string): Record<string, unknown> => ({ featureSet, rows: [row('a1', T0, 1)] })
  const wire = (featureSet: string): WriteFeaturesRequest =>
    ({ feature_set: featureSet, rows: [{ entity_id: 'a1', event_time_ms: T0, features: { score: { double_value: 1 }, note: { string_value: 'n' } } }] })

  t.test('HTTP', async (t) => {
    const anonymous = await httpWrite(app, body('scores'))
    t.equal(anonymous.status, 401)
    t.match(anonymous.body.errors, [{ extensions: { code: 'UNAUTHENTICATED' } }])
    const reader = await httpWrite(app, body('scores'), bearer(RANKER_KEY))
    t.equal(reader.status, 403)
    t.match(reader.body.errors, [{ message: 'This credential may not write features (scope features:write)', extensions: { code: 'FORBIDDEN', fgCode: 'FG_ERR_PERMISSION_DENIED' } }])
    const otherSet = await httpWrite(app, body('user_text'), bearer(SCORES_ONLY_KEY))
    t.equal(otherSet.status, 403)
    t.match(otherSet.body.errors, [{ message: 'This credential may not write feature set "user_text"' }])
    const unknownSet = await httpWrite(app, body('no_such_set'), bearer(SCORES_ONLY_KEY))
    t.equal(unknownSet.status, 403, 'a limited caller learns nothing of sets it may not write, not even whether they exist')
    t.equal((await httpWrite(app, body('scores'), bearer(SCORES_ONLY_KEY))).status, 200)
    t.equal((await httpWrite(app, body('scores'), bearer(PIPELINE_KEY))).status, 200, 'an unlimited writer writes any set')
  })

  t.test('gRPC', async (t) => {
    const auth = (key: string): { metadata: Record<string, string> } => ({ metadata: bearer(key) })
    t.equal((await failureOf(t, client.writeFeatures(wire('scores')))).code, grpc.status.UNAUTHENTICATED)
    const reader = await failureOf(t, client.writeFeatures(wire('scores'), auth(RANKER_KEY)))
    t.equal(reader.code, grpc.status.PERMISSION_DENIED)
    t.equal(reader.details, 'This credential may not write features (scope features:write)')
    const otherSet = await failureOf(t, client.writeFeatures(wire('user_text'), auth(SCORES_ONLY_KEY)))
    t.equal(otherSet.code, grpc.status.PERMISSION_DENIED)
    t.equal(otherSet.details, 'This credential may not write feature set "user_text"')
    t.equal((await client.writeFeatures(wire('scores'), auth(SCORES_ONLY_KEY))).written, 1)
    const writerReads = await failureOf(t, client.getOnlineFeatures(['a1'], ['scores:score'], auth(PIPELINE_KEY)))
    t.equal(writerReads.code, grpc.status.PERMISSION_DENIED, 'features:write does not grant reads')
    t.match(writerReads.details, /online:read/)
    t.equal((await client.getOnlineFeatures(['a1'], ['scores:score'], auth(RANKER_KEY))).results.length, 1, 'reads still go through the online door')
  })
})

t.test('with AUTH_MODE open, writes work as reads do', async (t) => {
  const app = await build(t, { DEMO_USERS: '5', AUTH_MODE: 'open' })
  await registerSets(app, [SCORES])
  t.equal((await httpWrite(app, { featureSet: 'scores', rows: [row('o1', T0, 1)] })).status, 200)
  t.equal((await clientFor(t, app).writeFeatures({ feature_set: 'scores', rows: [{ entity_id: 'o1', event_time_ms: T0, features: { score: {}, note: {} } }] })).written, 1)
})

t.test('a write spends one request of the caller\'s online budget', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-write-rate-'))
  const keysFile = join(dir, 'keys.yaml')
  writeFileSync(keysFile, stringify({ keys: [{ id: 'pipeline', sha256: hashApiKey(PIPELINE_KEY), scopes: ['features:write'] }] }))
  const app = await build(t, { DEMO_USERS: '5', AUTH_API_KEYS_FILE: keysFile, RATE_LIMIT_ONLINE_RPS: '1', RATE_LIMIT_ONLINE_BURST: '2' })
  await registerSets(app, [SCORES])
  const headers = { authorization: `Bearer ${PIPELINE_KEY}` }
  t.equal((await httpWrite(app, { featureSet: 'scores', rows: [row('b1', T0, 1)] }, headers)).status, 200)
  t.equal((await clientFor(t, app).writeFeatures({ feature_set: 'scores', rows: [{ entity_id: 'b1', event_time_ms: T0, features: { score: {}, note: {} } }] }, { metadata: headers })).written, 1)
  const limited = await httpWrite(app, { featureSet: 'scores', rows: [row('b1', T0, 1)] }, headers)
  t.equal(limited.status, 429)
  t.match(limited.body.errors, [{ extensions: { code: 'RATE_LIMITED', fgCode: 'FG_ERR_RATE_LIMITED' } }])
})
