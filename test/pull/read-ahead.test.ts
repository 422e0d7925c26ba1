import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { ScanRequest, ScanResult } from '../../src/domain/ports/bulk-reader.js'
import type { ReadOptions } from '../../src/domain/read-options.js'
import type { ExploreCaller } from '../../src/core/access/explore-queue.js'
import type { FilterInput } from '../../src/core/export/scan-filter.js'
import { build } from '../helpers/build-app.js'
import { pullArrow, arrowRows, pullNdjson } from './pull-helpers.js'

/**
 * A pull of one segment whose shards hold more than a page reads later shards while the reader's
 * is read, in turns the exploration queue has spare, against the real embedded store. Here pages
 * of 5 rows make the demo's shards (about 23 users each) hold several pages.
 */

const BODY = { featureSet: 'user_profile', features: ['user_profile'], batchSize: 5, segment: { index: 0, count: 1 } }

/** The same rows paged through the export itself, one page after another: the order a pull must give. */
async function exportOrder (app: FastifyInstance, request: { featureSet: string, features: string[], filters?: FilterInput[] } = { featureSet: 'user_profile', features: ['user_profile:region'] }): Promise<string[]> {
  const ids: string[] = []
  let after: string | undefined
  for (;;) {
    const page = await app.featureExport.page(app.featureExport.plan({ ...request, first: 500, segment: { index: 0, count: 1 }, after }))
    ids.push(...page.rows.map((r) => r.entity.entityId))
    if (!page.hasNextPage) return ids
    after = page.endCursor
  }
}

/** Scans of this thread's bulk reader at once (the pull on the event loop), and how many were shard-only. */
function watchConcurrency (app: FastifyInstance): { max: () => number, shardOnly: () => number, reset: () => void } {
  const bulk = app.featureStore.bulk
  const scan = bulk.scan.bind(bulk)
  let now = 0
  let max = 0
  let shardOnly = 0
  bulk.scan = async (request: ScanRequest, options: ReadOptions): Promise<ScanResult> => {
    if (request.shardOnly === true) shardOnly++
    max = Math.max(max, ++now)
    try {
      return await scan(request, options)
    } finally {
      now--
    }
  }
  return { max: () => max, shardOnly: () => shardOnly, reset: () => { max = 0; shardOnly = 0 } }
}

for (const threads of ['0', '1']) {
  t.test(`pull threads ${threads}: later shards are read ahead, and the rows, order and tokens are those of one page after another`, async (t) => {
    // A loaded machine (another test file beside this one) lags the loop, and a lagging loop runs the
    // queue one slot at a time, which rightly leaves no spare turn: that rule is tested on its own
    // (test/core/explore-queue.test.ts); here it is off, so the read-ahead is what is measured.
    const app = await build(t, { DEMO_USERS: '1500', PULL_THREADS: threads, EXPLORE_YIELD_LAG_MS: '0' })
    const expected = await exportOrder(app)
    t.ok(expected.length > 1000, `${expected.length} users`)
    const scans = threads === '0' ? watchConcurrency(app) : undefined
    let spares = 0
    const trySpare = app.exploreQueue.trySpare.bind(app.exploreQueue)
    app.exploreQueue.trySpare = (caller: ExploreCaller, weight: number) => {
      const release = trySpare(caller, weight)
      if (release !== undefined) spares++
      return release
    }

    const whole = await pullNdjson(app, BODY)
    t.equal(whole.status, 200)
    t.same(whole.end, { end: true, rows: expected.length })
    t.same(whole.rows.map((r) => r.entity_id), expected, 'every row once, in the segment\'s order')
    t.ok(spares > 0, `${spares} spare turns taken`)
    if (scans !== undefined) {
      t.ok(scans.shardOnly() > 0, `${scans.shardOnly()} shard-only reads`)
      t.ok(scans.max() > 1, `${scans.max()} scans at once`)
    }
    t.ok(whole.resumeTokens.length >= expected.length / 5, 'a token after every batch of at most 5')

    // Resume from a token in the middle: exactly the rows after it.
    const token = whole.resumeTokens[Math.floor(whole.resumeTokens.length * 0.4)]!
    const lines = whole.rows.length
    const rest = await pullNdjson(app, { ...BODY, after: token })
    t.equal(rest.status, 200)
    const cut = expected.length - rest.rows.length
    t.ok(cut > lines * 0.3 && cut < lines * 0.5, `resumed after ${cut} rows`)
    t.same(rest.rows.map((r) => r.entity_id), expected.slice(cut), 'the rest, in order, none twice')

    // Arrow: the same rows and values as NDJSON gives them.
    const arrow = arrowRows((await pullArrow(app, BODY)).batches)
    t.same(arrow.map((r) => r.entity_id), expected, 'Arrow: the same rows in the same order')
  })
}

t.test('no spare turn while another caller\'s work holds the other slots: the pull reads one page at a time and gives the same rows', async (t) => {
  const app = await build(t, { DEMO_USERS: '600', PULL_THREADS: '0', EXPLORE_MAX_CONCURRENT: '4' })
  const expected = await exportOrder(app)
  const scans = watchConcurrency(app)
  // Another caller holds three of the four turns: the last is the pull's own, and a spare turn never takes the last slot.
  const other = { principal: undefined, ip: '10.9.9.9' }
  const held = [await app.exploreQueue.acquire(other, {}), await app.exploreQueue.acquire(other, {}), await app.exploreQueue.acquire(other, {})]
  t.teardown(() => { for (const release of held) release() })
  const pull = await pullNdjson(app, BODY)
  t.same(pull.rows.map((r) => r.entity_id), expected, 'every row once, in order')
  t.ok(scans.shardOnly() > 0, 'shards hold more than a page: shard-only reads')
  t.equal(scans.max(), 1, 'one scan at a time')
})

t.test('shards that hold less than a page: pages span shards, as before, with no shard-only read', async (t) => {
  const app = await build(t, { DEMO_USERS: '600', PULL_THREADS: '0' })
  const expected = await exportOrder(app)
  const scans = watchConcurrency(app)
  const pull = await pullNdjson(app, { ...BODY, batchSize: 200 })
  t.same(pull.rows.map((r) => r.entity_id), expected)
  t.equal(scans.shardOnly(), 0, 'no shard-only read')
  t.ok(pull.resumeTokens.length <= Math.ceil(expected.length / 200) + 1, `${pull.resumeTokens.length} batches of up to 200`)
})

t.test('with filters on the set and on another set, and another set\'s columns: the rows the export gives, in its order', async (t) => {
  const app = await build(t, { DEMO_USERS: '1500', PULL_THREADS: '0', EXPLORE_YIELD_LAG_MS: '0' }) // (lag off: see above)
  const filters: FilterInput[] = [{ feature: 'user_text:sentiment_score', gt: -0.5 }, { feature: 'user_profile:region', in: ['us-east', 'eu-west'] }]
  const request = { featureSet: 'user_text', features: ['user_text:sentiment_score', 'user_profile:region'], filters }
  const expected = await exportOrder(app, request)
  t.ok(expected.length > 200, `${expected.length} rows match`)
  const scans = watchConcurrency(app)
  const pull = await pullNdjson(app, { featureSet: request.featureSet, features: request.features, filter: filters, batchSize: 3, segment: { index: 0, count: 1 } })
  t.equal(pull.status, 200)
  t.same(pull.rows.map((r) => r.entity_id), expected, 'every matching row once, in order')
  t.ok(pull.rows.every((r) => ['us-east', 'eu-west'].includes(r.features['user_profile:region'] as string)), 'the other set\'s filter held')
  t.ok(scans.shardOnly() > 0 && scans.max() > 1, `${scans.shardOnly()} shard-only reads, ${scans.max()} at once`)
})
