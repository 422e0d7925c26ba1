import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Admission } from '../core/access/access-gate.js'
import type { GrpcCallContext } from './grpc/call-hooks.js'

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
  const admitted = (call: GrpcCallContext, admission: Admission): void => {
    call.principal = admission.principal
    if (admission.rate !== undefined) {
      call.setResponseHeader('x-ratelimit-limit', String(admission.rate.limit))
      call.setResponseHeader('x-ratelimit-remaining', String(admission.rate.remaining))
    }
  }
  // Synchronous for API keys (no promise per call on the online path); JWTs are verified asynchronously.
  fastify.grpcCallHooks.onCallStart((call) => {
    const admission = gate.admit(call.method === WRITE_METHOD ? 'write' : 'online', { authorization: call.header('authorization'), apiKey: call.header('x-api-key') })
    if (admission instanceof Promise) return admission.then((a) => { admitted(call, a) })
    admitted(call, admission)
  })
}

export default fp(grpcAccessPlugin, { name: 'featuregate-grpc-access', dependencies: ['featuregate-access', 'featuregate-grpc'] })
