import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { FeatureLookup } from '../core/feature-lookup.js'
import { FeatureRegistry } from '../core/feature-registry.js'
import { Readiness } from '../core/readiness.js'
import { loadDemoData } from '../demo/load-demo-data.js'
import { openFeatureStore, type FeatureStore } from '../repo/open-feature-store.js'
import { NO_OP_GATEWAY_OBSERVER, type GatewayObserver } from '../core/gateway-observer.js'

declare module 'fastify' {
  interface FastifyInstance {
    featureStore: FeatureStore
    featureRegistry: FeatureRegistry
    featureLookup: FeatureLookup
    readiness: Readiness
    /** Where protocols and the repository report what they did; metrics plugin's, or a no-op. */
    observer: GatewayObserver
  }
}

export interface FeatureStorePluginOptions {
  /** Metrics hook; the metrics plugin's observer when metrics are on. */
  readonly observer?: GatewayObserver
}

/**
 * Opens the repository (starting the embedded store and its demo data when no DynamoDB is
 * configured), loads the registry and decorates the instance with the one lookup service both
 * protocols use.
 */
async function featureStorePlugin (fastify: FastifyInstance, options: FeatureStorePluginOptions): Promise<void> {
  const { config } = fastify
  const observer = options.observer ?? NO_OP_GATEWAY_OBSERVER
  const store = await openFeatureStore({ ...config, observer, bulkMaxConcurrentCalls: config.graphql.bulkMaxConcurrentCalls })
  fastify.addHook('onClose', async () => await store.close())
  if (store.embedded) {
    const loaded = config.store.demoUsers > 0 ? await loadDemoData(store, config.store.demoUsers, config.store.demoSeed) : undefined
    fastify.log.info({ endpoint: store.endpoint, demo: loaded },
      `Using the embedded DynamoDB-compatible store (dynalite) at ${store.endpoint ?? ''}${loaded === undefined ? '' : ` with demo data for ${loaded.users} users`}`)
  } else {
    fastify.log.info({ endpoint: store.endpoint ?? `dynamodb.${config.store.region}` }, 'Using DynamoDB')
  }

  const registry = new FeatureRegistry(store.registry)
  // A set whose stored spec no longer parses is left out rather than failing the rest; say so.
  registry.onReload(() => {
    for (const { name, reason } of store.registry.skipped) fastify.log.error({ featureSet: name, reason }, 'Registry entry skipped: its spec is invalid')
  })
  await registry.reload()
  if (config.registryReloadMs > 0) {
    const timer = setInterval(() => {
      registry.reload().catch((error: unknown) => fastify.log.warn({ err: error }, 'Registry reload failed; serving the previous registry'))
    }, config.registryReloadMs)
    timer.unref()
    fastify.addHook('onClose', async () => clearInterval(timer))
  }

  fastify.decorate('observer', observer)
  fastify.decorate('featureStore', store)
  fastify.decorate('featureRegistry', registry)
  fastify.decorate('featureLookup', new FeatureLookup(registry, store.rows, config.limits))
  fastify.decorate('readiness', new Readiness(async (signal) => await store.ping(signal), registry))
}

export default fp(featureStorePlugin, { name: 'featuregate-store', fastify: '5.x', dependencies: ['featuregate-config'] })
