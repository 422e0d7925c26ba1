import { setImmediate as nextTurn } from 'node:timers/promises'

/**
 * A page of 1,000 rows with embeddings takes graphql tens of milliseconds to complete, and in one
 * go that would stall every gRPC lookup sharing this event loop. Handing the rows to graphql as
 * promises that settle `perTurn` at a time, one event-loop turn apart, lets I/O (online lookups)
 * in between chunks; the answer is the same.
 */
export function spreadOverTurns<T> (items: readonly T[], perTurn: number): Array<T | Promise<T>> {
  if (items.length <= perTurn) return [...items]
  const spread: Array<T | Promise<T>> = items.slice(0, perTurn)
  let turn: Promise<unknown> = Promise.resolve()
  for (let start = perTurn; start < items.length; start += perTurn) {
    turn = turn.then(async () => await nextTurn())
    const ready = turn
    for (let i = start; i < Math.min(items.length, start + perTurn); i++) spread.push(ready.then(() => items[i]!))
  }
  return spread
}
