import { EntityNotFoundError } from '../errors.js'
import type { EntityFeatures } from './feature-lookup.js'

/**
 * For single-entity calls: an entity with none of the requested features is "not found" as a
 * whole. A row stored with null values counts as data (NULL_VALUE), and so does a stale one; only
 * when every requested feature is NOT_FOUND does the caller get an error instead of an answer.
 * Batch calls never use this: there a missing entity is a status in its cells.
 */
export function requireEntityData (entity: EntityFeatures): void {
  for (const cell of entity.results) {
    if (cell.status !== 'NOT_FOUND') return
  }
  throw new EntityNotFoundError(entity.entityId)
}
