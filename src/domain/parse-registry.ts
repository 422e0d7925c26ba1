import { InvalidRegistryError } from '../errors.js'
import { NAME_PATTERN, type FeatureSetSpec, type FeatureSpec } from './feature-set-spec.js'
import { isValueType } from './feature-value.js'

const MAX_VECTOR_DIMENSION = 100_000

/**
 * Validates one feature set as written in a registry file (YAML or JSON, already parsed):
 *   { name, entityType, maxAgeSeconds?, description?, owner?, tags?, features: [{ name, type, dimension?, ... }] }
 */
export function parseFeatureSetSpec (input: unknown): FeatureSetSpec {
  const raw = record(input, 'feature set')
  const name = identifier(raw.name, 'feature set name')
  const entityType = identifier(raw.entityType, `${name}.entityType`)
  if (!Array.isArray(raw.features) || raw.features.length === 0) throw new InvalidRegistryError(`${name}.features must be a non-empty list`)
  const features = raw.features.map((f: unknown, i: number) => parseFeatureSpec(f, `${name}.features[${i}]`))
  const seen = new Set<string>()
  for (const feature of features) {
    if (seen.has(feature.name)) throw new InvalidRegistryError(`${name} declares feature "${feature.name}" twice`)
    seen.add(feature.name)
  }
  let maxAgeSeconds: number | undefined
  if (raw.maxAgeSeconds !== undefined) {
    if (typeof raw.maxAgeSeconds !== 'number' || !Number.isInteger(raw.maxAgeSeconds) || raw.maxAgeSeconds <= 0) {
      throw new InvalidRegistryError(`${name}.maxAgeSeconds must be a positive integer number of seconds`)
    }
    maxAgeSeconds = raw.maxAgeSeconds
  }
  return {
    name,
    entityType,
    features,
    ...(maxAgeSeconds !== undefined && { maxAgeSeconds }),
    ...optionalText(raw, name)
  }
}

/** A registry file: either a list of feature sets or `{ featureSets: [...] }`. */
export function parseRegistryFile (input: unknown): FeatureSetSpec[] {
  const list = Array.isArray(input) ? input : record(input, 'registry file').featureSets
  if (!Array.isArray(list)) throw new InvalidRegistryError('a registry file is a list of feature sets or { featureSets: [...] }')
  const specs = list.map(parseFeatureSetSpec)
  const names = new Set<string>()
  for (const spec of specs) {
    if (names.has(spec.name)) throw new InvalidRegistryError(`feature set "${spec.name}" appears twice`)
    names.add(spec.name)
  }
  return specs
}

function parseFeatureSpec (input: unknown, where: string): FeatureSpec {
  const raw = record(input, where)
  const name = identifier(raw.name, `${where}.name`)
  if (typeof raw.type !== 'string' || !isValueType(raw.type)) {
    throw new InvalidRegistryError(`${where}.type must be one of double, int64, string, bool, bytes, timestamp, float_vector, double_list, int64_list, string_list, bool_list; got ${JSON.stringify(raw.type)}`)
  }
  let dimension: number | undefined
  if (raw.type === 'float_vector') {
    if (typeof raw.dimension !== 'number' || !Number.isInteger(raw.dimension) || raw.dimension < 1 || raw.dimension > MAX_VECTOR_DIMENSION) {
      throw new InvalidRegistryError(`${where}.dimension must be an integer from 1 to ${MAX_VECTOR_DIMENSION} for a float_vector`)
    }
    dimension = raw.dimension
  } else if (raw.dimension !== undefined) {
    throw new InvalidRegistryError(`${where}.dimension is only allowed on float_vector features`)
  }
  return { name, type: raw.type, ...(dimension !== undefined && { dimension }), ...optionalText(raw, where) }
}

function optionalText (raw: Record<string, unknown>, where: string): { description?: string, owner?: string, tags?: string[] } {
  const out: { description?: string, owner?: string, tags?: string[] } = {}
  for (const key of ['description', 'owner'] as const) {
    const value = raw[key]
    if (value === undefined) continue
    if (typeof value !== 'string' || value.length > 4096) throw new InvalidRegistryError(`${where}.${key} must be a string of at most 4096 characters`)
    out[key] = value
  }
  if (raw.tags !== undefined) {
    if (!Array.isArray(raw.tags) || !raw.tags.every((tag): tag is string => typeof tag === 'string' && tag.length > 0 && tag.length <= 128)) {
      throw new InvalidRegistryError(`${where}.tags must be a list of non-empty strings`)
    }
    out.tags = raw.tags
  }
  return out
}

function record (input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidRegistryError(`${what} must be an object`)
  return input as Record<string, unknown>
}

function identifier (value: unknown, what: string): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new InvalidRegistryError(`${what} must start with a letter and hold only letters, digits and _ (at most 128); got ${JSON.stringify(value)}`)
  }
  return value
}
