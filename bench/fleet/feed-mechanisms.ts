/**
 * The two candidate feeds side by side, at the same poll interval, against the same DynamoDB Local:
 * the change log (src/repo/change-log.ts: one strongly consistent Query of the current minute per
 * poll) and DynamoDB Streams (per reader: DescribeStream, an iterator per shard, then one GetRecords per
 * shard per poll). Each has `readers` polling loops (the replicas); a writer makes a change every
 * 0..pollMs (uniformly spread over the poll phase) and we time the write's start to each reader
 * seeing it. Also: calls per reader per second while nothing is written.
 *
 * The Streams calls are made as raw JSON requests: this repository has no Streams client, and DynamoDB
 * Local does not check signatures (it reads the key id only). dynalite has no Streams at all.
 */
import { createDynamoClient } from '../../src/repo/dynamo-client.js'
import { ChangeLog } from '../../src/repo/change-log.js'
import { ensureChangeTable } from '../../src/repo/tables.js'
import { LOCAL_CREDENTIALS } from '../../test/helpers/test-store.js'
import { quantile } from '../shared/online-load.js'

export interface FeedFigures {
  readonly p50: number
  readonly p99: number
  readonly idleCallsPerReaderPerSecond: number
}

type Json = Record<string, unknown>

function rawCaller (endpoint: string): (target: string, body: Json) => Promise<Json> {
  const authorization = `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00`
  return async (target, body) => {
    const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target, authorization }, body: JSON.stringify(body) })
    const answer = await response.json() as Json
    if (response.status !== 200) throw new Error(`${target}: ${JSON.stringify(answer)}`)
    return answer
  }
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

/** Runs both feeds at once for `writes` changes; figures in milliseconds. */
export async function compareFeeds (endpoint: string, pollMs: number, readers: number, writes: number, idleSeconds: number): Promise<{ changeLog: FeedFigures, streams: FeedFigures }> {
  const call = rawCaller(endpoint)
  const client = createDynamoClient({ endpoint, region: 'us-east-1', maxSockets: 16, connectTimeoutMs: 1_000, maxAttempts: 3, retryBaseMs: 10, staticCredentials: LOCAL_CREDENTIALS })
  const suffix = `${pollMs}_${Date.now()}`
  const streamsTable = `streams_probe_${suffix}`
  const logTable = `changes_probe_${suffix}`
  await ensureChangeTable(client, logTable)
  await call('DynamoDB_20120810.CreateTable', {
    TableName: streamsTable,
    KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' }
  })
  const streamArn = ((await call('DynamoDB_20120810.DescribeTable', { TableName: streamsTable })).Table as Json).LatestStreamArn as string
  const log = new ChangeLog(client, logTable)

  const state = { stopped: false }
  const sent = { log: new Map<string, number>(), streams: new Map<string, number>() }
  const delays = { log: [] as number[], streams: [] as number[] }
  const calls = { log: 0, streams: 0 }

  const logReader = async (): Promise<void> => {
    const seen = new Set<string>()
    let last = Date.now()
    while (!state.stopped) {
      const started = Date.now()
      calls.log++
      for (const entry of await log.readSince(last - 5_000)) {
        if (seen.has(entry.id)) continue
        seen.add(entry.id)
        const at = sent.log.get(entry.entityIds[0] ?? '')
        if (at !== undefined) delays.log.push(performance.now() - at)
      }
      last = started
      await sleep(pollMs)
    }
  }
  const streamsReader = async (): Promise<void> => {
    calls.streams++
    const shards = ((await call('DynamoDBStreams_20120810.DescribeStream', { StreamArn: streamArn })).StreamDescription as Json).Shards as Json[]
    const iterators: Array<string | undefined> = []
    for (const shard of shards) {
      calls.streams++
      iterators.push((await call('DynamoDBStreams_20120810.GetShardIterator', { StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'LATEST' })).ShardIterator as string)
    }
    while (!state.stopped) {
      for (let i = 0; i < iterators.length; i++) {
        if (iterators[i] === undefined) continue
        calls.streams++
        const page = await call('DynamoDBStreams_20120810.GetRecords', { ShardIterator: iterators[i] })
        iterators[i] = page.NextShardIterator as string | undefined
        for (const record of page.Records as Json[]) {
          const key = (((record.dynamodb as Json).Keys as Json).k as Json).S as string
          const at = sent.streams.get(key)
          if (at !== undefined) delays.streams.push(performance.now() - at)
        }
      }
      await sleep(pollMs)
    }
  }
  const loops = [...Array.from({ length: readers }, logReader), ...Array.from({ length: readers }, streamsReader)]
  await sleep(1_000)
  const idleFrom = { ...calls }
  await sleep(idleSeconds * 1_000)
  const idle = { log: (calls.log - idleFrom.log) / idleSeconds / readers, streams: (calls.streams - idleFrom.streams) / idleSeconds / readers }

  for (let i = 0; i < writes; i++) {
    await sleep(Math.random() * pollMs)
    const key = `k${i}`
    // From the write's start: a reader may see it before the writer's own call has returned.
    const at = performance.now()
    sent.log.set(key, at)
    sent.streams.set(key, at)
    await Promise.all([
      log.recordRows([{ featureSet: 'probe', entityId: key }]),
      call('DynamoDB_20120810.PutItem', { TableName: streamsTable, Item: { k: { S: key } } })
    ])
  }
  await sleep(pollMs * 3 + 500)
  state.stopped = true
  await Promise.allSettled(loops)
  client.destroy()
  const figures = (samples: number[], idleCalls: number): FeedFigures => {
    samples.sort((a, b) => a - b)
    return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), idleCallsPerReaderPerSecond: idleCalls }
  }
  return { changeLog: figures(delays.log, idle.log), streams: figures(delays.streams, idle.streams) }
}
