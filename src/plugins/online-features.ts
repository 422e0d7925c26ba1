import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { OnlineFeatures } from '../core/online-features.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The one online read (resolve → authorise → read → statuses) both protocols call. */
    onlineFeatures: OnlineFeatures
  }
}

/** Wires the core's online read to the lookup, the access gate and the observer, once for both protocols. */
async function onlineFeaturesPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.decorate('onlineFeatures', new OnlineFeatures(fastify.featureLookup, fastify.access, fastify.observer))
}

export default fp(onlineFeaturesPlugin, { name: 'featuregate-online-features', dependencies: ['featuregate-store', 'featuregate-access'] })
