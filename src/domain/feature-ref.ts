import { InvalidFeatureRefError } from '../errors.js'

/**
 * `user_text:embedding` names one feature; `user_text` (or `user_text:*`) names every feature of
 * the set. Parsing is syntactic only: whether the set and feature exist is the registry's call.
 */
export interface FeatureRef {
  readonly featureSet: string
  /** undefined means the whole feature set. */
  readonly feature: string | undefined
}

export function parseFeatureRef (text: string): FeatureRef {
  const colon = text.indexOf(':')
  const featureSet = colon === -1 ? text : text.slice(0, colon)
  const feature = colon === -1 ? undefined : text.slice(colon + 1)
  if (featureSet.length === 0 || feature === '' || (feature !== undefined && feature.includes(':'))) {
    throw new InvalidFeatureRefError(JSON.stringify(text).slice(0, 200))
  }
  return { featureSet, feature: feature === '*' ? undefined : feature }
}

export function formatFeatureRef (featureSet: string, feature: string): string {
  return `${featureSet}:${feature}`
}
