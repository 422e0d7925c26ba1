import { rowKey, type RowRequest, type RowResult } from '../domain/feature-row.js'
import type { ReadOptions } from '../domain/read-options.js'
import type { RowReader } from '../domain/ports/row-reader.js'
import { batchGetItems, type BatchGetContext } from './batch-get.js'
import { decodeRow } from './row-decoder.js'

/**
 * The row-read port on DynamoDB: one BatchGetItem per 100 distinct keys (batch-get.ts), each row
 * decoded with its request's spec; the keys of a chunk that failed while others were read come back unread. Requests that repeat a key share one read with the union of
 * their projections; a request for the whole row makes the read whole.
 */
export class DynamoRowReader implements RowReader {
  readonly #context: BatchGetContext

  constructor (context: BatchGetContext) {
    this.#context = context
  }

  async readRows (requests: readonly RowRequest[], options: ReadOptions): Promise<RowResult[]> {
    if (requests.length === 0) return []
    let attributes: Set<string> | undefined = new Set()
    for (const request of requests) {
      if (request.features === undefined) { attributes = undefined; break }
      for (const name of request.features) attributes.add(name)
    }
    const keys = requests.map((request) => ({ entityId: request.entityId, featureSet: request.featureSet.name }))
    const { items, failed } = await batchGetItems(this.#context, keys, attributes === undefined ? undefined : [...attributes], options)
    return requests.map((request) => {
      const key = rowKey(request.featureSet.name, request.entityId)
      const unread = failed.get(key)
      if (unread !== undefined) return { unread }
      const item = items.get(key)
      return item === undefined ? undefined : decodeRow(request.featureSet, item)
    })
  }
}
