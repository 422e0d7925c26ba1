import { status, type ServerWritableStream } from '@grpc/grpc-js'
import type { HealthHandlers } from '../../generated/proto/grpc/health/v1/Health.js'
import type { HealthCheckRequest__Output } from '../../generated/proto/grpc/health/v1/HealthCheckRequest.js'
import type { HealthCheckResponse, HealthCheckResponse__Output } from '../../generated/proto/grpc/health/v1/HealthCheckResponse.js'

type ServingStatus = HealthCheckResponse__Output['status']
type Watcher = ServerWritableStream<HealthCheckRequest__Output, HealthCheckResponse>

export interface HealthServiceOptions {
  /** Service names answered besides "" (the server as a whole). */
  readonly services: readonly string[]
  /** Asks the gateway's readiness; true means traffic may come. */
  readonly check: () => Promise<boolean>
}

/**
 * grpc.health.v1, tied to the same Readiness as HTTP /readyz: NOT_SERVING until the first check
 * passes, SERVING while the store answers and the registry is loaded, NOT_SERVING again when the
 * store is unreachable or the gateway drains. Check asks readiness afresh (concurrent Checks share
 * one question), so a probe never reads a stale answer; Watch streams every change, driven by
 * refresh() (the plugin polls) and by Checks.
 */
export class HealthService {
  readonly #options: HealthServiceOptions
  readonly #known: ReadonlySet<string>
  readonly #watchers = new Set<Watcher>()
  /** Watching a service we do not know: told nothing more, but ended at shutdown like the rest. */
  readonly #unknownWatchers = new Set<Watcher>()
  #status: ServingStatus = 'NOT_SERVING'
  #inflight: Promise<ServingStatus> | undefined
  #shutDown = false

  constructor (options: HealthServiceOptions) {
    this.#options = options
    this.#known = new Set(['', ...options.services])
  }

  get status (): ServingStatus {
    return this.#status
  }

  /** Asks readiness now (sharing an answer already on its way) and tells watchers of any change. */
  async refresh (): Promise<ServingStatus> {
    if (this.#shutDown) return this.#status
    this.#inflight ??= this.#options.check()
      .catch(() => false)
      .then((ready) => {
        this.#set(ready ? 'SERVING' : 'NOT_SERVING')
        return this.#status
      })
      .finally(() => { this.#inflight = undefined })
    return await this.#inflight
  }

  /**
   * Shutdown begins: NOT_SERVING for good, told to every watcher, whose streams then end so that
   * they do not hold the server's graceful shutdown open until its deadline.
   */
  shutdown (): void {
    this.#set('NOT_SERVING')
    this.#shutDown = true
    for (const watcher of [...this.#watchers, ...this.#unknownWatchers]) watcher.end()
    this.#watchers.clear()
    this.#unknownWatchers.clear()
  }

  readonly handlers: HealthHandlers = {
    Check: (call, callback) => {
      const service = call.request.service
      if (!this.#known.has(service)) {
        callback({ code: status.NOT_FOUND, details: `Unknown service "${service.slice(0, 200)}"` })
        return
      }
      void this.refresh().then((serving) => callback(null, { status: serving }))
    },
    Watch: (call) => {
      const service = call.request.service
      if (!this.#known.has(service)) {
        // The protocol keeps the stream open: the service may appear later (here it never will).
        call.write({ status: 'SERVICE_UNKNOWN' })
        if (this.#shutDown) call.end()
        else {
          this.#unknownWatchers.add(call)
          call.on('cancelled', () => this.#unknownWatchers.delete(call))
        }
        return
      }
      call.write({ status: this.#status })
      if (this.#shutDown) {
        call.end()
        return
      }
      this.#watchers.add(call)
      call.on('cancelled', () => this.#watchers.delete(call))
    }
  }

  #set (next: ServingStatus): void {
    if (next === this.#status || this.#shutDown) return
    this.#status = next
    for (const watcher of this.#watchers) watcher.write({ status: next })
  }
}
