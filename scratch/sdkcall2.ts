import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb'
import { Session } from 'node:inspector/promises'
import { writeFileSync } from 'node:fs'
import { SET_INDEX, shardKey } from '../src/repo/set-shards.js'
import { SHARD_KEY_ATTR } from '../src/repo/item-attributes.js'
const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT, region: 'us-east-1' })
const cmd = () => new QueryCommand({ TableName: 'featuregate_features', IndexName: SET_INDEX, KeyConditionExpression: '#pk = :s', ExpressionAttributeNames: { '#pk': SHARD_KEY_ATTR }, ExpressionAttributeValues: { ':s': { S: shardKey('user_moderation', 0) } }, Limit: 1 })
const session = new Session(); session.connect()
for (let r = 0; r < 10; r++) {
  if (r === 7) { await session.post('Profiler.enable'); await session.post('Profiler.start') }
  const c0 = process.cpuUsage(); const t0 = performance.now()
  for (let i = 0; i < 500; i++) await client.send(cmd())
  const c = process.cpuUsage(c0)
  console.log(`${((c.user + c.system) / 500).toFixed(0)} µs CPU per call (user ${(c.user/500).toFixed(0)}, sys ${(c.system/500).toFixed(0)}), ${((performance.now() - t0) / 500).toFixed(2)} ms wall`)
}
const { profile } = await session.post('Profiler.stop')
writeFileSync('/tmp/sdksteady.cpuprofile', JSON.stringify(profile))
