/**
 * Turns handed out one per event-loop iteration, in the order they were asked for. Several callers
 * that each cut their work into slices and yield between them (streamed pulls) would otherwise all
 * resume in the same check phase, one slice after another, and I/O waiting behind them (an online
 * lookup) would wait for all of those slices; with one turn per iteration it waits for one.
 */
export class LoopTurns {
  readonly #waiting: Array<() => void> = []
  #scheduled = false

  /** Resolves at this caller's turn: in a later loop iteration, after the I/O that iteration polls. */
  async next (): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#waiting.push(resolve)
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(this.#grant)
      }
    })
  }

  /** Callers waiting for a turn. */
  get waiting (): number {
    return this.#waiting.length
  }

  readonly #grant = (): void => {
    const resolve = this.#waiting.shift()
    // An immediate set from inside the check phase runs in the next iteration, after its poll.
    if (this.#waiting.length > 0) setImmediate(this.#grant)
    else this.#scheduled = false
    resolve?.()
  }
}
