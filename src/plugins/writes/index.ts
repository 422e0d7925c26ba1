import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { parseWriteRequest } from './parse-write-request.js'
import { abortWhenClientLeaves } from '../client-left.js'

/**
 * POST /v1/write: rows for one feature set as JSON, values as ingest lines carry them (README,
 * "Online writes"), over the core's FeatureWrites, the same one WriteFeatures calls. The answer
 * gives every row's outcome in request order. The byte limit is checked on Content-Length before
 * the body is read; a body sent without one is still cut at the limit by Fastify's bodyLimit. A client
 * that goes away mid-call stops it as a cancelled gRPC call does: no further store call starts.
 */
async function writesPlugin (fastify: FastifyInstance): Promise<void> {
  const writes = fastify.featureWrites
  fastify.post('/v1/write', {
    bodyLimit: writes.limits.maxBytes,
    preParsing: async (request) => {
      const length = Number(request.headers['content-length'])
      if (Number.isFinite(length)) writes.checkSize(undefined, length)
    }
  }, async (request, reply) => {
    const length = Number(request.headers['content-length'])
    const controller = new AbortController()
    abortWhenClientLeaves(reply, controller)
    const result = await writes.write('http', request.principal, parseWriteRequest(request.body), {
      allowMissingHint: 'set allowMissing',
      signal: controller.signal,
      ...(Number.isFinite(length) && { requestBytes: length })
    })
    return {
      featureSet: result.featureSet,
      written: result.written,
      leftAlone: result.leftAlone,
      rejected: result.rejected,
      results: result.rows
    }
  })
}

export default fp(writesPlugin, { name: 'featuregate-writes', fastify: '5.x', dependencies: ['featuregate-feature-writes', 'featuregate-access', 'featuregate-http-error-handler'] })
