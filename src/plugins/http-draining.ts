import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/**
 * Once shutdown begins, every HTTP answer says `Connection: close`. Keep-alive clients then
 * reconnect, through the load balancer, to a pod that is staying, while this one still answers
 * during the shutdown delay; and a connection whose request was in flight when close began ends
 * with its answer instead of idling until keepAliveTimeout (72 s in Fastify) and outliving the
 * grace period.
 */
async function httpDrainingPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onSend', async (_request, reply) => {
    if (fastify.readiness.draining) void reply.header('connection', 'close')
  })
}

export default fp(httpDrainingPlugin, { name: 'featuregate-http-draining', fastify: '5.x', dependencies: ['featuregate-store'] })
