/**
 * The store floor for bench:pull, in a process of its own: the store's own SDK Query of a feature set,
 * with the plan src/repo/feature-scan.ts uses (the by-set index, shard by shard; segment i of n reads
 * shards i, i+n, … of 64; the same projection and page Limit as a pull's 1,000-row batches), through
 * @aws-sdk/client-dynamodb directly with a kept-alive socket pool. No decoding of the items beyond
 * what the SDK does: the least any reader of the store pays.
 */
import http from 'node:http'
import { DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { buildProjection } from '../../src/repo/feature-scan.js'
import { SHARD_KEY_ATTR } from '../../src/repo/item-attributes.js'
import { SET_INDEX, shardKey, shardsOfSegment } from '../../src/repo/set-shards.js'
import { BENCH_CREDENTIALS } from '../grpc/protocol.js'
import type { FloorJob, FloorResult } from './protocol.js'

const endpoint = process.env.DYNAMODB_ENDPOINT
const table = process.env.FEATURE_TABLE ?? 'featuregate_features'
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 })
const client = new DynamoDBClient({
  endpoint,
  region: 'us-east-1',
  credentials: BENCH_CREDENTIALS,
  requestHandler: new NodeHttpHandler({ httpAgent: agent })
})

interface Part { rows: number, examined: number, calls: number }

async function readSegment (job: FloorJob, segment: number): Promise<Part> {
  // The gateway's own projection (src/repo/feature-scan.ts), so the floor reads exactly what a pull reads.
  const projection = buildProjection(job.features)
  const names: Record<string, string> = { '#pk': SHARD_KEY_ATTR, ...projection.names }
  const part: Part = { rows: 0, examined: 0, calls: 0 }
  for (const shard of shardsOfSegment(segment, job.segments)) {
    let start: Record<string, AttributeValue> | undefined
    do {
      const output = await client.send(new QueryCommand({
        TableName: table,
        IndexName: SET_INDEX,
        KeyConditionExpression: '#pk = :pk',
        Limit: job.limit,
        ExclusiveStartKey: start,
        ProjectionExpression: projection.expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':pk': { S: shardKey(job.featureSet, shard) } }
      }))
      part.calls++
      part.rows += output.Count ?? 0
      part.examined += output.ScannedCount ?? 0
      start = output.LastEvaluatedKey
      if (job.rowsPerSegment !== undefined && part.rows >= job.rowsPerSegment) return part
    } while (start !== undefined)
  }
  return part
}

process.on('message', (job: FloorJob) => {
  void (async () => {
    const started = performance.now()
    const parts = await Promise.all(Array.from({ length: job.segments }, async (_, segment) => await readSegment(job, segment)))
    const result: FloorResult = {
      type: 'floor',
      rows: parts.reduce((sum, p) => sum + p.rows, 0),
      examined: parts.reduce((sum, p) => sum + p.examined, 0),
      calls: parts.reduce((sum, p) => sum + p.calls, 0),
      seconds: (performance.now() - started) / 1e3
    }
    process.send?.(result)
  })()
})
process.send?.({ type: 'ready' })
process.on('disconnect', () => { client.destroy(); process.exit(0) })
