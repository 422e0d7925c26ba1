import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases'
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth'
import type { GraphQLError, ValidationContext, ValidationRule } from 'graphql'
import type { GraphqlConfig } from '../../config.js'
import { QueryRejection, type RejectionReason } from './error-mapping.js'

/**
 * Static limits checked while the query is validated (so once per distinct query text: Mercurius
 * caches validation). GraphQL Armor's rules count; they are told to report rather than throw, so
 * the refusal is a validation error (HTTP 400 with our code and the numbers) instead of an
 * exception that Mercurius would answer with 200.
 *
 * Depth is counted twice: data fields against GRAPHQL_MAX_DEPTH with __schema introspection left
 * out, and everything against GRAPHQL_MAX_INTROSPECTION_DEPTH, so GraphiQL's introspection (15
 * levels) works while a hand-nested __schema query is refused. Fragments count for the fields
 * they hold, not as a level of their own. Token count is graphql's own parser limit (parseOptions).
 */
export function limitRules (config: GraphqlConfig): ValidationRule[] {
  const report = (reason: RejectionReason, limit: number, what: string) => (context: ValidationContext | null, error: GraphQLError): void => {
    const found = /found (\d+)/.exec(error.message)
    const actual = found === null ? undefined : Number(found[1])
    const message = actual === undefined ? `Query exceeds the ${what} limit of ${limit}` : `Query ${what} is ${actual}, the limit is ${limit}`
    context?.reportError(new QueryRejection(reason, message, actual === undefined ? { limit } : { [reasonKey(reason)]: actual, limit }))
  }
  return [
    maxDepthRule({ n: config.maxDepth, ignoreIntrospection: true, flattenFragments: true, propagateOnRejection: false, onReject: [report('depth', config.maxDepth, 'depth')] }),
    maxDepthRule({ n: config.maxIntrospectionDepth, ignoreIntrospection: false, flattenFragments: true, propagateOnRejection: false, onReject: [report('introspection_depth', config.maxIntrospectionDepth, 'depth (introspection included)')] }),
    maxAliasesRule({ n: config.maxAliases, propagateOnRejection: false, onReject: [report('aliases', config.maxAliases, 'alias count')] })
  ]
}

function reasonKey (reason: RejectionReason): string {
  return reason === 'aliases' ? 'aliases' : 'depth'
}
