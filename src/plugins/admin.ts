import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/** Operator actions, behind the admin scope (see ADMIN routes in access.ts). */
async function adminPlugin (fastify: FastifyInstance): Promise<void> {
  // Right after `cli apply` registered a new feature set, instead of waiting for the next periodic reload.
  fastify.post('/admin/registry/reload', async () => {
    await fastify.featureRegistry.reload()
    return { featureSets: fastify.featureRegistry.featureSets().map((set) => set.name) }
  })
  // Right after an ingest, so reads stop serving rows cached before it (up to CACHE_TTL_MS otherwise).
  fastify.post('/admin/cache/clear', async () => {
    const before = fastify.featureRows.cacheStats()
    fastify.featureRows.invalidate()
    return { clearedEntries: before?.entries ?? 0, clearedBytes: before?.bytes ?? 0 }
  })
}

export default fp(adminPlugin, { name: 'featuregate-admin', dependencies: ['featuregate-store', 'featuregate-access'] })
