import type { FeatureSetSpec, FeatureSpec } from '../domain/feature-set-spec.js'
import { formatFeatureRef, parseFeatureRef } from '../domain/feature-ref.js'
import { UnknownFeatureError, UnknownFeatureSetError } from '../errors.js'

/** Where specs come from: the registry table in production, anything with list() in tests. */
export interface RegistrySource {
  list (signal?: AbortSignal): Promise<FeatureSetSpec[]>
  /** Entries the last list() left out because they no longer parse. */
  readonly skipped?: ReadonlyArray<{ readonly name: string }>
}

/** One column of a lookup: a feature of a set, named the way the caller will see it. */
export interface ResolvedFeature {
  /** `feature_set:feature` */
  readonly ref: string
  readonly featureSet: FeatureSetSpec
  readonly feature: FeatureSpec
}

export interface RegistrySearch {
  /** Case-insensitive substring of the set's name, or of one of its features' names. */
  readonly text?: string
  /** A tag on the set or on one of its features. */
  readonly tag?: string
}

const MAX_REMEMBERED_REFS = 10_000

/**
 * The gateway's view of the registry: a snapshot swapped whole on reload, so a lookup never sees
 * half of an update. Reloaded periodically and on demand (the CLI's apply, an admin call).
 */
export class FeatureRegistry {
  readonly #source: RegistrySource
  #sets = new Map<string, FeatureSetSpec>()
  #loadedAt: number | undefined
  readonly #listeners: Array<(changed: ReadonlySet<string>) => void> = []
  /** Reloads started, and the newest one applied: an older reload finishing late never overwrites a newer one. */
  #started = 0
  #applied = 0
  #keptLastGood: readonly string[] = []
  /**
   * What each reference text resolved to in the current snapshot (forgotten with it): the online
   * path asks for the same few references on every call, and parsing them and building their
   * ResolvedFeatures again each time cost more than the cached row lookup. Bounded, since the texts
   * come from callers; only references that resolved are kept.
   */
  #resolved = new Map<string, readonly ResolvedFeature[]>()

  constructor (source: RegistrySource) {
    this.#source = source
  }

  async reload (signal?: AbortSignal): Promise<void> {
    const sequence = ++this.#started
    const specs = await this.#source.list(signal)
    const skipped = this.#source.skipped ?? []
    if (sequence < this.#applied) return
    this.#applied = sequence
    const previous = this.#sets
    const next = new Map(specs.map((spec) => [spec.name, spec]))
    // A stored spec that no longer parses keeps its last good version serving, rather than dropping the set.
    const kept: string[] = []
    for (const { name } of skipped) {
      const lastGood = previous.get(name)
      if (lastGood !== undefined && !next.has(name)) {
        next.set(name, lastGood)
        kept.push(name)
      }
    }
    this.#keptLastGood = kept
    this.#sets = next
    this.#resolved = new Map()
    this.#loadedAt = Date.now()
    const changed = changedSets(previous, this.#sets)
    for (const listener of this.#listeners) listener(changed)
  }

  /**
   * Called after every successful reload, periodic or on demand, with the sets that were added,
   * removed or changed (rows decoded under an old spec must not be served under the new one).
   */
  onReload (listener: (changed: ReadonlySet<string>) => void): void {
    this.#listeners.push(listener)
  }

  /** Sets served from their last good spec because the stored one no longer parses (as of the last reload). */
  get keptLastGood (): readonly string[] {
    return this.#keptLastGood
  }

  get loaded (): boolean {
    return this.#loadedAt !== undefined
  }

  featureSets (): FeatureSetSpec[] {
    return [...this.#sets.values()]
  }

  featureSet (name: string): FeatureSetSpec {
    const spec = this.#sets.get(name)
    if (spec === undefined) throw new UnknownFeatureSetError(name)
    return spec
  }

  /** Expands whole-set references and checks every name; the first unknown one is the error. */
  resolve (refs: readonly string[]): ResolvedFeature[] {
    const resolved: ResolvedFeature[] = []
    for (const text of refs) {
      let features = this.#resolved.get(text)
      if (features === undefined) {
        features = this.#resolveOne(text)
        if (this.#resolved.size < MAX_REMEMBERED_REFS) this.#resolved.set(text, features)
      }
      for (const feature of features) resolved.push(feature)
    }
    return resolved
  }

  #resolveOne (text: string): readonly ResolvedFeature[] {
    const ref = parseFeatureRef(text)
    const featureSet = this.featureSet(ref.featureSet)
    if (ref.feature === undefined) return featureSet.features.map((feature) => ({ ref: formatFeatureRef(featureSet.name, feature.name), featureSet, feature }))
    const feature = featureSet.features.find((f) => f.name === ref.feature)
    if (feature === undefined) throw new UnknownFeatureError(ref.feature, featureSet.name)
    return [{ ref: formatFeatureRef(featureSet.name, feature.name), featureSet, feature }]
  }

  search (query: RegistrySearch): FeatureSetSpec[] {
    const text = query.text?.toLowerCase()
    return this.featureSets().filter((set) => {
      if (text !== undefined && !set.name.toLowerCase().includes(text) &&
        !set.features.some((f) => f.name.toLowerCase().includes(text))) return false
      if (query.tag !== undefined && !(set.tags?.includes(query.tag) ?? false) &&
        !set.features.some((f) => f.tags?.includes(query.tag!) ?? false)) return false
      return true
    })
  }
}

function changedSets (before: ReadonlyMap<string, FeatureSetSpec>, after: ReadonlyMap<string, FeatureSetSpec>): ReadonlySet<string> {
  const changed = new Set<string>()
  for (const [name, spec] of after) {
    const old = before.get(name)
    if (old === undefined || JSON.stringify(old) !== JSON.stringify(spec)) changed.add(name)
  }
  for (const name of before.keys()) if (!after.has(name)) changed.add(name)
  return changed
}
