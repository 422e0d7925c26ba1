import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { ExploreQueue } from '../core/access/explore-queue.js'
import { EventLoopLag } from '../lib/event-loop-lag.js'
import type { GrpcCallContext } from './grpc/call-hooks.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Fair turns for exploration work (GraphQL operations, streamed pulls). Pass the request as the
     * caller: `await fastify.exploreQueue.run(request, { weight, signal, deadlineAt }, async () => …)`,
     * or `const release = await fastify.exploreQueue.acquire(request, …)` and call `release()` however
     * the work ends.
     */
    exploreQueue: ExploreQueue
  }
}

/**
 * Wires the explore queue: its settings, the event-loop lag it paces by, metrics, and the count of
 * online gRPC calls in flight (counted from the call hooks), which exploration yields to.
 */
async function exploreQueuePlugin (fastify: FastifyInstance): Promise<void> {
  const lag = new EventLoopLag()
  const queue = new ExploreQueue(fastify.config.access.exploreQueue, { observer: fastify.observer, lagMs: () => lag.p99Ms })
  fastify.decorate('exploreQueue', queue)

  // A call refused by an earlier start hook (the access gate) never reaches ours but still ends: count only ours.
  const counted = new WeakSet<GrpcCallContext>()
  fastify.grpcCallHooks.onCallStart((call) => {
    counted.add(call)
    queue.onlineStarted()
  })
  fastify.grpcCallHooks.onCallDone((call) => {
    if (counted.delete(call)) queue.onlineFinished()
  })

  fastify.addHook('onClose', async () => {
    queue.close()
    lag.close()
  })
}

export default fp(exploreQueuePlugin, { name: 'featuregate-explore-queue', dependencies: ['featuregate-config', 'featuregate-store', 'featuregate-grpc'] })
