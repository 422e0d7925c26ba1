import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from '../helpers/build-app.js'
import { gql } from '../graphql/graphql-helpers.js'

const run = promisify(execFile)
const SCRIPT = fileURLToPath(new URL('../../examples/python/pull_ndjson.py', import.meta.url))

/** Debian's python3 (apt-get install python3-pandas), else whichever python3 is on PATH, if it has pandas. */
async function pythonWithPandas (): Promise<string | undefined> {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (python.startsWith('/') && !existsSync(python)) continue
    try {
      await run(python, ['-c', 'import pandas'])
      return python
    } catch {}
  }
  return undefined
}

const python = await pythonWithPandas()

t.test('a Python notebook reads the NDJSON pull into pandas: the same values as a GraphQL lookup of those ids', {
  skip: python === undefined ? 'python3 with pandas not found: apt-get install -y python3-pandas' : false
}, async (t) => {
  if (python === undefined) return
  const app = await build(t, { DEMO_USERS: '80' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const features = ['user_profile', 'user_text:sentiment_score', 'user_text:top_terms', 'user_word_stats:token_count']
  const body = { featureSet: 'user_profile', features, batchSize: 25 }
  const { stdout } = await run(python, [SCRIPT, base, JSON.stringify(body)], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } })
  const frame = JSON.parse(stdout) as Array<Record<string, unknown>>
  t.ok(frame.length > 50, `${frame.length} rows in the DataFrame`)
  const ids = frame.map((row) => row.entity_id as string)
  t.equal(new Set(ids).size, ids.length, 'one row per entity')

  const lookup = await gql(app, `query Lookup($ids: [String!]!, $features: [String!]!) {
    getFeatures(entityIds: $ids, featureNames: $features) { entities { entityId features { ref status value { json } } } } }`, { ids, features })
  t.equal(lookup.status, 200, JSON.stringify(lookup.body.errors))
  const entities = lookup.body.data.getFeatures.entities as Array<{ entityId: string, features: Array<{ ref: string, status: string, value: { json: unknown } | null }> }>
  let cells = 0
  entities.forEach((entity, i) => {
    const row = frame[i]!
    t.equal(row.entity_id, entity.entityId)
    for (const feature of entity.features) {
      t.same(row[feature.ref], feature.value?.json ?? null, `${entity.entityId} ${feature.ref}`)
      t.equal(row[`${feature.ref}.status`], feature.status, `${entity.entityId} ${feature.ref} status`)
      cells++
    }
  })
  t.ok(cells >= frame.length * 5, `${cells} cells compared`)
})
