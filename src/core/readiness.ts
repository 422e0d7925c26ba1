import type { FeatureRegistry } from './feature-registry.js'

export interface ReadinessReport {
  readonly ready: boolean
  /** Why not, in words an operator can act on. */
  readonly reason?: string
}

/**
 * One answer to "should traffic come here?" for HTTP /readyz and gRPC health alike: the store
 * answers, the registry is loaded, and the process is not draining for shutdown.
 */
export class Readiness {
  readonly #ping: (signal: AbortSignal) => Promise<void>
  readonly #registry: FeatureRegistry
  #draining = false

  constructor (ping: (signal: AbortSignal) => Promise<void>, registry: FeatureRegistry) {
    this.#ping = ping
    this.#registry = registry
  }

  /** Shutdown begins: report not ready from now on so load balancers stop sending work. */
  drain (): void {
    this.#draining = true
  }

  get draining (): boolean {
    return this.#draining
  }

  async check (timeoutMs = 1_000): Promise<ReadinessReport> {
    if (this.#draining) return { ready: false, reason: 'shutting down' }
    if (!this.#registry.loaded) return { ready: false, reason: 'feature registry not loaded yet' }
    try {
      await this.#ping(AbortSignal.timeout(timeoutMs))
    } catch {
      return { ready: false, reason: 'feature store unreachable' }
    }
    return { ready: true }
  }
}
