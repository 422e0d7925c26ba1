import { GraphQLError, type ExecutionResult, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql'
import type { FastifyBaseLogger } from 'fastify'
import { isFeaturegateError } from '../../errors.js'
import { CODE_BY_KIND, featuregateExtensions, httpStatusOf } from '../http-errors.js'

/**
 * The one place that decides what a GraphQL client is told about an error: the code in
 * `extensions.code`, the HTTP status, and whether the message may be shown at all. Errors the
 * gateway did not mean a caller to see (bugs, library internals) become INTERNAL_SERVER_ERROR with
 * a fixed message; the original goes to the log. Typed errors read as on every HTTP route
 * (../http-errors.ts).
 */
/** Why a query was refused before it ran: the metrics reason, and the code the client sees. */
export type RejectionReason =
  | 'depth' | 'introspection_depth' | 'aliases' | 'tokens' | 'cost' | 'nodes' | 'batch' | 'limits'
  | 'variables' | 'parse' | 'validation' | 'rate_limit' | 'queue_full' | 'deadline' | 'bad_request'

const CODE_BY_REASON: Readonly<Record<RejectionReason, string>> = {
  depth: 'QUERY_TOO_DEEP',
  introspection_depth: 'QUERY_TOO_DEEP',
  aliases: 'TOO_MANY_ALIASES',
  tokens: 'TOO_MANY_TOKENS',
  cost: 'COST_ESTIMATED_TOO_EXPENSIVE',
  nodes: 'QUERY_TOO_COMPLEX',
  batch: 'BATCH_TOO_LARGE',
  limits: 'LIMIT_EXCEEDED',
  variables: 'BAD_USER_INPUT',
  parse: 'GRAPHQL_PARSE_FAILED',
  validation: 'GRAPHQL_VALIDATION_FAILED',
  rate_limit: 'RATE_LIMITED',
  queue_full: 'SERVICE_UNAVAILABLE',
  deadline: 'DEADLINE_EXCEEDED',
  bad_request: 'BAD_REQUEST'
}

/**
 * A query refused by a limit before any store call, naming the numbers involved (e.g.
 * `{ cost: 81234, limit: 50000 }`). A GraphQLError so that it travels through graphql's validation
 * and Mercurius' handlers unchanged.
 */
export class QueryRejection extends GraphQLError {
  readonly reason: RejectionReason
  readonly statusCode: number

  constructor (reason: RejectionReason, message: string, numbers: Readonly<Record<string, number | string>> = {}, statusCode = 400) {
    super(message, { extensions: { code: CODE_BY_REASON[reason], reason, ...numbers } })
    this.reason = reason
    this.statusCode = statusCode
  }
}

export function rejectionCode (reason: RejectionReason): string {
  return CODE_BY_REASON[reason]
}

/** Refusals made before execution (preExecution) whose code names the metrics reason. */
const PRE_EXECUTION_REASON: Readonly<Record<string, RejectionReason>> = {
  FG_ERR_RATE_LIMITED: 'rate_limit',
  FG_ERR_QUEUE_FULL: 'queue_full',
  // The operation's deadline passed while it waited for a turn.
  FG_ERR_DEADLINE_EXCEEDED: 'deadline'
}

const INTERNAL_MESSAGE = 'Internal server error'
const TOKENS = /Document contains more that (\d+) tokens/

interface Classified {
  readonly formatted: GraphQLFormattedError
  readonly status: number
  /** Set when the error refused the request before execution. */
  readonly reason: RejectionReason | undefined
  readonly retryAfterSeconds: number | undefined
}

function withShape (error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLFormattedError {
  const json = error.toJSON()
  return {
    message,
    ...(json.locations !== undefined && { locations: json.locations }),
    ...(json.path !== undefined && { path: json.path }),
    extensions
  }
}

/** A request-level refusal Mercurius reported through an inner error, keeping the refusal's status (e.g. 405). */
class ClientRequestError extends Error {
  constructor (message: string, readonly statusCode: number, readonly code: string) {
    super(message)
  }
}

/** Mercurius wraps request-level failures; their `.errors` are the ones to report, with the wrapper's 4xx status. */
function expand (errors: readonly GraphQLError[]): GraphQLError[] {
  const out: GraphQLError[] = []
  for (const error of errors) {
    const wrapper = error.originalError as { errors?: unknown, statusCode?: unknown, code?: unknown } | undefined
    const inner = wrapper?.errors
    if (Array.isArray(inner) && inner.length > 0) {
      const status = typeof wrapper?.statusCode === 'number' && wrapper.statusCode >= 400 && wrapper.statusCode < 500 ? wrapper.statusCode : undefined
      for (const e of inner) {
        if (e instanceof GraphQLError) out.push(e)
        else if (status !== undefined && e instanceof Error) out.push(new GraphQLError(e.message, { originalError: new ClientRequestError(e.message, status, String(wrapper?.code)) }))
        else out.push(toGraphQLError(e))
      }
    } else {
      out.push(error)
    }
  }
  return out
}

function toGraphQLError (error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error
  const e = error instanceof Error ? error : new Error(String(error))
  return new GraphQLError(e.message, { originalError: e })
}

function classify (error: GraphQLError, log: FastifyBaseLogger): Classified {
  if (error instanceof QueryRejection) {
    return { formatted: withShape(error, error.message, { ...error.extensions }), status: error.statusCode, reason: error.reason, retryAfterSeconds: undefined }
  }
  const original = error.originalError
  if (isFeaturegateError(original) && original.kind === 'internal') {
    // As gRPC does: an internal error's own message is for the log, never for the caller.
    log.error({ err: original }, 'GraphQL request failed')
    return { formatted: withShape(error, INTERNAL_MESSAGE, { code: CODE_BY_KIND.internal, fgCode: original.code }), status: 500, reason: undefined, retryAfterSeconds: undefined }
  }
  if (isFeaturegateError(original)) {
    const extensions = featuregateExtensions(original)
    const executing = error.path !== undefined
    const reason: RejectionReason | undefined = executing ? undefined : PRE_EXECUTION_REASON[original.code] ?? (original.kind === 'invalid_argument' ? 'limits' : 'bad_request')
    return {
      formatted: withShape(error, original.message, extensions),
      status: httpStatusOf(original),
      reason,
      retryAfterSeconds: typeof extensions.retryAfterSeconds === 'number' ? extensions.retryAfterSeconds : undefined
    }
  }
  if (original === undefined || original === null) {
    // graphql's own request errors: syntax, validation, variable coercion. Their messages are for the caller.
    if (error.path === undefined) {
      const tokens = TOKENS.exec(error.message)
      if (tokens !== null) {
        return { formatted: withShape(error, `Query has more than ${tokens[1]!} tokens, the limit`, { code: CODE_BY_REASON.tokens, reason: 'tokens', limit: Number(tokens[1]) }), status: 400, reason: 'tokens', retryAfterSeconds: undefined }
      }
      if (error.message.startsWith('Maximum introspection depth exceeded')) {
        // graphql's own MaxIntrospectionDepthRule (nested fields/interfaces/possibleTypes under __schema or __type).
        return { formatted: withShape(error, error.message, { code: CODE_BY_REASON.introspection_depth, reason: 'introspection_depth' }), status: 400, reason: 'introspection_depth', retryAfterSeconds: undefined }
      }
      const reason: RejectionReason = error.message.startsWith('Syntax Error') ? 'parse' : error.message.startsWith('Variable "') ? 'variables' : 'validation'
      const code = typeof error.extensions.code === 'string' ? error.extensions.code : CODE_BY_REASON[reason]
      return { formatted: withShape(error, error.message, { ...error.extensions, code }), status: 400, reason, retryAfterSeconds: undefined }
    }
    // During execution, an error with no cause is graphql reporting a broken promise of ours (e.g. a null for a non-null field).
    log.error({ err: error }, 'GraphQL execution error')
    return { formatted: withShape(error, INTERNAL_MESSAGE, { code: CODE_BY_KIND.internal }), status: 500, reason: undefined, retryAfterSeconds: undefined }
  }
  const status = (original as { statusCode?: unknown }).statusCode
  const fastifyCode = (original as { code?: unknown }).code
  if (error.path === undefined && typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's and Mercurius' client errors (malformed JSON, wrong content type, GET mutation, ...): the message is about the request.
    const reason: RejectionReason = fastifyCode === 'MER_ERR_GQL_VALIDATION' ? 'validation' : 'bad_request'
    return {
      formatted: withShape(error, original.message, { code: status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 405 ? 'METHOD_NOT_ALLOWED' : CODE_BY_REASON[reason] }),
      status,
      reason,
      retryAfterSeconds: undefined
    }
  }
  if (error.path === undefined && original instanceof GraphQLError) {
    // e.g. a custom scalar refusing a variable: graphql-made, meant for the caller.
    return { formatted: withShape(error, error.message, { code: CODE_BY_REASON.variables }), status: 400, reason: 'variables', retryAfterSeconds: undefined }
  }
  if (error.path === undefined && original instanceof TypeError && error.message.startsWith('Variable "')) {
    return { formatted: withShape(error, error.message, { code: CODE_BY_REASON.variables }), status: 400, reason: 'variables', retryAfterSeconds: undefined }
  }
  log.error({ err: original }, 'GraphQL request failed')
  return { formatted: withShape(error, INTERNAL_MESSAGE, { code: CODE_BY_KIND.internal }), status: 500, reason: error.path === undefined ? 'bad_request' : undefined, retryAfterSeconds: undefined }
}

export interface FormattedErrors {
  readonly statusCode: number
  readonly response: FormattedExecutionResult & { errors: GraphQLFormattedError[] }
  /** The reason when the request was refused before execution; undefined when it ran. */
  readonly rejected: RejectionReason | undefined
  readonly retryAfterSeconds: number | undefined
}

/**
 * Replaces Mercurius' default formatter: partial answers stay 200 (data plus errors with paths);
 * a request with no data takes the status of its first error (400 for refused queries).
 */
export function formatErrors (execution: ExecutionResult & { errors: readonly GraphQLError[] }, log: FastifyBaseLogger): FormattedErrors {
  const classified = expand(execution.errors).map((error) => classify(error, log))
  const hasData = execution.data !== undefined && execution.data !== null
  const first = classified[0]
  const statusCode = hasData ? 200 : first?.status ?? 500
  const rejected = hasData ? undefined : classified.find((c) => c.reason !== undefined)?.reason
  return {
    statusCode,
    response: { data: execution.data ?? null, errors: classified.map((c) => c.formatted) },
    rejected,
    retryAfterSeconds: classified.find((c) => c.retryAfterSeconds !== undefined)?.retryAfterSeconds
  }
}
