import type { AddressInfo } from 'node:net'
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { GatewayMetrics } from './gateway-metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the separate metrics/health port listens once ready; undefined when METRICS_PORT is unset. */
    metricsAddress (): AddressInfo | undefined
  }
}

export interface MetricsPluginOptions {
  /** The app's metrics, created before the store so the repository reports into them; undefined when METRICS_ENABLED is off. */
  readonly metrics: GatewayMetrics | undefined
}

/**
 * Serves Prometheus metrics, on the API port or, with METRICS_PORT, on a second small server that
 * also answers /livez and /readyz, so scrapes and probes never share a port with public traffic
 * and a NetworkPolicy can open the two ports to different callers.
 */
async function metricsPlugin (fastify: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const { metrics } = options
  const { config } = fastify

  if (metrics !== undefined) {
    metrics.watchCache(() => fastify.featureRows.cacheStats())
    fastify.addHook('onResponse', async (request, reply) => {
      metrics.httpRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1e3)
    })
  }
  const sendMetrics = async (reply: FastifyReply): Promise<FastifyReply> => {
    if (metrics === undefined) return await reply.code(404).send({ error: 'metrics are turned off (METRICS_ENABLED=false)' })
    return await reply.type(metrics.contentType).send(await metrics.scrape())
  }

  if (config.metrics.port === undefined) {
    fastify.decorate('metricsAddress', () => undefined)
    if (metrics !== undefined) fastify.get('/metrics', async (_request, reply) => await sendMetrics(reply))
    return
  }

  // Probes every few seconds would drown the request log; this server logs only its own errors.
  const ops = Fastify({ loggerInstance: fastify.log.child({ server: 'metrics' }), logController: new LogController({ disableRequestLogging: true }) })
  ops.get('/metrics', async (_request, reply) => await sendMetrics(reply))
  // Same answers as the API port's health routes, from the same Readiness.
  ops.get('/livez', async () => ({ status: 'ok' }))
  ops.get('/readyz', async (_request, reply) => {
    const report = await fastify.readiness.check()
    return await reply.code(report.ready ? 200 : 503).send(report.ready ? { status: 'ready' } : { status: 'not ready', reason: report.reason })
  })
  fastify.decorate('metricsAddress', () => {
    const address = ops.server.address()
    return address !== null && typeof address === 'object' ? address : undefined
  })
  const port = config.metrics.port
  fastify.addHook('onReady', async () => {
    await ops.listen({ host: config.host, port })
  })
  // onClose runs after the API server has drained, so /readyz keeps saying "shutting down" and
  // /metrics stays scrapeable until the very end.
  fastify.addHook('onClose', async () => await ops.close())
}

export default fp(metricsPlugin, { name: 'featuregate-metrics', fastify: '5.x', dependencies: ['featuregate-config', 'featuregate-store'] })
