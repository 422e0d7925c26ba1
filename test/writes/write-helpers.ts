import type { FastifyInstance } from 'fastify'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'

/** Two features, so a partial row can be told from a whole one. */
export const SCORES: FeatureSetSpec = {
  name: 'scores',
  entityType: 'user',
  features: [{ name: 'score', type: 'double' }, { name: 'note', type: 'string' }]
}

/** Puts specs into the app's registry and reloads it, as `cli apply` then a reload would. */
export async function registerSets (app: FastifyInstance, specs: readonly FeatureSetSpec[]): Promise<void> {
  for (const spec of specs) await app.featureStore.registry.put(spec)
  await app.featureRegistry.reload()
}

export interface HttpWriteAnswer {
  readonly status: number
  readonly body: {
    readonly featureSet?: string
    readonly written?: number
    readonly leftAlone?: number
    readonly rejected?: number
    readonly results?: ReadonlyArray<{ readonly outcome: string, readonly reason?: string }>
    readonly errors?: ReadonlyArray<{ readonly message: string, readonly extensions: Record<string, unknown> }>
  }
}

/** POST /v1/write through inject. */
export async function httpWrite (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}): Promise<HttpWriteAnswer> {
  const response = await app.inject({ method: 'POST', url: '/v1/write', payload: body as Record<string, unknown>, headers })
  return { status: response.statusCode, body: response.json() }
}

export const row = (entityId: string, eventTime: number | string, score: number | null, note: string | null = 'n'): Record<string, unknown> =>
  ({ entity_id: entityId, event_time: eventTime, features: { score, note } })
