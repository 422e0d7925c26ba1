import t from 'tap'
import type { BudgetConfig } from '../../src/config.js'
import { FleetRateLimiter, type BudgetEvents } from '../../src/core/access/fleet-rate-limiter.js'
import type { CallerBudget, RateLimit } from '../../src/core/access/rate-limiter.js'
import { RateLimitedError } from '../../src/errors.js'
import { InMemoryBudgetLedger } from '../helpers/in-memory-budget-ledger.js'

/** The lease logic of fleet budgets, on a ledger with the store's semantics and a clock the test moves. */
const CONFIG: BudgetConfig = { scope: 'fleet', leasesPerSecond: 4, leaseTtlMs: 1_000, leaseTimeoutMs: 250, fallbackReplicas: 3, retryMs: 2_000 }
const LIMIT: RateLimit = { capacity: 100, refillPerSecond: 100, describe: '100 requests per second' }

interface Clock { now: number }

function replica (ledger: InMemoryBudgetLedger, clock: Clock, more: { limit?: RateLimit, config?: Partial<BudgetConfig>, events?: BudgetEvents } = {}): FleetRateLimiter {
  return new FleetRateLimiter({ budget: 'online', limit: more.limit ?? LIMIT, ledger, config: { ...CONFIG, ...more.config }, clock: () => clock.now, ...(more.events !== undefined && { events: more.events }) })
}

async function admitted (budget: CallerBudget, caller: string, cost = 1, now?: number): Promise<boolean> {
  try {
    await budget.take(caller, cost, now)
    return true
  } catch (error) {
    if (error instanceof RateLimitedError) return false
    throw error
  }
}

/** Requests at `demand[i]` per second on replica i for `seconds`, in 1 ms steps; what each admitted. */
async function drive (replicas: CallerBudget[], clock: Clock, caller: string, demand: number[], seconds: number): Promise<number[]> {
  const admittedBy = replicas.map(() => 0)
  const owed = replicas.map(() => 0)
  const end = clock.now + seconds * 1000
  for (; clock.now < end; clock.now++) {
    for (let i = 0; i < replicas.length; i++) {
      owed[i]! += demand[i]! / 1000
      while (owed[i]! >= 1) {
        owed[i]!--
        if (await admitted(replicas[i]!, caller)) admittedBy[i]!++
      }
    }
  }
  return admittedBy
}

t.test('three replicas over one budget admit the budget, not three times it, whatever the spread', async (t) => {
  for (const demand of [[300, 300, 300], [800, 50, 50], [150, 0, 150]]) {
    const ledger = new InMemoryBudgetLedger()
    const clock = { now: 1_800_000_000_000 }
    const replicas = [replica(ledger, clock), replica(ledger, clock), replica(ledger, clock)]
    const seconds = 10
    const admittedBy = await drive(replicas, clock, 'caller', demand, seconds)
    const total = admittedBy.reduce((a, b) => a + b, 0)
    // A token bucket that starts full: its burst, then its rate.
    const budget = LIMIT.capacity + LIMIT.refillPerSecond * seconds
    t.ok(Math.abs(total - budget) <= budget * 0.1, `demand ${demand.join('/')}/s: admitted ${total} (${admittedBy.join('+')}) of a budget of ${budget}`)
    t.ok(total <= budget, 'never more than the budget')
    const leasesPerReplicaSecond = ledger.requests.length / seconds / demand.filter((d) => d > 0).length
    t.ok(leasesPerReplicaSecond <= 2 * CONFIG.leasesPerSecond, `${leasesPerReplicaSecond.toFixed(1)} leases per busy replica per second`)
  }
})

t.test('a request with local tokens is answered at once, and the next lease is asked for ahead of need', async (t) => {
  const ledger = new InMemoryBudgetLedger()
  const clock = { now: 1_800_000_000_000 }
  const limiter = replica(ledger, new Proxy(clock, {}), { limit: { capacity: 10_000, refillPerSecond: 10_000, describe: '10000/s' } })
  t.ok(await admitted(limiter, 'c'), 'the first request waits for the first lease')
  t.equal(ledger.requests.length, 1)
  let waited = 0
  for (let i = 0; i < 2_000; i++) {
    clock.now += 1
    const answer = limiter.take('c', 1)
    if (answer instanceof Promise) {
      waited++
      await answer
    }
    // Let a background lease land, as the event loop would between requests.
    await Promise.resolve()
  }
  t.equal(waited, 0, 'no request waited on the store once the replica knew the demand')
  const seconds = 2
  t.ok(ledger.requests.length <= seconds * CONFIG.leasesPerSecond * 2 + 3, `${ledger.requests.length} leases for 2000 requests over 2 s`)
  const last = ledger.requests.at(-1)!
  t.ok(last.tokens >= 200 && last.tokens <= 2_500, `leases sized to a quarter second of demand (1000/s): ${last.tokens}`)
})

t.test('a burst of requests waiting for one lease is admitted while the budget lasts', async (t) => {
  const ledger = new InMemoryBudgetLedger()
  const clock = { now: 1_800_000_000_000 }
  const limiter = replica(ledger, clock)
  // All at once (as after an event-loop stall), before the replica knows anything of the caller's demand.
  const answers = await Promise.all(Array.from({ length: 150 }, async () => await admitted(limiter, 'c')))
  t.equal(answers.filter(Boolean).length, LIMIT.capacity, 'the whole burst of 100, and no more')
  t.ok(ledger.requests.length <= 4, `in ${ledger.requests.length} leases`)
})

t.test('a spent budget is refused locally, with when to retry, and no store call per refusal', async (t) => {
  const ledger = new InMemoryBudgetLedger()
  const clock = { now: 1_800_000_000_000 }
  const limiter = replica(ledger, clock, { limit: { capacity: 10, refillPerSecond: 1, describe: '1 request per second' } })
  let ok = 0
  for (let i = 0; i < 10; i++) if (await admitted(limiter, 'c')) ok++
  const leases = ledger.requests.length
  const refusal = await Promise.resolve(limiter.take('c')).then(() => undefined, (error: unknown) => error)
  t.ok(refusal instanceof RateLimitedError, 'refused')
  t.ok((refusal as RateLimitedError).retryAfterSeconds >= 1)
  let refused = 0
  for (let i = 0; i < 100; i++) if (!await admitted(limiter, 'c')) refused++
  t.equal(refused, 100, 'refused while the budget is spent')
  t.ok(ledger.requests.length - leases <= 1, `${ledger.requests.length - leases} store calls for 101 refusals`)
  t.ok(ok >= 9, `the burst was admitted (${ok})`)
})

t.test('an idle replica\'s leftover lease expires instead of holding the budget', async (t) => {
  const ledger = new InMemoryBudgetLedger()
  const clock = { now: 1_800_000_000_000 }
  const a = replica(ledger, clock, { limit: { capacity: 1_000, refillPerSecond: 1_000, describe: '1000 requests per second' } })
  t.ok(await admitted(a, 'c'), 'the first request brings a first lease (a share of a quarter second of the budget)')
  const leases = ledger.requests.length
  t.ok(await admitted(a, 'c'), 'a spends from its lease...')
  t.equal(ledger.requests.length, leases, '...without the store')
  clock.now += CONFIG.leaseTtlMs + 1
  await admitted(a, 'c')
  t.equal(ledger.requests.length, leases + 1, 'past its TTL the leftover is dropped: the next request leases afresh')
})

t.test('store unreachable: each replica enforces its share, says so once, and comes back', async (t) => {
  const ledger = new InMemoryBudgetLedger()
  const clock = { now: 1_800_000_000_000 }
  const events: Array<[string, string]> = []
  const leases: string[] = []
  const limiter = replica(ledger, clock, { events: { scopeChanged: (budget, scope) => events.push([budget, scope]), leased: (_b, outcome) => leases.push(outcome) } })
  t.ok(await admitted(limiter, 'c'))
  ledger.unreachable = true
  // Past the first lease: the next lease fails.
  const [failing] = await drive([limiter], clock, 'c', [1_000], 1.5)
  t.equal(limiter.scope, 'replica')
  t.same(events, [['online', 'replica']], 'one transition, not one line per request')
  // 100 per second fleet-wide over 3 expected replicas: about 33 per second here, never nothing.
  const [share] = await drive([limiter], clock, 'c', [1_000], 1)
  t.ok(failing! > 0 && share! >= 25 && share! <= 45, `admitted ${failing!} during the failure, then ${share!} in one second on its own`)
  t.ok(leases.includes('failed'))
  const calls = ledger.requests.length
  await drive([limiter], clock, 'c', [1_000], 1)
  t.ok(ledger.requests.length - calls <= 1, 'at most one retry per BUDGET_RETRY_MS while unreachable')
  ledger.unreachable = false
  clock.now += CONFIG.retryMs
  await drive([limiter], clock, 'c', [100], 0.5)
  t.equal(limiter.scope, 'fleet', 'back to the fleet budget')
  t.same(events, [['online', 'replica'], ['online', 'fleet']])
})

t.test('a lease that outlives its timeout counts as the store unreachable', async (t) => {
  const clock = { now: 1_800_000_000_000 }
  const slow = new InMemoryBudgetLedger()
  const hanging = { lease: async (_r: unknown, signal?: AbortSignal) => await new Promise<never>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))) }
  const limiter = new FleetRateLimiter({ budget: 'explore', limit: LIMIT, ledger: hanging, config: { ...CONFIG, leaseTimeoutMs: 20 }, clock: () => clock.now })
  // The lease timeout's timer does not hold the process open (nor should it in a server): this test does.
  const alive = setTimeout(() => {}, 5_000)
  t.teardown(() => clearTimeout(alive))
  t.ok(await admitted(limiter, 'c'), 'admitted from the replica\'s share once the lease timed out')
  t.equal(limiter.scope, 'fleet', 'one slow lease is not an unreachable store')
  t.ok(await admitted(limiter, 'c'))
  t.equal(limiter.scope, 'replica', 'two in a row are')
  t.equal(slow.requests.length, 0)
})

t.test('a request costing more than a lease waits for a lease that covers it', async (t) => {
  const ledger = new InMemoryBudgetLedger()
  const clock = { now: 1_800_000_000_000 }
  const limiter = replica(ledger, clock, { limit: { capacity: 60_000, refillPerSecond: 1_000, describe: '60000 points per minute' } })
  t.ok(await admitted(limiter, 'c', 5_000))
  t.equal(ledger.requests[0]!.minTokens, 5_000)
  t.ok(await admitted(limiter, 'c', 50_000))
  t.notOk(await admitted(limiter, 'c', 50_000), 'the minute\'s budget is spent')
})
