import {
  ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, UpdateTimeToLiveCommand,
  type AttributeValue, type DynamoDBClient
} from '@aws-sdk/client-dynamodb'
import { LRUCache } from 'lru-cache'
import { availableAt, tokensAvailable, type BudgetLedger, type LeaseGrant, type LeaseRequest } from '../domain/ports/budget-ledger.js'
import { toStoreError } from './store-errors.js'

export const BUDGET_KEY_ATTR = 'budget_key'
const FULL_AT_ATTR = 'full_at'
/** DynamoDB's TTL deletes an idle caller's item; a missing item reads as a full bucket, which it is by then. */
const EXPIRES_AT_ATTR = 'expires_at'
/** A race lost to another replica is retried with the budget as it now stands; more means heavy contention: try later. */
const MAX_ATTEMPTS = 3

/**
 * Budgets in their own table, one item per (budget, caller) holding when its bucket is full again
 * (see tokensAvailable in the port). A lease is one conditional UpdateItem that adds the leased
 * tokens' refill time to that instant, on condition the bucket holds them: atomic across replicas
 * without a read first. Only a lease the budget cannot cover in full reads the item (it then takes
 * what is there, if at least the minimum).
 */
export class DynamoBudgetLedger implements BudgetLedger {
  readonly #client: DynamoDBClient
  readonly #table: string
  /** Last full-at seen per key, to pick the right update first; a wrong guess costs one failed condition. */
  readonly #lastFullAt = new LRUCache<string, number>({ max: 10_000 })

  constructor (client: DynamoDBClient, table: string) {
    this.#client = client
    this.#table = table
  }

  async lease (request: LeaseRequest, signal?: AbortSignal): Promise<LeaseGrant> {
    const key = `${request.budget}#${request.caller}`
    const { capacity, refillPerSecond, now } = request
    const minTokens = Math.min(request.minTokens, capacity)
    let want = Math.max(minTokens, Math.min(request.tokens, capacity))
    let fullAt = this.#lastFullAt.get(key)
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const taken = await this.#take(key, want, fullAt !== undefined && fullAt > now, request, signal)
        if (typeof taken === 'number') {
          this.#lastFullAt.set(key, taken)
          return { granted: want, remaining: Math.floor(tokensAvailable(taken, now, capacity, refillPerSecond)), nextAt: availableAt(taken, minTokens, capacity, refillPerSecond) }
        }
        // DynamoDB hands back the item that failed the condition; servers that do not (dynalite) cost a read.
        fullAt = taken.seen ? taken.fullAt : await this.#read(key, signal)
        if (fullAt !== undefined) this.#lastFullAt.set(key, fullAt)
        const available = Math.floor(tokensAvailable(fullAt, now, capacity, refillPerSecond))
        if (available < minTokens) return { granted: 0, remaining: available, nextAt: availableAt(fullAt, minTokens, capacity, refillPerSecond) }
        want = Math.min(want, available)
      }
      return { granted: 0, remaining: 0, nextAt: now + 1000 / refillPerSecond * minTokens }
    } catch (error) {
      throw toStoreError(error, 'leasing a budget', undefined)
    }
  }

  /**
   * The new full-at when `tokens` were taken; when the condition failed (not so many there, or another
   * replica was first), the full-at the store had, if it said.
   */
  async #take (key: string, tokens: number, busy: boolean, request: LeaseRequest, signal: AbortSignal | undefined): Promise<number | { seen: boolean, fullAt: number | undefined }> {
    const msPerToken = 1000 / request.refillPerSecond
    const window = request.capacity * msPerToken
    const expiresAt = Math.ceil((request.now + window) / 1000) + 60
    const values: Record<string, AttributeValue> = { ':now': number(request.now), ':exp': number(expiresAt) }
    let update: string
    let condition: string
    if (busy) {
      // Some tokens are out: add this lease's refill time if the bucket stays within its capacity.
      update = 'SET #f = #f + :add, #x = :exp'
      condition = '#f > :now AND #f <= :limit'
      values[':add'] = number(tokens * msPerToken)
      values[':limit'] = number(request.now + window - tokens * msPerToken)
    } else {
      // A full bucket (or none yet): it is full again this lease's refill time from now.
      update = 'SET #f = :full, #x = :exp'
      condition = 'attribute_not_exists(#f) OR #f <= :now'
      values[':full'] = number(request.now + tokens * msPerToken)
    }
    try {
      const output = await this.#client.send(new UpdateItemCommand({
        TableName: this.#table,
        Key: { [BUDGET_KEY_ATTR]: { S: key } },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#f': FULL_AT_ATTR, '#x': EXPIRES_AT_ATTR },
        ExpressionAttributeValues: values,
        ReturnValues: 'UPDATED_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD'
      }), { abortSignal: signal })
      const fullAt = output.Attributes?.[FULL_AT_ATTR]?.N
      return fullAt === undefined ? request.now : Number(fullAt)
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
      const seen = error.Item?.[FULL_AT_ATTR]?.N
      return { seen: seen !== undefined, fullAt: seen === undefined ? undefined : Number(seen) }
    }
  }

  async #read (key: string, signal: AbortSignal | undefined): Promise<number | undefined> {
    const { Item } = await this.#client.send(new GetItemCommand({
      TableName: this.#table,
      Key: { [BUDGET_KEY_ATTR]: { S: key } },
      ProjectionExpression: '#f',
      ExpressionAttributeNames: { '#f': FULL_AT_ATTR },
      ConsistentRead: true
    }), { abortSignal: signal })
    const raw = Item?.[FULL_AT_ATTR]?.N
    return raw === undefined ? undefined : Number(raw)
  }
}

function number (value: number): AttributeValue {
  return { N: String(value) }
}

/**
 * Turns on TTL for the budget table so idle callers' items go away by themselves. Servers without
 * TTL (dynalite) or a table that already has it are fine: budgets work without it, items just stay.
 */
export async function enableBudgetExpiry (client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: EXPIRES_AT_ATTR, Enabled: true } }))
  } catch {}
}
