import { Readable } from 'node:stream'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { FeaturePull, type PullBatch } from '../../core/export/feature-pull.js'
import { NotReadyError, isFeaturegateError } from '../../errors.js'
import type { GatewayObserver } from '../../core/gateway-observer.js'
import { abortWhenClientLeaves } from '../client-left.js'
import { httpFailureOf, sendHttpFailure, type HttpFailure } from '../http-errors.js'
import { parsePullRequest } from './parse-pull-request.js'
import type { PullEncoder, PullFormat } from './pull-encoder.js'
import { encoderFor, slicesOf } from './pull-slices.js'
import type { ObservedEvent } from './pull-thread-protocol.js'
import { PullThreads, type ThreadPull } from './pull-threads.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The threads streamed pulls run on (PULL_THREADS); undefined when they run on the event loop. */
    pullThreads: PullThreads | undefined
  }
}

const MEDIA_TYPES: ReadonlyArray<{ type: string, format: PullFormat }> = [
  { type: 'application/vnd.apache.arrow.stream', format: 'arrow' },
  { type: 'application/x-ndjson', format: 'ndjson' }
]

/** The format an Accept header asks for (highest q, then header order); NDJSON for a missing or wildcard Accept. */
export function negotiateFormat (accept: string | undefined): PullFormat | undefined {
  if (accept === undefined || accept.trim() === '') return 'ndjson'
  let best: { format: PullFormat, q: number } | undefined
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase())
    const qParam = params.find((p) => p.startsWith('q='))
    const q = qParam === undefined ? 1 : Number(qParam.slice(2))
    if (!(q > 0)) continue
    const format = MEDIA_TYPES.find((m) => m.type === type)?.format ?? (type === '*/*' || type === 'application/*' ? 'ndjson' : undefined)
    if (format !== undefined && (best === undefined || q > best.q)) best = { format, q }
  }
  return best?.format
}

/** Why a pull's signal aborted when the reader, not the gateway, ended it: nothing is written after it. */
const READER_LEFT = Symbol('reader left')

/** A pull's bytes as they are ready: each slice's, then the end's (rows 0). Failures are thrown. */
interface Chunk {
  readonly bytes: Buffer
  readonly rows: number
}

/** A pull that failed on its pull thread: how it failed, as the thread said. */
class ThreadPullError extends Error {
  constructor (readonly failure: HttpFailure, readonly typed: boolean, readonly detail: string) {
    super(failure.message)
  }
}

/** The caller's error as it is told, and whether it is one a caller may cause (not a bug, not logged as one). */
function describeFailure (reason: unknown): { failure: HttpFailure, typed: boolean } {
  return reason instanceof ThreadPullError ? { failure: reason.failure, typed: reason.typed } : { failure: httpFailureOf(reason), typed: isFeaturegateError(reason) }
}

/** The pull read and encoded on this thread: slices with the loop free between them. */
async function * localChunks (batches: AsyncGenerator<PullBatch, void, undefined>, encoder: PullEncoder): AsyncGenerator<Chunk, void, undefined> {
  let rows = 0
  try {
    for await (const batch of batches) {
      for (const slice of slicesOf(batch)) {
        // Between slices other work gets the loop (online lookups among it): no slice holds it for long.
        if (rows > 0) await yieldToLoop()
        yield { bytes: Buffer.concat(encoder.batch(slice)), rows: slice.columns.length }
        rows += slice.columns.length
      }
      if (batch.done) break
    }
    yield { bytes: Buffer.concat(encoder.end(rows)), rows: 0 }
  } finally {
    await batches.return()
  }
}

/** The pull read and encoded on a pull thread: its chunks, one credit given back for each taken. */
async function * threadChunks (pull: ThreadPull): AsyncGenerator<Chunk, void, undefined> {
  let ended = false
  try {
    for (;;) {
      const message = await pull.next()
      if (message.type === 'failed') {
        ended = true
        throw message.cause ?? new ThreadPullError(message.failure, message.typed, message.detail)
      }
      if (message.last) ended = true
      yield { bytes: message.bytes, rows: message.rows }
      if (ended) return
      pull.credit()
    }
  } finally {
    if (!ended) pull.cancel(undefined)
  }
}

/**
 * POST /v1/pull: a training pull streamed as NDJSON or an Arrow IPC stream (README, "Streaming
 * pulls"), over the core's FeaturePull (the featureRows export, page after page). The route only
 * negotiates the format, checks the pull, and writes: each chunk is handed to a Readable that the
 * response pulls from, so the next page is read only when the socket has taken the last
 * (backpressure end to end), and the reader going away aborts the store read in flight. With
 * PULL_THREADS > 0 the reading and encoding run on a pull thread (pull-thread.ts), off this loop and
 * its heap; the exploration queue, the budgets and the socket stay here.
 */
async function pullPlugin (fastify: FastifyInstance): Promise<void> {
  const pull = new FeaturePull(fastify.featureExport)
  const observer = fastify.observer
  const active = new Set<AbortController>()
  const { store } = fastify.config
  const threads = fastify.config.graphql.pullThreads > 0
    ? new PullThreads(fastify.config.graphql.pullThreads, {
      store,
      endpoint: fastify.featureStore.endpoint,
      embedded: fastify.featureStore.embedded,
      maxConcurrentCalls: fastify.config.graphql.bulkMaxConcurrentCalls
    }, (error) => fastify.log.error({ err: error }, 'A pull thread stopped; its pulls ended with an error, the next pull starts another'))
    : undefined
  // Shutdown ends running pulls with the error marker (a reader resumes elsewhere) instead of holding the close.
  fastify.addHook('preClose', async () => {
    for (const controller of active) controller.abort(new NotReadyError('shutting down; resume the pull from its last resume token'))
  })
  fastify.decorate('pullThreads', threads)
  if (threads !== undefined) fastify.addHook('onClose', async () => await threads.close())

  fastify.post('/v1/pull', async (request, reply) => {
    const format = negotiateFormat(request.headers.accept)
    if (format === undefined) {
      return await reply.code(406).send({ errors: [{ message: `Accept one of ${MEDIA_TYPES.map((m) => m.type).join(', ')}`, extensions: { code: 'NOT_ACCEPTABLE' } }] })
    }
    const controller = new AbortController()
    const signal = controller.signal
    abortWhenClientLeaves(reply, controller, READER_LEFT)
    const principal = request.principal
    const charge = async (points: number): Promise<void> => { if (principal !== undefined) await fastify.access.chargePoints(principal, points) }
    let chunks: AsyncGenerator<Chunk, void, undefined>
    let first: IteratorResult<Chunk, void>
    let encoder: PullEncoder
    try {
      const parsed = parsePullRequest(request.body, principal)
      // Checked here either way: a bad argument, cursor or set is a plain JSON error before any read.
      const prepared = pull.prepare(parsed)
      encoder = encoderFor(format, prepared.featureSet.name, prepared.features)
      if (threads === undefined) {
        chunks = localChunks(pull.batches(prepared, {
          signal,
          charge,
          turn: async (weight, read) => await fastify.exploreQueue.run(request, { weight, signal }, read),
          spareTurn: async (weight, read) => await fastify.exploreQueue.runSpare(request, weight, read)
        }), encoder)
      } else {
        const threadPull = threads.start({ format, request: parsed, featureSets: fastify.featureRegistry.featureSets(), limits: fastify.featureExport.limits }, {
          turn: async (weight) => await fastify.exploreQueue.acquire(request, { weight, signal }),
          spareTurn: (weight) => fastify.exploreQueue.trySpare(request, weight),
          charge,
          observe: (events) => { replayObserved(observer, events) }
        })
        signal.addEventListener('abort', () => threadPull.cancel(signal.reason), { once: true })
        chunks = threadChunks(threadPull)
      }
      // The first page before the first byte: a refusal or a store failure here is still a plain JSON error.
      first = await chunks.next()
    } catch (error) {
      if (signal.aborted) return reply
      const { failure, typed } = describeFailure(error)
      if (!typed) request.log.error({ err: error }, 'pull failed before its first byte')
      return await sendHttpFailure(reply, failure)
    }
    active.add(controller)
    const log = request.log

    async function * bytes (): AsyncGenerator<Buffer, void, undefined> {
      let rows = 0
      let outcome = 'aborted'
      try {
        let next = first
        while (next.done !== true) {
          yield next.value.bytes
          if (next.value.rows > 0) {
            rows += next.value.rows
            observer.pullRows(format!, next.value.rows)
          }
          next = await chunks.next()
        }
        outcome = 'complete'
      } catch (error) {
        const reason: unknown = signal.aborted ? signal.reason : error
        if (reason === READER_LEFT) return
        outcome = 'error'
        const { failure, typed } = describeFailure(reason)
        observer.pullError(format!, String(failure.extensions.fgCode ?? 'FG_ERR_INTERNAL'))
        if (!typed) log.error({ err: reason }, 'pull failed mid-stream')
        else log.warn({ err: reason, rows }, 'pull ended with an error after its first byte')
        const tail = encoder.failure(failure)
        // No way to say it in the format: the stream is cut (the response destroyed, no end marker).
        if (tail === undefined) throw reason instanceof Error ? reason : new Error(failure.message)
        yield Buffer.concat(tail)
      } finally {
        active.delete(controller)
        observer.pullFinished(format!, outcome)
        await chunks.return()
      }
    }

    void reply.header('content-type', encoder.contentType).header('cache-control', 'no-store')
    return await reply.send(Readable.from(bytes(), { objectMode: false }))
  })
}

/** A pull thread's observer calls, made again on this thread's observer as if they happened here. */
function replayObserved (observer: GatewayObserver, events: readonly ObservedEvent[]): void {
  for (const event of events) (observer[event.kind] as (...args: ObservedEvent['args']) => void).apply(observer, event.args)
}

export default fp(pullPlugin, {
  name: 'featuregate-pull',
  fastify: '5.x',
  dependencies: ['featuregate-config', 'featuregate-store', 'featuregate-bulk-reads', 'featuregate-access', 'featuregate-explore-queue']
})
