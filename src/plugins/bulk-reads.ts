import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { FeatureExport } from '../core/export/feature-export.js'
import { FeatureStatistics } from '../core/feature-statistics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Training pulls over the repository's bulk scanner (GraphQL featureRows). */
    featureExport: FeatureExport
    /** Per-feature statistics over a sample or a whole set (GraphQL featureStatistics). */
    featureStatistics: FeatureStatistics
  }
}

/** The core's bulk-read services, wired once from configuration for whichever protocol serves them. */
async function bulkReadsPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config.graphql
  const featureExport = new FeatureExport(fastify.featureRegistry, fastify.featureStore.bulk, {
    maxPageSize: config.maxPageSize,
    maxFeaturesPerRequest: fastify.config.limits.maxFeaturesPerRequest,
    maxScanItemsPerPage: config.maxScanItemsPerPage,
    maxPageBytes: config.maxPageBytes,
    scanSegments: config.scanSegments,
    defaultDeadlineMs: config.bulkDeadlineMs
  }, fastify.access, fastify.observer)
  fastify.decorate('featureExport', featureExport)
  fastify.decorate('featureStatistics', new FeatureStatistics(featureExport, { maxRows: config.maxStatisticsRows, maxItems: 10 * config.maxScanItemsPerPage, pageSize: 1_000 }))
}

export default fp(bulkReadsPlugin, { name: 'featuregate-bulk-reads', dependencies: ['featuregate-config', 'featuregate-store', 'featuregate-access'] })
