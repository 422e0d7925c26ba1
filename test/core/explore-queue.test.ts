import t from 'tap'
import { ExploreQueue, type ExploreCaller } from '../../src/core/access/explore-queue.js'
import { NO_OP_GATEWAY_OBSERVER } from '../../src/core/gateway-observer.js'
import { OPEN_PRINCIPAL, type Principal } from '../../src/core/access/principal.js'

const SETTINGS = { maxConcurrent: 3, maxConcurrentUnderLoad: 1, maxWaitingPerCaller: 1, yieldLagMs: 25 }
const key = (id: string): Principal => ({ id, scopes: new Set(['explore:read']), featureSets: undefined, via: 'api-key' })
const caller = (principal: Principal, ip = '10.0.0.1'): ExploreCaller => ({ principal, ip })
const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

t.test('exploration yields to online lookups in flight: one at a time, back to full width once they are done', async (t) => {
  const queue = new ExploreQueue(SETTINGS, { observer: NO_OP_GATEWAY_OBSERVER, lagMs: () => 0 })
  t.teardown(() => queue.close())
  queue.onlineStarted()
  const first = await queue.acquire(caller(key('a')), {})
  const second = queue.acquire(caller(key('b')), {})
  const third = queue.acquire(caller(key('c')), {})
  await sleep(30)
  t.equal(queue.running, 1, 'one exploration operation while a lookup is in flight')
  t.equal(queue.waiting, 2, 'the others wait; nobody is refused')
  queue.onlineFinished()
  const releases = await Promise.all([second, third])
  t.equal(queue.running, 3, 'full width once the lookups are done')
  for (const release of [first, ...releases]) release()
})

t.test('a lagging event loop lowers the concurrency too; a lag limit of 0 never does', async (t) => {
  let lag = 100
  const queue = new ExploreQueue(SETTINGS, { observer: NO_OP_GATEWAY_OBSERVER, lagMs: () => lag })
  const untouched = new ExploreQueue({ ...SETTINGS, yieldLagMs: 0 }, { observer: NO_OP_GATEWAY_OBSERVER, lagMs: () => lag })
  t.teardown(() => { queue.close(); untouched.close() })
  const held = [await queue.acquire(caller(key('a')), {})]
  const waiting = queue.acquire(caller(key('b')), {})
  await sleep(20)
  t.equal(queue.running, 1)
  lag = 0
  held.push(await waiting)
  t.equal(queue.running, 2)
  lag = 100
  const wide = await Promise.all([untouched.acquire(caller(key('a')), {}), untouched.acquire(caller(key('b')), {}), untouched.acquire(caller(key('c')), {})])
  t.equal(untouched.running, 3)
  for (const release of [...held, ...wide]) release()
})

t.test('who a caller is: its key, wherever it calls from; in open mode, its address', async (t) => {
  const queue = new ExploreQueue({ ...SETTINGS, maxConcurrent: 1, maxConcurrentUnderLoad: 1 }, { observer: NO_OP_GATEWAY_OBSERVER, lagMs: () => 0 })
  t.teardown(() => queue.close())
  const running = await queue.acquire(caller(key('blocker')), {})
  const waiting = [queue.acquire(caller(key('notebook'), '10.0.0.1'), {})]
  await t.rejects(queue.acquire(caller(key('notebook'), '10.0.0.2'), {}), { code: 'FG_ERR_QUEUE_FULL' }, 'the same key from another address is the same caller: its one place is taken')
  waiting.push(queue.acquire(caller(OPEN_PRINCIPAL, '10.0.0.1'), {}))
  waiting.push(queue.acquire(caller(OPEN_PRINCIPAL, '10.0.0.2'), {}))
  await t.rejects(queue.acquire(caller(OPEN_PRINCIPAL, '10.0.0.2'), {}), { code: 'FG_ERR_QUEUE_FULL' }, 'an anonymous client is told apart by address')
  t.equal(queue.waiting, 3)
  running()
  for (const pending of waiting) (await pending)()
  t.equal(queue.running, 0)
})
