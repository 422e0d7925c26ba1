import { BatchWriteItemCommand, CreateTableCommand, DescribeTableCommand, QueryCommand, ScanCommand, UpdateTableCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { Test } from 'tap'
import { demoRowsFor } from '../../src/demo/demo-data.js'
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import { toItem } from '../../src/repo/feature-writer.js'
import { storeBackends } from '../../test/helpers/store-backends.js'

const USERS = Number(process.env.USERS ?? 10_000)
const SHARDS = 16
const SET = 'user_word_stats'
type Item = Record<string, AttributeValue>
const shardOf = (id: string): number => { let h = 2166136261; for (let i = 0; i < id.length; i++) { h ^= id.charCodeAt(i); h = Math.imul(h, 16777619) } return (h >>> 0) % SHARDS }

async function write (client: DynamoDBClient, table: string, items: Item[]): Promise<void> {
  const chunks: Item[][] = []
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25))
  let next = 0
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }))
      while (pending.length > 0) {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }))
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending
      }
    }
  }))
}
const waitActive = async (client: DynamoDBClient, table: string): Promise<void> => {
  for (;;) { const d = await client.send(new DescribeTableCommand({ TableName: table })); if (d.Table?.TableStatus === 'ACTIVE' && (d.Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) return; await new Promise((resolve) => setTimeout(resolve, 100)) }
}

async function drain (make: (start: Item | undefined) => ScanCommand | QueryCommand, client: DynamoDBClient): Promise<{ rows: number, scanned: number, calls: number }> {
  let start: Item | undefined; let rows = 0; let scanned = 0; let calls = 0
  do {
    const out = await client.send(make(start) as ScanCommand)
    rows += out.Count ?? 0; scanned += out.ScannedCount ?? 0; calls++
    start = out.LastEvaluatedKey
  } while (start !== undefined)
  return { rows, scanned, calls }
}

async function timed (label: string, workers: Array<() => Promise<{ rows: number, scanned: number, calls: number }>>): Promise<string> {
  const t0 = performance.now()
  const parts = await Promise.all(workers.map(async (w) => await w()))
  const s = (performance.now() - t0) / 1e3
  const rows = parts.reduce((a, p) => a + p.rows, 0); const scanned = parts.reduce((a, p) => a + p.scanned, 0); const calls = parts.reduce((a, p) => a + p.calls, 0)
  return `${label.padEnd(44)} rows ${rows}  examined ${scanned}  per row ${(scanned / rows).toFixed(3)}  calls ${calls}  ${Math.round(rows / s)} rows/s`
}

for (const backend of storeBackends()) {
  const teardowns: Array<() => unknown> = []
  const t = { teardown: (fn: () => unknown) => { teardowns.push(fn) } }
  {
    const endpoint = await backend.start(t as unknown as Test)
    const client = createDynamoClient({ endpoint, region: 'us-east-1', maxSockets: 16, connectTimeoutMs: 2000, maxAttempts: 3, retryBaseMs: 10, idleTimeoutMs: 60_000, staticCredentials: { accessKeyId: 'x', secretAccessKey: 'x' } })
    t.teardown(() => client.destroy())
    const now = Date.now()
    const rows = Array.from({ length: USERS }, (_, i) => demoRowsFor(i, 7, now)).flat()
    const shared = rows.map((r) => { const item = toItem(r); item._p = { S: `${r.featureSet.name}#${shardOf(r.entityId)}` }; return item })
    const lines: string[] = []

    // Shared table with the sharded GSI from the start.
    await client.send(new CreateTableCommand({
      TableName: 'shared',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: '_e', KeyType: 'HASH' }, { AttributeName: '_s', KeyType: 'RANGE' }],
      AttributeDefinitions: ['_e', '_s', '_p'].map((n) => ({ AttributeName: n, AttributeType: 'S' as const })),
      GlobalSecondaryIndexes: [{ IndexName: 'by-set', KeySchema: [{ AttributeName: '_p', KeyType: 'HASH' }, { AttributeName: '_e', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }]
    }))
    await waitActive(client, 'shared')
    let t0 = performance.now(); await write(client, 'shared', shared); lines.push(`write shared+GSI ${shared.length} items ${Math.round(shared.length / ((performance.now() - t0) / 1e3))} items/s`)
    // Table per set.
    for (const set of ['user_text', 'user_profile', SET]) {
      await client.send(new CreateTableCommand({ TableName: `fs.${set}`, BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: '_e', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: '_e', AttributeType: 'S' }] }))
      await waitActive(client, `fs.${set}`)
    }
    t0 = performance.now()
    for (const set of ['user_text', 'user_profile', SET]) await write(client, `fs.${set}`, rows.filter((r) => r.featureSet.name === set).map((r) => { const i = toItem(r); delete i._p; return i }))
    lines.push(`write per-set tables ${rows.length} items ${Math.round(rows.length / ((performance.now() - t0) / 1e3))} items/s`)
    // Shared table without a GSI, to try adding one to a table with data.
    await client.send(new CreateTableCommand({ TableName: 'plain', BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: '_e', KeyType: 'HASH' }, { AttributeName: '_s', KeyType: 'RANGE' }], AttributeDefinitions: ['_e', '_s'].map((n) => ({ AttributeName: n, AttributeType: 'S' as const })) }))
    await waitActive(client, 'plain')
    await write(client, 'plain', shared.slice(0, 3000))

    const filter = { FilterExpression: '#s = :s', ExpressionAttributeNames: { '#s': '_s' }, ExpressionAttributeValues: { ':s': { S: SET } } }
    for (let round = 0; round < 2; round++) {
      for (const segs of [1, 4]) {
        lines.push(await timed(`scan shared, filter _s, ${segs} seg`, Array.from({ length: segs }, (_, seg) => async () => await drain((k) => new ScanCommand({ TableName: 'shared', Segment: seg, TotalSegments: segs, Limit: 1000, ExclusiveStartKey: k, ...filter }), client))))
        lines.push(await timed(`query GSI ${SHARDS} shards, ${segs} worker(s)`, Array.from({ length: segs }, (_, w) => async () => {
          const acc = { rows: 0, scanned: 0, calls: 0 }
          for (let s = w; s < SHARDS; s += segs) {
            const r = await drain((k) => new QueryCommand({ TableName: 'shared', IndexName: 'by-set', Limit: 1000, ExclusiveStartKey: k, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': '_p' }, ExpressionAttributeValues: { ':p': { S: `${SET}#${s}` } } }), client)
            acc.rows += r.rows; acc.scanned += r.scanned; acc.calls += r.calls
          }
          return acc
        })))
        lines.push(await timed(`scan table per set, ${segs} seg`, Array.from({ length: segs }, (_, seg) => async () => await drain((k) => new ScanCommand({ TableName: `fs.${SET}`, Segment: seg, TotalSegments: segs, Limit: 1000, ExclusiveStartKey: k }), client))))
      }
    }
    lines.push(await timed('scan on GSI (IndexName), 2 seg', Array.from({ length: 2 }, (_, seg) => async () => await drain((k) => new ScanCommand({ TableName: 'shared', IndexName: 'by-set', Segment: seg, TotalSegments: 2, Limit: 1000, ExclusiveStartKey: k }), client))))

    // UpdateTable adding a GSI to a table that already holds items with the key attribute.
    try {
      await client.send(new UpdateTableCommand({
        TableName: 'plain',
        AttributeDefinitions: ['_e', '_s', '_p'].map((n) => ({ AttributeName: n, AttributeType: 'S' as const })),
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'by-set', KeySchema: [{ AttributeName: '_p', KeyType: 'HASH' }, { AttributeName: '_e', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } } }]
      }))
      const d = await client.send(new DescribeTableCommand({ TableName: 'plain' }))
      lines.push(`UpdateTable Create GSI: accepted; DescribeTable GSIs: ${JSON.stringify(d.Table?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus, g.Backfilling]) ?? [])}`)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      try {
        const q = await drain((k) => new QueryCommand({ TableName: 'plain', IndexName: 'by-set', ExclusiveStartKey: k, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': '_p' }, ExpressionAttributeValues: { ':p': { S: `${SET}#0` } } }), client)
        lines.push(`  query new GSI after 1.5 s: ${q.rows} rows (existing items backfilled? ${q.rows > 0})`)
      } catch (e) { lines.push(`  query new GSI: ${(e as Error).name}: ${(e as Error).message}`) }
    } catch (e) { lines.push(`UpdateTable Create GSI: ${(e as Error).name}: ${(e as Error).message}`) }
    console.log(`\n== ${backend.name} (${USERS} users, ${rows.length} items, ${rows.filter((r) => r.featureSet.name === SET).length} ${SET} rows)\n${lines.join('\n')}`)
    for (const fn of teardowns.reverse()) await fn()
  }
}
