import type { FeatureRow } from '../../domain/feature-row.js'
import type { FeatureSetSpec } from '../../domain/feature-set-spec.js'
import { throwIfAborted } from '../../lib/backoff.js'
import type { ResolvedFeature } from '../feature-registry.js'
import { pullWork } from '../query-cost.js'
import type { ScanPosition, SegmentPosition } from '../../domain/ports/bulk-reader.js'
import type { ExportPlan, ExportRequest, FeatureExport, KeptRow, ReadPage } from './feature-export.js'
import type { PageColumns } from './page-columns.js'
import { encodeCursor } from './pull-cursor.js'
import { endedInsideItsShard, samePosition, withSegment } from '../../domain/scan-positions.js'
import { ShardReadAhead, type SegmentReads } from './shard-read-ahead.js'

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
  /** The batch's rows, in scan order, by row and column; each row's cursor resumes the pull just after it. */
  readonly columns: PageColumns
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
  /**
   * Runs a read ahead of the reader in a turn only if one is free right now (nobody waiting, a slot
   * idle): resolves undefined, unread, when none is. Without it (and with `turn`), a pull reads only
   * its next page ahead; with neither, nothing is queued and later shards are read ahead freely.
   */
  readonly spareTurn?: <T>(weight: number, read: () => Promise<T>) => Promise<T | undefined>
}

/** Shards of a segment read at once, pages read ahead (the reader's next one included): a single-segment pull's read-ahead. */
const READ_AHEAD_SHARDS = 4
const READ_AHEAD_PAGES = 8

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
   *
   * A pull of one segment whose shards hold more than a page reads the next few shards too, in turns
   * the queue has spare (see #readAhead). A pull over several segments (no `segment` given: the
   * server's fan-out) reads each segment on its own, one page ahead each, and hands their pages out
   * in turn (see #fannedOut).
   */
  async * batches (pull: PreparedPull, options: PullOptions = {}): AsyncGenerator<PullBatch, void, undefined> {
    const plan = this.#export.plan({ ...pull.request, first: pull.batchRows })
    if (plan.segments.length > 1) {
      yield * this.#fannedOut(pull, plan, options)
      return
    }
    // Every page is the first page's plan from where the last one ended (as the fan-out's are): the
    // request is checked and its filters parsed once, not again from a cursor for every page.
    const segment = plan.segments[0]!
    const firstShard = this.#export.shardsOfSegment(segment, plan.position.totalSegments)[0]
    const readFrom = (position: ScanPosition): Promise<ReadPage> => {
      throwIfAborted(options.signal, 'pulling rows')
      return quietly(this.#readPage(pull, { ...plan, position }, options))
    }
    let next: Promise<ReadPage> | undefined = readFrom(plan.position)
    let ahead: ShardReadAhead | undefined
    try {
      let from = plan.position.segments[segment]
      for (;;) {
        const read = next !== undefined ? await next : await ahead!.next()
        const to = read.endPosition.segments[segment]
        requireProgress(read, [[from, to]])
        // Paid for before anything more is read: a spent budget stops the pull here.
        if (read.kept.length > 0) await options.charge?.(pullWork(read.kept.length, pull.otherSets))
        const done = !read.hasNextPage
        next = undefined
        if (!done && ahead === undefined) {
          // Shards hold more than a page: from here on, later shards are read while this one is.
          if (endedInsideItsShard(from === 'start' ? { shard: firstShard ?? -1 } : from, to)) ahead = this.#readAhead(pull, plan, read.endPosition, read.bytesRead, options)
          else next = readFrom(read.endPosition)
        }
        from = to
        throwIfAborted(options.signal, 'pulling rows')
        const page = await this.#export.values(plan, read, { servedBy: 'pull' })
        yield { columns: page.columns, resumeAfter: page.endCursor, done, itemsScanned: page.itemsScanned }
        if (done) return
      }
    } finally {
      ahead?.stop()
    }
  }

  /**
   * A segment whose shards hold more than a page, read several shards at once from `position`
   * (ShardReadAhead): the reader's next page in a turn of the queue as soon as its last one is read,
   * later shards in spare turns (`spareTurn`). Each page then ends where its shard does, and pages
   * come in the segment's own order, so rows and resume tokens are those of reading one page after
   * another. Its reads start at once, as a next page's would.
   */
  #readAhead (pull: PreparedPull, plan: ExportPlan, position: ScanPosition, pageBytes: number, options: PullOptions): ShardReadAhead {
    const segment = plan.segments[0]!
    const weight = pullWork(pull.batchRows, pull.otherSets)
    const readAt = async (at: ScanPosition): Promise<ReadPage> => {
      throwIfAborted(options.signal, 'pulling rows')
      return await this.#export.read({ ...plan, position: at }, { signal: options.signal }, { shardOnly: true })
    }
    const { turn, spareTurn } = options
    // With no queue (turn absent) nothing waits for turns, so reading ahead needs no spare one either.
    const reads: SegmentReads = turn === undefined
      ? { read: readAt, readSpare: readAt }
      : {
          read: async (at) => await turn(weight, async () => await readAt(at)),
          ...(spareTurn !== undefined && { readSpare: async (at: ScanPosition) => await spareTurn(weight, async () => await readAt(at)) })
        }
    const shards = this.#export.shardsOfSegment(segment, position.totalSegments)
    return new ShardReadAhead(segment, shards, position, reads, { shards: READ_AHEAD_SHARDS, pages: READ_AHEAD_PAGES, bytes: this.#export.limits.maxPageBytes }, pageBytes)
  }

  /**
   * The server's fan-out: each covered segment is read on its own, one page ahead, so the store
   * serves all of them at once, and their pages are handed out in turn, segment after segment
   * (round robin over the segments not yet done). Within a segment rows keep the store's order; a
   * resume token holds where every segment stands in what was handed out (this segment after the
   * row, the others after their last page handed out), so resuming continues each segment exactly
   * there and every row still comes once. At most one page per segment is read ahead of the reader.
   */
  async * #fannedOut (pull: PreparedPull, plan: ExportPlan, options: PullOptions): AsyncGenerator<PullBatch, void, undefined> {
    const { totalSegments } = plan.position
    const handedOut: SegmentPosition[] = [...plan.position.segments]
    const readSegment = (segment: number, position: ScanPosition): Promise<ReadPage> => {
      throwIfAborted(options.signal, 'pulling rows')
      return quietly(this.#readPage(pull, { ...plan, segments: [segment], position }, options))
    }
    const open = plan.segments.filter((segment) => plan.position.segments[segment] !== 'done')
    const next = new Map(open.map((segment) => [segment, readSegment(segment, plan.position)]))
    let turn = 0
    // Items examined by reads that had no rows to hand out, counted with the next batch.
    let examinedUnreported = 0
    if (open.length === 0) {
      const page = await this.#export.values(plan, await this.#readPage(pull, plan, options), { servedBy: 'pull' })
      yield { columns: page.columns, resumeAfter: page.endCursor, done: true, itemsScanned: page.itemsScanned }
      return
    }
    while (open.length > 0) {
      const segment = open[turn]!
      const read = await next.get(segment)!
      requireProgress(read, [[handedOut[segment], read.endPosition.segments[segment]]])
      if (read.kept.length > 0) await options.charge?.(pullWork(read.kept.length, pull.otherSets))
      const segmentDone = !read.hasNextPage
      if (segmentDone) {
        next.delete(segment)
        open.splice(turn, 1)
      } else {
        next.set(segment, readSegment(segment, read.endPosition))
        turn++
      }
      if (turn >= open.length) turn = 0
      throwIfAborted(options.signal, 'pulling rows')
      const others: ScanPosition = { totalSegments, segments: [...handedOut] }
      const at = (position: SegmentPosition): ScanPosition => withSegment(others, segment, position)
      const kept = read.kept.map((row) => new HandedOutRow(row, others, segment))
      handedOut[segment] = read.endPosition.segments[segment]!
      const done = open.length === 0
      // A segment that ended with no rows left: nothing to hand out (the next batch's token counts it done).
      if (kept.length === 0 && !done) {
        examinedUnreported += read.itemsScanned
        continue
      }
      const endCursor = !done || kept.length > 0 ? encodeCursor(plan, at(handedOut[segment])) : undefined
      const itemsScanned = read.itemsScanned + examinedUnreported
      examinedUnreported = 0
      const page = await this.#export.values(plan, { ...read, kept, hasNextPage: !done, endCursor, itemsScanned }, { servedBy: 'pull' })
      yield { columns: page.columns, resumeAfter: page.endCursor, done, itemsScanned: page.itemsScanned }
    }
  }

  /** One page's store reads, in a turn of the exploration queue when there is one. */
  async #readPage (pull: PreparedPull, plan: ExportPlan, options: PullOptions): Promise<ReadPage> {
    const read = async (): Promise<ReadPage> => await this.#export.read(plan, { signal: options.signal })
    return options.turn === undefined ? await read() : await options.turn(pullWork(pull.batchRows, pull.otherSets), read)
  }
}

/**
 * A row of one segment's page as the fan-out hands it out: resuming after it continues its segment
 * just after it and every other segment where it stood in what was handed out before. The position
 * is made only when asked for (a batch's cursor), not for every row.
 */
class HandedOutRow implements KeptRow {
  readonly entityId: string
  readonly row: FeatureRow
  readonly #read: KeptRow
  readonly #others: ScanPosition
  readonly #segment: number

  constructor (read: KeptRow, others: ScanPosition, segment: number) {
    this.entityId = read.entityId
    this.row = read.row
    this.#read = read
    this.#others = others
    this.#segment = segment
  }

  get after (): ScanPosition {
    return withSegment(this.#others, this.#segment, this.#read.after.segments[this.#segment]!)
  }
}

/**
 * A page with no rows that says more follow must have moved on, or the pull would read the same
 * page forever: a fault (in the reader, or limits that let a page read nothing), thrown so the pull
 * ends with the error marker instead of spinning.
 */
function requireProgress (read: ReadPage, moves: ReadonlyArray<readonly [SegmentPosition | undefined, SegmentPosition | undefined]>): void {
  if (read.kept.length > 0 || !read.hasNextPage) return
  if (moves.every(([from, to]) => samePosition(from, to))) throw new Error('a pull page read nothing and did not move on')
}

/** A read started ahead: awaited when its turn comes; if the pull ends first (the reader left), its failure goes unobserved, not unhandled. */
function quietly<T> (read: Promise<T>): Promise<T> {
  read.catch(() => {})
  return read
}
