import type { StoreConfig } from '../../config.js'
import type { ExportLimits } from '../../core/export/feature-export.js'
import type { PullRequest } from '../../core/export/feature-pull.js'
import type { GatewayObserver } from '../../core/gateway-observer.js'
import type { StoreObserver } from '../../domain/ports/store-observer.js'
import type { FeatureSetSpec } from '../../domain/feature-set-spec.js'
import type { HttpFailure } from '../http-errors.js'
import type { PullFormat } from './pull-encoder.js'

/** What a pull thread is given once, at start: enough to open its own reader of the store. */
export interface PullThreadData {
  readonly store: StoreConfig
  /** The store's endpoint as opened (the embedded store's own when there is one). */
  readonly endpoint: string | undefined
  readonly embedded: boolean
  /** Store calls this thread's reader may have in flight. */
  readonly maxConcurrentCalls: number
}

/** One pull handed to a thread, already checked (arguments, cursor, access) by the gateway's thread. */
export interface PullJob {
  readonly type: 'pull'
  readonly id: number
  readonly format: PullFormat
  readonly request: PullRequest
  /** The registry as the gateway's thread saw it when the pull was checked. */
  readonly featureSets: readonly FeatureSetSpec[]
  readonly limits: ExportLimits
}

/** The gateway's thread to a pull thread. */
export type ToPullThread =
  | PullJob
  /** The reader took the last chunk: the thread may send another. */
  | { readonly type: 'credit', readonly id: number }
  /**
   * The answer to a `turn` or a `charge`: go on, or stop (the reason stays with the gateway's thread);
   * to a `spare-turn`: go on, or `declined` (no turn spare now: read nothing, the pull goes on).
   */
  | { readonly type: 'granted' | 'refused' | 'declined', readonly id: number, readonly ask: number }
  | { readonly type: 'cancel', readonly id: number }

/** What a pull thread's reader and pages report: the store's observer and the export's part of the gateway's. */
export type ThreadObserver = StoreObserver & Pick<GatewayObserver, 'featureStatuses' | 'exportPage'>

/**
 * One call the thread's observer received, replayed into the gateway's metrics as the same call.
 * Derived from ThreadObserver, so a method added there is forwarded without a copy to keep in step.
 */
export type ObservedEvent = { [K in keyof ThreadObserver]: { readonly kind: K, readonly args: Parameters<ThreadObserver[K]> } }[keyof ThreadObserver]

/** A pull thread to the gateway's thread. */
export type FromPullThread =
  /** A slice's encoded bytes (transferred, not copied) and its rows; `last` after the pull's end bytes. */
  | { readonly type: 'chunk', readonly id: number, readonly bytes: ArrayBuffer, readonly rows: number, readonly last: boolean, readonly events: readonly ObservedEvent[] }
  /**
   * Asks for a turn in the exploration queue before a page is read (weight), for a turn only if one
   * is spare now before a page is read ahead (weight), or to spend points before a page is handed out.
   */
  | { readonly type: 'turn' | 'spare-turn' | 'charge', readonly id: number, readonly ask: number, readonly amount: number }
  /** The page read in the last granted turn is done: the turn is given back. */
  | { readonly type: 'turn-done', readonly id: number, readonly ask: number }
  /** The pull failed; `typed` when the error was one a caller is told about (not a bug). */
  | { readonly type: 'failed', readonly id: number, readonly failure: HttpFailure, readonly typed: boolean, readonly detail: string, readonly events: readonly ObservedEvent[] }
  /** The pull ended after a cancel; nothing more comes for it. */
  | { readonly type: 'cancelled', readonly id: number }
