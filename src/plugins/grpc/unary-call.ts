import { Metadata, type Deadline, type handleUnaryCall, type ServerUnaryCall } from '@grpc/grpc-js'
import type { FastifyBaseLogger } from 'fastify'
import type { GatewayObserver } from '../../core/gateway-observer.js'
import type { Principal } from '../../core/access/principal.js'
import type { GrpcCallContext, GrpcCallHooks } from './call-hooks.js'
import { toGrpcFailure, type CallState } from './status-mapping.js'
import { assertDecoded } from './tolerant-decoding.js'

export interface UnaryCallDeps {
  readonly hooks: GrpcCallHooks
  /** Read per call: whatever observer the app decorated (metrics, or a no-op). */
  readonly observer: () => GatewayObserver
  readonly log: FastifyBaseLogger
}

/**
 * Everything every unary call does around its handler, written once: the caller's deadline and a
 * signal that aborts on cancellation (both handed to the handler for the store call), the hooks,
 * the one status mapping, response metadata, and one observer record per call.
 *
 * The cache-hit path answers in tens of microseconds, so what is done per call here counts: start
 * hooks that finish synchronously (an API key, a request id) cost no promise, and the signal is
 * only made when something below asks for it (a store call; a hit never does).
 */
export function unaryCall<Request, Response> (
  deps: UnaryCallDeps, handle: (request: Request, call: GrpcCallContext) => Promise<Response>
): handleUnaryCall<Request, Response> {
  const { hooks, log } = deps
  return (call, callback) => {
    const started = performance.now()
    const context = new ServerCallContext(call)
    const finish = (codeName: string, error: unknown): void => {
      const seconds = (performance.now() - started) / 1e3
      deps.observer().grpcCall(context.method, codeName, seconds)
      if (hooks.hasDone) hooks.runDone(context, { codeName, seconds, error })
    }
    let run: Promise<Response>
    try {
      const starting = hooks.hasStart ? hooks.runStart(context) : undefined
      run = starting === undefined ? decodedThen(call.request, context, handle) : starting.then(async () => await decodedThen(call.request, context, handle))
    } catch (error) {
      // A start hook refused the call synchronously, or the request did not decode.
      run = Promise.reject(error)
    }
    run.then((response) => {
      context.settled()
      const headers = context.responseHeaders
      if (headers !== undefined) call.sendMetadata(headers)
      callback(null, response)
      finish('OK', undefined)
    }, (error: unknown) => {
      context.settled()
      const failure = toGrpcFailure(error, context.state(call.cancelled))
      if (failure.unexpected) log.error({ err: error, method: context.method }, 'gRPC call failed unexpectedly')
      const trailers = mergeMetadata(context.responseHeaders, failure.metadata)
      callback({ code: failure.code, details: failure.details, ...(trailers !== undefined && { metadata: trailers }) })
      finish(failure.codeName, error)
    })
  }
}

/** Throws (synchronously) for a request that did not decode; the caller turns that into the failure path. */
function decodedThen<Request, Response> (
  request: Request, context: GrpcCallContext, handle: (request: Request, call: GrpcCallContext) => Promise<Response>
): Promise<Response> {
  assertDecoded(request, context.method)
  return handle(request, context)
}

/** How much later than the caller's our copy of its deadline may run (see ServerCallContext.state). */
const DEADLINE_SLACK_MS = 50

class ServerCallContext implements GrpcCallContext {
  readonly method: string
  readonly deadlineAt: number | undefined
  principal: Principal | undefined = undefined
  requestId: string | undefined = undefined
  readonly #call: ServerUnaryCall<unknown, unknown>
  #controller: AbortController | undefined
  #onCancelled: (() => void) | undefined
  #responseHeaders: Metadata | undefined

  constructor (call: ServerUnaryCall<unknown, unknown>) {
    this.#call = call
    this.method = call.getPath()
    this.deadlineAt = deadlineAt(call.getDeadline())
  }

  /**
   * The handler is done. grpc-js also emits 'cancelled' after every answer it sends (it marks the
   * stream finished that way): aborting then would fire every abort listener still registered
   * below us (the SDK's among them) and build an AbortError with a stack trace, per call, for nothing.
   */
  settled (): void {
    if (this.#onCancelled !== undefined) this.#call.removeListener('cancelled', this.#onCancelled)
  }

  /**
   * Made on first use: an AbortController and a listener cost microseconds a cache hit has no use
   * for. One asked for after the caller went away starts aborted; grpc-js emits 'cancelled' when
   * the caller cancels and when its deadline passes.
   */
  get signal (): AbortSignal {
    if (this.#controller === undefined) {
      const controller = this.#controller = new AbortController()
      if (this.#call.cancelled) controller.abort()
      else this.#call.once('cancelled', this.#onCancelled = () => controller.abort())
    }
    return this.#controller.signal
  }

  get responseHeaders (): Metadata | undefined {
    return this.#responseHeaders
  }

  state (cancelled: boolean): CallState {
    if (this.deadlineAt === undefined) return cancelled ? 'cancelled' : 'active'
    const now = Date.now()
    if (now >= this.deadlineAt) return 'expired'
    // The deadline reaches us as a relative grpc-timeout, so our copy of it runs late by the request's
    // transit time; the caller cancels at its own. A cancellation just before ours is that deadline.
    if (cancelled) return now >= this.deadlineAt - DEADLINE_SLACK_MS ? 'expired' : 'cancelled'
    return 'active'
  }

  header (name: string): string | undefined {
    const value = this.#call.metadata.get(name)[0]
    return typeof value === 'string' ? value : undefined
  }

  setResponseHeader (name: string, value: string): void {
    (this.#responseHeaders ??= new Metadata()).set(name, value)
  }
}

/** grpc-js gives a Date, or Infinity when the caller set no deadline. */
function deadlineAt (deadline: Deadline): number | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline
  return Number.isFinite(ms) ? ms : undefined
}

function mergeMetadata (a: Metadata | undefined, b: Metadata | undefined): Metadata | undefined {
  if (a === undefined) return b
  if (b !== undefined) a.merge(b)
  return a
}
