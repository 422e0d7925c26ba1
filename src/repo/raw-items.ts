import { Readable } from 'node:stream'
import type { AttributeValue, QueryCommand } from '@aws-sdk/client-dynamodb'
import type { StoredItem } from './batch-get.js'

/** What a Query answered, taken from its JSON before the SDK's own deserializer walks it. */
export interface RawQueryAnswer {
  readonly items: StoredItem[]
  readonly scannedCount: number
  readonly lastEvaluatedKey: StoredItem | undefined
  /** The answer's size as the store sent it: what its items take, to bound a page in bytes. */
  readonly bytes: number
}

interface QueryJson {
  readonly Items?: StoredItem[]
  readonly ScannedCount?: number
  readonly LastEvaluatedKey?: StoredItem
}

interface HttpAnswer {
  statusCode?: number
  body?: unknown
}

/**
 * Lets one Query command's successful answer be read as plain JSON (JSON.parse, binary attributes
 * decoded from base64) instead of through the SDK's schema-driven deserializer, which builds every
 * attribute of every item afresh and was the largest cost of a pull in the gateway's CPU profile.
 * Everything else stays the SDK's: signing, endpoints, retries, and error answers, which are passed
 * on untouched. Returns the answer once the command was sent; undefined if it never succeeded.
 */
export function readQueryRaw (command: QueryCommand): () => RawQueryAnswer | undefined {
  let answer: RawQueryAnswer | undefined
  command.middlewareStack.add((next) => async (args) => {
    const result = await next(args)
    const response = result.response as HttpAnswer
    if (response.statusCode !== 200 || !(response.body instanceof Readable)) return result
    const chunks: Buffer[] = []
    for await (const chunk of response.body) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const json = JSON.parse(body.toString('utf8')) as QueryJson
    const items = json.Items ?? []
    for (const item of items) decodeBinary(item)
    answer = { items, scannedCount: json.ScannedCount ?? 0, lastEvaluatedKey: json.LastEvaluatedKey, bytes: body.byteLength }
    // The SDK's deserializer still runs, over an empty answer.
    response.body = Readable.from([Buffer.from('{}')])
    return result
  }, { step: 'deserialize', priority: 'low', name: 'featuregateRawQueryItems' })
  return () => answer
}

/** DynamoDB's JSON carries B as base64; the SDK (and the attribute codec) hand it on as bytes. */
function decodeBinary (item: Record<string, AttributeValue>): void {
  for (const name in item) decodeAttribute(item[name]!)
}

function decodeAttribute (attr: AttributeValue): void {
  const raw = attr as { B?: unknown, L?: AttributeValue[], M?: Record<string, AttributeValue> }
  if (typeof raw.B === 'string') raw.B = Buffer.from(raw.B, 'base64')
  else if (raw.L !== undefined) for (const element of raw.L) decodeAttribute(element)
  else if (raw.M !== undefined) decodeBinary(raw.M)
}
