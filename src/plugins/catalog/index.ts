import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { statisticsWork } from '../../core/query-cost.js'
import { BrowserAsset } from '../browser-assets.js'
import { httpFailureOf } from '../http-errors.js'
import { CATALOG_CSS } from './catalog-style.js'
import { catalogPage, errorPage, featureSetPage } from './pages.js'
import { snippetsFor } from './snippets.js'

/** Only this origin's stylesheet: the pages have no script at all, and their plots are inline SVG. */
export const CATALOG_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

/** Rows a set's page summarises unless `?sample=` asks otherwise: a second or so on a 2-core machine. */
const DEFAULT_SAMPLE = 2_000

const HEADERS = { 'content-security-policy': CATALOG_CSP, 'cache-control': 'no-store' }

/** A query-string value as one string (a repeated parameter arrives as an array: the first counts). */
function single (value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined
}

function integer (value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  return /^-?\d{1,15}$/.test(value) ? Number(value) : Number.NaN
}

async function sendPage (reply: FastifyReply, status: number, body: string): Promise<FastifyReply> {
  return await reply.code(status).headers({ ...HEADERS, 'content-type': 'text/html; charset=utf-8' }).send(body)
}

/**
 * The feature catalogue on the HTTP port: server-rendered HTML that reads without JavaScript, behind the
 * same `explore:read` access as GraphQL (src/plugins/access.ts), listing only the sets the caller may
 * read. A set's page summarises a random sample through FeatureStatistics, taking a turn in the fair
 * exploration queue and charging the caller's points at GraphQL's price for the same statistics.
 */
async function catalogPlugin (fastify: FastifyInstance): Promise<void> {
  const registry = fastify.featureRegistry
  const chrome = { graphiql: fastify.config.graphql.graphiql }
  const css = new BrowserAsset('text/css; charset=utf-8', () => CATALOG_CSS)
  const visible = (request: FastifyRequest) => {
    const allowed = request.principal?.featureSets
    return (name: string): boolean => allowed === undefined || allowed.has(name)
  }

  fastify.get('/catalog.css', async (request, reply) => await css.send(request, reply, { 'content-security-policy': CATALOG_CSP }))

  fastify.get<{ Querystring: Record<string, unknown> }>('/catalog', async (request, reply) => {
    const query = { text: single(request.query.q), tag: single(request.query.tag) }
    const mayRead = visible(request)
    const all = registry.featureSets().filter((set) => mayRead(set.name))
    const sets = registry.search(query).filter((set) => mayRead(set.name))
    return await sendPage(reply, 200, catalogPage(chrome, sets, query, all.length))
  })

  fastify.get<{ Params: { set: string }, Querystring: Record<string, unknown> }>('/catalog/:set', async (request, reply) => {
    const principal = request.principal
    // An unknown set and one the caller may not read look the same.
    const set = registry.featureSets().find((s) => s.name === request.params.set && visible(request)(s.name))
    if (set === undefined) return await sendPage(reply, 404, errorPage(chrome, 404, `No feature set named "${request.params.set}".`))
    const controller = new AbortController()
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) controller.abort() })
    try {
      const requested = integer(single(request.query.sample)) ?? DEFAULT_SAMPLE
      const seed = integer(single(request.query.seed))
      const rows = fastify.featureStatistics.rowBudget(requested)
      const cost = statisticsWork(rows, 1)
      const deadlineAt = Date.now() + fastify.config.graphql.bulkDeadlineMs
      const options = { signal: controller.signal, deadlineAt }
      const { report, exampleEntityId } = await fastify.exploreQueue.run(request, {
        weight: cost,
        signal: controller.signal,
        deadlineAt,
        // Points are spent only by a page let into the queue, never by one refused there.
        admit: async () => { if (principal !== undefined) await fastify.access.chargePoints(principal, cost) }
      }, async () => {
        const report = await fastify.featureStatistics.compute({ principal, featureSet: set.name, sample: rows, seed: Number.isNaN(seed) ? undefined : seed, keepValues: true }, options)
        // One real entity, so the gRPC snippet answers something when pasted as it is.
        const first = await fastify.featureExport.page(fastify.featureExport.plan({ principal, featureSet: set.name, features: [set.name], first: 1 }), options)
        return { report, exampleEntityId: first.rows[0]?.entity.entityId ?? 'ENTITY_ID' }
      })
      const { tlsCertFile, tlsKeyFile } = fastify.config.access
      const snippets = snippetsFor(set, {
        httpBase: `${request.protocol}://${request.host}`,
        grpcTarget: `${request.hostname}:${fastify.grpcPort}`,
        grpcTls: tlsCertFile !== undefined && tlsKeyFile !== undefined,
        exampleEntityId
      })
      return await sendPage(reply, 200, featureSetPage(chrome, { set, report, snippets, sample: rows, seed: Number.isNaN(seed) ? undefined : seed }))
    } catch (error) {
      const failure = httpFailureOf(error)
      if (failure.status >= 500) request.log.error({ err: error }, 'catalogue page failed')
      if (failure.retryAfterSeconds !== undefined) void reply.header('retry-after', String(failure.retryAfterSeconds))
      return await sendPage(reply, failure.status, errorPage(chrome, failure.status, failure.message))
    }
  })
}

export default fp(catalogPlugin, {
  name: 'featuregate-catalog',
  dependencies: ['featuregate-config', 'featuregate-store', 'featuregate-bulk-reads', 'featuregate-access', 'featuregate-explore-queue', 'featuregate-grpc']
})
