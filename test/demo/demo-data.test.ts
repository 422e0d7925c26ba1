import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { demoRowsFor, demoUserId } from '../../src/demo/demo-data.js'
import { DEMO_FEATURE_SETS } from '../../src/demo/demo-registry.js'
import type { FeatureValue } from '../../src/domain/feature-value.js'
import { build } from '../helpers/build-app.js'

/** The demo data set as the gateway loads it, checked against demoRowsFor() computed here. */
const SEED = 42
const USERS = 500

function canonical (value: FeatureValue | null | undefined): unknown {
  if (value === null || value === undefined) return value
  switch (value.type) {
    case 'int64': return `${value.value}n`
    case 'int64_list': return value.value.map((n) => `${n}n`)
    case 'float_vector': return Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength).toString('base64')
    default: return value.value
  }
}

t.test('generation is deterministic, per user, and shaped like the issue asks', async (t) => {
  const now = Date.UTC(2026, 10, 25)
  t.same(demoRowsFor(7, SEED, now).map((r) => [r.featureSet.name, r.eventTime, [...r.values].map(([k, v]) => [k, canonical(v)])]),
    demoRowsFor(7, SEED, now).map((r) => [r.featureSet.name, r.eventTime, [...r.values].map(([k, v]) => [k, canonical(v)])]), 'same seed, same rows')
  t.not(JSON.stringify(demoRowsFor(7, SEED + 1, now).map((r) => r.eventTime)), JSON.stringify(demoRowsFor(7, SEED, now).map((r) => r.eventTime)), 'another seed, other rows')
  t.equal(loadConfig({}).store.demoUsers, 10_000, 'the default demo has 10,000 users')
  t.equal(demoUserId(9_999), 'user_9999')

  const sample = 2_000
  let text = 0; let stale = 0; let nulls = 0; let noProfile = 0
  for (let i = 0; i < sample; i++) {
    const rows = demoRowsFor(i, SEED, now)
    const textRow = rows.find((r) => r.featureSet.name === 'user_text')
    if (textRow !== undefined) {
      text++
      if (now - textRow.eventTime > 7 * 24 * 3600 * 1000) stale++
      if (textRow.values.get('sentiment_score') === null) nulls++
      const embedding = textRow.values.get('embedding')
      if (embedding?.type === 'float_vector') {
        const norm = Math.hypot(...embedding.value)
        if (Math.abs(norm - 1) > 1e-5) t.fail(`user_${i} embedding has norm ${norm}`)
        if (embedding.value.length !== 256) t.fail('embedding dimension')
      }
    }
    if (!rows.some((r) => r.featureSet.name === 'user_profile')) noProfile++
  }
  t.ok(text / sample > 0.88 && text / sample < 0.96, `about 92% of users have user_text (${text})`)
  t.ok(stale / text > 0.25 && stale / text < 0.35, `about 30% of user_text rows are stale (${stale})`)
  t.ok(nulls > 0, `some sentiment scores are null (${nulls})`)
  t.ok(noProfile > 0, `some users have no profile (${noProfile})`)
})

t.test('the gateway\'s demo data is exactly what demoRowsFor computes', async (t) => {
  const app = await build(t, { DEMO_USERS: String(USERS) })
  t.same(app.featureRegistry.featureSets().map((s) => s.name).sort(), DEMO_FEATURE_SETS.map((s) => s.name).sort())
  for (const spec of DEMO_FEATURE_SETS) t.same(app.featureRegistry.featureSet(spec.name), spec, `${spec.name} registered as declared`)

  const ids = Array.from({ length: USERS }, (_, i) => demoUserId(i))
  const sets = DEMO_FEATURE_SETS.map((s) => s.name)
  // The data was written relative to the moment it was loaded; recover that moment from one row,
  // then every other row and value must agree with it.
  const probe = Array.from({ length: USERS }, (_, i) => i).find((i) => demoRowsFor(i, SEED, 0).some((r) => r.featureSet.name === 'user_text'))!
  const first = await app.featureLookup.getFeatures([demoUserId(probe)], ['user_text:top_terms'])
  const loadedAt = first.entities[0]!.results[0]!.eventTime! - demoRowsFor(probe, SEED, 0).find((r) => r.featureSet.name === 'user_text')!.eventTime

  const result = await app.featureLookup.getFeatures(ids, sets, { now: loadedAt })
  let checked = 0
  let mismatches = 0
  for (const [i, entity] of result.entities.entries()) {
    const rows = demoRowsFor(i, SEED, loadedAt)
    for (const [c, feature] of result.features.entries()) {
      const row = rows.find((r) => r.featureSet.name === feature.featureSet.name)
      const got = entity.results[c]!
      const want = row === undefined
        ? { status: 'NOT_FOUND', value: undefined, eventTime: undefined }
        : {
            status: row.values.get(feature.feature.name) === null
              ? 'NULL_VALUE'
              : row.featureSet.maxAgeSeconds !== undefined && loadedAt - row.eventTime > row.featureSet.maxAgeSeconds * 1000 ? 'STALE' : 'PRESENT',
            value: canonical(row.values.get(feature.feature.name)),
            eventTime: row.eventTime
          }
      const same = got.status === want.status && got.eventTime === want.eventTime && JSON.stringify(canonical(got.value) ?? undefined) === JSON.stringify(want.value ?? undefined)
      checked++
      if (!same) {
        mismatches++
        if (mismatches <= 5) t.same({ status: got.status, value: canonical(got.value), eventTime: got.eventTime }, want, `${entity.entityId} ${feature.ref}`)
      }
    }
  }
  t.equal(mismatches, 0, `${checked} values as demoRowsFor computes them`)
})
