import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isFeaturegateError } from '../errors.js'
import { httpFailureOf, sendHttpFailure } from './http-errors.js'

/**
 * The one error handler for every HTTP route (GraphQL answers through its own formatter): a typed
 * error gets its status and code, a client error Fastify raised (bad JSON, body too large, ...) keeps its
 * 4xx and Fastify's own body, and anything else is a 500 whose message is never the internal one (a raw SDK
 * error names tables and ARNs); it is logged with the request id instead.
 */
async function httpErrorHandlerPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isFeaturegateError(error)) {
      const failure = httpFailureOf(error)
      if (failure.status >= 500) request.log.warn({ err: error }, 'Request failed')
      return await sendHttpFailure(reply, failure)
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500
    // Fastify's own refusals (malformed JSON, body too large, ...) are about the request: as Fastify words them.
    if (status >= 400 && status < 500) return await reply.code(status).send(error)
    request.log.error({ err: error }, 'Request failed')
    return await sendHttpFailure(reply, httpFailureOf(error))
  })
}

export default fp(httpErrorHandlerPlugin, { name: 'featuregate-http-error-handler', fastify: '5.x' })
