import type { FastifyReply } from 'fastify'

/**
 * Aborts `controller` (with `reason`) when the HTTP client goes away before its answer was sent in
 * full, so that work for nobody stops: no further store call starts and no retry waits. The same
 * rule for every HTTP route that does store work (GraphQL, pulls, writes), as gRPC has for a
 * cancelled call. A client that left before this was asked (its 'close' already emitted) aborts it at once.
 */
export function abortWhenClientLeaves (reply: FastifyReply, controller: AbortController, reason?: unknown): void {
  const response = reply.raw
  const left = (): void => { if (!response.writableFinished) controller.abort(reason) }
  if (response.destroyed) left()
  else response.once('close', left)
}
