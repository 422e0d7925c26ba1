import t from 'tap'
import { FairQueue, type Release, type WaitOutcome } from '../../src/lib/fair-queue.js'
import { DeadlineExceededError, QueueFullError } from '../../src/errors.js'

const tick = async (): Promise<void> => await new Promise((resolve) => setImmediate(resolve))

/**
 * Queues each (caller, label, weight) in order behind one running turn, then lets the queue hand out
 * turns one at a time, each given back as soon as it is granted; returns the order of the grants.
 */
async function grantOrder (queue: FairQueue, requests: ReadonlyArray<readonly [string, string, number]>): Promise<string[]> {
  const order: string[] = []
  const granted: Release[] = []
  const first = await queue.acquire('first')
  const pending = requests.map(async ([callerId, label, weight]) => {
    const release = await queue.acquire(callerId, { weight })
    order.push(label)
    granted.push(release)
  })
  first()
  for (let i = 0; i < requests.length; i++) {
    while (granted.length <= i) await tick()
    granted[i]!()
  }
  await Promise.all(pending)
  return order
}

t.test('a caller alone gets every turn, one after another, and is never refused', async (t) => {
  const queue = new FairQueue({ maxConcurrent: 1, maxWaitingPerCaller: 1 })
  for (let page = 0; page < 50; page++) {
    const release = await queue.acquire('notebook', { weight: 5_000 })
    release()
  }
  t.equal(queue.running, 0)
  t.equal(queue.waiting, 0)
})

t.test('cheap work of another caller goes before a flood of expensive work queued earlier; FIFO within a caller', async (t) => {
  const queue = new FairQueue({ maxConcurrent: 1, maxWaitingPerCaller: 10 })
  const order = await grantOrder(queue, [['a', 'a1', 100], ['a', 'a2', 100], ['a', 'a3', 100], ['b', 'b1', 1], ['b', 'b2', 1], ['b', 'b3', 1]])
  t.same(order, ['b1', 'b2', 'b3', 'a1', 'a2', 'a3'])
})

t.test('equal weights: two callers take turns even when one queued far more', async (t) => {
  const queue = new FairQueue({ maxConcurrent: 1, maxWaitingPerCaller: 10 })
  const order = await grantOrder(queue, [['a', 'a1', 1], ['a', 'a2', 1], ['a', 'a3', 1], ['a', 'a4', 1], ['b', 'b1', 1], ['b', 'b2', 1]])
  t.same(order, ['a1', 'b1', 'a2', 'b2', 'a3', 'a4'])
})

t.test('a caller whose own line is full is refused with a retry time; another caller is still served', async (t) => {
  const waits: WaitOutcome[] = []
  const queue = new FairQueue({ maxConcurrent: 1, maxWaitingPerCaller: 2, onWait: (outcome) => waits.push(outcome) })
  const running = await queue.acquire('greedy')
  const queued = [queue.acquire('greedy'), queue.acquire('greedy')]
  const refused = await queue.acquire('greedy').then(() => undefined, (error: unknown) => error)
  t.ok(refused instanceof QueueFullError, 'the third waiting request of one caller is refused')
  t.equal((refused as QueueFullError).code, 'FG_ERR_QUEUE_FULL')
  t.equal((refused as QueueFullError).statusCode, 503)
  t.ok((refused as QueueFullError).retryAfterSeconds >= 1, 'with a retry time')
  const other = queue.acquire('polite')
  running()
  const order: string[] = []
  void other.then(() => order.push('polite'))
  void queued[0]!.then(() => order.push('greedy'))
  // One turn at a time; the polite caller's comes first although greedy queued before it.
  ;(await other)()
  ;(await queued[0]!)()
  ;(await queued[1]!)()
  t.same(order, ['polite', 'greedy'])
  t.ok(waits.includes('refused'))
  t.equal(queue.running, 0)
  t.equal(queue.waiting, 0)
})

t.test('a waiter whose deadline passes gets a deadline error and frees its place', async (t) => {
  const waits: Array<[WaitOutcome, number]> = []
  const queue = new FairQueue({ maxConcurrent: 1, maxWaitingPerCaller: 1, onWait: (outcome, seconds) => waits.push([outcome, seconds]) })
  const running = await queue.acquire('a')
  const late = await queue.acquire('b', { deadlineAt: Date.now() + 30 }).then(() => undefined, (error: unknown) => error)
  t.ok(late instanceof DeadlineExceededError, 'deadline error')
  t.equal((late as InstanceType<typeof DeadlineExceededError>).code, 'FG_ERR_DEADLINE_EXCEEDED')
  t.equal(queue.waiting, 0, 'its place is free')
  const deadline = waits.find(([outcome]) => outcome === 'deadline')
  t.ok(deadline !== undefined && deadline[1] >= 0.02, 'the wait is reported with its length')
  // b's line (length 1) is free again: a new request of b queues instead of being refused.
  const next = queue.acquire('b')
  running()
  ;(await next)()
  t.equal(queue.running, 0)
})

t.test('an aborted waiter leaves the queue at once; a release called twice counts once', async (t) => {
  const queue = new FairQueue({ maxConcurrent: 1, maxWaitingPerCaller: 4 })
  const running = await queue.acquire('a')
  const controller = new AbortController()
  const aborted = queue.acquire('b', { signal: controller.signal }).then(() => undefined, (error: unknown) => error)
  const behind = queue.acquire('c')
  controller.abort()
  t.ok((await aborted) instanceof DeadlineExceededError)
  t.equal(queue.waiting, 1)
  running()
  running()
  t.equal(queue.running, 1, 'c runs; the second release of the same turn did not free another slot')
  ;(await behind)()
  t.equal(queue.running, 0)
})

t.test('concurrency shrinks while allowed() says so, never below one, and grows back without a release', async (t) => {
  let allowed = 3
  const queue = new FairQueue({ maxConcurrent: 3, maxWaitingPerCaller: 10, allowed: () => allowed, recheckMs: 5 })
  const a = await queue.acquire('a')
  allowed = 0
  const b = queue.acquire('b')
  const c = queue.acquire('c')
  await tick()
  t.equal(queue.running, 1, 'held back while the owner asks for less (clamped to 1: the running one)')
  t.equal(queue.limit, 1)
  a()
  const bRelease = await b
  t.equal(queue.running, 1, 'one at a time')
  allowed = 3
  const cRelease = await c
  t.equal(queue.running, 2, 'c started once more was allowed, without waiting for b')
  bRelease()
  cRelease()
})

t.test('run() gives the turn back when the work throws', async (t) => {
  const queue = new FairQueue({ maxConcurrent: 1, maxWaitingPerCaller: 1 })
  await t.rejects(queue.run('a', {}, async () => { throw new Error('boom') }), /boom/)
  t.equal(queue.running, 0)
  t.equal(await queue.run('a', {}, async () => 42), 42)
  t.equal(queue.running, 0)
})

t.test('admit runs for work let in, never for a refusal; when it throws, no turn is taken', async (t) => {
  const queue = new FairQueue({ maxConcurrent: 1, maxWaitingPerCaller: 1 })
  const admitted: string[] = []
  const running = await queue.acquire('a', { admit: () => { admitted.push('a runs') } })
  const waiting = queue.acquire('b', { admit: () => { admitted.push('b waits') } })
  const refused = await queue.acquire('b', { admit: () => { admitted.push('b refused') } }).then(() => undefined, (error: unknown) => error)
  t.ok(refused instanceof QueueFullError, 'b\'s second waiting request is refused')
  t.same(admitted, ['a runs', 'b waits'], 'the refused request was never admitted')
  const budgetSpent = new Error('budget spent')
  const spent = async (callerId: string): Promise<unknown> => await queue.acquire(callerId, { admit: () => { throw budgetSpent } }).then(() => undefined, (error: unknown) => error)
  t.equal(await spent('c'), budgetSpent, 'the admit error is the answer')
  t.equal(queue.waiting, 1, 'only b waits: the throwing admit took no place')
  running()
  ;(await waiting)()
  t.equal(queue.running, 0)
  t.equal(await spent('d'), budgetSpent)
  t.equal(queue.running, 0, 'nor a running turn when it would have run at once')
  // An admit that must ask elsewhere first (a fleet budget's lease) is waited for, and its refusal refuses too.
  const later = await queue.acquire('e', { admit: async () => { await tick(); admitted.push('e leased') } })
  t.equal(admitted.at(-1), 'e leased')
  t.equal(queue.running, 1)
  later()
  const leaseRefused = await queue.acquire('f', { admit: async () => { await tick(); throw budgetSpent } }).then(() => undefined, (error: unknown) => error)
  t.equal(leaseRefused, budgetSpent)
  t.equal(queue.running + queue.waiting, 0)
})

t.test('a spare turn is given only while nobody waits and a slot stays free after it; it counts like any turn', async (t) => {
  let limit = 4
  const queue = new FairQueue({ maxConcurrent: 4, maxWaitingPerCaller: 10, allowed: () => limit })
  const reader = await queue.acquire('pull')
  const spares = [queue.trySpare('pull', 10), queue.trySpare('pull', 10)]
  t.ok(spares.every((release) => release !== undefined), 'two spare turns beside the pull\'s own')
  t.equal(queue.running, 3)
  t.equal(queue.trySpare('pull', 10), undefined, 'not the last slot: work that arrives starts at once')
  const other = await queue.acquire('notebook')
  t.equal(queue.running, 4, 'another caller\'s work took the free slot without waiting')
  const waiting = queue.acquire('notebook')
  t.equal(queue.waiting, 1)
  spares[0]!()
  await waiting.then((release) => release())
  spares[1]!()
  t.equal(queue.running, 2)
  const queued = [queue.acquire('notebook'), queue.acquire('notebook'), queue.acquire('notebook')]
  t.equal(queue.waiting, 1, 'two ran at once, one waits')
  t.equal(queue.trySpare('pull', 10), undefined, 'none while someone waits')
  other()
  for (const release of await Promise.all(queued)) release()
  // Online lookups about: the queue runs one at a time, and a spare turn never takes the only slot.
  limit = 1
  t.equal(queue.trySpare('pull', 10), undefined, 'none under load')
  reader()
  t.equal(queue.trySpare('pull', 10), undefined, 'not even with the slot idle')
  t.equal(queue.running, 0)
  limit = 4

  // Spare turns are charged to their caller: after taking them, its next queued work goes after another's.
  const busy = [await queue.acquire('x'), await queue.acquire('x'), await queue.acquire('x')]
  t.equal(queue.trySpare('pull', 100), undefined, 'three running: no spare slot')
  busy.pop()!()
  const spare = queue.trySpare('pull', 100)
  t.not(spare, undefined)
  busy.push(await queue.acquire('x'))
  const order: string[] = []
  const pullWork = queue.acquire('pull', { weight: 1 }).then((release) => { order.push('pull'); release() })
  const otherWork = queue.acquire('other', { weight: 1 }).then((release) => { order.push('other'); release() })
  spare!()
  for (const release of busy) release()
  await Promise.all([pullWork, otherWork])
  t.same(order, ['other', 'pull'], 'the caller that had spare turns goes after one that had none')
  t.equal(queue.running, 0)
  t.equal(queue.waiting, 0)
})
