import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient, type KeysAndAttributes } from '@aws-sdk/client-dynamodb'
import type { ReadOptions } from '../domain/read-options.js'
import { DeadlineExceededError, StoreThrottledError, isFeaturegateError, type FeaturegateError } from '../errors.js'
import { backoffDelayMs, sleepWithin } from '../lib/backoff.js'
import { withCallSignal } from '../lib/call-signal.js'
import { rowKey } from '../domain/feature-row.js'
import { ENTITY_ATTR, EVENT_TIME_ATTR, SET_ATTR } from './item-attributes.js'
import type { Semaphore } from '../lib/semaphore.js'
import type { StoreObserver } from '../domain/ports/store-observer.js'
import { toStoreError } from './store-errors.js'

export const MAX_KEYS_PER_BATCH_GET = 100

export interface StoreKey {
  readonly entityId: string
  readonly featureSet: string
}

export type StoredItem = Record<string, AttributeValue>

export interface BatchGetContext {
  readonly client: DynamoDBClient
  readonly table: string
  readonly semaphore: Semaphore
  readonly observer: StoreObserver
  readonly retryBaseMs: number
  /** Rounds of UnprocessedKeys retries that brought no row before giving up with a throttling error. */
  readonly maxUnprocessedRetries: number
}

export interface BatchGetResult {
  /** Items by rowKey; a key with no item is simply absent. */
  readonly items: Map<string, StoredItem>
  /** Keys whose chunk failed (throttled past its retries, or the store failed) while other chunks were read, with why. */
  readonly failed: Map<string, FeaturegateError>
}

/**
 * Reads items by key: duplicates merged, at most 100 keys per call, chunks in parallel (capped by
 * the semaphore), UnprocessedKeys retried with backoff and jitter inside the caller's deadline.
 *
 * A chunk that fails on its own fails only its keys (items it had already read are kept); the read
 * rejects only when every key failed. A deadline or the caller giving up ends the whole read, and its
 * sibling chunks stop at once instead of retrying for nobody.
 *
 * `attributes` undefined reads whole items; otherwise only those attributes (plus our own key and
 * event-time attributes), through placeholder names so that any attribute name is safe.
 */
export async function batchGetItems (
  context: BatchGetContext, keys: readonly StoreKey[], attributes: readonly string[] | undefined,
  options: ReadOptions, lookupsMerged = keys.length
): Promise<BatchGetResult> {
  const unique = new Map<string, StoreKey>()
  for (const key of keys) unique.set(rowKey(key.featureSet, key.entityId), key)
  const all = [...unique.values()]
  const chunks: StoreKey[][] = []
  for (let i = 0; i < all.length; i += MAX_KEYS_PER_BATCH_GET) chunks.push(all.slice(i, i + MAX_KEYS_PER_BATCH_GET))

  const projection = attributes === undefined ? undefined : buildProjection(attributes)
  const found = new Map<string, StoredItem>()
  const failed = new Map<string, FeaturegateError>()
  const stop = new AbortController()
  const forward = (): void => stop.abort()
  if (options.signal?.aborted === true) forward()
  else options.signal?.addEventListener('abort', forward, { once: true })
  const chunkOptions: ReadOptions = { deadlineAt: options.deadlineAt, signal: stop.signal }
  let fatal: FeaturegateError | undefined
  try {
    await Promise.all(chunks.map(async (chunk) => {
      const merged = Math.max(1, Math.round(lookupsMerged * chunk.length / all.length))
      try {
        await readChunk(context, chunk, projection, chunkOptions, found, merged)
      } catch (error) {
        const typed = isFeaturegateError(error) ? error : toStoreError(error, 'reading features', options.deadlineAt)
        if (typed.kind === 'deadline_exceeded' || stop.signal.aborted) {
          fatal ??= typed
          stop.abort()
          return
        }
        for (const key of chunk) {
          const id = rowKey(key.featureSet, key.entityId)
          if (!found.has(id)) failed.set(id, typed)
        }
      }
    }))
  } finally {
    options.signal?.removeEventListener('abort', forward)
  }
  if (fatal !== undefined) throw fatal
  const [first] = failed.values()
  if (first !== undefined && failed.size === all.length) throw first
  return { items: found, failed }
}

interface Projection {
  readonly expression: string
  readonly names: Record<string, string>
}

function buildProjection (attributes: readonly string[]): Projection {
  const names: Record<string, string> = {}
  const placeholders: string[] = []
  for (const name of new Set([ENTITY_ATTR, SET_ATTR, EVENT_TIME_ATTR, ...attributes])) {
    const placeholder = `#a${placeholders.length}`
    names[placeholder] = name
    placeholders.push(placeholder)
  }
  return { expression: placeholders.join(','), names }
}

function keysAndAttributes (keys: ReadonlyArray<Record<string, AttributeValue>>, projection: Projection | undefined): KeysAndAttributes {
  // Built fresh for every round: dynalite drops the projection from the UnprocessedKeys it returns,
  // so a retry must never reuse what the store handed back.
  return projection === undefined
    ? { Keys: [...keys] }
    : { Keys: [...keys], ProjectionExpression: projection.expression, ExpressionAttributeNames: projection.names }
}

async function readChunk (
  context: BatchGetContext, chunk: readonly StoreKey[], projection: Projection | undefined,
  options: ReadOptions, found: Map<string, StoredItem>, lookupsMerged: number
): Promise<void> {
  let pending: ReadonlyArray<Record<string, AttributeValue>> = chunk.map((key) => ({
    [ENTITY_ATTR]: { S: key.entityId }, [SET_ATTR]: { S: key.featureSet }
  }))
  context.observer.batchGet(pending.length, lookupsMerged)
  // Rounds that brought no row: only those count towards giving up. An answer that brought some rows and
  // handed the rest back was cut by the store's size cap (16 MB an answer on DynamoDB, about 1 MB on
  // dynalite) as often as by throttling, so large rows take as many rounds as they need (each is still
  // backed off, and the deadline bounds them all).
  let fruitless = 0
  for (;;) {
    const response = await sendBatchGet(context, keysAndAttributes(pending, projection), options)
    for (const item of response.items) {
      const entityId = item[ENTITY_ATTR]?.S
      const featureSet = item[SET_ATTR]?.S
      if (entityId !== undefined && featureSet !== undefined) found.set(rowKey(featureSet, entityId), item)
    }
    if (response.unprocessed.length === 0) return
    const progressed = response.items.length > 0
    if (!progressed && fruitless >= context.maxUnprocessedRetries) {
      context.observer.throttled()
      throw new StoreThrottledError()
    }
    context.observer.unprocessedRetry(response.unprocessed.length)
    pending = response.unprocessed
    await sleepWithin(backoffDelayMs(progressed ? 0 : fruitless, context.retryBaseMs, 1_000), options.signal, options.deadlineAt, 'waiting to retry unprocessed keys')
    if (!progressed) fruitless++
  }
}

async function sendBatchGet (
  context: BatchGetContext, request: KeysAndAttributes, options: ReadOptions
): Promise<{ items: StoredItem[], unprocessed: ReadonlyArray<Record<string, AttributeValue>> }> {
  await context.semaphore.acquire()
  const started = performance.now()
  try {
    if (options.deadlineAt !== undefined && Date.now() >= options.deadlineAt) throw new DeadlineExceededError('reading features')
    const output = await withCallSignal(options, async (abortSignal) =>
      await context.client.send(new BatchGetItemCommand({ RequestItems: { [context.table]: request } }), { abortSignal }))
    context.observer.storeCall('BatchGetItem', (performance.now() - started) / 1e3, 'ok')
    return {
      items: output.Responses?.[context.table] ?? [],
      unprocessed: output.UnprocessedKeys?.[context.table]?.Keys ?? []
    }
  } catch (error) {
    const typed = toStoreError(error, 'reading features', options.deadlineAt)
    if (typed.kind === 'resource_exhausted') context.observer.throttled()
    context.observer.storeCall('BatchGetItem', (performance.now() - started) / 1e3, typed.code)
    throw typed
  } finally {
    context.semaphore.release()
  }
}
