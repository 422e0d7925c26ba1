import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fp from 'fastify-plugin'
import mercurius, { type MercuriusContext } from 'mercurius'
import { getOperationAST, type DocumentNode } from 'graphql'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Release } from '../../core/access/explore-queue.js'
import type { RateDecision } from '../../core/access/rate-limiter.js'
import { abortWhenClientLeaves } from '../client-left.js'
import { formatErrors, QueryRejection } from './error-mapping.js'
import { addHttpCompliance } from './http-compliance.js'
import { OperationLabels } from './operation-labels.js'
import { introspectionShape, priceOperation, type LimitChecks } from './query-cost.js'
import { limitRules } from './query-limits.js'
import { buildResolvers } from './resolvers.js'

/** Per-operation bookkeeping for metrics and the cost report (a batched request has one per operation). */
interface OperationState {
  readonly startedAt: number
  label: string
  cost: number | undefined
  throttle: RateDecision | undefined
  executing: boolean
  recorded: boolean
  /** Gives back the operation's turn in the explore queue, once it has one. */
  release: Release | undefined
}

declare module 'mercurius' {
  interface MercuriusContext {
    operation?: OperationState
    /** The operation's deadline (Date.now() clock), set when it was admitted: its wait for a turn counts against it. */
    deadlineAt?: number
  }
}

/**
 * Every turn a request holds, given back when its response closes (sent, or the client gone), so no
 * turn can outlive its request even when an operation never reaches onResolution (an execution that
 * throws). One listener per request, however many operations a batch has.
 */
const turnsByResponse = new WeakMap<object, Set<Release>>()
function holdUntilClosed (response: NodeJS.EventEmitter, release: Release): void {
  let turns = turnsByResponse.get(response)
  if (turns === undefined) {
    const held = new Set<Release>()
    turns = held
    turnsByResponse.set(response, held)
    response.once('close', () => { for (const turn of held) turn() })
  }
  turns.add(release)
}

const PATH = '/graphql'
const LEADING_OPERATION_NAME = /^\s*(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)/

/** graphql/schema.graphql, found from here whether running from src (tsx) or from a build under dist/. */
export function schemaText (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'graphql', 'schema.graphql')
    if (existsSync(candidate)) return readFileSync(candidate, 'utf8')
    dir = dirname(dir)
  }
  throw new Error('graphql/schema.graphql not found beside the application')
}

function requestedOperationName (context: MercuriusContext): string | undefined {
  const request = context.reply.request
  const body = request.method === 'GET' ? request.query : request.body
  const item = Array.isArray(body) && context.operationId !== undefined ? body[context.operationId] : body
  const name = (item as { operationName?: unknown } | undefined)?.operationName
  return typeof name === 'string' && name !== '' ? name : undefined
}

/**
 * The exploration API: Mercurius at POST /graphql (GraphiQL at /graphiql: src/plugins/graphiql.ts), with
 * depth, alias and token limits at validation, and cost checked in preExecution (which runs for
 * every request, cached and JIT-compiled ones included, and sees the variables). Resolvers are
 * thin over src/core; errors leave through one mapping (error-mapping.ts).
 */
async function graphqlPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config.graphql
  const { featureExport, featureStatistics } = fastify

  const labels = new OperationLabels(config.operationLabels, config.maxLearnedOperationLabels)
  const observer = fastify.observer
  const record = (state: OperationState | undefined, outcome: 'ok' | 'error' | 'rejected'): void => {
    if (state === undefined || state.recorded) return
    state.recorded = true
    observer.graphqlOperation(state.label, outcome, (performance.now() - state.startedAt) / 1e3)
  }

  addHttpCompliance(fastify, PATH, config.maxBatch)
  // Refusals made by the route itself (batching) never reach Mercurius: count them here.
  fastify.addHook('onResponse', async (request: FastifyRequest) => {
    if (request.graphqlRefusal !== undefined) {
      observer.graphqlRejected(request.graphqlRefusal)
      observer.graphqlOperation('anonymous', 'rejected', 0)
    }
  })

  const schema = schemaText()
  await fastify.register(mercurius, {
    schema,
    resolvers: buildResolvers({ featureExport, featureStatistics, config }),
    path: PATH,
    // Mercurius's GraphiQL loads from a CDN; ours (src/plugins/graphiql.ts) is served by this process.
    graphiql: false,
    jit: config.jitAfter,
    allowBatchedQueries: config.maxBatch > 0,
    validationRules: limitRules(config),
    graphql: { parseOptions: { maxTokens: config.maxTokens } },
    context: (request: FastifyRequest, reply: FastifyReply) => {
      const controller = new AbortController()
      abortWhenClientLeaves(reply, controller)
      return { signal: controller.signal, principal: request.principal }
    },
    errorFormatter: (execution, context) => {
      const ctx: MercuriusContext = context
      const formatted = formatErrors(execution, ctx.reply?.log ?? fastify.log)
      const state = ctx.operation
      if (formatted.rejected !== undefined && state?.executing !== true) {
        observer.graphqlRejected(formatted.rejected)
        if (state !== undefined) record(state, 'rejected')
        else observer.graphqlOperation(labels.of(ctx.reply === undefined ? undefined : requestedOperationName(ctx)), 'rejected', 0)
      }
      if (formatted.retryAfterSeconds !== undefined) void ctx.reply?.header('retry-after', String(formatted.retryAfterSeconds))
      // A mutation sent with GET (GraphQL over HTTP: 405, and say which method would do).
      if (formatted.statusCode === 405) void ctx.reply?.header('allow', 'POST')
      return { statusCode: formatted.statusCode, response: formatted.response }
    }
  })

  const introspection = introspectionShape(fastify.graphql.schema)
  // The core's checks, asked before pricing (query-cost.ts): limits live in one place.
  const limits: LimitChecks = {
    checkEntityCount: (count) => { fastify.featureLookup.checkEntityCount(count) },
    checkPageSize: (first) => { featureExport.checkPageSize(first) },
    checkSampleSize: (sample) => featureStatistics.checkSampleSize(sample),
    checkHistogramBuckets: (buckets) => featureStatistics.checkHistogramBuckets(buckets)
  }

  fastify.graphql.addHook('preParsing', async (_schema, source, context) => {
    // Before parsing, the name comes from the request or, cheaply, from the text; preExecution corrects it from the document.
    const name = requestedOperationName(context) ?? LEADING_OPERATION_NAME.exec(source)?.[1]
    context.operation = { startedAt: performance.now(), label: labels.of(name), cost: undefined, throttle: undefined, executing: false, recorded: false, release: undefined }
  })

  fastify.graphql.addHook('preExecution', async (schema, document: DocumentNode, context, variables) => {
    const state = context.operation
    const operationName = requestedOperationName(context)
    if (state !== undefined && operationName === undefined) state.label = labels.of(getOperationAST(document)?.name?.value)
    const { cost } = priceOperation(document, operationName, variables, { schema, registry: fastify.featureRegistry, introspection, limits })
    if (cost > config.maxCost) {
      throw new QueryRejection('cost', `Query cost ${cost} exceeds the limit of ${config.maxCost}`, { cost, limit: config.maxCost })
    }
    observer.graphqlCost(cost)
    if (state !== undefined) state.cost = cost
    // Fair sharing instead of refusals: the operation waits for its caller's turn, weighted by its cost,
    // within its own deadline; only a caller with too many operations already waiting is refused (503).
    const deadlineAt = Date.now() + config.bulkDeadlineMs
    context.deadlineAt = deadlineAt
    const request = context.reply?.request
    const admit = async (): Promise<void> => {
      // Points from the caller's per-minute budget, spent only by an operation let in: refused with 429 and retry-after when spent.
      const throttle = context.principal !== undefined && fastify.hasDecorator('access') ? await fastify.access.chargePoints(context.principal, cost) : undefined
      if (state !== undefined) state.throttle = throttle
    }
    const release = await fastify.exploreQueue.acquire(request ?? { principal: context.principal, ip: 'in-process' }, { weight: cost, signal: context.signal, deadlineAt, admit })
    if (state !== undefined) state.release = release
    if (context.reply !== undefined) holdUntilClosed(context.reply.raw, release)
    if (state !== undefined) state.executing = true
  })

  fastify.graphql.addHook('onResolution', async (execution, context) => {
    const state = context.operation
    if (state === undefined) return
    state.release?.()
    if (state.cost !== undefined) {
      // As Shopify's extensions.cost: what the query was priced at, and the caller's budget after it.
      execution.extensions = {
        ...execution.extensions,
        cost: {
          requestedQueryCost: state.cost,
          maximumQueryCost: config.maxCost,
          ...(state.throttle !== undefined && {
            throttleStatus: { maximumAvailable: state.throttle.limit, currentlyAvailable: state.throttle.remaining, restoreSeconds: state.throttle.resetSeconds }
          })
        }
      }
    }
    record(state, (execution.errors?.length ?? 0) > 0 ? 'error' : 'ok')
  })
}

export default fp(graphqlPlugin, { name: 'featuregate-graphql', fastify: '5.x', dependencies: ['featuregate-config', 'featuregate-store', 'featuregate-bulk-reads', 'featuregate-explore-queue'] })
