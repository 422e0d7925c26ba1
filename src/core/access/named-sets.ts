import { parseFeatureRef } from '../../domain/feature-ref.js'

/**
 * The feature sets some references name, whether or not they exist. A caller limited to some sets is
 * refused the others by name before the registry is asked, so it gets the same answer for a set it may
 * not read and for one that does not exist, and cannot map the registry by probing. A reference that
 * does not parse is left to the resolver's own error.
 */
export function namedSets (refs: Iterable<unknown>): Set<string> {
  const sets = new Set<string>()
  for (const ref of refs) {
    if (typeof ref !== 'string') continue
    try {
      sets.add(parseFeatureRef(ref).featureSet)
    } catch {}
  }
  return sets
}
