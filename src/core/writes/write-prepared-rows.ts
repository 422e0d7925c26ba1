import type { RowKey } from '../../domain/feature-row.js'
import type { PreparedRow, RowWriter } from '../../domain/ports/row-writer.js'
import type { ReadOptions } from '../../domain/read-options.js'
import { throwIfOver } from '../../lib/backoff.js'

export interface WriteStepOptions extends ReadOptions {
  /** Leave a stored row alone when its event time is later than the row's (a conditional put per row). */
  readonly onlyNewer: boolean
  /** Store calls in flight at once: BatchWriteItem calls, or conditional puts with onlyNewer. */
  readonly concurrency: number
}

/**
 * The one write step of every way rows come in (CLI ingest, HTTP and gRPC writes): prepared rows,
 * at most one per entity, as many per store call as the store takes and a few calls at once.
 * Returns the rows left alone because the stored row is newer (onlyNewer only). On a store failure
 * no further call starts, the calls in flight settle, and the first error is thrown; when the rows
 * went in one store call, writer.unwritten(error) names exactly the ones not confirmed. Once the
 * caller gave up or its deadline passed no further call starts either (DeadlineExceededError).
 */
export async function writePreparedRows (writer: RowWriter, rows: readonly PreparedRow[], options: WriteStepOptions): Promise<readonly RowKey[]> {
  const concurrency = Math.max(1, options.concurrency)
  const call: ReadOptions = { signal: options.signal, deadlineAt: options.deadlineAt }
  if (options.onlyNewer) return await writer.writeRowsIfNewer(rows, concurrency, call)
  if (rows.length <= writer.maxRowsPerCall) {
    await writer.writeRows(rows, call)
    return []
  }
  const chunks: Array<readonly PreparedRow[]> = []
  for (let i = 0; i < rows.length; i += writer.maxRowsPerCall) chunks.push(rows.slice(i, i + writer.maxRowsPerCall))
  let next = 0
  let failure: { readonly error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (next < chunks.length && failure === undefined) {
      const chunk = chunks[next++]!
      try {
        throwIfOver(call, 'writing features')
        await writer.writeRows(chunk, call)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker))
  if (failure !== undefined) throw failure.error
  return []
}
