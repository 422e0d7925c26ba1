import { rowKey } from '../domain/feature-row.js'
import type { FeatureSetSpec } from '../domain/feature-set-spec.js'
import type { PreparedRow, RowWriter } from '../domain/ports/row-writer.js'
import { isFeaturegateError } from '../errors.js'
import { writePreparedRows } from '../core/writes/write-prepared-rows.js'
import { IngestLineError, parseIngestLine } from './parse-ingest-line.js'

export interface RejectedLine {
  /** 1-based line number in the input. */
  readonly line: number
  readonly reason: string
  /** The line as read, for a rejects file the user can fix and load again. */
  readonly text: string
}

export interface IngestProgress {
  /** Non-blank lines read so far. */
  readonly lines: number
  readonly written: number
  readonly rejected: number
  readonly seconds: number
}

export interface IngestReport extends IngestProgress {
  readonly featureSet: string
  /** The first `maxRejectsKept` rejected lines (all of them go to onRejected). */
  readonly rejectedLines: readonly RejectedLine[]
  /** Accepted lines the store did not confirm as written (only after a store failure). */
  readonly unwrittenLines: readonly number[]
  /** Accepted lines not written because the stored row is newer (only with onlyNewer). */
  readonly skippedOlder: number
  /** Why the store failed; the run stopped reading there. */
  readonly storeError?: string
  /** Why the run stopped early for another reason (the input could not be read, a rejects file could not be written, a bug). */
  readonly failure?: string
  /** The last line read before the run stopped on a store failure; later lines were not read. */
  readonly stoppedAfterLine?: number
}

export interface IngestOptions {
  readonly featureSet: FeatureSetSpec
  readonly lines: AsyncIterable<string>
  readonly writer: RowWriter
  readonly allowMissing?: boolean
  /** Leave a stored row alone when its event time is later than the line's (a late backfill). */
  readonly onlyNewer?: boolean
  /** BatchWriteItem calls in flight at once. */
  readonly concurrency?: number
  readonly onRejected?: (rejected: RejectedLine) => void
  readonly onProgress?: (progress: IngestProgress) => void
  readonly progressEveryMs?: number
  readonly maxRejectsKept?: number
}

/** Conditional puts in flight per batch with onlyNewer (BatchWriteItem takes no conditions). */
const CONDITIONAL_PUTS_IN_FLIGHT = 8

interface Pending {
  readonly key: string
  readonly line: number
  readonly row: PreparedRow
}

/**
 * Loads JSON Lines into one feature set: each line validated on its own (a bad line is reported
 * with its number and never stops the others), accepted rows written as many per call as the store takes, with a
 * few calls in flight. Every accepted line is written, in file order for any one entity: a batch
 * never holds an entity twice and waits for an earlier batch holding the same entity. If the store
 * fails, reading stops and the report names every accepted line the store did not confirm.
 */
export async function ingestLines (options: IngestOptions): Promise<IngestReport> {
  const { featureSet, writer } = options
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const maxRejectsKept = options.maxRejectsKept ?? 1_000
  const started = performance.now()
  let lineNumber = 0
  let lines = 0
  let written = 0
  let skippedOlder = 0
  let rejected = 0
  const rejectedLines: RejectedLine[] = []
  const unwrittenLines: number[] = []
  let storeError: string | undefined
  let batch: Pending[] = []
  let batchKeys = new Set<string>()
  const inflight = new Set<Promise<void>>()
  const inflightKeys = new Map<string, Promise<void>>()

  const progress = (): IngestProgress => ({ lines, written, rejected, seconds: (performance.now() - started) / 1e3 })
  const timer = options.onProgress === undefined
    ? undefined
    : setInterval(() => options.onProgress?.(progress()), options.progressEveryMs ?? 2_000)
  timer?.unref()

  const reject = (line: number, reason: string, text: string): void => {
    rejected++
    const entry = { line, reason, text }
    if (rejectedLines.length < maxRejectsKept) rejectedLines.push(entry)
    options.onRejected?.(entry)
  }

  const write = async (entries: Pending[]): Promise<void> => {
    // The same entity in a batch still in flight: let that one land first, so the later line wins.
    const earlier = new Set<Promise<void>>()
    for (const entry of entries) {
      const other = inflightKeys.get(entry.key)
      if (other !== undefined) earlier.add(other)
    }
    if (earlier.size > 0) await Promise.all(earlier)
    if (storeError !== undefined) {
      for (const entry of entries) unwrittenLines.push(entry.line)
      return
    }
    try {
      // One store call's rows (a batch holds at most maxRowsPerCall), so unwritten(error) below is exact.
      const skipped = await writePreparedRows(writer, entries.map((entry) => entry.row), { onlyNewer: options.onlyNewer === true, concurrency: CONDITIONAL_PUTS_IN_FLIGHT })
      skippedOlder += skipped.length
      written += entries.length - skipped.length
    } catch (error) {
      storeError ??= error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error)
      const left = writer.unwritten(error)
      const leftKeys = left === undefined ? undefined : new Set(left.map((key) => rowKey(key.featureSet, key.entityId)))
      for (const entry of entries) {
        if (leftKeys === undefined || leftKeys.has(entry.key)) unwrittenLines.push(entry.line)
        else written++
      }
    }
  }

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    const entries = batch
    batch = []
    batchKeys = new Set()
    while (inflight.size >= concurrency) await Promise.race(inflight)
    const done: Promise<void> = write(entries).finally(() => {
      inflight.delete(done)
      for (const entry of entries) if (inflightKeys.get(entry.key) === done) inflightKeys.delete(entry.key)
    })
    inflight.add(done)
    for (const entry of entries) inflightKeys.set(entry.key, done)
  }

  let failure: string | undefined
  try {
    try {
      await readAll()
    } catch (error) {
      // Whatever went wrong, the rows already handed to the store are waited for and accounted for.
      failure = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error)
      for (const entry of batch) unwrittenLines.push(entry.line)
      batch = []
    }
    await Promise.allSettled([...inflight])
  } finally {
    if (timer !== undefined) clearInterval(timer)
  }
  unwrittenLines.sort((a, b) => a - b)
  return {
    featureSet: featureSet.name,
    ...progress(),
    skippedOlder,
    rejectedLines,
    unwrittenLines,
    ...(storeError !== undefined && { storeError }),
    ...(failure !== undefined && { failure }),
    ...((storeError !== undefined || failure !== undefined) && { stoppedAfterLine: lineNumber })
  }

  async function readAll (): Promise<void> {
    for await (const raw of options.lines) {
      lineNumber++
      const text = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw
      if (text.trim() === '') continue
      lines++
      let row: PreparedRow
      let key: string
      try {
        row = writer.prepare(parseIngestLine(text, featureSet, { allowMissing: options.allowMissing === true }))
        key = rowKey(featureSet.name, row.entityId)
      } catch (error) {
        if (error instanceof IngestLineError || isFeaturegateError(error)) {
          reject(lineNumber, error.message, text)
          continue
        }
        throw error
      }
      if (batchKeys.has(key)) await flush()
      batch.push({ key, line: lineNumber, row })
      batchKeys.add(key)
      if (batch.length >= writer.maxRowsPerCall) await flush()
      if (storeError !== undefined) break
    }
    if (storeError === undefined) await flush()
    else for (const entry of batch) unwrittenLines.push(entry.line)
  }
}
