import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { FeatureLookup } from '../core/feature-lookup.js'
import { FeatureRegistry } from '../core/feature-registry.js'
import { Readiness } from '../core/readiness.js'
import { loadDemoData } from '../demo/load-demo-data.js'
import { NO_OP_GATEWAY_OBSERVER, type GatewayObserver } from '../core/gateway-observer.js'
import type { CachedRowReader } from '../core/rows/cached-row-reader.js'
import { onlineRows } from '../core/rows/online-rows.js'
import { ChangeFollower } from '../core/rows/change-follower.js'
import type { FeatureStore } from '../domain/ports/feature-store.js'
import { openFeatureStore } from '../repo/open-feature-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The store's ports (DynamoDB's implementation): the only place the app names src/repo. */
    featureStore: FeatureStore
    /** Online row reads: the core's cache, single flight and batcher over the store's row reader. */
    featureRows: CachedRowReader
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
 * Wires the core to a store: opens the DynamoDB implementation of the ports (starting the embedded
 * store and its demo data when no DynamoDB is configured), puts the core's cache and batcher over
 * its row reader, loads the registry and decorates the instance with the one lookup both protocols use.
 */
async function featureStorePlugin (fastify: FastifyInstance, options: FeatureStorePluginOptions): Promise<void> {
  const { config } = fastify
  const observer = options.observer ?? NO_OP_GATEWAY_OBSERVER
  const store = await openFeatureStore({
    store: config.store,
    createTables: false,
    observer,
    bulkMaxConcurrentCalls: config.graphql.bulkMaxConcurrentCalls,
    // Lookups work without the by-set index; pulls do not, so say so at start rather than on the first pull.
    onLayoutProblem: (problem) => fastify.log.warn({ featureTable: config.store.featureTable }, `Pulls will fail: ${problem}`),
    onEmbeddedStoreFailure: (error) => { fastify.log.error({ err: error }, error.message) }
  })
  const rows = onlineRows(store.rows, config)
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
  registry.onReload((changed) => {
    const kept = new Set(registry.keptLastGood)
    for (const { name, reason } of store.registry.skipped) {
      fastify.log.error({ featureSet: name, reason, servingLastGood: kept.has(name) },
        kept.has(name) ? 'Registry entry is invalid: serving its last good spec' : 'Registry entry skipped: its spec is invalid')
    }
    observer.registryReloaded(store.registry.skipped.length, kept.size)
    // Rows cached under an old spec would still decode the old way: read them again under the new one.
    rows.invalidateSets(changed)
  })
  await registry.reload()
  if (config.registryReloadMs > 0) {
    const timer = setInterval(() => {
      registry.reload().catch((error: unknown) => fastify.log.warn({ err: error }, 'Registry reload failed; serving the previous registry'))
    }, config.registryReloadMs)
    timer.unref()
    fastify.addHook('onClose', async () => clearInterval(timer))
  }

  // Writes made anywhere (CLI, write API, other replicas, outside writers) reach this cache within one poll.
  const { changeFeed } = config
  if (changeFeed.pollMs > 0) {
    const follower = new ChangeFollower({
      feed: store.changes,
      rows,
      reloadRegistry: async () => await registry.reload(),
      ...changeFeed,
      observer,
      onFeedDown: (error) => fastify.log.warn({ err: error, changeTable: config.store.changeTable },
        `Cannot read the change log: writes made elsewhere reach this replica only as cached rows expire (CACHE_TTL_MS ${config.cache.ttlMs} ms) until it is back`),
      onFeedBack: (downMs, cleared) => fastify.log.info({ downMs, cleared },
        cleared ? 'The change log is readable again after too long to catch up: row cache cleared' : 'The change log is readable again: caught up'),
      onRegistryReloadFailed: (error) => fastify.log.warn({ err: error }, 'Registry reload asked for by the change log failed; retrying on the next poll')
    })
    follower.start()
    fastify.addHook('onClose', async () => await follower.stop())
  }

  fastify.decorate('observer', observer)
  fastify.decorate('featureStore', store)
  fastify.decorate('featureRegistry', registry)
  fastify.decorate('featureRows', rows)
  fastify.decorate('featureLookup', new FeatureLookup(registry, rows, config.limits))
  fastify.decorate('readiness', new Readiness(async (signal) => await store.ping(signal), registry))
}

export default fp(featureStorePlugin, { name: 'featuregate-store', fastify: '5.x', dependencies: ['featuregate-config'] })
