import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { StoreConfig } from '../config.js'
import { rowKey, type RowRequest, type RowResult } from '../domain/feature-row.js'
import type { BulkReader, ScanCondition, ScanPosition, ScanRequest, ScanResult, ScannedRow, SegmentPosition } from '../domain/ports/bulk-reader.js'
import type { StoreObserver } from '../domain/ports/store-observer.js'
import type { ReadOptions } from '../domain/read-options.js'
import { DeadlineExceededError, InvalidCursorError, type FeaturegateError } from '../errors.js'
import { encodeFeatureValue } from './attribute-codec.js'
import { batchGetItems, type BatchGetContext, type StoredItem } from './batch-get.js'
import { withCallSignal } from '../lib/call-signal.js'
import { createDynamoClient, type StaticCredentials } from './dynamo-client.js'
import { ENTITY_ATTR, EVENT_TIME_ATTR, SET_ATTR } from './item-attributes.js'
import { decodeRow } from './row-decoder.js'
import { Semaphore } from '../lib/semaphore.js'
import { toStoreError } from './store-errors.js'

export interface FeatureScannerOptions {
  readonly client: DynamoDBClient
  readonly table: string
  readonly observer: StoreObserver
  readonly maxConcurrentCalls: number
  readonly retryBaseMs: number
  /** Closes the client on close() when the scanner created it. */
  readonly ownsClient?: boolean
}

/** Bounds on one Scan call's Limit (items examined): large enough to amortise a round trip, small enough not to overshoot much. */
const MIN_LIMIT = 50
const MAX_LIMIT = 5_000
const UNPROCESSED_RETRIES = 8

/**
 * Bulk reads for training pulls and statistics, kept apart from the online path: its own client and
 * socket pool and its own cap on concurrent calls, and no cache, so a heavy pull neither evicts the
 * hot rows online lookups live on nor queues in front of them.
 *
 * Rows of one feature set are found by a (parallel) Scan of the shared table with `_s = :set` and
 * the pushed-down conditions as FilterExpression, through placeholder names so any feature name is
 * safe. A scan reads every item of the table whatever the filter: filters save transfer and gateway
 * work, not read capacity.
 */
export class FeatureScanner implements BulkReader {
  readonly #client: DynamoDBClient
  readonly #table: string
  readonly #observer: StoreObserver
  readonly #semaphore: Semaphore
  readonly #batchContext: BatchGetContext
  readonly #ownsClient: boolean

  constructor (options: FeatureScannerOptions) {
    this.#client = options.client
    this.#table = options.table
    this.#observer = options.observer
    this.#semaphore = new Semaphore(options.maxConcurrentCalls)
    this.#ownsClient = options.ownsClient ?? false
    this.#batchContext = {
      client: options.client,
      table: options.table,
      semaphore: this.#semaphore,
      observer: options.observer,
      retryBaseMs: options.retryBaseMs,
      maxUnprocessedRetries: UNPROCESSED_RETRIES
    }
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
   * Matching rows in a deterministic order: the covered segments are read `parallelism` at a time and
   * their rows handed out segment by segment, so every row has an exact resume position. When one
   * segment's rows fill the request, the other segments' reads of that round are dropped and read
   * again next time (bounded waste, for exact cursors).
   */
  async scan (request: ScanRequest, options: ReadOptions): Promise<ScanResult> {
    const positions = [...request.position.segments]
    const total = request.position.totalSegments
    const expression = buildFilter(request.featureSet.name, request.conditions)
    const projection = buildProjection(request.attributes)
    const rows: ScannedRow[] = []
    let itemsScanned = 0
    let calls = 0
    // Matching items per examined item, learnt as we go, sizes the next Limit.
    let matched = 0
    let selectivity = 0.25
    const open = (): number[] => request.segments.filter((segment) => positions[segment] !== 'done')

    while (rows.length < request.maxRows && itemsScanned < request.maxItems) {
      const window = open().slice(0, Math.max(1, request.parallelism))
      if (window.length === 0) break
      const wanted = request.maxRows - rows.length
      const limit = Math.min(request.maxItems - itemsScanned, Math.ceil(wanted / selectivity * 1.2))
      const perSegment = Math.max(MIN_LIMIT, Math.min(MAX_LIMIT, Math.ceil(limit / window.length)))
      const pages = await Promise.all(window.map(async (segment) => await this.#scanOnce(
        segment, total, positions[segment]!, perSegment, expression, projection, options)))
      calls += pages.length
      let full = false
      for (let w = 0; w < window.length; w++) {
        const segment = window[w]!
        const page = pages[w]!
        itemsScanned += page.scanned
        matched += page.items.length
        if (full) continue
        for (let i = 0; i < page.items.length; i++) {
          const item = page.items[i]!
          const entityId = item[ENTITY_ATTR]?.S
          if (entityId === undefined) continue
          positions[segment] = { entityId, featureSet: request.featureSet.name }
          rows.push({ entityId, row: decodeRow(request.featureSet, item), after: { totalSegments: total, segments: [...positions] } })
          if (rows.length === request.maxRows && i < page.items.length - 1) {
            full = true
            break
          }
        }
        if (!full) positions[segment] = page.lastKey ?? 'done'
        if (rows.length >= request.maxRows) full = true
      }
      selectivity = Math.min(1, Math.max(0.001, (matched + 1) / (itemsScanned + 1)))
    }
    const position: ScanPosition = { totalSegments: total, segments: positions }
    return { rows, position, exhausted: open().length === 0, itemsScanned, calls }
  }

  /** Rows by key, uncached (see the class comment), only the named features of each. */
  async readRows (requests: readonly RowRequest[], options: ReadOptions): Promise<RowResult[]> {
    if (requests.length === 0) return []
    const attributes = new Set<string>()
    for (const request of requests) for (const name of request.features ?? request.featureSet.features.map((f) => f.name)) attributes.add(name)
    const { items, failed } = await batchGetItems(this.#batchContext,
      requests.map((r) => ({ entityId: r.entityId, featureSet: r.featureSet.name })), [...attributes], options)
    return requests.map((r) => {
      const key = rowKey(r.featureSet.name, r.entityId)
      const unread = failed.get(key)
      if (unread !== undefined) return { unread }
      const item = items.get(key)
      return item === undefined ? undefined : decodeRow(r.featureSet, item)
    })
  }

  async #scanOnce (
    segment: number, total: number, position: SegmentPosition, limit: number,
    filter: Filter, projection: Projection, options: ReadOptions
  ): Promise<{ items: StoredItem[], scanned: number, lastKey: SegmentPosition | undefined }> {
    await this.#semaphore.acquire()
    const started = performance.now()
    try {
      if (options.deadlineAt !== undefined && Date.now() >= options.deadlineAt) throw new DeadlineExceededError('scanning features')
      const output = await withCallSignal(options, async (abortSignal) => await this.#client.send(new ScanCommand({
        TableName: this.#table,
        Segment: segment,
        TotalSegments: total,
        Limit: limit,
        ...(position !== 'start' && position !== 'done' && {
          ExclusiveStartKey: { [ENTITY_ATTR]: { S: position.entityId }, [SET_ATTR]: { S: position.featureSet } }
        }),
        FilterExpression: filter.expression,
        ProjectionExpression: projection.expression,
        ExpressionAttributeNames: { ...filter.names, ...projection.names },
        ExpressionAttributeValues: filter.values
      }), { abortSignal }))
      this.#observer.storeCall('Scan', (performance.now() - started) / 1e3, 'ok')
      const last = output.LastEvaluatedKey
      const lastEntity = last?.[ENTITY_ATTR]?.S
      const lastSet = last?.[SET_ATTR]?.S
      return {
        items: output.Items ?? [],
        scanned: output.ScannedCount ?? 0,
        lastKey: lastEntity === undefined || lastSet === undefined ? undefined : { entityId: lastEntity, featureSet: lastSet }
      }
    } catch (error) {
      const typed = scanError(error, options)
      if (typed.kind === 'resource_exhausted') this.#observer.throttled()
      this.#observer.storeCall('Scan', (performance.now() - started) / 1e3, typed.code)
      throw typed
    } finally {
      this.#semaphore.release()
    }
  }
}

function scanError (error: unknown, options: ReadOptions): FeaturegateError {
  if (error instanceof Error && (error as { code?: unknown }).code !== undefined && typeof (error as { kind?: unknown }).kind === 'string') return error as FeaturegateError
  // A start key from a cursor that does not belong to the segment (or table) is the caller's to fix.
  if (error instanceof Error && error.name === 'ValidationException' && /starting key|ExclusiveStartKey/i.test(error.message)) {
    return new InvalidCursorError('it does not belong to this pull')
  }
  return toStoreError(error, 'scanning features', options.deadlineAt)
}

interface Filter {
  readonly expression: string
  readonly names: Record<string, string>
  readonly values: Record<string, AttributeValue>
}

interface Projection {
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

export function buildFilter (featureSet: string, conditions: readonly ScanCondition[]): Filter {
  const names: Record<string, string> = { '#set': SET_ATTR }
  const values: Record<string, AttributeValue> = { ':set': { S: featureSet } }
  const clauses = ['#set = :set']
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

function buildProjection (attributes: readonly string[]): Projection {
  const names: Record<string, string> = { '#pe': ENTITY_ATTR, '#ps': SET_ATTR, '#pt': EVENT_TIME_ATTR }
  const placeholders = ['#pe', '#ps', '#pt']
  for (const [i, name] of [...new Set(attributes)].entries()) {
    names[`#p${i}`] = name
    placeholders.push(`#p${i}`)
  }
  return { expression: placeholders.join(', '), names }
}
