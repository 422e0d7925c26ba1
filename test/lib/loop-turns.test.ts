import t from 'tap'
import { setImmediate as immediate } from 'node:timers/promises'
import { LoopTurns } from '../../src/lib/loop-turns.js'

/** Counts event-loop iterations: an immediate that sets itself again runs once per iteration. */
function iterationCounter (): { readonly now: () => number, readonly stop: () => void } {
  let iterations = 0
  let running = true
  const step = (): void => {
    iterations++
    if (running) setImmediate(step)
  }
  setImmediate(step)
  return { now: () => iterations, stop: () => { running = false } }
}

/** `workers` callers each taking `slices` turns; the iteration each slice ran in, in the order they ran. */
async function slicesRun (workers: number, slices: number, yieldBetween: () => Promise<void>): Promise<Array<{ worker: number, iteration: number }>> {
  const loop = iterationCounter()
  const ran: Array<{ worker: number, iteration: number }> = []
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    for (let slice = 0; slice < slices; slice++) {
      await yieldBetween()
      ran.push({ worker, iteration: loop.now() })
    }
  }))
  loop.stop()
  return ran
}

t.test('callers that yield between slices get one slice per loop iteration, in turn', async (t) => {
  const turns = new LoopTurns()
  const ran = await slicesRun(4, 5, async () => await turns.next())
  t.equal(ran.length, 20)
  t.same(ran.map((r) => r.worker), Array.from({ length: 20 }, (_, i) => i % 4), 'round-robin over the callers, in the order they asked')
  for (let i = 1; i < ran.length; i++) {
    t.ok(ran[i]!.iteration > ran[i - 1]!.iteration, `slice ${i} ran in a later iteration than slice ${i - 1}`)
  }
  t.equal(turns.waiting, 0)
})

t.test('each caller yielding on its own runs several callers\' slices in one iteration (what the turns prevent)', async (t) => {
  const ran = await slicesRun(4, 5, async () => { await immediate() })
  const perIteration = new Map<number, number>()
  for (const r of ran) perIteration.set(r.iteration, (perIteration.get(r.iteration) ?? 0) + 1)
  t.ok(Math.max(...perIteration.values()) > 1, 'some iteration ran more than one slice')
})

t.test('I/O polled between two turns runs before the next turn', async (t) => {
  const turns = new LoopTurns()
  const order: string[] = []
  // A timer due now stands for a callback waiting behind the slices (a lookup's socket read).
  const workers = Array.from({ length: 3 }, async (_, w) => {
    await turns.next()
    order.push(`slice ${w}`)
    if (w === 0) setTimeout(() => order.push('timer'), 0)
    const until = Date.now() + 5
    while (Date.now() < until) { /* a slice's work: longer than the timer's delay */ }
  })
  await Promise.all(workers)
  t.same(order, ['slice 0', 'timer', 'slice 1', 'slice 2'], 'the timer set in the first slice fired before the second slice')
})
