import { randomBytes } from 'node:crypto'
import { PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { RowKey } from '../domain/feature-row.js'
import type { ChangeEntry, ChangeFeed } from '../domain/ports/change-feed.js'
import { toStoreError } from './store-errors.js'

/**
 * The change log's item layout, which is also the contract for writers outside this code base (README
 * "A fleet of replicas"): after a confirmed write, put one item
 *   b (S, hash key)  "c#" + floor(writtenAtMs / 60000)    the minute the entry was written in
 *   k (S, range key) writtenAtMs zero-padded to 15 digits + "#" + a random id
 *   s (S)            the feature set
 *   t (S)            "rows" or "registry"
 *   e (SS)           entity ids written ("rows" only)
 *   x (N)            expiry, epoch seconds (the table's TTL attribute)
 */
export const CHANGE_BUCKET_ATTR = 'b'
export const CHANGE_SORT_ATTR = 'k'
const SET_ATTR = 's'
const KIND_ATTR = 't'
const ENTITIES_ATTR = 'e'
export const CHANGE_EXPIRY_ATTR = 'x'

/**
 * One partition key per minute: every replica's poll is one Query of the current minute. All writers
 * of that minute append to one key, which DynamoDB serves at up to ~1,000 writes/s; at 25 rows an
 * entry (a BatchWriteItem's worth) that is ~25,000 rows/s fleet-wide before throttling (README).
 */
export const CHANGE_BUCKET_MS = 60_000
/** Long enough for any replica's catch-up after an outage (CHANGE_FEED_MAX_CATCH_UP_MS), short enough to stay small. */
const RETENTION_SECONDS = 3_600
/** Entity ids per entry stay well under the 400 KB item limit. */
const MAX_ENTRY_BYTES = 256 * 1024
/** How far ahead of this replica's clock a writer's clock may be and its entries still be found. */
const FUTURE_SKEW_MS = 5_000

export function changeBucket (at: number): string {
  return `c#${Math.floor(at / CHANGE_BUCKET_MS)}`
}

export function changeSortKey (at: number, id: string): string {
  return `${String(Math.max(0, Math.trunc(at))).padStart(15, '0')}#${id}`
}

/** The DynamoDB change log: writers append entries, every replica reads them (the ChangeFeed port). */
export class ChangeLog implements ChangeFeed {
  readonly #client: DynamoDBClient
  readonly #table: string
  readonly #clock: () => number

  constructor (client: DynamoDBClient, table: string, clock: () => number = Date.now) {
    this.#client = client
    this.#table = table
    this.#clock = clock
  }

  /** Announces written rows: one entry per feature set (more when ids would exceed MAX_ENTRY_BYTES). */
  async recordRows (keys: readonly RowKey[]): Promise<void> {
    const bySet = new Map<string, Set<string>>()
    for (const { featureSet, entityId } of keys) {
      let ids = bySet.get(featureSet)
      if (ids === undefined) bySet.set(featureSet, ids = new Set())
      ids.add(entityId)
    }
    for (const [featureSet, ids] of bySet) {
      let chunk: string[] = []
      let bytes = 0
      for (const id of ids) {
        const size = Buffer.byteLength(id) + 1
        if (chunk.length > 0 && bytes + size > MAX_ENTRY_BYTES) {
          await this.#append(featureSet, 'rows', chunk)
          chunk = []
          bytes = 0
        }
        chunk.push(id)
        bytes += size
      }
      if (chunk.length > 0) await this.#append(featureSet, 'rows', chunk)
    }
  }

  /** Announces a registry change of one set: every replica reloads its registry. */
  async recordRegistry (featureSet: string): Promise<void> {
    await this.#append(featureSet, 'registry', [])
  }

  async #append (featureSet: string, kind: ChangeEntry['kind'], entityIds: readonly string[]): Promise<void> {
    const at = this.#clock()
    const item: Record<string, AttributeValue> = {
      [CHANGE_BUCKET_ATTR]: { S: changeBucket(at) },
      [CHANGE_SORT_ATTR]: { S: changeSortKey(at, randomBytes(6).toString('hex')) },
      [SET_ATTR]: { S: featureSet },
      [KIND_ATTR]: { S: kind },
      [CHANGE_EXPIRY_ATTR]: { N: String(Math.floor(at / 1_000) + RETENTION_SECONDS) }
    }
    if (entityIds.length > 0) item[ENTITIES_ATTR] = { SS: [...entityIds] }
    try {
      await this.#client.send(new PutItemCommand({ TableName: this.#table, Item: item }))
    } catch (error) {
      throw toStoreError(error, 'recording a change for other replicas', undefined)
    }
  }

  async readSince (since: number, signal?: AbortSignal): Promise<ChangeEntry[]> {
    const entries: ChangeEntry[] = []
    const first = Math.floor(since / CHANGE_BUCKET_MS)
    const last = Math.floor((this.#clock() + FUTURE_SKEW_MS) / CHANGE_BUCKET_MS)
    // Usually one bucket; two near a minute's edge. A long gap reads every minute of it.
    for (let bucket = Math.max(first, last - Math.ceil(RETENTION_SECONDS * 1_000 / CHANGE_BUCKET_MS)); bucket <= last; bucket++) {
      let startKey: Record<string, AttributeValue> | undefined
      do {
        let page
        try {
          page = await this.#client.send(new QueryCommand({
            TableName: this.#table,
            // Strongly consistent: an entry appended before this read began is never missed.
            ConsistentRead: true,
            KeyConditionExpression: '#b = :b AND #k >= :k',
            ExpressionAttributeNames: { '#b': CHANGE_BUCKET_ATTR, '#k': CHANGE_SORT_ATTR },
            ExpressionAttributeValues: { ':b': { S: `c#${bucket}` }, ':k': { S: changeSortKey(since, '') } },
            ExclusiveStartKey: startKey
          }), { abortSignal: signal })
        } catch (error) {
          throw toStoreError(error, 'reading the change log', undefined)
        }
        for (const item of page.Items ?? []) {
          const entry = toEntry(item)
          if (entry !== undefined) entries.push(entry)
        }
        startKey = page.LastEvaluatedKey
      } while (startKey !== undefined)
    }
    return entries
  }
}

/** An item as an entry; undefined for one that does not follow the contract (an outside writer's mistake is skipped, not fatal). */
function toEntry (item: Record<string, AttributeValue>): ChangeEntry | undefined {
  const sortKey = item[CHANGE_SORT_ATTR]?.S
  const featureSet = item[SET_ATTR]?.S
  const kind = item[KIND_ATTR]?.S
  if (sortKey === undefined || featureSet === undefined || (kind !== 'rows' && kind !== 'registry')) return undefined
  const writtenAt = Number(sortKey.slice(0, sortKey.indexOf('#')))
  if (!Number.isFinite(writtenAt)) return undefined
  return { id: sortKey, writtenAt, featureSet, kind, entityIds: item[ENTITIES_ATTR]?.SS ?? [] }
}
