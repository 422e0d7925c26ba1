import { Readable } from 'node:stream'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { FeaturePull, type PullBatch } from '../../core/export/feature-pull.js'
import type { ResolvedFeature } from '../../core/feature-registry.js'
import { NotReadyError, isFeaturegateError } from '../../errors.js'
import { httpFailureOf, sendHttpFailure } from '../http-errors.js'
import { arrowEncoder } from './arrow-encoder.js'
import { ndjsonEncoder } from './ndjson-encoder.js'
import { parsePullRequest } from './parse-pull-request.js'
import type { PullEncoder, PullFormat } from './pull-encoder.js'

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

/**
 * POST /v1/pull: a training pull streamed as NDJSON or an Arrow IPC stream (README, "Streaming
 * pulls"), over the core's FeaturePull (the featureRows export, page after page). The route only
 * negotiates the format, reads the body and writes: each batch is encoded and handed to a Readable
 * that the response pulls from, so the next page is read only when the socket has taken the last
 * (backpressure end to end), and the reader going away aborts the store read in flight.
 */
async function pullPlugin (fastify: FastifyInstance): Promise<void> {
  const pull = new FeaturePull(fastify.featureExport)
  const observer = fastify.observer
  const active = new Set<AbortController>()
  // Shutdown ends running pulls with the error marker (a reader resumes elsewhere) instead of holding the close.
  fastify.addHook('preClose', async () => {
    for (const controller of active) controller.abort(new NotReadyError('shutting down; resume the pull from its last resume token'))
  })

  fastify.post('/v1/pull', async (request, reply) => {
    const format = negotiateFormat(request.headers.accept)
    if (format === undefined) {
      return await reply.code(406).send({ errors: [{ message: `Accept one of ${MEDIA_TYPES.map((m) => m.type).join(', ')}`, extensions: { code: 'NOT_ACCEPTABLE' } }] })
    }
    const controller = new AbortController()
    const signal = controller.signal
    reply.raw.on('close', () => { if (!reply.raw.writableFinished) controller.abort(READER_LEFT) })
    const principal = request.principal
    let batches: AsyncGenerator<PullBatch, void, undefined>
    let first: IteratorResult<PullBatch, void>
    let encoder: PullEncoder
    try {
      const prepared = pull.prepare(parsePullRequest(request.body, principal))
      encoder = encoderFor(format, prepared.featureSet.name, prepared.features)
      batches = pull.batches(prepared, {
        signal,
        charge: async (points) => { if (principal !== undefined) await fastify.access.chargePoints(principal, points) },
        turn: async (weight, read) => await fastify.exploreQueue.run(request, { weight, signal }, read)
      })
      // The first page before the first byte: a refusal or a store failure here is still a plain JSON error.
      first = await batches.next()
    } catch (error) {
      if (signal.aborted) return reply
      if (!isFeaturegateError(error)) request.log.error({ err: error }, 'pull failed before its first byte')
      return await sendHttpFailure(reply, httpFailureOf(error))
    }
    active.add(controller)
    const log = request.log

    async function * bytes (): AsyncGenerator<Buffer, void, undefined> {
      let rows = 0
      let outcome = 'aborted'
      try {
        let next = first
        while (next.done !== true) {
          const batch = next.value
          for (const slice of slicesOf(batch)) {
            // Between slices other work gets the loop (online lookups among it): no slice holds it for long.
            if (rows > 0) await yieldToLoop()
            yield Buffer.concat(encoder.batch(slice))
            rows += slice.rows.length
            observer.pullRows(format!, slice.rows.length)
          }
          if (batch.done) break
          next = await batches.next()
        }
        yield Buffer.concat(encoder.end(rows))
        outcome = 'complete'
      } catch (error) {
        const reason: unknown = signal.aborted ? signal.reason : error
        if (reason === READER_LEFT) return
        outcome = 'error'
        const failure = httpFailureOf(reason)
        observer.pullError(format!, String(failure.extensions.fgCode ?? 'FG_ERR_INTERNAL'))
        if (!isFeaturegateError(reason)) log.error({ err: reason }, 'pull failed mid-stream')
        else log.warn({ err: reason, rows }, 'pull ended with an error after its first byte')
        const tail = encoder.failure(failure)
        // No way to say it in the format: the stream is cut (the response destroyed, no end marker).
        if (tail === undefined) throw reason instanceof Error ? reason : new Error(failure.message)
        yield Buffer.concat(tail)
      } finally {
        active.delete(controller)
        observer.pullFinished(format!, outcome)
        await batches.return()
      }
    }

    void reply.header('content-type', encoder.contentType).header('cache-control', 'no-store')
    return await reply.send(Readable.from(bytes(), { objectMode: false }))
  })
}

/** Rows encoded in one go: about a millisecond of the loop, so a 1,000-row page does not hold it for ten. */
const SLICE_ROWS = 250

/**
 * A batch as slices of at most SLICE_ROWS rows, each its own batch in the stream with the token that
 * resumes after its last row, so a reader can commit at every one.
 */
function slicesOf (batch: PullBatch): PullBatch[] {
  if (batch.rows.length <= SLICE_ROWS) return [batch]
  const slices: PullBatch[] = []
  for (let start = 0; start < batch.rows.length; start += SLICE_ROWS) {
    const rows = batch.rows.slice(start, start + SLICE_ROWS)
    const last = start + SLICE_ROWS >= batch.rows.length
    slices.push(last
      ? { ...batch, rows }
      : { rows, resumeAfter: rows[rows.length - 1]!.cursor, done: false, itemsScanned: 0 })
  }
  return slices
}

function encoderFor (format: PullFormat, featureSet: string, features: readonly ResolvedFeature[]): PullEncoder {
  return format === 'arrow' ? arrowEncoder(featureSet, features) : ndjsonEncoder(features)
}

export default fp(pullPlugin, {
  name: 'featuregate-pull',
  fastify: '5.x',
  dependencies: ['featuregate-config', 'featuregate-store', 'featuregate-bulk-reads', 'featuregate-access', 'featuregate-explore-queue']
})
