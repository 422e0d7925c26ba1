/** Caps concurrent store calls, as Feast's Go DynamoDB store does, so a burst queues here instead of at DynamoDB. */
export class Semaphore {
  #available: number
  readonly #waiting: Array<() => void> = []

  constructor (permits: number) {
    this.#available = permits
  }

  async acquire (): Promise<void> {
    if (this.#available > 0) {
      this.#available--
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }

  release (): void {
    const next = this.#waiting.shift()
    if (next !== undefined) next()
    else this.#available++
  }
}
