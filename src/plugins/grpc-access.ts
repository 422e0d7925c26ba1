import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Principal } from '../core/access/principal.js'
import type { GrpcCallContext } from './grpc/call-hooks.js'

/**
 * The gRPC side of the access gate: the same AccessGate as HTTP, fed from call metadata
 * (`authorization`, `x-api-key`). Remaining budget goes back as `x-ratelimit-*` response metadata,
 * and a key limited to some feature sets is refused any other once references are resolved.
 */
async function grpcAccessPlugin (fastify: FastifyInstance): Promise<void> {
  const gate = fastify.access
  const principals = new WeakMap<GrpcCallContext, Principal>()
  fastify.grpcCallHooks.onCallStart(async (call) => {
    const admission = await gate.admit('online', { authorization: call.header('authorization'), apiKey: call.header('x-api-key') })
    principals.set(call, admission.principal)
    if (admission.rate !== undefined) {
      call.setResponseHeader('x-ratelimit-limit', String(admission.rate.limit))
      call.setResponseHeader('x-ratelimit-remaining', String(admission.rate.remaining))
    }
  })
  fastify.grpcCallHooks.onFeatureSets((call, featureSets) => {
    const principal = principals.get(call)
    if (principal !== undefined) gate.authorizeFeatureSets(principal, featureSets)
  })
}

export default fp(grpcAccessPlugin, { name: 'featuregate-grpc-access', dependencies: ['featuregate-access', 'featuregate-grpc'] })
