import type { FeatureSetSpec } from '../domain/feature-set-spec.js'
import type { RegistryStorage } from '../domain/ports/registry-storage.js'

export interface ApplyResult {
  readonly created: readonly string[]
  readonly changed: readonly string[]
  readonly unchanged: readonly string[]
  /** Sets already registered that the file does not mention; apply leaves them alone. */
  readonly untouched: readonly string[]
  /** Changes that affect rows already stored, in words an operator can act on. */
  readonly warnings: readonly string[]
  readonly dryRun: boolean
}

/**
 * Registers the file's feature sets. Apply is additive (a set missing from the file is kept), and
 * says which changes make stored rows read differently, since the rows are not rewritten.
 */
export async function applyRegistry (registry: Pick<RegistryStorage, 'list' | 'put'>, specs: readonly FeatureSetSpec[], options: { readonly dryRun?: boolean } = {}): Promise<ApplyResult> {
  const existing = new Map((await registry.list()).map((spec) => [spec.name, spec]))
  const created: string[] = []
  const changed: string[] = []
  const unchanged: string[] = []
  const warnings: string[] = []
  for (const spec of specs) {
    const before = existing.get(spec.name)
    if (before === undefined) created.push(spec.name)
    else if (JSON.stringify(before) === JSON.stringify(spec)) unchanged.push(spec.name)
    else {
      changed.push(spec.name)
      warnings.push(...changeWarnings(before, spec))
    }
  }
  if (options.dryRun !== true) {
    for (const spec of specs) if (!unchanged.includes(spec.name)) await registry.put(spec)
  }
  const named = new Set(specs.map((spec) => spec.name))
  const untouched = [...existing.keys()].filter((name) => !named.has(name))
  return { created, changed, unchanged, untouched, warnings, dryRun: options.dryRun === true }
}

function changeWarnings (before: FeatureSetSpec, after: FeatureSetSpec): string[] {
  const warnings: string[] = []
  const now = new Map(after.features.map((f) => [f.name, f]))
  for (const old of before.features) {
    const feature = now.get(old.name)
    if (feature === undefined) {
      warnings.push(`${after.name}:${old.name} is removed: stored values stay in the table but are no longer served`)
    } else if (feature.type !== old.type || feature.dimension !== old.dimension) {
      const describe = (f: typeof old): string => f.dimension === undefined ? f.type : `${f.type}(${f.dimension})`
      warnings.push(`${after.name}:${old.name} changes from ${describe(old)} to ${describe(feature)}: rows already stored read as INVALID until rewritten`)
    }
  }
  if (before.entityType !== after.entityType) {
    warnings.push(`${after.name} changes entity type from ${before.entityType} to ${after.entityType}: stored rows keep their entity ids`)
  }
  return warnings
}
