import { rowKey, type RowKey } from '../../domain/feature-row.js'
import type { FeatureSetSpec } from '../../domain/feature-set-spec.js'
import type { PreparedRow, RowWriter } from '../../domain/ports/row-writer.js'
import type { WriteOutcome } from '../../domain/write-outcome.js'
import { isFeaturegateError, LimitExceededError, MissingArgumentError } from '../../errors.js'
import type { FeatureSetAuthorizer } from '../access/feature-set-authorizer.js'
import type { Principal } from '../access/principal.js'
import type { GatewayObserver } from '../gateway-observer.js'
import { parseFeatureRow, RowRejectedError, type FeatureValueReader } from './parse-feature-row.js'
import { writePreparedRows } from './write-prepared-rows.js'
import type { ReadOptions } from '../../domain/read-options.js'

export type WriteProtocol = 'grpc' | 'http'

export interface WriteLimits {
  readonly maxRows: number
  readonly maxBytes: number
  /** Store calls in flight per write call. */
  readonly concurrency: number
}

export interface FeatureWriteRequest {
  readonly featureSet: string
  /** Each `{ entity_id, event_time, features }`, as an ingest line holds it (values as readValue reads them). */
  readonly rows: readonly unknown[]
  /** A row only replaces a stored row whose event time is not later than its own. */
  readonly onlyNewer: boolean
  readonly allowMissing: boolean
}

export interface WriteCallOptions extends ReadOptions {
  /** How this protocol carries values; JSON (as ingest lines) by default. */
  readonly readValue?: FeatureValueReader
  /** How this protocol names allowMissing, for the refusal of a partial row. */
  readonly allowMissingHint?: string
  /** The request's size as received, checked against the byte limit. */
  readonly requestBytes?: number
}

export interface RowOutcome {
  readonly outcome: WriteOutcome
  /** Why a row was rejected (as ingest would report that line); absent otherwise. */
  readonly reason?: string
}

export interface FeatureWriteResult {
  readonly featureSet: string
  readonly written: number
  readonly leftAlone: number
  readonly rejected: number
  /** One per request row, in request order. */
  readonly rows: readonly RowOutcome[]
}

interface Accepted {
  readonly index: number
  readonly key: string
  readonly row: PreparedRow
}

const WRITTEN: RowOutcome = Object.freeze({ outcome: 'WRITTEN' })
const LEFT_ALONE: RowOutcome = Object.freeze({ outcome: 'LEFT_ALONE' })

/**
 * The online write both protocols call (Feast's push): check the limits, authorise the caller for
 * the set, validate every row exactly as CLI ingest does (a bad row is rejected with its reason
 * and never fails the others), write the rest through the same write step as ingest, and make this
 * replica serve them at once. Writes are idempotent (a row replaces the entity's row in the set),
 * so a whole call is safe to retry; with onlyNewer a late or repeated event never overwrites a
 * newer one. A store failure fails the call (rows before it may be written: retry the call).
 */
export class FeatureWrites {
  readonly #registry: { featureSet (name: string): FeatureSetSpec }
  readonly #writer: RowWriter
  readonly #rows: { invalidateRows (keys: Iterable<RowKey>): void }
  readonly #access: FeatureSetAuthorizer | undefined
  readonly #observer: Pick<GatewayObserver, 'rowsWritten'>
  readonly #limits: WriteLimits

  constructor (options: {
    registry: { featureSet (name: string): FeatureSetSpec }
    writer: RowWriter
    /** The replica's row cache: written rows are forgotten so the next read gets them. */
    rows: { invalidateRows (keys: Iterable<RowKey>): void }
    access: FeatureSetAuthorizer | undefined
    observer: Pick<GatewayObserver, 'rowsWritten'>
    limits: WriteLimits
  }) {
    this.#registry = options.registry
    this.#writer = options.writer
    this.#rows = options.rows
    this.#access = options.access
    this.#observer = options.observer
    this.#limits = options.limits
  }

  get limits (): WriteLimits {
    return this.#limits
  }

  /** Refuses a call too big to take, before its rows are read: HTTP checks Content-Length with it before the body arrives. */
  checkSize (rows: number | undefined, bytes: number | undefined): void {
    if (bytes !== undefined && bytes > this.#limits.maxBytes) throw new LimitExceededError('bytes in one write request', bytes, this.#limits.maxBytes)
    if (rows !== undefined && rows > this.#limits.maxRows) throw new LimitExceededError('rows in one write', rows, this.#limits.maxRows)
  }

  async write (protocol: WriteProtocol, principal: Principal | undefined, request: FeatureWriteRequest, options: WriteCallOptions = {}): Promise<FeatureWriteResult> {
    this.checkSize(request.rows.length, options.requestBytes)
    if (request.rows.length === 0) throw new MissingArgumentError('row')
    // By name first: a limited caller learns nothing of the sets it may not write, not even whether they exist.
    if (principal !== undefined && this.#access !== undefined && principal.featureSets !== undefined) {
      this.#access.authorizeFeatureSets(principal, [request.featureSet], 'write')
    }
    const spec = this.#registry.featureSet(request.featureSet)

    const outcomes = new Array<RowOutcome>(request.rows.length)
    let rejected = 0
    // Rounds of at most one row per entity, in request order: the later row of an entity is
    // written after the earlier (so it wins, or with onlyNewer the newer event wins), and every row gets a true outcome.
    const rounds: Accepted[][] = []
    const seen = new Map<string, number>()
    const rowOptions = { allowMissing: request.allowMissing, readValue: options.readValue, allowMissingHint: options.allowMissingHint }
    for (let index = 0; index < request.rows.length; index++) {
      let row: PreparedRow
      try {
        row = this.#writer.prepare(parseFeatureRow(request.rows[index], spec, rowOptions))
      } catch (error) {
        if (!(error instanceof RowRejectedError) && !isFeaturegateError(error)) throw error
        outcomes[index] = { outcome: 'REJECTED', reason: error.message }
        rejected++
        continue
      }
      const key = rowKey(spec.name, row.entityId)
      const round = seen.get(key) ?? 0
      seen.set(key, round + 1)
      ;(rounds[round] ??= []).push({ index, key, row })
    }

    let leftAlone = 0
    let failed = true
    try {
      for (const round of rounds) {
        const older = await writePreparedRows(this.#writer, round.map((entry) => entry.row), {
          signal: options.signal,
          deadlineAt: options.deadlineAt,
          onlyNewer: request.onlyNewer,
          concurrency: request.onlyNewer ? this.#limits.concurrency * 4 : this.#limits.concurrency
        })
        const olderKeys = new Set(older.map((key) => rowKey(key.featureSet, key.entityId)))
        for (const entry of round) {
          const left = olderKeys.has(entry.key)
          if (left) leftAlone++
          outcomes[entry.index] = left ? LEFT_ALONE : WRITTEN
        }
      }
      failed = false
    } finally {
      if (failed) this.#observer.rowsWritten(protocol, { written: 0, leftAlone: 0, rejected })
      // Also after a failure: some rows may be written, and this replica must not keep serving their old values.
      if (seen.size > 0) this.#rows.invalidateRows(rounds[0]!.map((entry) => entry.row))
    }
    const written = request.rows.length - rejected - leftAlone
    this.#observer.rowsWritten(protocol, { written, leftAlone, rejected })
    return { featureSet: spec.name, written, leftAlone, rejected, rows: outcomes }
  }
}
