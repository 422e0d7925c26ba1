import type { Principal } from './principal.js'

/** What a caller does to a feature set: the refusal names it. */
export type FeatureSetAction = 'read' | 'write'

/** Refuses a principal the feature sets it may not read or write (the access gate implements it). */
export interface FeatureSetAuthorizer {
  authorizeFeatureSets (principal: Principal, featureSets: Iterable<string>, action?: FeatureSetAction): void
}
