import { createHash } from 'node:crypto'
import type { FeatureSetSpec } from '../../domain/feature-set-spec.js'
import type { BulkReader, ScanCondition, ScanPosition } from '../../domain/ports/bulk-reader.js'
import type { FeatureRow, RowResult } from '../../domain/feature-row.js'
import type { ReadOptions } from '../../domain/read-options.js'
import { InvalidFilterError, LimitExceededError, MissingArgumentError } from '../../errors.js'
import type { FeatureSetAuthorizer } from '../access/feature-set-authorizer.js'
import { namedSets } from '../access/named-sets.js'
import type { Principal } from '../access/principal.js'
import type { EntityFeatures } from '../feature-lookup.js'
import type { GatewayObserver, StatusProtocol } from '../gateway-observer.js'
import { requireAtMost } from '../limits.js'
import type { FeatureRegistry, ResolvedFeature } from '../feature-registry.js'
import { KnownRows, PageKeyReads } from './page-rows.js'
import { PageColumns } from './page-columns.js'
import { decodeCursor, encodeCursor } from './pull-cursor.js'
import { shardAt, singleSegmentShard } from '../../domain/scan-positions.js'
import { placeConditions } from './placed-conditions.js'
import { canonicalFilter, matches, type FilterInput } from './scan-filter.js'

export type { FilterInput } from './scan-filter.js'

export interface ExportRequest {
  /** The caller, refused any set the pull touches that it may not read; undefined with no access rules. */
  readonly principal?: Principal
  readonly featureSet: string
  readonly features: readonly string[]
  readonly first: number
  readonly after?: string | null
  readonly filters?: readonly FilterInput[] | null
  /** Row event time window on `featureSet`, ms since the epoch. */
  readonly eventTimeAfter?: number | null
  readonly eventTimeBefore?: number | null
  readonly segment?: { readonly index: number, readonly count: number } | null
}

export interface ExportLimits {
  readonly maxPageSize: number
  readonly maxFeaturesPerRequest: number
  readonly maxScanItemsPerPage: number
  readonly scanSegments: number
  readonly defaultDeadlineMs: number
  /** Bytes of rows one page may hold (as read from the store), besides its row count: it ends early when they are spent. */
  readonly maxPageBytes: number
}

/** A checked request: everything a caller can get wrong was found before any store call. */
export interface ExportPlan {
  readonly featureSet: FeatureSetSpec
  readonly features: readonly ResolvedFeature[]
  readonly first: number
  /** Conditions on `featureSet` (and its event time), evaluated by DynamoDB. */
  readonly pushedDown: readonly ScanCondition[]
  /** Conditions on other sets' features, evaluated here after reading those rows by key. */
  readonly residual: ReadonlyMap<string, { readonly spec: FeatureSetSpec, readonly conditions: readonly ScanCondition[] }>
  readonly describePushedDown: readonly string[]
  readonly describeResidual: readonly string[]
  readonly segments: readonly number[]
  readonly position: ScanPosition
  /** When the pull started: relative time windows and staleness are judged as of then, on every page. */
  readonly startedAt: number
  readonly fingerprint: string
}

export interface PageOptions extends ReadOptions {
  /** Who hands the page's values out, for the per-status counts; absent for internal reads (statistics). */
  readonly servedBy?: Exclude<StatusProtocol, 'grpc'>
}

export interface ExportRow {
  readonly entity: EntityFeatures
  readonly cursor: string
}

/** A row a page keeps: its entity, its row of the scanned set, and where resuming after it starts. */
export interface KeptRow {
  readonly entityId: string
  readonly row: FeatureRow
  readonly after: ScanPosition
}

/** A page's rows as read from the store, before their values are made (FeatureExport.read). */
export interface ReadPage {
  readonly kept: readonly KeptRow[]
  /** Other sets' rows the page read by key (for filters and columns); the scanned set's rows are in `kept`. */
  readonly known: KnownRows
  /** The read's deadline and signal, which the values keep. */
  readonly readOptions: ReadOptions
  readonly hasNextPage: boolean
  readonly endCursor: string | undefined
  /** Where the read's segments stand after it (what endCursor encodes). */
  readonly endPosition: ScanPosition
  readonly itemsScanned: number
  readonly storeCalls: number
  /** Bytes of the store's answers the read held (scanned rows and rows read by key). */
  readonly bytesRead: number
}

/** How far one read may go besides its page limits. */
export interface ReadScope {
  /**
   * Stop where the shard the plan's one segment stands in ends, even with rows still wanted: the
   * segment's later shards are read by other reads at the same time (FeaturePull's read-ahead).
   */
  readonly shardOnly?: boolean
}

/** A page's values as columns (a pull's encoders write them out as they are). */
export interface PageValues {
  readonly columns: PageColumns
  readonly hasNextPage: boolean
  readonly endCursor: string | undefined
  readonly itemsScanned: number
  readonly storeCalls: number
}

/** A page as a lookup answers: an object per row and cell (GraphQL's edges, samples). */
export interface ExportPage extends Omit<PageValues, 'columns'> {
  readonly features: readonly ResolvedFeature[]
  readonly rows: readonly ExportRow[]
}

const MAX_FILTERS = 50
const MAX_TOTAL_SEGMENTS = 1_000
/** Candidates read per wanted row when gateway-side filters will drop some. */
const RESIDUAL_OVERREAD = 2

/**
 * Bulk pulls for training: the entities of one feature set page by page (opaque cursors carrying
 * each scan segment's position), with the requested features of any set and filters. Rows come from
 * the bulk scanner (no cache); the values and statuses come from the same FeatureLookup code the
 * online path uses, fed from the page's rows, so a pulled value reads exactly as a looked-up one.
 */
export class FeatureExport {
  readonly #registry: FeatureRegistry
  readonly #scanner: BulkReader
  readonly #limits: ExportLimits
  readonly #access: FeatureSetAuthorizer | undefined
  readonly #observer: Pick<GatewayObserver, 'featureStatuses' | 'exportPage'> | undefined
  readonly #keyReads: PageKeyReads

  constructor (registry: FeatureRegistry, scanner: BulkReader, limits: ExportLimits, access?: FeatureSetAuthorizer, observer?: Pick<GatewayObserver, 'featureStatuses' | 'exportPage'>) {
    this.#registry = registry
    this.#scanner = scanner
    this.#keyReads = new PageKeyReads(scanner)
    this.#limits = limits
    this.#access = access
    this.#observer = observer
  }

  get limits (): ExportLimits {
    return this.#limits
  }

  /** The shards a segment reads, in order (the bulk reader's layout), so a pull can read later ones ahead. */
  shardsOfSegment (index: number, totalSegments: number): readonly number[] {
    return this.#scanner.shardsOfSegment(index, totalSegments)
  }

  /** Refuses a page larger than the configured maximum. */
  checkPageSize (first: number): void {
    requireAtMost('rows per page', first, this.#limits.maxPageSize)
  }

  plan (request: ExportRequest, now = Date.now()): ExportPlan {
    // By name first: a limited caller learns nothing of the sets it may not read, not even whether they exist.
    if (request.principal?.featureSets !== undefined && this.#access !== undefined) {
      this.#access.authorizeFeatureSets(request.principal, namedSets([request.featureSet, ...request.features, ...(request.filters ?? []).map((f) => f.feature)]))
    }
    if (!Number.isInteger(request.first) || request.first < 1) throw new LimitExceededError('rows per page', request.first, 'at least 1')
    this.checkPageSize(request.first)
    const featureSet = this.#registry.featureSet(request.featureSet)
    if (request.features.length === 0) throw new MissingArgumentError('feature')
    const features = this.#registry.resolve(request.features)
    if (features.length > this.#limits.maxFeaturesPerRequest) throw new LimitExceededError('features', features.length, this.#limits.maxFeaturesPerRequest)

    let totalSegments = this.#limits.scanSegments
    let segments = Array.from({ length: totalSegments }, (_, i) => i)
    if (request.segment !== undefined && request.segment !== null) {
      const { index, count } = request.segment
      if (!Number.isInteger(count) || count < 1 || count > MAX_TOTAL_SEGMENTS) throw new InvalidFilterError('segment', `count must be an integer from 1 to ${MAX_TOTAL_SEGMENTS}`)
      if (!Number.isInteger(index) || index < 0 || index >= count) throw new InvalidFilterError('segment', `index must be an integer from 0 to ${count - 1}`)
      totalSegments = count
      segments = [index]
    }

    const filters = request.filters ?? []
    if (filters.length > MAX_FILTERS) throw new LimitExceededError('filters', filters.length, MAX_FILTERS)
    const window = { after: request.eventTimeAfter ?? undefined, before: request.eventTimeBefore ?? undefined }
    // A cursor only continues the pull it came from: same set, filters, window and segmentation.
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([featureSet.name, filters.map(canonicalFilter), window.after ?? null, window.before ?? null, totalSegments, segments]))
      .digest('base64url').slice(0, 16)
    let position: ScanPosition = { totalSegments, segments: Array.from({ length: totalSegments }, () => 'start' as const) }
    // Relative windows (withinLastSeconds) and staleness are judged as of the pull's first page, on every page.
    let startedAt = now
    if (request.after !== undefined && request.after !== null) {
      const cursor = decodeCursor(request.after, fingerprint, totalSegments)
      position = cursor.position
      startedAt = cursor.startedAt
    }

    const { pushedDown, residual, describePushedDown, describeResidual } = placeConditions(filters, window, featureSet, this.#registry, startedAt)
    if (request.principal !== undefined && this.#access !== undefined) {
      this.#access.authorizeFeatureSets(request.principal, new Set([featureSet.name, ...features.map((f) => f.featureSet.name), ...residual.keys()]))
    }
    return { featureSet, features, first: request.first, pushedDown, residual, describePushedDown, describeResidual, segments, position, startedAt, fingerprint }
  }

  /** One page: scan until `first` rows match, the covered segments end, or the page's item or byte budget is spent. */
  async page (plan: ExportPlan, options: PageOptions = {}): Promise<ExportPage> {
    const { columns, ...page } = await this.values(plan, await this.read(plan, options), options)
    const rows = columns.entities().map((entity, row): ExportRow => new PagedRow(entity, columns, row))
    return { ...page, features: plan.features, rows }
  }

  /**
   * A page's store reads: the scan, and by key every other set's row its filters and columns need.
   * Its end cursor is known before any value is made, so a pull reads its next page from the store
   * while this one's values are made (values, below: CPU only).
   */
  async read (plan: ExportPlan, options: ReadOptions = {}, scope: ReadScope = {}): Promise<ReadPage> {
    const onlyShard = scope.shardOnly === true ? singleSegmentShard(plan.segments, plan.position) : undefined
    const readOptions: ReadOptions = { signal: options.signal, deadlineAt: options.deadlineAt ?? Date.now() + this.#limits.defaultDeadlineMs }
    const drivingNames = new Set(plan.features.filter((f) => f.featureSet.name === plan.featureSet.name).map((f) => f.feature.name))
    const others = otherSetColumns(plan)
    const known = new KnownRows()
    const kept: KeptRow[] = []
    let position = plan.position
    let exhausted = position.segments.every((s, i) => s === 'done' || !plan.segments.includes(i))
    let itemsScanned = 0
    let storeCalls = 0
    // Rows are bounded in bytes too: a page of 400 KB items must not hold 1,000 of them. The scanned
    // set's rows and other sets' rows read by key each have the budget, so a page of large scanned rows
    // still reads its joined columns (rather than being cut to a row and scanning the rest again).
    const maxBytes = this.#limits.maxPageBytes
    let scannedBytes = 0
    let keyedBytes = 0
    const residualColumns = [...plan.residual.values()].map(({ spec, conditions }) => ({
      spec,
      // The set's requested columns too, so the answer needs no second read of these rows.
      features: [...new Set([...conditions.flatMap((c) => c.kind === 'event_time' ? [] : [c.feature]), ...(others.get(spec.name)?.features ?? [])])]
    }))
    while (kept.length < plan.first && !exhausted && itemsScanned < this.#limits.maxScanItemsPerPage && scannedBytes < maxBytes && keyedBytes < maxBytes) {
      const wanted = plan.first - kept.length
      const result = await this.#scanner.scan({
        featureSet: plan.featureSet,
        attributes: [...drivingNames],
        conditions: plan.pushedDown,
        position,
        segments: plan.segments,
        maxRows: plan.residual.size > 0 ? wanted * RESIDUAL_OVERREAD : wanted,
        maxItems: this.#limits.maxScanItemsPerPage - itemsScanned,
        maxBytes: maxBytes - scannedBytes,
        parallelism: plan.segments.length,
        ...(onlyShard !== undefined && { shardOnly: true })
      }, readOptions)
      itemsScanned += result.itemsScanned
      storeCalls += result.calls
      scannedBytes += result.bytesRead
      let candidates = result.rows
      let cutShort = false
      if (plan.residual.size > 0 && candidates.length > 0) {
        const read = await this.#keyReads.readInto(known, candidates.map((c) => c.entityId), residualColumns, maxBytes - keyedBytes, readOptions)
        storeCalls += read.calls
        keyedBytes += read.bytes
        if (read.entities < candidates.length) {
          // The budget ran out part way: the page ends after the last candidate whose rows were read.
          candidates = candidates.slice(0, read.entities)
          cutShort = true
        }
        const lastRead = candidates[candidates.length - 1]!
        candidates = candidates.filter((c) => {
          for (const { spec, conditions } of plan.residual.values()) {
            const row = known.get(spec.name, c.entityId)
            if (!conditions.every((condition) => matches(row, condition))) return false
          }
          return true
        })
        if (cutShort && candidates.length <= wanted) {
          position = lastRead.after
          for (const c of candidates) kept.push(c)
          break
        }
      }
      if (candidates.length > wanted) {
        candidates = candidates.slice(0, wanted)
        position = candidates[candidates.length - 1]!.after
      } else {
        position = result.position
        exhausted = result.exhausted
      }
      for (const c of candidates) kept.push(c)
      if (onlyShard !== undefined && shardAt(position.segments[plan.segments[0]!]) !== onlyShard) break
    }

    // The requested columns of other sets (those a residual filter read are in hand), so that making the values reads nothing.
    const otherNames = [...others.keys()]
    const unread = otherNames.length === 0 ? [] : kept.filter(({ entityId }) => otherNames.some((name) => !known.has(name, entityId)))
    if (unread.length > 0) {
      const read = await this.#keyReads.readInto(known, unread.map((k) => k.entityId), [...others.values()], maxBytes - keyedBytes, readOptions)
      storeCalls += read.calls
      if (read.entities < unread.length) {
        // The budget ran out part way: the page ends before the first row whose columns were not read.
        const firstUnread = kept.indexOf(unread[read.entities]!)
        kept.length = firstUnread
        position = kept[firstUnread - 1]!.after
        exhausted = false
      }
    }
    const hasNextPage = !exhausted
    return {
      bytesRead: scannedBytes + keyedBytes,
      kept,
      known,
      readOptions,
      hasNextPage,
      endCursor: hasNextPage || kept.length > 0 ? encodeCursor(plan, position) : undefined,
      endPosition: position,
      itemsScanned,
      storeCalls
    }
  }

  /**
   * A read page's values and statuses, by row and column, from the rows read: read() brought every
   * row the page's columns need, so a row asked for that it did not read is a fault here, not a store call.
   */
  async values (plan: ExportPlan, read: ReadPage, options: Pick<PageOptions, 'servedBy'> = {}): Promise<PageValues> {
    const { kept, known, itemsScanned, storeCalls } = read
    const scanned = plan.featureSet.name
    const rowOf = (featureSet: string, row: number): RowResult => {
      const { entityId, row: scannedRow } = kept[row]!
      if (featureSet === scanned) return scannedRow
      if (!known.has(featureSet, entityId)) throw new Error(`the page did not read ${featureSet}'s row of ${entityId}`)
      return known.get(featureSet, entityId)
    }
    // A row's cursor is encoded only when asked for: GraphQL edges want one per row, a streamed pull one per batch.
    const columns = await PageColumns.of(plan.features, kept.map((k) => k.entityId), rowOf, plan.startedAt, (row) => encodeCursor(plan, kept[row]!.after))
    if (options.servedBy !== undefined) {
      this.#observer?.featureStatuses(options.servedBy, columns.statusCounts())
      this.#observer?.exportPage(options.servedBy, columns.length, itemsScanned)
    }
    return { columns, hasNextPage: read.hasNextPage, endCursor: read.endCursor, itemsScanned, storeCalls }
  }
}

/** Each other set the page's columns come from, with its requested features (each once, in request order). */
function otherSetColumns (plan: ExportPlan): Map<string, { spec: FeatureSetSpec, features: string[] }> {
  const others = new Map<string, { spec: FeatureSetSpec, features: string[] }>()
  for (const { featureSet, feature } of plan.features) {
    if (featureSet.name === plan.featureSet.name) continue
    let entry = others.get(featureSet.name)
    if (entry === undefined) others.set(featureSet.name, entry = { spec: featureSet, features: [] })
    if (!entry.features.includes(feature.name)) entry.features.push(feature.name)
  }
  return others
}

/** A row of a page whose cursor is encoded only when read (a class: one shape for every row, the getter on its prototype). */
class PagedRow implements ExportRow {
  readonly entity: EntityFeatures
  readonly #columns: PageColumns
  readonly #row: number

  constructor (entity: EntityFeatures, columns: PageColumns, row: number) {
    this.entity = entity
    this.#columns = columns
    this.#row = row
  }

  get cursor (): string {
    return this.#columns.cursor(this.#row)
  }
}
