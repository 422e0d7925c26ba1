import t from 'tap'
import type { LeaseRequest } from '../../src/domain/ports/budget-ledger.js'
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import { DynamoBudgetLedger } from '../../src/repo/dynamo-budget-ledger.js'
import { ensureBudgetTable } from '../../src/repo/tables.js'
import { storeBackends } from '../helpers/store-backends.js'
import { LOCAL_CREDENTIALS, openTestStore } from '../helpers/test-store.js'

/** Leases from the DynamoDB budget ledger on real servers: atomic across callers, refilled from the stored instant. */
const T0 = 1_800_000_000_000
let callers = 0
const ask = (caller: string, tokens: number, now: number, more: Partial<LeaseRequest> = {}): LeaseRequest =>
  ({ budget: 'online', caller, tokens, minTokens: 1, capacity: 100, refillPerSecond: 10, now, ...more })

for (const backend of storeBackends()) {
  t.test(backend.name, async (t) => {
    const endpoint = await backend.start(t)
    const store = await openTestStore(t, endpoint)
    const ledger = store.budgets
    const fresh = (): string => `caller_${process.pid}_${++callers}`

    t.test('a fresh budget is full: it grants up to its capacity, then what refills, and says what is left', async (t) => {
      const caller = fresh()
      t.match(await ledger.lease(ask(caller, 60, T0)), { granted: 60, remaining: 40 })
      t.match(await ledger.lease(ask(caller, 60, T0)), { granted: 40, remaining: 0 }, 'the rest, not more')
      const spent = await ledger.lease(ask(caller, 5, T0))
      t.equal(spent.granted, 0, 'nothing when spent')
      t.equal(spent.nextAt, T0 + 100, 'one token back after 1/10 s')
      t.match(await ledger.lease(ask(caller, 50, T0 + 2_000)), { granted: 20, remaining: 0 }, 'two seconds refill 20 tokens')
      t.match(await ledger.lease(ask(caller, 5, T0 + 60_000)), { granted: 5, remaining: 95 }, 'long idle: full again, never above capacity')
    })

    t.test('a lease takes at least its minimum or nothing', async (t) => {
      const caller = fresh()
      t.equal((await ledger.lease(ask(caller, 97, T0))).granted, 97)
      const short = await ledger.lease(ask(caller, 10, T0, { minTokens: 5 }))
      t.equal(short.granted, 0, '3 left is less than the minimum of 5')
      t.equal(short.nextAt, T0 + 200, 'five are there again in 0.2 s')
      t.equal((await ledger.lease(ask(caller, 10, T0 + 200, { minTokens: 5 }))).granted, 5)
    })

    t.test('callers and budgets are separate items', async (t) => {
      const caller = fresh()
      t.equal((await ledger.lease(ask(caller, 100, T0))).granted, 100)
      t.equal((await ledger.lease(ask(caller, 100, T0, { budget: 'explore' }))).granted, 100)
      t.equal((await ledger.lease(ask(fresh(), 100, T0))).granted, 100)
    })

    t.test('leases racing from several replicas never hand out the same token twice', async (t) => {
      const caller = fresh()
      // Separate clients, as separate replicas would have.
      const replicas = Array.from({ length: 4 }, () => {
        const client = createDynamoClient({ endpoint, region: 'us-east-1', maxSockets: 8, connectTimeoutMs: 1_000, maxAttempts: 3, retryBaseMs: 10, staticCredentials: LOCAL_CREDENTIALS })
        t.teardown(() => client.destroy())
        return new DynamoBudgetLedger(client, 'featuregate_budgets')
      })
      const grants = await Promise.all(Array.from({ length: 40 }, async (_, i) => (await replicas[i % 4]!.lease(ask(caller, 7, T0))).granted))
      const total = grants.reduce((a, b) => a + b, 0)
      t.ok(total <= 100, `granted ${total} of a budget of 100`)
      t.ok(total >= 90, `most of the budget was granted (${total}); a lease losing three races in a row may go without`)
      t.equal((await ledger.lease(ask(caller, 100, T0, { minTokens: 100 - total + 1 }))).granted, 0, 'the store agrees on what is left')
    })

    t.test('creating the budget table is idempotent', async (t) => {
      const client = createDynamoClient({ endpoint, region: 'us-east-1', maxSockets: 2, connectTimeoutMs: 1_000, maxAttempts: 3, retryBaseMs: 10, staticCredentials: LOCAL_CREDENTIALS })
      t.teardown(() => client.destroy())
      await ensureBudgetTable(client, 'featuregate_budgets')
      await ensureBudgetTable(client, 'featuregate_budgets')
      t.equal((await new DynamoBudgetLedger(client, 'featuregate_budgets').lease(ask(fresh(), 3, T0))).granted, 3)
    })
  })
}
