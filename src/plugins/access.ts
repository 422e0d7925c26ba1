import { readFileSync, watchFile, unwatchFile } from 'node:fs'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { JSONWebKeySet } from 'jose'
import { parse as parseYaml } from 'yaml'
import type { AccessConfig } from '../config.js'
import { AccessGate, type Entry } from '../core/access/access-gate.js'
import { ApiKeyStore, parseApiKeyFile } from '../core/access/api-key-store.js'
import { Authenticator } from '../core/access/authenticator.js'
import { JwtVerifier } from '../core/access/jwt-verifier.js'
import type { Principal } from '../core/access/principal.js'
import { FleetRateLimiter, type BudgetEvents } from '../core/access/fleet-rate-limiter.js'
import { RateLimiter, type CallerBudget, type RateLimit } from '../core/access/rate-limiter.js'
import type { BudgetLedger } from '../domain/ports/budget-ledger.js'
import { InvalidConfigError, isFeaturegateError } from '../errors.js'
import { httpFailureOf, sendHttpFailure } from './http-errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    access: AccessGate
  }
  interface FastifyRequest {
    /** Set by the access hook on routes that need a caller; undefined on open routes (probes, metrics). */
    principal: Principal | undefined
  }
}

/** Which door each HTTP route is behind; anything not listed (probes, metrics) is open. */
const HTTP_ENTRIES: Readonly<Record<string, Entry>> = {
  '/graphql': 'explore',
  '/v1/pull': 'explore',
  '/v1/write': 'write',
  '/catalog': 'explore',
  '/catalog/:set': 'explore',
  '/admin/registry/reload': 'admin',
  '/admin/cache/clear': 'admin'
}

function readStructured (path: string, what: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new InvalidConfigError(`${what} ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  try {
    return parseYaml(text) as unknown
  } catch {
    throw new InvalidConfigError(`${what} ${path} is not valid YAML or JSON`)
  }
}

/** Each budget on this replica alone, or shared by the fleet through the store's ledger (BUDGET_SCOPE). */
function callerBudget (config: AccessConfig, budget: 'online' | 'explore', limit: RateLimit, ledger: BudgetLedger, events: BudgetEvents): CallerBudget {
  if (config.budgets.scope === 'replica') return new RateLimiter(limit)
  return new FleetRateLimiter({ budget, limit, ledger, config: config.budgets, events })
}

function buildGate (config: AccessConfig, ledger: BudgetLedger, events: BudgetEvents): { gate: AccessGate, apiKeys: ApiKeyStore | undefined, jwt: JwtVerifier | undefined } {
  const apiKeys = config.apiKeysFile === undefined ? undefined : new ApiKeyStore(parseApiKeyFile(readStructured(config.apiKeysFile, 'AUTH_API_KEYS_FILE'), config.apiKeysFile))
  let jwt: JwtVerifier | undefined
  const jwks = config.jwksUrl !== undefined ? new URL(config.jwksUrl) : config.jwksFile !== undefined ? readStructured(config.jwksFile, 'AUTH_JWKS_FILE') as JSONWebKeySet : undefined
  if (jwks !== undefined) jwt = new JwtVerifier({ jwks, issuer: config.jwtIssuer, audience: config.jwtAudience })
  const gate = new AccessGate({
    authenticator: new Authenticator({ apiKeys, jwt, open: config.mode !== 'required' }),
    onlineRate: callerBudget(config, 'online', { capacity: config.onlineBurst, refillPerSecond: config.onlineRequestsPerSecond, describe: `${config.onlineRequestsPerSecond} requests per second` }, ledger, events),
    explorePoints: callerBudget(config, 'explore', { capacity: config.explorePointsPerMinute, refillPerSecond: config.explorePointsPerMinute / 60, describe: `${config.explorePointsPerMinute} query cost points per minute` }, ledger, events)
  })
  return { gate, apiKeys, jwt }
}

/**
 * Authentication, authorisation, and per-caller budgets for HTTP, over the same
 * AccessGate the gRPC server uses. Refuses to start a production store without credentials
 * unless told to run open.
 */
async function accessPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config.access
  const observer = fastify.observer
  const budgetTable = fastify.config.store.budgetTable
  // Once per change of scope, not per request: the metric says the same continuously.
  const budgetEvents: BudgetEvents = {
    scopeChanged (budget, scope, cause) {
      observer.budgetScope(budget, scope)
      if (scope === 'replica') {
        fastify.log.error({ budget, budgetTable, err: cause, fallbackReplicas: config.budgets.fallbackReplicas },
          `Caller budgets (${budget}) cannot be leased from ${budgetTable} (does it exist? \`featuregate create-tables\` creates it): each replica now enforces 1/${config.budgets.fallbackReplicas} of every caller's budget on its own, retrying every ${config.budgets.retryMs} ms`)
      } else {
        fastify.log.info({ budget, budgetTable }, `Caller budgets (${budget}) are shared by the fleet again`)
      }
    },
    leased (budget, outcome) { observer.budgetLease(budget, outcome) }
  }
  const { gate, apiKeys, jwt } = buildGate(config, fastify.featureStore.budgets, budgetEvents)
  if (config.budgets.scope === 'fleet') for (const budget of ['online', 'explore']) observer.budgetScope(budget, 'fleet')
  // In production the API port's /metrics (when METRICS_PORT does not give it a port of its own) is not anonymous.
  const entries: Readonly<Record<string, Entry>> = config.mode === 'required' ? { ...HTTP_ENTRIES, '/metrics': 'admin' } : HTTP_ENTRIES
  fastify.decorate('access', gate)
  fastify.decorateRequest('principal', undefined)

  if (config.mode === 'open') {
    fastify.log.warn('AUTHENTICATION IS OFF: every caller may read every feature and use the admin endpoints. Set AUTH_API_KEYS_FILE or AUTH_JWKS_FILE/AUTH_JWKS_URL for production.')
  }
  // A revoked key takes effect without a restart: the key file (e.g. a mounted Secret) is re-read on change.
  if (apiKeys !== undefined && config.apiKeysFile !== undefined) {
    const path = config.apiKeysFile
    watchFile(path, { interval: 2_000, persistent: false }, () => {
      try {
        apiKeys.replace(parseApiKeyFile(readStructured(path, 'AUTH_API_KEYS_FILE'), path))
        fastify.log.info({ keys: apiKeys.size }, 'API keys reloaded')
      } catch (error) {
        fastify.log.error({ err: error }, 'API key file is invalid; keeping the previous keys')
      }
    })
    fastify.addHook('onClose', async () => unwatchFile(path))
  }
  // A rotated key set too: the JWKS file is re-read when it changes, as the API key file is.
  if (jwt !== undefined && config.jwksFile !== undefined && config.jwksUrl === undefined) {
    const path = config.jwksFile
    watchFile(path, { interval: 2_000, persistent: false }, () => {
      try {
        jwt.replaceKeys(readStructured(path, 'AUTH_JWKS_FILE') as JSONWebKeySet)
        fastify.log.info('JWKS reloaded')
      } catch (error) {
        fastify.log.error({ err: error }, 'JWKS file is invalid; keeping the previous keys')
      }
    })
    fastify.addHook('onClose', async () => unwatchFile(path))
  }
  if (config.jwtAnyIssuerAudience) {
    fastify.log.warn('AUTH_JWT_ANY_ISSUER_AUDIENCE=true: JWTs are accepted for any issuer and audience the key set signs for, including tokens meant for other services')
  }

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const entry = entries[request.routeOptions.url ?? '']
    if (entry === undefined) return
    try {
      const admission = await gate.admit(entry, {
        authorization: request.headers.authorization,
        apiKey: typeof request.headers['x-api-key'] === 'string' ? request.headers['x-api-key'] : undefined
      })
      request.principal = admission.principal
    } catch (error) {
      if (!isFeaturegateError(error)) throw error
      // The body GraphQL clients expect (errors[].extensions.code, plus fgCode), on every gated route alike.
      return await sendHttpFailure(reply, httpFailureOf(error))
    }
  })
}

export default fp(accessPlugin, { name: 'featuregate-access', dependencies: ['featuregate-config', 'featuregate-store'] })
