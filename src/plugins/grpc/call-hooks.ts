import type { Principal } from '../../core/access/principal.js'

/**
 * What a gRPC call looks like to code that is not gRPC-specific: the access gate, request ids and
 * logging hook in here, once, rather than each writing its own interceptor.
 */
export interface GrpcCallContext {
  /** Full method path, e.g. /feature_store.v1.FeatureStoreService/GetOnlineFeatures. */
  readonly method: string
  /** The caller's deadline (Date.now() clock); undefined when it set none. */
  readonly deadlineAt: number | undefined
  /** Aborts when the caller cancels or its deadline passes; handed down to the store call. */
  readonly signal: AbortSignal
  /** First value of a request metadata key (keys are lower-case), e.g. "authorization", "x-request-id". */
  header (name: string): string | undefined
  /** Sent back with the answer: as initial metadata on success, as trailers on failure. */
  setResponseHeader (name: string, value: string): void
  /** The caller, once a start hook (the access gate) has admitted it; undefined with no gate. */
  principal: Principal | undefined
  /** This call's id in logs and in the answer's `x-request-id`, once the request-id hook has set it. */
  requestId?: string | undefined
}

export interface GrpcCallOutcome {
  /** gRPC status name, e.g. OK, INVALID_ARGUMENT. */
  readonly codeName: string
  readonly seconds: number
  /** The error behind a failure, for logs (never sent to the caller as is). */
  readonly error: unknown
}

/**
 * Before any work; throw a typed error (UnauthenticatedError, RateLimitedError, ...) to refuse the
 * call. Return nothing when done synchronously: the call then pays no promise for this hook.
 */
export type CallStartHook = (call: GrpcCallContext) => void | Promise<void>
/** After the answer went out, success or failure: logging. Must not throw. */
export type CallDoneHook = (call: GrpcCallContext, outcome: GrpcCallOutcome) => void

/**
 * Hooks other plugins add to every feature-store call (decorated as `fastify.grpcCallHooks`).
 * With none added, a call pays nothing for them: the hot path checks a length and moves on.
 */
export class GrpcCallHooks {
  readonly #start: CallStartHook[] = []
  readonly #done: CallDoneHook[] = []

  onCallStart (hook: CallStartHook): void {
    this.#start.push(hook)
  }

  onCallDone (hook: CallDoneHook): void {
    this.#done.push(hook)
  }

  get hasStart (): boolean {
    return this.#start.length > 0
  }

  get hasDone (): boolean {
    return this.#done.length > 0
  }

  /**
   * Runs the start hooks in order; undefined when all of them finished synchronously, else a promise
   * for the rest. A synchronous refusal is thrown from here.
   */
  runStart (call: GrpcCallContext, from = 0): Promise<void> | undefined {
    const hooks = this.#start
    for (let i = from; i < hooks.length; i++) {
      const pending = hooks[i]!(call)
      if (pending instanceof Promise) return pending.then(() => this.runStart(call, i + 1))
    }
    return undefined
  }

  runDone (call: GrpcCallContext, outcome: GrpcCallOutcome): void {
    for (const hook of this.#done) hook(call, outcome)
  }
}
