import type { FeatureSetSpec } from '../../domain/feature-set-spec.js'
import { throwIfAborted } from '../../lib/backoff.js'
import type { ResolvedFeature } from '../feature-registry.js'
import { pullWork } from '../query-cost.js'
import type { ExportPlan, ExportRequest, ExportRow, FeatureExport, ReadPage } from './feature-export.js'

/** A whole pull: featureRows' arguments, with the batch size in place of the page size. */
export interface PullRequest extends Omit<ExportRequest, 'first'> {
  /** Rows per batch; the export's page limit when absent. */
  readonly batchRows?: number | null
}

/** A checked pull: everything a caller can get wrong (arguments, cursor, access) was found before any store call. */
export interface PreparedPull {
  readonly request: PullRequest
  readonly featureSet: FeatureSetSpec
  /** Columns, in request order (a set's name expanded to its features). */
  readonly features: readonly ResolvedFeature[]
  readonly batchRows: number
  /** Sets read by key besides the scanned one (requested features and filters): they price each row. */
  readonly otherSets: number
}

export interface PullBatch {
  /** In scan order; each row's cursor resumes the pull just after it. */
  readonly rows: readonly ExportRow[]
  /** Resumes the pull after this batch's rows (as `after`); undefined only on a finished pull with no rows in its last batch. */
  readonly resumeAfter: string | undefined
  /** The pull's last batch: nothing follows it. */
  readonly done: boolean
  readonly itemsScanned: number
}

export interface PullOptions {
  /** Aborts the store read in flight and ends the pull: the caller went away. */
  readonly signal?: AbortSignal
  /** Spends the caller's budget for a batch before it is handed out; throws (e.g. RateLimitedError) once spent. */
  readonly charge?: (points: number) => void | Promise<void>
  /**
   * Runs each page's read in its turn (the fair exploration queue): a pull takes one turn per page, not
   * one for its whole stream, so it shares the store with other callers' work as it goes.
   */
  readonly turn?: <T>(weight: number, read: () => Promise<T>) => Promise<T>
}

/**
 * A training pull as a stream: the export's pages one after another, each priced and handed out
 * before the next is read, so a slow reader slows the scan and memory holds one page whatever the
 * pull's size. Every page goes through FeatureExport (the same plan, validation, access and rows as
 * GraphQL featureRows); resume tokens are its cursors, so a broken pull continues with `after`.
 */
export class FeaturePull {
  readonly #export: FeatureExport

  constructor (featureExport: FeatureExport) {
    this.#export = featureExport
  }

  /** Validates and authorises the pull (throws the typed error a caller is told before the first byte). */
  prepare (request: PullRequest): PreparedPull {
    const batchRows = request.batchRows ?? this.#export.limits.maxPageSize
    const plan = this.#export.plan({ ...request, first: batchRows })
    const others = new Set([...plan.features.map((f) => f.featureSet.name), ...plan.residual.keys()])
    others.delete(plan.featureSet.name)
    return { request, featureSet: plan.featureSet, features: plan.features, batchRows, otherSets: others.size }
  }

  /**
   * The pull's batches, one export page each, until the scan is done, the signal aborts, or a read or
   * charge fails. The next page is read from the store as soon as this one's read ends, while this
   * one's values are made and the caller writes them out (one page ahead, no more), so the store and
   * the gateway work at the same time instead of by turns. A page's store reads take a turn of the
   * exploration queue; making its values is CPU here, outside the turn.
   */
  async * batches (pull: PreparedPull, options: PullOptions = {}): AsyncGenerator<PullBatch, void, undefined> {
    const readAfter = async (after: string | null | undefined): Promise<{ plan: ExportPlan, read: ReadPage }> => {
      throwIfAborted(options.signal, 'pulling rows')
      // Planned again from the last page's cursor: the cursor is the export's only notion of where a pull stands.
      const plan = this.#export.plan({ ...pull.request, first: pull.batchRows, after })
      const read = async (): Promise<ReadPage> => await this.#export.read(plan, { signal: options.signal })
      return { plan, read: options.turn === undefined ? await read() : await options.turn(pullWork(pull.batchRows, pull.otherSets), read) }
    }
    const readAhead = (after: string | null | undefined): Promise<{ plan: ExportPlan, read: ReadPage }> => {
      const read = readAfter(after)
      // Awaited when its turn comes; if the pull ends first (the reader left), its failure goes unobserved, not unhandled.
      read.catch(() => {})
      return read
    }
    let next = readAhead(pull.request.after)
    for (;;) {
      const { plan, read } = await next
      // Paid for before anything more is read: a spent budget stops the pull here.
      if (read.kept.length > 0) await options.charge?.(pullWork(read.kept.length, pull.otherSets))
      const done = !read.hasNextPage
      if (!done) next = readAhead(read.endCursor)
      throwIfAborted(options.signal, 'pulling rows')
      const page = await this.#export.values(plan, read, { servedBy: 'pull' })
      yield { rows: page.rows, resumeAfter: page.endCursor, done, itemsScanned: page.itemsScanned }
      if (done) return
    }
  }
}
