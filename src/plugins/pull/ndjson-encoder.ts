import type { PullBatch } from '../../core/export/feature-pull.js'
import type { ResolvedFeature } from '../../core/feature-registry.js'
import { valueJson } from '../../domain/feature-value-json.js'
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
  const line = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value) + '\n')
  return {
    format: 'ndjson',
    contentType: 'application/x-ndjson; charset=utf-8',
    batch (batch: PullBatch): Uint8Array[] {
      const lines: string[] = []
      for (const { entity } of batch.rows) {
        const values: Record<string, unknown> = {}
        const statuses: Record<string, string> = {}
        entity.results.forEach((result, i) => {
          const ref = features[i]!.ref
          values[ref] = result.value === null ? null : valueJson(result.value)
          statuses[ref] = result.status
        })
        const eventTimes: Record<string, string | null> = {}
        for (const { name, column } of sets) {
          const time = entity.results[column]!.eventTime
          eventTimes[name] = time === undefined ? null : new Date(time).toISOString()
        }
        lines.push(JSON.stringify({ entity_id: entity.entityId, features: values, statuses, event_times: eventTimes }))
      }
      if (batch.resumeAfter !== undefined) lines.push(JSON.stringify({ resume_after: batch.resumeAfter }))
      return lines.length === 0 ? [] : [Buffer.from(lines.join('\n') + '\n')]
    },
    end: (rows) => [line({ end: true, rows })],
    failure: (failure: PullFailure) => [line({ error: { message: failure.message, ...failure.extensions } })]
  }
}
