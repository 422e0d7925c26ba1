import { FEATURE_STATUSES, type FeatureStatus } from '../domain/feature-status.js'
import type { LookupResult } from './feature-lookup.js'

/**
 * How many cells of one lookup came back with each status, for the observer's per-status metrics
 * (what Feast users asked for in #6270). Both protocols report the same counts the same way.
 */
export function countStatuses (result: LookupResult): Record<FeatureStatus, number> {
  const counts = emptyCounts()
  for (const entity of result.entities) {
    for (const cell of entity.results) counts[cell.status]++
  }
  return counts
}

function emptyCounts (): Record<FeatureStatus, number> {
  const counts = {} as Record<FeatureStatus, number>
  for (const status of FEATURE_STATUSES) counts[status] = 0
  return counts
}
