import { BatchWriteItemCommand, ConditionalCheckFailedException, PutItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb'
import { rowKey, type RowKey } from '../domain/feature-row.js'
import type { PreparedRow, RowWrite, RowWriter } from '../domain/ports/row-writer.js'
import { InvalidFeatureValueError, ItemTooLargeError, StoreThrottledError, UnknownFeatureError } from '../errors.js'
import { encodeFeatureValue, itemSize } from './attribute-codec.js'
import type { ReadOptions } from '../domain/read-options.js'
import { backoffDelayMs, sleepWithin, throwIfOver } from '../lib/backoff.js'
import { ENTITY_ATTR, EVENT_TIME_ATTR, SET_ATTR, SHARD_KEY_ATTR } from './item-attributes.js'
import { shardKey, shardOf } from './set-shards.js'
import { isThrottling } from './store-errors.js'

export const MAX_ITEMS_PER_BATCH_WRITE = 25
export const MAX_ITEM_BYTES = 400 * 1024

export interface WriterOptions {
  readonly retryBaseMs: number
  /** Rounds of UnprocessedItems retries before reporting the rest as throttled. */
  readonly maxUnprocessedRetries: number
}

/** Where written rows are announced to every replica (the change log). */
export interface RowChangeRecorder {
  recordRows (keys: readonly RowKey[]): Promise<void>
}

/** Builds the stored item; throws ItemTooLargeError before DynamoDB would reject it. */
export function toItem (row: RowWrite): Record<string, AttributeValue> {
  if (!Number.isSafeInteger(Math.trunc(row.eventTime))) throw new InvalidFeatureValueError('event time', `${row.eventTime} is not a time in milliseconds`)
  const item: Record<string, AttributeValue> = {
    [ENTITY_ATTR]: { S: row.entityId },
    [SET_ATTR]: { S: row.featureSet.name },
    [EVENT_TIME_ATTR]: { N: String(Math.trunc(row.eventTime)) },
    // The by-set index's hash key: what lets a pull read this set's items only (set-shards.ts).
    [SHARD_KEY_ATTR]: { S: shardKey(row.featureSet.name, shardOf(row.entityId)) }
  }
  for (const [name, value] of row.values) {
    // Only declared features: an undeclared name could never be read back, and `_e`/`_s`/`_t`/`_p` would clobber the key.
    if (!row.featureSet.features.some((f) => f.name === name)) throw new UnknownFeatureError(name, row.featureSet.name)
    item[name] = encodeFeatureValue(value, name)
  }
  const size = itemSize(item)
  if (size > MAX_ITEM_BYTES) throw new ItemTooLargeError(row.entityId, row.featureSet.name, size)
  return item
}

/**
 * Writes whole rows of one feature set each: a put replaces that set's row for the entity and never
 * touches another set's, so pipelines need no read-modify-write. 25 items per BatchWriteItem,
 * UnprocessedItems retried with backoff; anything still unwritten is an error, never dropped silently.
 */
export class FeatureWriter implements RowWriter {
  readonly #client: DynamoDBClient
  readonly #table: string
  readonly #options: WriterOptions
  readonly #changes: RowChangeRecorder | undefined
  /** The item each prepared row was encoded to; only this writer's prepare() makes them. */
  readonly #items = new WeakMap<PreparedRow, Record<string, AttributeValue>>()
  readonly maxRowsPerCall = MAX_ITEMS_PER_BATCH_WRITE

  /** With `changes`, every confirmed row is announced there after the write, before the call returns. */
  constructor (client: DynamoDBClient, table: string, options: WriterOptions, changes?: RowChangeRecorder) {
    this.#client = client
    this.#table = table
    this.#options = options
    this.#changes = changes
  }

  prepare (row: RowWrite): PreparedRow {
    const item = toItem(row)
    const prepared: PreparedRow = Object.freeze({ entityId: row.entityId, featureSet: row.featureSet.name, eventTime: Math.trunc(row.eventTime) })
    this.#items.set(prepared, item)
    return prepared
  }

  async writeRows (rows: readonly PreparedRow[], options?: ReadOptions): Promise<void> {
    const items = rows.map((row) => this.#itemOf(row))
    try {
      await this.writeItems(items, options)
    } catch (error) {
      await this.#announce(rows, error)
      throw error
    }
    await this.#announce(rows)
  }

  async writeRowsIfNewer (rows: readonly PreparedRow[], concurrency?: number, options?: ReadOptions): Promise<readonly RowKey[]> {
    const items = rows.map((row) => this.#itemOf(row))
    let skipped: readonly RowKey[]
    try {
      skipped = await this.putItemsIfNewer(items, concurrency, options)
    } catch (error) {
      await this.#announce(rows, error)
      throw error
    }
    const left = new Set(skipped.map((key) => rowKey(key.featureSet, key.entityId)))
    await this.#announce(rows.filter((row) => !left.has(rowKey(row.featureSet, row.entityId))))
    return skipped
  }

  /**
   * Announces the rows the store confirmed (all of `rows`, or after `failure` those it did not name as
   * unwritten). If the announcement fails the rows are stored but no other replica would hear of them:
   * they are then reported as not confirmed, so the caller writes them again (a put of the same row is
   * harmless) and that write is announced.
   */
  async #announce (rows: readonly RowKey[], failure?: unknown): Promise<void> {
    if (this.#changes === undefined) return
    const unwritten = failure === undefined ? [] : (unwrittenKeys(failure) ?? rows)
    const missing = new Set(unwritten.map((key) => rowKey(key.featureSet, key.entityId)))
    const written = rows.filter((row) => !missing.has(rowKey(row.featureSet, row.entityId))).map(({ entityId, featureSet }) => ({ entityId, featureSet }))
    if (written.length === 0) return
    try {
      await this.#changes.recordRows(written)
    } catch (error) {
      const thrown = failure ?? error
      if (typeof thrown === 'object' && thrown !== null) UNWRITTEN.set(thrown, [...unwritten, ...written])
      throw thrown
    }
  }

  unwritten (error: unknown): readonly RowKey[] | undefined {
    return unwrittenKeys(error)
  }

  #itemOf (row: PreparedRow): Record<string, AttributeValue> {
    const item = this.#items.get(row)
    if (item === undefined) throw new TypeError(`Row for ${row.entityId} in ${row.featureSet} was not prepared by this writer`)
    return item
  }

  /** Items must already be built with toItem (so size errors surface per row, before any write). */
  async writeItems (items: ReadonlyArray<Record<string, AttributeValue>>, options?: ReadOptions): Promise<void> {
    const chunks: WriteRequest[][] = []
    // Two puts of one key in one call are rejected by DynamoDB; the later write of a key wins.
    const byKey = new Map<string, Record<string, AttributeValue>>()
    for (const item of items) byKey.set(`${item[SET_ATTR]?.S ?? ''}\u0000${item[ENTITY_ATTR]?.S ?? ''}`, item)
    const unique = [...byKey.values()]
    for (let i = 0; i < unique.length; i += MAX_ITEMS_PER_BATCH_WRITE) {
      chunks.push(unique.slice(i, i + MAX_ITEMS_PER_BATCH_WRITE).map((Item) => ({ PutRequest: { Item } })))
    }
    for (let c = 0; c < chunks.length; c++) {
      try {
        await this.#writeChunk(chunks[c]!, options)
      } catch (error) {
        // Everything before this chunk is written; this chunk's leftovers and every later chunk are not.
        const left = [...(UNWRITTEN.get(error as object) ?? []), ...chunks.slice(c + 1).flat().map(requestKey)]
        if (typeof error === 'object' && error !== null) UNWRITTEN.set(error, left)
        throw error
      }
    }
  }

  /**
   * Like writeItems, but a row only replaces a stored row whose event time is not later than its
   * own, so a late backfill cannot overwrite fresher values. One conditional PutItem per row
   * (BatchWriteItem takes no conditions), `concurrency` at a time. Returns the rows left alone
   * because the stored one is newer; on a store failure, unwrittenKeys(error) names the rows not
   * confirmed either way.
   */
  async putItemsIfNewer (items: ReadonlyArray<Record<string, AttributeValue>>, concurrency = 8, options?: ReadOptions): Promise<readonly RowKey[]> {
    const byKey = new Map<string, Record<string, AttributeValue>>()
    for (const item of items) byKey.set(`${item[SET_ATTR]?.S ?? ''}\u0000${item[ENTITY_ATTR]?.S ?? ''}`, item)
    const unique = [...byKey.values()]
    const settled = new Array<boolean>(unique.length).fill(false)
    const skipped: RowKey[] = []
    let failure: unknown
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < unique.length && failure === undefined) {
        const i = next++
        const item = unique[i]!
        try {
          throwIfOver(options, 'writing features')
          await this.#putIfNewer(item, options)
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) {
            failure ??= error
            continue
          }
          skipped.push(itemKey(item))
        }
        settled[i] = true
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, unique.length)) }, worker))
    if (failure !== undefined) {
      if (typeof failure === 'object' && failure !== null) UNWRITTEN.set(failure, unique.filter((_, i) => !settled[i]).map(itemKey))
      throw failure
    }
    return skipped
  }

  /**
   * One conditional put; throttling is retried with backoff as the batch path retries UnprocessedItems
   * (the SDK's own few attempts come first), then reported as StoreThrottledError.
   */
  async #putIfNewer (item: Record<string, AttributeValue>, options?: ReadOptions): Promise<void> {
    for (let round = 0; ; round++) {
      try {
        await this.#client.send(new PutItemCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#t) OR #t <= :t',
          ExpressionAttributeNames: { '#t': EVENT_TIME_ATTR },
          ExpressionAttributeValues: { ':t': item[EVENT_TIME_ATTR] ?? { N: '0' } }
        }))
        return
      } catch (error) {
        if (!isThrottling(error)) throw error
        if (round >= this.#options.maxUnprocessedRetries) throw new StoreThrottledError()
        await sleepWithin(backoffDelayMs(round, this.#options.retryBaseMs, 2_000), options?.signal, options?.deadlineAt, 'writing features')
      }
    }
  }

  async #writeChunk (chunk: WriteRequest[], options?: ReadOptions): Promise<void> {
    let pending = chunk
    try {
      for (let round = 0; ; round++) {
        throwIfOver(options, 'writing features')
        const output = await this.#client.send(new BatchWriteItemCommand({ RequestItems: { [this.#table]: pending } }))
        pending = output.UnprocessedItems?.[this.#table] ?? []
        if (pending.length === 0) return
        if (round >= this.#options.maxUnprocessedRetries) throw new StoreThrottledError()
        await sleepWithin(backoffDelayMs(round, this.#options.retryBaseMs, 2_000), options?.signal, options?.deadlineAt, 'writing features')
      }
    } catch (error) {
      if (typeof error === 'object' && error !== null) UNWRITTEN.set(error, pending.map(requestKey))
      throw error
    }
  }
}

const UNWRITTEN = new WeakMap<object, RowKey[]>()

function requestKey (request: WriteRequest): RowKey {
  return itemKey(request.PutRequest?.Item ?? {})
}

function itemKey (item: Record<string, AttributeValue>): RowKey {
  return { entityId: item[ENTITY_ATTR]?.S ?? '', featureSet: item[SET_ATTR]?.S ?? '' }
}

/**
 * After writeItems failed: the rows it did not write (every other row of the call was written), so
 * a loader can say exactly which rows to retry instead of guessing. undefined for other errors.
 */
export function unwrittenKeys (error: unknown): readonly RowKey[] | undefined {
  return typeof error === 'object' && error !== null ? UNWRITTEN.get(error) : undefined
}
