import { LimitExceededError } from '../errors.js'

/**
 * The one check behind every "at most N" limit of a request (ids, page size, sample rows), so the
 * services that enforce a limit and the GraphQL cost model that prices against it say the same thing.
 */
export function requireAtMost (what: string, requested: number, limit: number): void {
  if (requested > limit) throw new LimitExceededError(what, requested, limit)
}
