import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions, preValidationAsyncHookHandler, onSendAsyncHookHandler } from 'fastify'
import { rejectionCode } from './error-mapping.js'

const GRAPHQL_RESPONSE = 'application/graphql-response+json'

/**
 * GraphQL-over-HTTP details Mercurius leaves out, attached to its /graphql routes only:
 *
 * - The spec says a server MUST accept `"extensions": null` (as it does for `variables` and
 *   `operationName`); Mercurius' body schema refuses it with a 400. Nulls are dropped before the
 *   body is validated (graphql-http's audit 1B7A... / "MUST allow null {extensions}").
 * - Batched requests (an array body): refused with BATCHING_DISABLED when off, and with
 *   BATCH_TOO_LARGE over GRAPHQL_MAX_BATCH, before any operation is parsed.
 * - A client that asks for `application/graphql-response+json` gets that media type, and request
 *   errors (parse, validation, limits: a 4xx without data) without the `data` entry, as the spec
 *   asks of that media type. `application/json` clients keep Mercurius' behaviour (4xx for refused
 *   requests), which is what most GraphQL clients of today expect.
 */
export function addHttpCompliance (fastify: FastifyInstance, path: string, maxBatch: number): void {
  const normalise: preValidationAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body
    if (Array.isArray(body)) {
      if (maxBatch === 0) return await refuse(reply, 'Batched queries are not accepted: send one operation per request', { code: 'BATCHING_DISABLED', reason: 'batch' })
      if (body.length === 0 || body.length > maxBatch) {
        return await refuse(reply, `Batch of ${body.length} operations: 1 to ${maxBatch} are accepted`, { code: rejectionCode('batch'), reason: 'batch', operations: body.length, limit: maxBatch })
      }
      for (const item of body) dropNullExtensions(item)
    } else {
      dropNullExtensions(body)
    }
  }
  const negotiate: onSendAsyncHookHandler<unknown> = async (request, reply, payload) => {
    if (!prefersGraphqlResponse(request.headers.accept)) return payload
    void reply.header('content-type', `${GRAPHQL_RESPONSE}; charset=utf-8`)
    if (reply.statusCode < 400 || typeof payload !== 'string') return payload
    try {
      const body = JSON.parse(payload) as { data?: unknown, errors?: unknown }
      if (body.data === null && Array.isArray(body.errors)) {
        delete body.data
        return JSON.stringify(body)
      }
    } catch {}
    return payload
  }
  fastify.decorateRequest('graphqlRefusal', undefined)
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.url !== path) return
    route.preValidation = [...asArray(route.preValidation), normalise]
    route.onSend = [...asArray(route.onSend), negotiate]
  })
}

function asArray<T> (hook: T | T[] | undefined): T[] {
  if (hook === undefined) return []
  return Array.isArray(hook) ? hook : [hook]
}

function dropNullExtensions (body: unknown): void {
  if (typeof body === 'object' && body !== null && (body as { extensions?: unknown }).extensions === null) {
    delete (body as { extensions?: unknown }).extensions
  }
}

async function refuse (reply: FastifyReply, message: string, extensions: Record<string, unknown>): Promise<FastifyReply> {
  // The observer counts this refusal too (index.ts, onResponse of the route).
  reply.request.graphqlRefusal = String(extensions.reason)
  return await reply.code(400).send({ data: null, errors: [{ message, extensions }] })
}

/** application/graphql-response+json listed before (or without) application/json. */
function prefersGraphqlResponse (accept: string | undefined): boolean {
  if (accept === undefined) return false
  const response = accept.indexOf(GRAPHQL_RESPONSE)
  if (response === -1) return false
  const json = accept.search(/application\/json(?!\w)/)
  return json === -1 || response < json
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the /graphql route refused a request itself (batching), for the operation metrics. */
    graphqlRefusal?: string
  }
}
