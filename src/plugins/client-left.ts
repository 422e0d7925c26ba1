import type { FastifyReply } from 'fastify'

/**
 * Aborts `controller` (with `reason`) when the HTTP client goes away before its answer was sent in
 * full, so that work for nobody stops: no further store call starts and no retry waits. The same
 * rule for every HTTP route that does store work (GraphQL, pulls, writes), as gRPC has for a
 * cancelled call.
 */
export function abortWhenClientLeaves (reply: FastifyReply, controller: AbortController, reason?: unknown): void {
  reply.raw.once('close', () => { if (!reply.raw.writableFinished) controller.abort(reason) })
}
