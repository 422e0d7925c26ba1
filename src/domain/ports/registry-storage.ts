import type { FeatureSetSpec } from '../feature-set-spec.js'

/** Where feature-set specs are kept (beside the data, so registering a set needs no redeploy). */
export interface RegistryStorage {
  list (signal?: AbortSignal): Promise<FeatureSetSpec[]>
  put (spec: FeatureSetSpec): Promise<void>
  delete (name: string): Promise<void>
  /** Entries the last list() skipped because they no longer parse, with why (for the operator's log). */
  readonly skipped: ReadonlyArray<{ readonly name: string, readonly reason: string }>
}
