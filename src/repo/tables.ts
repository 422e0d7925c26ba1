import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { ENTITY_ATTR, SET_ATTR } from './item-attributes.js'
import { REGISTRY_KEY_ATTR } from './registry-store.js'

/**
 * Feature table: one item per (entity, feature set), so each pipeline writes its own set without
 * reading or touching another's. Hash key: entity id; range key: feature set name.
 * Registry table: one item per feature set, hash key: its name.
 */
export async function ensureTables (client: DynamoDBClient, featureTable: string, registryTable: string): Promise<void> {
  await ensureTable(client, featureTable, [
    { AttributeName: ENTITY_ATTR, KeyType: 'HASH' }, { AttributeName: SET_ATTR, KeyType: 'RANGE' }
  ], [ENTITY_ATTR, SET_ATTR])
  await ensureTable(client, registryTable, [{ AttributeName: REGISTRY_KEY_ATTR, KeyType: 'HASH' }], [REGISTRY_KEY_ATTR])
}

async function ensureTable (
  client: DynamoDBClient, table: string,
  keySchema: Array<{ AttributeName: string, KeyType: 'HASH' | 'RANGE' }>, stringAttributes: string[]
): Promise<void> {
  if (await tableStatus(client, table) === undefined) {
    try {
      await client.send(new CreateTableCommand({
        TableName: table,
        KeySchema: keySchema,
        AttributeDefinitions: stringAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        BillingMode: 'PAY_PER_REQUEST'
      }))
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error
    }
  }
  for (let i = 0; i < 600; i++) {
    if (await tableStatus(client, table) === 'ACTIVE') return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`Table ${table} did not become ACTIVE within 60 s`)
}

async function tableStatus (client: DynamoDBClient, table: string): Promise<string | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }))
    return Table?.TableStatus ?? 'UNKNOWN'
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined
    throw error
  }
}
