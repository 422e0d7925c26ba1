import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/** Kubernetes probes: /livez says the process serves HTTP; /readyz says it should get traffic. */
async function healthPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.get('/livez', async () => ({ status: 'ok' }))
  fastify.get('/readyz', async (_request, reply) => {
    const report = await fastify.readiness.check()
    return await reply.code(report.ready ? 200 : 503).send(report.ready ? { status: 'ready' } : { status: 'not ready', reason: report.reason })
  })
}

export default fp(healthPlugin, { name: 'featuregate-health', dependencies: ['featuregate-store'] })
