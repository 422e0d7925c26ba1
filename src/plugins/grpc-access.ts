import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/** The one call that writes (scope features:write); every other call is an online read. */
const WRITE_METHOD = '/feature_store.v1.FeatureStoreService/WriteFeatures'

/**
 * The gRPC side of the access gate: the same AccessGate as HTTP, fed from call metadata
 * (`authorization`, `x-api-key`): WriteFeatures through the write door, every other call through
 * the online one. The admitted principal rides on the call, and the one online read
 * (src/core/online-features.ts) refuses it the feature sets it may not read. Remaining budget goes
 * back as `x-ratelimit-*` response metadata.
 */
async function grpcAccessPlugin (fastify: FastifyInstance): Promise<void> {
  const gate = fastify.access
  fastify.grpcCallHooks.onCallStart(async (call) => {
    const entry = call.method === WRITE_METHOD ? 'write' : 'online'
    const admission = await gate.admit(entry, { authorization: call.header('authorization'), apiKey: call.header('x-api-key') })
    call.principal = admission.principal
    if (admission.rate !== undefined) {
      call.setResponseHeader('x-ratelimit-limit', String(admission.rate.limit))
      call.setResponseHeader('x-ratelimit-remaining', String(admission.rate.remaining))
    }
  })
}

export default fp(grpcAccessPlugin, { name: 'featuregate-grpc-access', dependencies: ['featuregate-access', 'featuregate-grpc'] })
