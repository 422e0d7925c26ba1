import {
  BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DescribeTableCommand, ResourceInUseException, ResourceNotFoundException,
  ScanCommand, UpdateItemCommand, UpdateTableCommand, UpdateTimeToLiveCommand, ConditionalCheckFailedException,
  type AttributeValue, type DynamoDBClient, type GlobalSecondaryIndex, type TableDescription
} from '@aws-sdk/client-dynamodb'
import { CHANGE_BUCKET_ATTR, CHANGE_EXPIRY_ATTR, CHANGE_SORT_ATTR } from './change-log.js'
import { BUDGET_KEY_ATTR, enableBudgetExpiry } from './dynamo-budget-ledger.js'
import { ENTITY_ATTR, SET_ATTR, SHARD_KEY_ATTR } from './item-attributes.js'
import { REGISTRY_KEY_ATTR } from './registry-store.js'
import { SET_INDEX, shardKey, shardOf } from './set-shards.js'

/** One line of progress for an operator (create-tables prints them). */
export type Progress = (line: string) => void

const FEATURE_KEYS = [{ AttributeName: ENTITY_ATTR, KeyType: 'HASH' as const }, { AttributeName: SET_ATTR, KeyType: 'RANGE' as const }]
const FEATURE_ATTRIBUTES = [ENTITY_ATTR, SET_ATTR, SHARD_KEY_ATTR].map((name) => ({ AttributeName: name, AttributeType: 'S' as const }))
const BY_SET_INDEX: GlobalSecondaryIndex = {
  IndexName: SET_INDEX,
  KeySchema: [{ AttributeName: SHARD_KEY_ATTR, KeyType: 'HASH' }, { AttributeName: ENTITY_ATTR, KeyType: 'RANGE' }],
  // ALL: a pull reads its rows from the index alone, with no second read of the table per row.
  Projection: { ProjectionType: 'ALL' }
}
/** Where a table being re-laid-out keeps its items meanwhile (servers that cannot add an index in place). */
const RELAYOUT_SUFFIX = '_relayout'

/**
 * Feature table: one item per (entity, feature set), so each pipeline writes its own set without
 * reading or touching another's. Hash key: entity id; range key: feature set name; plus the by-set
 * index pulls read (set-shards.ts). Registry table: one item per feature set, hash key: its name.
 *
 * Idempotent: creates what is missing and migrates a feature table from before the by-set index by
 * adding the index (UpdateTable; DynamoDB builds it from the items that already carry a shard key).
 * Servers that accept UpdateTable but never build the index (dynalite) get the table rebuilt by
 * copying, which is only ever needed on a local server's table.
 */
export async function ensureTables (client: DynamoDBClient, featureTable: string, registryTable: string, progress: Progress = () => {}): Promise<void> {
  await ensureFeatureTable(client, featureTable, progress)
  await ensureTable(client, registryTable, [{ AttributeName: REGISTRY_KEY_ATTR, KeyType: 'HASH' }], [{ AttributeName: REGISTRY_KEY_ATTR, AttributeType: 'S' }])
}

/**
 * The change log (change-log.ts): hash key the minute, range key the time and id, entries expiring
 * through DynamoDB's TTL. Idempotent. Servers without TTL (dynalite) keep entries; the embedded store
 * is for development, and its entries are small.
 */
export async function ensureChangeTable (client: DynamoDBClient, table: string): Promise<void> {
  // Present: made by an earlier run, TTL included; a writer checking it needs only DescribeTable.
  if ((await describe(client, table))?.TableStatus === 'ACTIVE') return
  await ensureTable(client, table,
    [{ AttributeName: CHANGE_BUCKET_ATTR, KeyType: 'HASH' }, { AttributeName: CHANGE_SORT_ATTR, KeyType: 'RANGE' }],
    [{ AttributeName: CHANGE_BUCKET_ATTR, AttributeType: 'S' }, { AttributeName: CHANGE_SORT_ATTR, AttributeType: 'S' }])
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: CHANGE_EXPIRY_ATTR, Enabled: true } }))
  } catch (error) {
    // Already on (DynamoDB refuses to enable it twice), or a local server without TTL: either way nothing to do.
    if (!(error instanceof Error) || !/ValidationException|UnknownOperation|NotImplemented/.test(`${error.name} ${error.message}`)) throw error
  }
}

/**
 * What stops pulls on this feature table, if anything, as one sentence for an operator: no by-set
 * index yet, or the index still being built. undefined when pulls can read it.
 */
export async function featureLayoutProblem (client: DynamoDBClient, table: string): Promise<string | undefined> {
  const description = await describe(client, table)
  // A missing table is reported by the first call that needs it, with the store's own words.
  if (description === undefined) return undefined
  const index = description.GlobalSecondaryIndexes?.find((i) => i.IndexName === SET_INDEX)
  if (index === undefined) return `the feature table ${table} has no ${SET_INDEX} index, so pulls cannot run: run \`featuregate create-tables\` (it adds the index and backfills the shard key)`
  if (index.IndexStatus !== 'ACTIVE') return `the ${SET_INDEX} index of ${table} is ${index.IndexStatus ?? 'not ready'}; pulls start working once it is ACTIVE`
  return undefined
}

/**
 * Gives every item written before the by-set layout its shard key, so the index holds it: a Scan for
 * items without one (keys only), then one conditional UpdateItem each, 8 at a time. Conditional on
 * the item still existing without a shard key, so it never resurrects a deleted row or races a
 * writer (whose puts carry the key). Safe to repeat: a second run finds nothing to do.
 */
export async function backfillShardKeys (client: DynamoDBClient, table: string, progress: Progress = () => {}): Promise<{ examined: number, updated: number }> {
  let examined = 0
  let updated = 0
  let startKey: Record<string, AttributeValue> | undefined
  let lastReport = Date.now()
  do {
    const page = await client.send(new ScanCommand({
      TableName: table,
      ExclusiveStartKey: startKey,
      FilterExpression: 'attribute_not_exists(#p)',
      ProjectionExpression: '#e, #s',
      ExpressionAttributeNames: { '#p': SHARD_KEY_ATTR, '#e': ENTITY_ATTR, '#s': SET_ATTR }
    }))
    examined += page.ScannedCount ?? 0
    const keys = (page.Items ?? []).flatMap((item) => {
      const entityId = item[ENTITY_ATTR]?.S
      const featureSet = item[SET_ATTR]?.S
      return entityId === undefined || featureSet === undefined ? [] : [{ entityId, featureSet }]
    })
    let next = 0
    await Promise.all(Array.from({ length: Math.min(8, keys.length) }, async () => {
      while (next < keys.length) {
        const { entityId, featureSet } = keys[next++]!
        try {
          await client.send(new UpdateItemCommand({
            TableName: table,
            Key: { [ENTITY_ATTR]: { S: entityId }, [SET_ATTR]: { S: featureSet } },
            UpdateExpression: 'SET #p = :p',
            ConditionExpression: 'attribute_exists(#e) AND attribute_not_exists(#p)',
            ExpressionAttributeNames: { '#p': SHARD_KEY_ATTR, '#e': ENTITY_ATTR },
            ExpressionAttributeValues: { ':p': { S: shardKey(featureSet, shardOf(entityId)) } }
          }))
          updated++
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error
        }
      }
    }))
    startKey = page.LastEvaluatedKey
    if (updated > 0 && (startKey === undefined || Date.now() - lastReport >= 5_000)) {
      progress(`backfilling shard keys in ${table}: ${updated} items updated, ${examined} examined`)
      lastReport = Date.now()
    }
  } while (startKey !== undefined)
  return { examined, updated }
}

async function ensureFeatureTable (client: DynamoDBClient, table: string, progress: Progress): Promise<void> {
  const parked = `${table}${RELAYOUT_SUFFIX}`
  // A re-layout interrupted earlier: its items wait in the parked table.
  if (await describe(client, parked) !== undefined) {
    const current = await describe(client, table)
    if (current === undefined || hasIndex(current)) {
      await finishRelayout(client, table, parked, progress)
      return
    }
    await copyItems(client, table, parked, progress)
    await finishRelayout(client, table, parked, progress)
    return
  }
  await ensureTable(client, table, FEATURE_KEYS, FEATURE_ATTRIBUTES, [BY_SET_INDEX])
  const description = await describe(client, table)
  if (description !== undefined && !hasIndex(description)) {
    progress(`adding the ${SET_INDEX} index to ${table}`)
    await addIndex(client, table, description)
    if (!hasIndex(await describe(client, table))) {
      progress(`this server accepted the index but does not build indexes on existing tables; rebuilding ${table} by copying (items wait in ${parked})`)
      await copyItems(client, table, parked, progress)
      await finishRelayout(client, table, parked, progress)
    }
  }
  await waitForIndex(client, table, progress)
}

async function addIndex (client: DynamoDBClient, table: string, description: TableDescription): Promise<void> {
  const update = (throughput?: { ReadCapacityUnits: number, WriteCapacityUnits: number }): UpdateTableCommand => new UpdateTableCommand({
    TableName: table,
    AttributeDefinitions: FEATURE_ATTRIBUTES,
    GlobalSecondaryIndexUpdates: [{ Create: { ...BY_SET_INDEX, KeySchema: BY_SET_INDEX.KeySchema!, IndexName: SET_INDEX, ...(throughput !== undefined && { ProvisionedThroughput: throughput }) } }]
  })
  try {
    await client.send(update())
  } catch (error) {
    // A provisioned table's index needs its own capacity (dynalite asks for it on every table): the table's own.
    if (!(error instanceof Error) || error.name !== 'ValidationException' || !/provisionedThroughput/i.test(error.message)) throw error
    const read = Math.max(1, description.ProvisionedThroughput?.ReadCapacityUnits ?? 1)
    const write = Math.max(1, description.ProvisionedThroughput?.WriteCapacityUnits ?? 1)
    await client.send(update({ ReadCapacityUnits: read, WriteCapacityUnits: write }))
  }
}

/** Moves the parked items into `table` (created with the index when missing), then drops the parked table. */
async function finishRelayout (client: DynamoDBClient, table: string, parked: string, progress: Progress): Promise<void> {
  const current = await describe(client, table)
  if (current !== undefined && !hasIndex(current)) {
    await client.send(new DeleteTableCommand({ TableName: table }))
    await waitUntil(async () => await describe(client, table) === undefined, `${table} to be deleted`)
  }
  await ensureTable(client, table, FEATURE_KEYS, FEATURE_ATTRIBUTES, [BY_SET_INDEX])
  await copyItems(client, parked, table, progress)
  await client.send(new DeleteTableCommand({ TableName: parked }))
  progress(`${table} rebuilt with the ${SET_INDEX} index`)
}

/** Copies every item of `from` into `to` (created when missing), adding shard keys on the way. */
async function copyItems (client: DynamoDBClient, from: string, to: string, progress: Progress): Promise<void> {
  await ensureTable(client, to, FEATURE_KEYS, FEATURE_ATTRIBUTES, [BY_SET_INDEX])
  let copied = 0
  let startKey: Record<string, AttributeValue> | undefined
  do {
    const page = await client.send(new ScanCommand({ TableName: from, ExclusiveStartKey: startKey, Limit: 1_000 }))
    const items = (page.Items ?? []).map((item) => {
      const entityId = item[ENTITY_ATTR]?.S ?? ''
      return { ...item, [SHARD_KEY_ATTR]: { S: shardKey(item[SET_ATTR]?.S ?? '', shardOf(entityId)) } }
    })
    for (let i = 0; i < items.length; i += 25) {
      let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }))
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 10 * 2 ** round)))
        const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [to]: pending } }))
        pending = (output.UnprocessedItems?.[to] ?? []) as typeof pending
      }
    }
    copied += items.length
    startKey = page.LastEvaluatedKey
    progress(`copied ${copied} items from ${from} to ${to}`)
  } while (startKey !== undefined)
}

async function waitForIndex (client: DynamoDBClient, table: string, progress: Progress): Promise<void> {
  let lastReport = Date.now()
  // DynamoDB builds an added index from the existing items in the background; this may take a while on a large table.
  await waitUntil(async () => {
    const index = (await describe(client, table))?.GlobalSecondaryIndexes?.find((i) => i.IndexName === SET_INDEX)
    if (index?.IndexStatus === 'ACTIVE') return true
    if (Date.now() - lastReport >= 10_000) {
      progress(`waiting for the ${SET_INDEX} index of ${table}: ${index?.IndexStatus ?? 'missing'}${index?.Backfilling === true ? ', building from existing items' : ''}`)
      lastReport = Date.now()
    }
    return false
  }, `the ${SET_INDEX} index of ${table} to become ACTIVE`, 24 * 3600_000)
}

function hasIndex (description: TableDescription | undefined): boolean {
  return description?.GlobalSecondaryIndexes?.some((i) => i.IndexName === SET_INDEX) === true
}

async function ensureTable (
  client: DynamoDBClient, table: string,
  keySchema: Array<{ AttributeName: string, KeyType: 'HASH' | 'RANGE' }>,
  attributes: Array<{ AttributeName: string, AttributeType: 'S' }>,
  indexes?: GlobalSecondaryIndex[]
): Promise<void> {
  if (await describe(client, table) === undefined) {
    try {
      await client.send(new CreateTableCommand({
        TableName: table,
        KeySchema: keySchema,
        AttributeDefinitions: attributes,
        BillingMode: 'PAY_PER_REQUEST',
        ...(indexes !== undefined && { GlobalSecondaryIndexes: indexes })
      }))
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error
    }
  }
  await waitUntil(async () => (await describe(client, table))?.TableStatus === 'ACTIVE', `table ${table} to become ACTIVE`)
}

async function waitUntil (done: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  // Quick on local servers, gentle on DynamoDB during a long index build.
  for (let round = 0; Date.now() < until; round++) {
    if (await done()) return
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 50 * 2 ** Math.min(round, 7))))
  }
  throw new Error(`Timed out waiting for ${what}`)
}

async function describe (client: DynamoDBClient, table: string): Promise<TableDescription | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }))
    return Table
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined
    throw error
  }
}

/**
 * The budget table (dynamo-budget-ledger.ts): one item per (budget, caller), hash key only, on demand.
 * Idempotent, like ensureTables; TTL is turned on where the server has it.
 */
export async function ensureBudgetTable (client: DynamoDBClient, table: string): Promise<void> {
  const existed = await describe(client, table) !== undefined
  await ensureTable(client, table, [{ AttributeName: BUDGET_KEY_ATTR, KeyType: 'HASH' }], [{ AttributeName: BUDGET_KEY_ATTR, AttributeType: 'S' }])
  if (!existed) await enableBudgetExpiry(client, table)
}
