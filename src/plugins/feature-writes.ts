import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { FeatureWrites } from '../core/writes/feature-writes.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The one online write (limits → authorise → validate → write → forget the cached rows) both protocols call. */
    featureWrites: FeatureWrites
  }
}

/** Wires the core's online write to the store's writer, this replica's row cache, the access gate and the observer. */
async function featureWritesPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.decorate('featureWrites', new FeatureWrites({
    registry: fastify.featureRegistry,
    writer: fastify.featureStore.writer,
    rows: fastify.featureRows,
    access: fastify.access,
    observer: fastify.observer,
    limits: fastify.config.writes
  }))
}

export default fp(featureWritesPlugin, { name: 'featuregate-feature-writes', dependencies: ['featuregate-config', 'featuregate-store', 'featuregate-access'] })
