import type { FeatureSetAuthorizer } from './access/feature-set-authorizer.js'
import { namedSets } from './access/named-sets.js'
import type { Principal } from './access/principal.js'
import type { FeatureLookup, LookupOptions, LookupResult } from './feature-lookup.js'
import type { ResolvedFeature } from './feature-registry.js'
import type { GatewayObserver } from './gateway-observer.js'
import { countStatuses } from './status-counts.js'

export type OnlineProtocol = 'grpc' | 'graphql'

/**
 * The one online read both protocols call: resolve the references and check the limits, authorise
 * the caller for the sets they touch, read, and count the statuses. Everything a caller can get
 * wrong or may not do is refused in prepare(), before any store call.
 */
export class OnlineFeatures {
  readonly #lookup: FeatureLookup
  readonly #access: FeatureSetAuthorizer | undefined
  readonly #observer: Pick<GatewayObserver, 'featureStatuses'>

  constructor (lookup: FeatureLookup, access: FeatureSetAuthorizer | undefined, observer: Pick<GatewayObserver, 'featureStatuses'>) {
    this.#lookup = lookup
    this.#access = access
    this.#observer = observer
  }

  /** Resolve → authorise. `principal` undefined: a caller no access rule applies to (no gate configured). */
  prepare (principal: Principal | undefined, entityIds: readonly string[], featureRefs: readonly string[]): readonly ResolvedFeature[] {
    // By name first: a limited caller learns nothing of the sets it may not read, not even whether they exist.
    const limited = principal !== undefined && this.#access !== undefined && principal.featureSets !== undefined
    if (limited) this.#access!.authorizeFeatureSets(principal, namedSets(featureRefs))
    const features = this.#lookup.resolve(entityIds, featureRefs)
    if (limited) this.#access!.authorizeFeatureSets(principal, featureSetsOf(features))
    return features
  }

  /** Read → count statuses, for features prepare() returned; callers may split the ids into groups. */
  async read (protocol: OnlineProtocol, entityIds: readonly string[], features: readonly ResolvedFeature[], options: LookupOptions): Promise<LookupResult> {
    const result = await this.#lookup.read(entityIds, features, options)
    this.#observer.featureStatuses(protocol, countStatuses(result))
    return result
  }

  async get (
    protocol: OnlineProtocol, principal: Principal | undefined, entityIds: readonly string[], featureRefs: readonly string[], options: LookupOptions
  ): Promise<LookupResult> {
    return await this.read(protocol, entityIds, this.prepare(principal, entityIds, featureRefs), options)
  }
}

function featureSetsOf (features: readonly ResolvedFeature[]): Set<string> {
  const sets = new Set<string>()
  for (const f of features) sets.add(f.featureSet.name)
  return sets
}
