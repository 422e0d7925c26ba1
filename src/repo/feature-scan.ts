import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { StoreConfig } from '../config.js'
import type { FeatureRow, RowRequest, RowResult } from '../domain/feature-row.js'
import type { FeatureSetSpec } from '../domain/feature-set-spec.js'
import type { BulkReader, ScanCondition, ScanPosition, ScanRequest, ScanResult, ScannedRow, SegmentPosition, ShardPosition } from '../domain/ports/bulk-reader.js'
import type { StoreObserver } from '../domain/ports/store-observer.js'
import type { ReadOptions } from '../domain/read-options.js'
import { DeadlineExceededError, InvalidCursorError, NotReadyError, type FeaturegateError } from '../errors.js'
import { encodeFeatureValue } from './attribute-codec.js'
import { withCallSignal } from '../lib/call-signal.js'
import { createDynamoClient, type StaticCredentials } from './dynamo-client.js'
import { DynamoRowReader } from './dynamo-row-reader.js'
import { ENTITY_ATTR, EVENT_TIME_ATTR, SET_ATTR, SHARD_KEY_ATTR } from './item-attributes.js'
import { SET_INDEX, SET_SHARDS, shardKey, shardOf, shardsOfSegment } from './set-shards.js'
import { readQueryBody } from './raw-items.js'
import { decodeQueryAnswer, type AnsweredRow } from './query-answer.js'
import { Semaphore } from '../lib/semaphore.js'
import { toStoreError } from './store-errors.js'
import { withSegment } from '../domain/scan-positions.js'

export interface FeatureScannerOptions {
  readonly client: DynamoDBClient
  readonly table: string
  readonly observer: StoreObserver
  readonly maxConcurrentCalls: number
  readonly retryBaseMs: number
  /** Closes the client on close() when the scanner created it. */
  readonly ownsClient?: boolean
}

/** Most items one Query call may examine: large enough to amortise a round trip, small enough not to overshoot much. */
const MAX_LIMIT = 5_000
const UNPROCESSED_RETRIES = 8

/**
 * Bulk reads for training pulls and statistics, kept apart from the online path: its own client and
 * socket pool and its own cap on concurrent calls, and no cache, so a heavy pull neither evicts the
 * hot rows online lookups live on nor queues in front of them.
 *
 * Rows of one feature set are read by Querying the by-set index shard by shard (set-shards.ts), so a
 * pull examines that set's items only, never another set's; a segment of a pull reads its own
 * shards. Pushed-down conditions go along as FilterExpression, through placeholder names so any
 * feature name is safe; they apply after the key condition, so they save transfer and gateway work,
 * not read capacity. The index is eventually consistent on DynamoDB: a row written a moment ago may
 * be missing from a pull, never from a lookup.
 */
export class FeatureScanner implements BulkReader {
  readonly #client: DynamoDBClient
  readonly #table: string
  readonly #observer: StoreObserver
  readonly #semaphore: Semaphore
  /** Reads by key share this scanner's client and cap, never the online path's. */
  readonly #rows: DynamoRowReader
  readonly #ownsClient: boolean

  constructor (options: FeatureScannerOptions) {
    this.#client = options.client
    this.#table = options.table
    this.#observer = options.observer
    this.#semaphore = new Semaphore(options.maxConcurrentCalls)
    this.#ownsClient = options.ownsClient ?? false
    this.#rows = new DynamoRowReader({
      client: options.client,
      table: options.table,
      semaphore: this.#semaphore,
      observer: options.observer,
      retryBaseMs: options.retryBaseMs,
      maxUnprocessedRetries: UNPROCESSED_RETRIES
    })
  }

  /** A scanner with its own client on the store's endpoint (the embedded store's when there is one), with the same credentials. */
  static open (
    store: StoreConfig, endpoint: string | undefined, staticCredentials: StaticCredentials | undefined, observer: StoreObserver, maxConcurrentCalls: number
  ): FeatureScanner {
    const client = createDynamoClient({
      endpoint,
      region: store.region,
      maxSockets: maxConcurrentCalls,
      connectTimeoutMs: store.connectTimeoutMs,
      maxAttempts: store.maxAttempts,
      retryBaseMs: store.retryBaseMs,
      ...(staticCredentials !== undefined && { staticCredentials })
    })
    return new FeatureScanner({ client, table: store.featureTable, observer, maxConcurrentCalls, retryBaseMs: store.retryBaseMs, ownsClient: true })
  }

  close (): void {
    if (this.#ownsClient) this.#client.destroy()
  }

  /**
   * Matching rows in one fixed order, whatever the call sizes: by shard number, then entity id (the
   * index's range key), over the shards of the covered segments. So every row has an exact resume
   * position, and resuming after a row yields exactly the rows that followed it. Up to `parallelism`
   * shards are read at the same time and handed out in order. A page read ahead of a shard that
   * turns out not to end in its call is dropped (its items still count as examined), so reads go
   * wide only as far as the shard sizes seen so far say the wanted rows reach.
   */
  async scan (request: ScanRequest, options: ReadOptions): Promise<ScanResult> {
    const total = request.position.totalSegments
    const positions = request.position.segments.map((position, segment) =>
      request.segments.includes(segment) ? checkedPosition(position, segment, total) : position)
    const filter = buildFilter(request.conditions)
    const projection = buildProjection(request.attributes)
    const rows: ScannedRow[] = []
    let itemsScanned = 0
    let bytesRead = 0
    let calls = 0
    // Matching items per examined item, learnt as we go, sizes the next Limit; exactly 1 without conditions.
    const unfiltered = request.conditions.length === 0
    let matched = 0
    let selectivity = unfiltered ? 1 : 0.25
    // Items of the whole shards read so far: how many shards the rows still wanted will take.
    let wholeShards = 0
    let wholeShardItems = 0
    let oneAtATime = false
    let shardEnded = false
    const currentShard = (segment: number): number | undefined => {
      const position = positions[segment]!
      if (position === 'done') return undefined
      return position === 'start' ? shardsOfSegment(segment, total)[0] : position.shard
    }
    // Open segments in the order their current shards come; an empty segment (more segments than shards) is done.
    const open = (): number[] => request.segments
      .filter((segment) => {
        if (currentShard(segment) !== undefined) return true
        positions[segment] = 'done'
        return false
      })
      .sort((a, b) => currentShard(a)! - currentShard(b)!)

    while (!shardEnded && rows.length < request.maxRows && itemsScanned < request.maxItems && bytesRead < request.maxBytes) {
      const ahead = open()
      if (ahead.length === 0) break
      // Bytes per examined item, once some were read, keep the last call from reading far past maxBytes.
      const itemsInBudget = itemsScanned > 0 && bytesRead > 0 ? Math.ceil((request.maxBytes - bytesRead) / (bytesRead / itemsScanned)) : Infinity
      const wantedItems = Math.min(request.maxItems - itemsScanned, itemsInBudget, Math.ceil((request.maxRows - rows.length) / selectivity * (unfiltered ? 1 : 1.2)))
      const shardSize = wholeShards > 0 ? wholeShardItems / wholeShards : undefined
      // Until a shard's size is known (or while one runs over a page), one shard at a time; then as many
      // shards as the wanted rows fill, each Limited to what is left after the ones before it, so the
      // last read stops where the page does and nothing read is dropped.
      const width = oneAtATime || shardSize === undefined || request.shardOnly === true
        ? 1
        : Math.max(1, Math.min(request.parallelism, Math.ceil(wantedItems / Math.max(1, shardSize))))
      const window = ahead.slice(0, width)
      const pages = await Promise.all(window.map(async (segment, j) => await this.#queryOnce(
        request.featureSet, segment, total, currentShard(segment)!, positions[segment] as ShardPosition | 'start',
        Math.max(1, Math.min(MAX_LIMIT, Math.ceil(wantedItems - j * (shardSize ?? 0)))), filter, projection, options)))
      calls += pages.length
      let handing = true
      for (let w = 0; w < window.length; w++) {
        const segment = window[w]!
        const page = pages[w]!
        // Examined items count whether or not their rows are handed out: the honest cost of a read-ahead.
        itemsScanned += page.scanned
        bytesRead += page.bytes
        matched += page.rows.length
        const startedWhole = positions[segment] === 'start' || (typeof positions[segment] === 'object' && positions[segment].after === undefined)
        const shardGoesOn = typeof page.next === 'object' && page.next.shard === page.shard
        if (startedWhole && !shardGoesOn) {
          wholeShards++
          wholeShardItems += page.scanned
        }
        if (!handing) continue
        let cut = false
        // Where the other segments stand while this page's rows are handed out: one copy for all of them.
        const others: ScanPosition = { totalSegments: total, segments: [...positions] }
        let last: ScannedAt | undefined
        for (let i = 0; i < page.rows.length; i++) {
          const { entityId, row } = page.rows[i]!
          if (entityId === undefined) continue
          rows.push(last = new ScannedAt(entityId, row, others, segment, page.shard))
          if (rows.length === request.maxRows && i < page.rows.length - 1) {
            cut = true
            break
          }
        }
        if (cut) positions[segment] = { shard: page.shard, after: last!.entityId }
        else positions[segment] = page.next
        if (request.shardOnly === true && !shardGoesOn) shardEnded = true
        oneAtATime = shardGoesOn && !cut && rows.length < request.maxRows
        // Later shards' rows come after all of this shard's: hand them out only once it has ended.
        if (cut || shardGoesOn || rows.length >= request.maxRows) handing = false
      }
      selectivity = unfiltered ? 1 : Math.min(1, Math.max(0.001, (matched + 1) / (itemsScanned + 1)))
    }
    const position: ScanPosition = { totalSegments: total, segments: positions }
    return { rows, position, exhausted: open().length === 0, itemsScanned, bytesRead, calls }
  }

  shardsOfSegment (index: number, totalSegments: number): readonly number[] {
    return shardsOfSegment(index, totalSegments)
  }

  /** Rows by key, uncached (see the class comment), only the named features of each (a whole row: its declared features). */
  async readRows (requests: readonly RowRequest[], options: ReadOptions): Promise<RowResult[]> {
    return await this.#rows.readRows(requests.map((r) => r.features !== undefined ? r : { ...r, features: r.featureSet.features.map((f) => f.name) }), options)
  }

  /** One Query of the shard a segment stands at; `next` is where the segment stands after it. */
  async #queryOnce (
    featureSet: FeatureSetSpec, segment: number, total: number, shard: number, position: ShardPosition | 'start', limit: number,
    filter: Filter, projection: Projection, options: ReadOptions
  ): Promise<{ rows: AnsweredRow[], scanned: number, bytes: number, shard: number, next: SegmentPosition }> {
    const shards = shardsOfSegment(segment, total)
    const after = position === 'start' ? undefined : position.after
    const key = shardKey(featureSet.name, shard)
    await this.#semaphore.acquire()
    const started = performance.now()
    try {
      if (options.deadlineAt !== undefined && Date.now() >= options.deadlineAt) throw new DeadlineExceededError('scanning features')
      const command = new QueryCommand({
        TableName: this.#table,
        IndexName: SET_INDEX,
        KeyConditionExpression: '#pk = :pk',
        Limit: limit,
        ...(after !== undefined && {
          ExclusiveStartKey: { [SHARD_KEY_ATTR]: { S: key }, [ENTITY_ATTR]: { S: after }, [SET_ATTR]: { S: featureSet.name } }
        }),
        ...(filter.expression !== '' && { FilterExpression: filter.expression }),
        ProjectionExpression: projection.expression,
        ExpressionAttributeNames: { '#pk': SHARD_KEY_ATTR, ...filter.names, ...projection.names },
        ExpressionAttributeValues: { ':pk': { S: key }, ...filter.values }
      })
      const body = readQueryBody(command)
      await withCallSignal(options, async (abortSignal) => await this.#client.send(command, { abortSignal }))
      const answered = body()
      if (answered === undefined) throw new Error('a Query succeeded without an answer to read')
      const seconds = (performance.now() - started) / 1e3
      // Decoded before the call counts as answered: an answer that is not JSON counts once, as the error it is.
      const output = decodeQueryAnswer(answered, featureSet)
      this.#observer.storeCall('Query', seconds, 'ok')
      const lastEntity = output.lastEvaluatedKey?.[ENTITY_ATTR]?.S
      const following = shards[shards.indexOf(shard) + 1]
      const next: SegmentPosition = lastEntity !== undefined
        ? { shard, after: lastEntity }
        : following !== undefined ? { shard: following } : 'done'
      return { rows: output.rows, scanned: output.scannedCount, bytes: output.bytes, shard, next }
    } catch (error) {
      const typed = scanError(error, options)
      if (typed.kind === 'resource_exhausted') this.#observer.throttled()
      this.#observer.storeCall('Query', (performance.now() - started) / 1e3, typed.code)
      throw typed
    } finally {
      this.#semaphore.release()
    }
  }
}

/**
 * A scanned row, with the position just after it made only when asked for: a page asks for its
 * last row's and a cursor's, not for every row's (three objects a row, most of them never read).
 */
class ScannedAt implements ScannedRow {
  readonly entityId: string
  readonly row: FeatureRow
  readonly #others: ScanPosition
  readonly #segment: number
  readonly #shard: number
  #after: ScanPosition | undefined

  constructor (entityId: string, row: FeatureRow, others: ScanPosition, segment: number, shard: number) {
    this.entityId = entityId
    this.row = row
    this.#others = others
    this.#segment = segment
    this.#shard = shard
  }

  get after (): ScanPosition {
    this.#after ??= withSegment(this.#others, this.#segment, { shard: this.#shard, after: this.entityId })
    return this.#after
  }
}

/**
 * A position from a cursor, checked against the layout before it reaches the store: its shard must
 * be one this segment reads and its entity must hash to that shard, else the cursor was tampered
 * with or belongs to another pull.
 */
function checkedPosition (position: SegmentPosition, segment: number, total: number): SegmentPosition {
  if (position === 'start' || position === 'done') return position
  const inSegment = Number.isInteger(position.shard) && position.shard >= 0 && position.shard < SET_SHARDS && position.shard % total === segment
  if (!inSegment || (position.after !== undefined && shardOf(position.after) !== position.shard)) {
    throw new InvalidCursorError('it does not belong to this pull')
  }
  return position
}

function scanError (error: unknown, options: ReadOptions): FeaturegateError {
  if (error instanceof Error && (error as { code?: unknown }).code !== undefined && typeof (error as { kind?: unknown }).kind === 'string') return error as FeaturegateError
  if (error instanceof Error && error.name === 'ValidationException') {
    // A start key from a cursor that does not belong to the segment (or table) is the caller's to fix.
    if (/starting key|ExclusiveStartKey/i.test(error.message)) return new InvalidCursorError('it does not belong to this pull')
    // A table from before the by-set layout, or its index still being built: an operator's step, say which.
    if (/specified index|backfilling/i.test(error.message)) {
      return new NotReadyError(`pulls read the feature table's ${SET_INDEX} index, which is missing or still being built: run \`featuregate create-tables\` (README, "Storage layout for pulls")`)
    }
  }
  return toStoreError(error, 'scanning features', options.deadlineAt)
}

interface Filter {
  readonly expression: string
  readonly names: Record<string, string>
  readonly values: Record<string, AttributeValue>
}

export interface Projection {
  readonly expression: string
  readonly names: Record<string, string>
}

/** DynamoDB's type letter of an encoded operand; comparisons also require it of the stored value. */
function typeLetter (attr: AttributeValue): string {
  if (attr.N !== undefined) return 'N'
  if (attr.S !== undefined) return 'S'
  if (attr.BOOL !== undefined) return 'BOOL'
  if (attr.B !== undefined) return 'B'
  return 'NULL'
}

/** The pushed-down conditions as a FilterExpression ('' for none); the set itself is the Query's key condition. */
export function buildFilter (conditions: readonly ScanCondition[]): Filter {
  const names: Record<string, string> = {}
  const values: Record<string, AttributeValue> = {}
  const clauses: string[] = []
  const featureNames = new Map<string, string>()
  const nameOf = (feature: string): string => {
    let placeholder = featureNames.get(feature)
    if (placeholder === undefined) {
      placeholder = `#f${featureNames.size}`
      featureNames.set(feature, placeholder)
      names[placeholder] = feature
    }
    return placeholder
  }
  let v = 0
  const valueOf = (attr: AttributeValue): string => {
    const placeholder = `:v${v++}`
    values[placeholder] = attr
    return placeholder
  }
  const typeOf = (letter: string): string => {
    const placeholder = `:type${letter}`
    values[placeholder] = { S: letter }
    return placeholder
  }
  for (const condition of conditions) {
    switch (condition.kind) {
      case 'compare': {
        const operand = encodeFeatureValue(condition.value)
        const name = nameOf(condition.feature)
        clauses.push(`(attribute_type(${name}, ${typeOf(typeLetter(operand))}) AND ${name} ${condition.op} ${valueOf(operand)})`)
        break
      }
      case 'in': {
        const operands = condition.values.map((value) => encodeFeatureValue(value))
        const name = nameOf(condition.feature)
        clauses.push(`(attribute_type(${name}, ${typeOf(typeLetter(operands[0]!))}) AND ${name} IN (${operands.map(valueOf).join(', ')}))`)
        break
      }
      case 'null': {
        const name = nameOf(condition.feature)
        clauses.push(condition.isNull
          ? `attribute_type(${name}, ${typeOf('NULL')})`
          : `(attribute_exists(${name}) AND NOT attribute_type(${name}, ${typeOf('NULL')}))`)
        break
      }
      case 'exists': {
        const name = nameOf(condition.feature)
        clauses.push(condition.exists ? `attribute_exists(${name})` : `attribute_not_exists(${name})`)
        break
      }
      case 'event_time': {
        names['#t'] = EVENT_TIME_ATTR
        clauses.push(`#t ${condition.op} ${valueOf({ N: String(Math.trunc(condition.value)) })}`)
        break
      }
    }
  }
  return { expression: clauses.join(' AND '), names, values }
}

/** The entity, the event time and the asked features: the set is the Query's key, so each item's copy of it would only be parsed and dropped. */
export function buildProjection (attributes: readonly string[]): Projection {
  const names: Record<string, string> = { '#pe': ENTITY_ATTR, '#pt': EVENT_TIME_ATTR }
  const placeholders = ['#pe', '#pt']
  for (const [i, name] of [...new Set(attributes)].entries()) {
    names[`#p${i}`] = name
    placeholders.push(`#p${i}`)
  }
  return { expression: placeholders.join(', '), names }
}
