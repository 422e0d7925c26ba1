import { Readable } from 'node:stream'
import type { QueryCommand } from '@aws-sdk/client-dynamodb'

interface HttpAnswer {
  statusCode?: number
  body?: unknown
}

/**
 * Takes one Query command's successful answer as bytes, for query-answer.ts to read into rows,
 * instead of the SDK's schema-driven deserializer, which builds every attribute of every item afresh
 * and was the largest cost of a pull in the gateway's CPU profile. Everything else stays the SDK's:
 * signing, endpoints, retries, and error answers, which are passed on untouched. Returns the answer's
 * body once the command was sent; undefined if it never succeeded.
 */
export function readQueryBody (command: QueryCommand): () => Buffer | undefined {
  let answer: Buffer | undefined
  command.middlewareStack.add((next) => async (args) => {
    const result = await next(args)
    const response = result.response as HttpAnswer
    if (response.statusCode !== 200 || !(response.body instanceof Readable)) return result
    const chunks: Buffer[] = []
    for await (const chunk of response.body) chunks.push(chunk as Buffer)
    answer = Buffer.concat(chunks)
    // The SDK's deserializer still runs, over an empty answer.
    response.body = Readable.from([Buffer.from('{}')])
    return result
  }, { step: 'deserialize', priority: 'low', name: 'featuregateRawQueryItems' })
  return () => answer
}
