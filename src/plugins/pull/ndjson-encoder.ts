import type { PullBatch } from '../../core/export/feature-pull.js'
import type { ResolvedFeature } from '../../core/feature-registry.js'
import { valueJsonText } from '../../domain/feature-value-json.js'
import { FEATURE_STATUSES, type FeatureStatus } from '../../domain/feature-status.js'
import { isoTime } from '../../domain/iso-time.js'
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
  // Each ref once, where it first appears (a set and one of its features may both be asked for), keys escaped once.
  const columns: Array<{ key: string, column: number, statuses: Record<FeatureStatus, string> }> = []
  features.forEach((f, column) => {
    if (columns.some((c) => features[c.column]!.ref === f.ref)) return
    const key = JSON.stringify(f.ref) + ':'
    // `"ref":"STATUS"` written once per status, not put together again for every row.
    const statuses = Object.fromEntries(FEATURE_STATUSES.map((status) => [status, key + '"' + status + '"'])) as Record<FeatureStatus, string>
    columns.push({ key, column, statuses })
  })
  const setKeys = sets.map((s) => ({ key: JSON.stringify(s.name) + ':', column: s.column }))
  const line = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value) + '\n')
  return {
    format: 'ndjson',
    contentType: 'application/x-ndjson; charset=utf-8',
    batch (batch: PullBatch): Uint8Array[] {
      // Written out as the same text JSON.stringify gives for {entity_id, features, statuses, event_times},
      // without building those four objects for every row.
      let text = ''
      for (const { entity } of batch.rows) {
        const results = entity.results
        let values = ''
        let statuses = ''
        for (let c = 0; c < columns.length; c++) {
          const { key, column, statuses: statusText } = columns[c]!
          const result = results[column]!
          if (c > 0) {
            values += ','
            statuses += ','
          }
          values += key + (result.value === null ? 'null' : valueJsonText(result.value))
          statuses += statusText[result.status]
        }
        let eventTimes = ''
        for (const { key, column } of setKeys) {
          const time = results[column]!.eventTime
          eventTimes += (eventTimes === '' ? '' : ',') + key + (time === undefined ? 'null' : '"' + isoTime(time) + '"')
        }
        text += '{"entity_id":' + JSON.stringify(entity.entityId) + ',"features":{' + values + '},"statuses":{' + statuses + '},"event_times":{' + eventTimes + '}}\n'
      }
      if (batch.resumeAfter !== undefined) text += JSON.stringify({ resume_after: batch.resumeAfter }) + '\n'
      return text === '' ? [] : [Buffer.from(text)]
    },
    end: (rows) => [line({ end: true, rows })],
    failure: (failure: PullFailure) => [line({ error: { message: failure.message, ...failure.extensions } })]
  }
}
