import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb'
import { SET_INDEX, shardKey } from '../src/repo/set-shards.js'
import { SHARD_KEY_ATTR } from '../src/repo/item-attributes.js'
const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT, region: 'us-east-1' })
const cmd = () => new QueryCommand({ TableName: 'featuregate_features', IndexName: SET_INDEX, KeyConditionExpression: '#pk = :s', ExpressionAttributeNames: { '#pk': SHARD_KEY_ATTR }, ExpressionAttributeValues: { ':s': { S: shardKey('user_moderation', 0) } }, Limit: 1 })
for (let r = 0; r < Number(process.env.R ?? 3); r++) {
  const c0 = process.cpuUsage(); const t0 = performance.now()
  for (let i = 0; i < 500; i++) await client.send(cmd())
  const c = process.cpuUsage(c0)
  console.log(`${((c.user + c.system) / 500).toFixed(0)} µs CPU per call, ${((performance.now() - t0) / 500).toFixed(2)} ms wall`)
}
