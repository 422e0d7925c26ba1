import type { PullBatch } from '../../core/export/feature-pull.js'
import type { ResolvedFeature } from '../../core/feature-registry.js'
import { valueJsonText } from '../../domain/feature-value-json.js'
import { FEATURE_STATUSES, type FeatureStatus } from '../../domain/feature-status.js'
import { isoTime, writeIsoTime } from '../../domain/iso-time.js'
import type { FeatureValue } from '../../domain/feature-value.js'
import { ByteWriter } from '../../lib/byte-writer.js'
import type { PullEncoder, PullFailure } from './pull-encoder.js'

/**
 * `application/x-ndjson`: one JSON object per line (README, "Streaming pulls").
 *   {"entity_id":"user_7","features":{"user_profile:age":"31",...},"statuses":{"user_profile:age":"PRESENT",...},"event_times":{"user_profile":"2026-...Z"}}
 * Values in the JSON form GraphQL's `json` field uses (int64 as strings, bytes base64, times ISO-8601,
 * embeddings as number arrays), null unless the status is PRESENT or STALE. After each batch's rows
 * a `{"resume_after":"<cursor>"}` line; a complete pull ends with `{"end":true,"rows":N}`, a failed
 * one with `{"error":{...}}`.
 */
export function ndjsonEncoder (features: readonly ResolvedFeature[]): PullEncoder {
  // Event time per requested set: every feature of one set comes from the same row.
  const sets: Array<{ name: string, column: number }> = []
  features.forEach((f, column) => { if (!sets.some((s) => s.name === f.featureSet.name)) sets.push({ name: f.featureSet.name, column }) })
  // Each ref once, where it first appears (a set and one of its features may both be asked for);
  // its key, and `"ref":"STATUS"` for every status, as bytes made once, not again for every row.
  const columns: Array<{ key: Buffer, column: number, statuses: Record<FeatureStatus, Buffer> }> = []
  features.forEach((f, column) => {
    if (columns.some((c) => features[c.column]!.ref === f.ref)) return
    const key = (columns.length > 0 ? ',' : '') + JSON.stringify(f.ref) + ':'
    const statuses = Object.fromEntries(FEATURE_STATUSES.map((status) => [status, Buffer.from(key + '"' + status + '"')])) as Record<FeatureStatus, Buffer>
    columns.push({ key: Buffer.from(key), column, statuses })
  })
  const setKeys = sets.map((s, i) => ({ key: Buffer.from((i > 0 ? ',' : '') + JSON.stringify(s.name) + ':'), column: s.column }))
  const line = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value) + '\n')
  // Sizes the next batch's buffer, so it seldom grows.
  let bytesPerRow = 256
  return {
    format: 'ndjson',
    contentType: 'application/x-ndjson; charset=utf-8',
    batch (batch: PullBatch): Uint8Array[] {
      // The same text JSON.stringify gives for {entity_id, features, statuses, event_times}, written
      // as bytes piece by piece, without building those four objects or the line's string.
      const { columns: cells } = batch
      const out = new ByteWriter(cells.length * bytesPerRow * 1.25 + 256)
      for (let row = 0; row < cells.length; row++) {
        out.bytes(ENTITY_ID)
        out.utf8(JSON.stringify(cells.entityId(row)))
        out.bytes(FEATURES)
        for (const { key, column } of columns) {
          out.bytes(key)
          writeValue(out, cells.value(row, column))
        }
        out.bytes(STATUSES)
        for (const { column, statuses } of columns) out.bytes(statuses[cells.status(row, column)])
        out.bytes(EVENT_TIMES)
        for (const { key, column } of setKeys) {
          out.bytes(key)
          const time = cells.eventTime(row, column)
          if (time === undefined) out.bytes(NULL)
          else writeTime(out, time)
        }
        out.bytes(LINE_END)
      }
      if (cells.length > 0) bytesPerRow = Math.max(16, out.length / cells.length)
      if (batch.resumeAfter !== undefined) out.utf8(JSON.stringify({ resume_after: batch.resumeAfter }) + '\n')
      return out.length === 0 ? [] : [out.take()]
    },
    end: (rows) => [line({ end: true, rows })],
    failure: (failure: PullFailure) => [line({ error: { message: failure.message, ...failure.extensions } })]
  }
}

const ENTITY_ID = Buffer.from('{"entity_id":')
const FEATURES = Buffer.from(',"features":{')
const STATUSES = Buffer.from('},"statuses":{')
const EVENT_TIMES = Buffer.from('},"event_times":{')
const LINE_END = Buffer.from('}}\n')
const NULL = Buffer.from('null')
const TRUE = Buffer.from('true')
const FALSE = Buffer.from('false')
const QUOTE = 0x22

/** valueJsonText's text (null for no value), written: scalars straight, lists and the rest through JSON.stringify. */
function writeValue (out: ByteWriter, value: FeatureValue | null): void {
  if (value === null) return out.bytes(NULL)
  switch (value.type) {
    case 'double': return Number.isFinite(value.value) ? out.ascii(String(value.value)) : out.bytes(NULL)
    case 'bool': return out.bytes(value.value ? TRUE : FALSE)
    case 'int64':
      out.byte(QUOTE)
      out.ascii(value.value.toString())
      return out.byte(QUOTE)
    case 'timestamp': return writeTime(out, value.value)
    default: return out.utf8(valueJsonText(value))
  }
}

/** A time as `"<ISO-8601>"`, its digits written straight into the buffer where they can be. */
function writeTime (out: ByteWriter, ms: number): void {
  out.byte(QUOTE)
  const written = writeIsoTime(out.room(24), out.length, ms)
  if (written > 0) out.advance(written)
  else out.ascii(isoTime(ms))
  out.byte(QUOTE)
}
