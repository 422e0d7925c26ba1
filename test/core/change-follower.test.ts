import t from 'tap'
import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { ChangeFollower, type ChangeFollowerOptions } from '../../src/core/rows/change-follower.js'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import type { ChangeFeed } from '../../src/domain/ports/change-feed.js'
import { onlineRows } from '../../src/core/rows/online-rows.js'
import { ChangeLog } from '../../src/repo/change-log.js'
import { testConfig } from '../helpers/build-app.js'
import { storeBackends } from '../helpers/store-backends.js'
import { localClient, openTestStore, readAll, writeRows, type TestStore } from '../helpers/test-store.js'

const SCORES: FeatureSetSpec = { name: 'scores', entityType: 'user', features: [{ name: 'score', type: 'double' }] }
const OPTIONS = { deadlineAt: undefined } as const

/** What the follower reported, by kind. */
function recorder (): ChangeFollowerOptions['observer'] & { polls: string[], applied: Array<{ kind: string, rows: number, lagSeconds: number }>, clears: number } {
  const seen = {
    polls: [] as string[],
    applied: [] as Array<{ kind: string, rows: number, lagSeconds: number }>,
    clears: 0,
    changeFeedPolled (outcome: 'ok' | 'error') { seen.polls.push(outcome) },
    changeApplied (kind: 'rows' | 'registry', rows: number, lagSeconds: number) { seen.applied.push({ kind, rows, lagSeconds }) },
    changeFeedCacheCleared () { seen.clears++ }
  }
  return seen
}

async function score (store: Pick<TestStore, 'rows'>, entityId: string): Promise<unknown> {
  const [row] = await readAll(store.rows, [{ entityId, featureSet: SCORES, features: undefined }], OPTIONS)
  const value = row?.values.get('score')
  return value?.type === 'double' ? value.value : value
}

async function put (store: TestStore, entityId: string, value: number): Promise<void> {
  await writeRows(store.writer, [{ entityId, featureSet: SCORES, eventTime: Date.now(), values: new Map([['score', { type: 'double', value }]]) }])
}

// One server per backend: each test has its own tables (its own change log among them) on it.
for (const backend of storeBackends()) {
  t.test(backend.name, async (t) => {
    const endpoint = await backend.start(t)
    t.test('a replica forgets exactly the rows written elsewhere, within one poll', async (t) => {
      const store = await openTestStore(t, endpoint)
      await store.registry.put(SCORES)
      await put(store, 'u1', 1)
      await put(store, 'u2', 2)
      // Another replica: its own cache over the same store.
      const replica = { rows: onlineRows(store.storeRows, testConfig({ CACHE_TTL_MS: '600000' })) }
      const observer = recorder()
      const follower = new ChangeFollower({
        feed: store.changes, rows: replica.rows, reloadRegistry: async () => {}, pollMs: 1_000, lookbackMs: 5_000, maxCatchUpMs: 60_000, observer
      })
      // The first writes' entries: forgotten on the poll that sees them, and once more on the next.
      await follower.poll()
      await follower.poll()
      t.equal(await score(replica, 'u1'), 1)
      t.equal(await score(replica, 'u2'), 2)

      await put(store, 'u1', 10)
      // Written behind the log's back (no entry): proves the follower evicts only what an entry names.
      await localClient(t, endpoint).send(new PutItemCommand({
        TableName: store.featureTable,
        Item: { _e: { S: 'u2' }, _s: { S: 'scores' }, _t: { N: String(Date.now()) }, score: { N: '20' } }
      }))
      t.equal(await score(replica, 'u1'), 1, 'cached until the follower polls')
      await follower.poll()
      t.equal(await score(replica, 'u1'), 10, 'the written row is served after one poll')
      t.equal(await score(replica, 'u2'), 2, 'a row no entry names stays cached')
      const rows = observer.applied.filter((a) => a.kind === 'rows')
      t.equal(rows.at(-1)?.rows, 1, 'the entry named one row')
      t.ok(rows.every((a) => a.lagSeconds >= 0 && a.lagSeconds < 60), 'lag measured from the write')

      const appliedBefore = observer.applied.length
      await follower.poll()
      t.equal(observer.applied.length, appliedBefore, 'an entry read again by an overlapping poll is applied once')
      t.same(new Set(observer.polls), new Set(['ok']))
    })

    t.test('a registry change anywhere reloads every replica\'s registry', async (t) => {
      const store = await openTestStore(t, endpoint)
      let reloads = 0
      const follower = new ChangeFollower({
        feed: store.changes, rows: store.rows, reloadRegistry: async () => { reloads++ }, pollMs: 1_000, lookbackMs: 5_000, maxCatchUpMs: 60_000, observer: recorder()
      })
      await follower.poll()
      t.equal(reloads, 0, 'nothing changed')
      await store.registry.put(SCORES)
      await follower.poll()
      t.equal(reloads, 1, 'apply (RegistryStorage.put) announced it')
      await store.registry.delete(SCORES.name)
      await follower.poll()
      t.equal(reloads, 2, 'and a delete')
    })
  })
}

t.test('an unreadable feed is counted and logged once; back within the catch-up bound it replays what was missed', async (t) => {
  const [backend] = storeBackends()
  const endpoint = await backend!.start(t)
  const store = await openTestStore(t, endpoint)
  await store.registry.put(SCORES)
  await put(store, 'u1', 1)
  // The real log, or one whose table does not exist: a real store error, switched on and off.
  const missing = new ChangeLog(localClient(t, endpoint), 'no_such_change_table')
  let broken = false
  const feed: ChangeFeed = { readSince: async (since, signal) => await (broken ? missing : store.changes).readSince(since, signal) }
  let now = Date.now()
  const observer = recorder()
  const downs: unknown[] = []
  const backs: Array<{ downMs: number, cleared: boolean }> = []
  const follower = new ChangeFollower({
    feed,
    rows: store.rows,
    reloadRegistry: async () => {},
    pollMs: 1_000,
    lookbackMs: 5_000,
    maxCatchUpMs: 60_000,
    observer,
    clock: () => now,
    onFeedDown: (error) => downs.push(error),
    onFeedBack: (downMs, cleared) => backs.push({ downMs, cleared })
  })
  await follower.poll()
  t.equal(await score(store, 'u1'), 1)
  broken = true
  await follower.poll()
  now += 10_000
  await follower.poll()
  t.same(observer.polls, ['ok', 'error', 'error'])
  t.equal(downs.length, 1, 'one log line per outage, not per poll')
  t.match(downs[0], { code: 'FG_ERR_STORE_UNAVAILABLE' })
  await put(store, 'u1', 2)
  t.equal(await score(store, 'u1'), 1, 'still cached while the feed is down')
  broken = false
  now += 1_000
  await follower.poll()
  t.same(backs, [{ downMs: 11_000, cleared: false }])
  t.equal(observer.clears, 0)
  t.equal(await score(store, 'u1'), 2, 'the write made during the outage is caught up entry by entry')
})

t.test('a feed down for longer than the catch-up bound clears the whole cache once it is back', async (t) => {
  const [backend] = storeBackends()
  const endpoint = await backend!.start(t)
  const store = await openTestStore(t, endpoint)
  await store.registry.put(SCORES)
  await put(store, 'u1', 1)
  let now = Date.now()
  const observer = recorder()
  let reloads = 0
  const follower = new ChangeFollower({
    feed: store.changes,
    rows: store.rows,
    reloadRegistry: async () => { reloads++ },
    pollMs: 1_000,
    lookbackMs: 5_000,
    maxCatchUpMs: 60_000,
    observer,
    clock: () => now
  })
  await follower.poll()
  t.equal(await score(store, 'u1'), 1)
  // Written behind the log's back, so only a full clear can show it.
  await localClient(t, endpoint).send(new PutItemCommand({
    TableName: store.featureTable,
    Item: { _e: { S: 'u1' }, _s: { S: 'scores' }, _t: { N: String(Date.now()) }, score: { N: '3' } }
  }))
  const reloadsBefore = reloads
  now += 120_000
  await follower.poll()
  t.equal(observer.clears, 1, 'counted')
  t.equal(reloads, reloadsBefore + 1, 'the registry is reloaded too')
  t.equal(await score(store, 'u1'), 3, 'the cache was cleared')
})
