import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import { estimateRowBytes } from '../../src/core/rows/row-size.js'
import { build } from '../helpers/build-app.js'
import { writeRows } from '../helpers/test-store.js'
import { NDJSON } from './pull-helpers.js'

/**
 * Rows as large as DynamoDB items can be: a page is bounded in bytes (GRAPHQL_MAX_PAGE_BYTES) as well
 * as in rows, so a pull of them fits a pull thread's capped heap, and a page that reads another set's
 * large rows by key stops where its budget does.
 */

/** Near DynamoDB's 400 KB item cap: 90,000 float32s are 360,000 bytes. */
const HUGE: FeatureSetSpec = { name: 'huge_vectors', entityType: 'user', features: [{ name: 'v', type: 'float_vector', dimension: 90_000 }] }
const WIDE: FeatureSetSpec = { name: 'wide_vectors', entityType: 'user', features: [{ name: 'v', type: 'float_vector', dimension: 4_096 }] }

/** The vector row `i` stores: one value differs per row, so rows cannot be mixed up. */
function vectorOf (dimension: number, i: number): Float32Array {
  const v = new Float32Array(dimension)
  for (let j = 0; j < dimension; j++) v[j] = Math.fround(((i * 31 + j) % 1000) / 7)
  return v
}

async function writeVectors (app: FastifyInstance, spec: FeatureSetSpec, ids: readonly string[]): Promise<void> {
  await app.featureStore.registry.put(spec)
  const dimension = spec.features[0]!.dimension!
  for (let start = 0; start < ids.length; start += 10) {
    await writeRows(app.featureStore.writer, ids.slice(start, start + 10).map((entityId, k) => ({
      entityId, featureSet: spec, eventTime: 1_700_000_000_000, values: new Map([['v', { type: 'float_vector' as const, value: vectorOf(dimension, start + k) }]])
    })))
  }
  await app.featureRegistry.reload()
}

/** An NDJSON pull over a socket, line by line (a whole pull of these rows is too large for one string): row ids in order, the row lines, the resume lines. */
async function pullLines (app: FastifyInstance, body: unknown, onRow: (row: { entity_id: string, features: Record<string, unknown> }) => void): Promise<{ status: number, ids: string[], resumeTokens: number, end: unknown, error: unknown }> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const response = await fetch(`${address}/v1/pull`, { method: 'POST', headers: { accept: NDJSON, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const out = { status: response.status, ids: [] as string[], resumeTokens: 0, end: undefined as unknown, error: undefined as unknown }
  const decoder = new TextDecoder()
  let pending = ''
  const take = (line: string): void => {
    if (line === '') return
    const parsed = JSON.parse(line) as Record<string, any>
    if (typeof parsed.entity_id === 'string') {
      out.ids.push(parsed.entity_id)
      onRow(parsed as { entity_id: string, features: Record<string, unknown> })
    } else if (typeof parsed.resume_after === 'string') out.resumeTokens++
    else if (parsed.end === true) out.end = parsed
    else out.error = parsed.error ?? parsed
  }
  for await (const chunk of response.body!) {
    pending += decoder.decode(chunk, { stream: true })
    let newline = pending.indexOf('\n')
    while (newline >= 0) {
      take(pending.slice(0, newline))
      pending = pending.slice(newline + 1)
      newline = pending.indexOf('\n')
    }
  }
  take(pending)
  return out
}

t.test('a pull of rows near the item size cap completes on its pull thread, in pages bounded by bytes', async (t) => {
  // Before pages were bounded in bytes, 100 such rows made one page and the pull thread ran out of heap.
  const app = await build(t, { DEMO_USERS: '5' })
  const ids = Array.from({ length: 100 }, (_, i) => `huge_${String(i).padStart(3, '0')}`)
  await writeVectors(app, HUGE, ids)
  let checked = 0
  const pull = await pullLines(app, { featureSet: 'huge_vectors', features: ['huge_vectors'] }, (row) => {
    const values = row.features['huge_vectors:v'] as number[]
    const i = ids.indexOf(row.entity_id)
    const expected = vectorOf(90_000, i)
    if (values.length === 90_000 && values.every((x, j) => x === expected[j])) checked++
  })
  t.equal(pull.status, 200)
  t.equal(pull.error, undefined, 'no error line')
  t.same(pull.end, { end: true, rows: 100 })
  t.same([...pull.ids].sort(), ids, 'every row exactly once')
  t.equal(checked, 100, 'every vector bit for bit')
  const budget = app.config.graphql.maxPageBytes
  t.ok(pull.resumeTokens >= Math.floor(100 * 360_000 / budget), `${pull.resumeTokens} pages of at most ${budget} bytes, not one page of 100 rows`)
})

t.test('pages hold at most their byte budget (and one row), through the scan and through other sets read by key, each apart', async (t) => {
  const budget = 65_536
  const app = await build(t, { DEMO_USERS: '40', GRAPHQL_MAX_PAGE_BYTES: String(budget), PULL_THREADS: '0' })
  const ids = Array.from({ length: 40 }, (_, i) => `user_${i}`)
  await writeVectors(app, WIDE, ids)
  const rowBytes = estimateRowBytes({ eventTime: 0, values: new Map([['v', { type: 'float_vector', value: new Float32Array(4_096) }]]), invalid: new Set() })
  const rowsPerBudget = Math.ceil(budget / rowBytes)

  for (const [what, featureSet, features] of [
    ['scanned', 'wide_vectors', ['wide_vectors:v']],
    ['read by key beside another set', 'user_profile', ['user_profile:region', 'wide_vectors:v']],
    ['scanned, with another set\'s column read by key', 'wide_vectors', ['wide_vectors:v', 'user_profile:region']]
  ] as const) {
    const seen: string[] = []
    const sizes: number[] = []
    let after: string | undefined
    for (let pages = 0; pages < 100; pages++) {
      const plan = app.featureExport.plan({ featureSet, features: [...features], first: 1000, after })
      const page = await app.featureExport.page(plan)
      sizes.push(page.rows.length)
      const vectorAt = page.features.findIndex((f) => f.featureSet.name === 'wide_vectors')
      for (const row of page.rows) {
        seen.push(row.entity.entityId)
        const v = row.entity.results[vectorAt]?.value
        t.ok(v?.type === 'float_vector' && v.value.length === 4_096, `${what}: ${row.entity.entityId} has its vector`)
      }
      if (!page.hasNextPage) break
      after = page.endCursor
    }
    const expected = featureSet === 'wide_vectors' ? ids : ids.filter((id) => seen.includes(id))
    t.same([...seen].sort(), [...expected].sort(), `${what}: every row exactly once`)
    t.ok(seen.length >= 30, `${what}: ${seen.length} rows`)
    t.ok(Math.max(...sizes) <= rowsPerBudget + 1, `${what}: pages of ${sizes.join(', ')} rows; the budget holds ${rowsPerBudget}`)
    t.ok(seen.length >= 2 * (sizes.length - 1), `${what}: ${sizes.length} pages for ${seen.length} rows, not a row a page`)
  }
})
