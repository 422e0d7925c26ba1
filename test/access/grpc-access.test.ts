import t from 'tap'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { stringify } from 'yaml'
import { hashApiKey } from '../../src/core/access/api-key-store.js'
import { build } from '../helpers/build-app.js'
import { clientFor, failureOf } from '../grpc/harness.js'

const RANKER_KEY = 'fgk_ranker_77aa'
const TEXT_ONLY_KEY = 'fgk_textonly_88bb'
const NOTEBOOK_KEY = 'fgk_notebook_99cc'

t.test('gRPC goes through the same gate: scopes, feature-set limits, per-caller rate limits', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-grpc-keys-'))
  const keysFile = join(dir, 'keys.json')
  writeFileSync(keysFile, stringify({
    keys: [
      { id: 'ranker', sha256: hashApiKey(RANKER_KEY), scopes: ['online:read'] },
      { id: 'text-only', sha256: hashApiKey(TEXT_ONLY_KEY), scopes: ['online:read'], featureSets: ['user_text'] },
      { id: 'notebook', sha256: hashApiKey(NOTEBOOK_KEY), scopes: ['explore:read'] }
    ]
  }))
  const app = await build(t, { DEMO_USERS: '20', AUTH_API_KEYS_FILE: keysFile, RATE_LIMIT_ONLINE_RPS: '1', RATE_LIMIT_ONLINE_BURST: '3' })
  const client = clientFor(t, app)
  const auth = (key: string): { metadata: Record<string, string> } => ({ metadata: { authorization: `Bearer ${key}` } })

  const anonymous = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile:region']))
  t.equal(anonymous.code, grpc.status.UNAUTHENTICATED)
  t.equal(anonymous.details, 'Missing or invalid credentials')

  const wrongScope = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile:region'], auth(NOTEBOOK_KEY)))
  t.equal(wrongScope.code, grpc.status.PERMISSION_DENIED)
  t.match(wrongScope.details, /online:read/)

  const otherSet = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile:region'], auth(TEXT_ONLY_KEY)))
  t.equal(otherSet.code, grpc.status.PERMISSION_DENIED)
  t.match(otherSet.details, /user_profile/)
  const ownSet = await client.getOnlineFeatures(['user_1'], ['user_text:sentiment_score'], auth(TEXT_ONLY_KEY))
  t.ok(ownSet, 'a set-limited key reads its own set')

  // Burst of 3 at 1/s: the ranker's 4th call in a row is refused with a retry time, then recovers.
  for (let i = 0; i < 3; i++) await client.getOnlineFeatures(['user_1'], ['user_profile:region'], auth(RANKER_KEY))
  const limited = await failureOf(t, client.getOnlineFeatures(['user_1'], ['user_profile:region'], auth(RANKER_KEY)))
  t.equal(limited.code, grpc.status.RESOURCE_EXHAUSTED)
  t.match(limited.details, /Rate limit reached/)
  t.equal(limited.metadata.get('retry-after')[0], '1')
  await client.getOnlineFeatures(['user_1'], ['user_text:sentiment_score'], auth(TEXT_ONLY_KEY))
  t.pass('another caller is not limited by the ranker\'s budget')
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  const recovered = await client.getOnlineFeatures(['user_1'], ['user_profile:region'], auth(RANKER_KEY))
  t.ok(recovered, 'the budget refills')
})
