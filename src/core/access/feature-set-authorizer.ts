import type { Principal } from './principal.js'

/** Refuses a principal the feature sets it may not read (the access gate implements it). */
export interface FeatureSetAuthorizer {
  authorizeFeatureSets (principal: Principal, featureSets: Iterable<string>): void
}
