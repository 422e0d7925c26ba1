/** What a credential may do: online reads (gRPC), exploration (GraphQL), online writes (WriteFeatures, POST /v1/write) and admin. */
export type Scope = 'online:read' | 'explore:read' | 'features:write' | 'admin'

export const SCOPES: readonly Scope[] = ['online:read', 'explore:read', 'features:write', 'admin']

export function isScope (value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value)
}

/** The authenticated caller, the same whichever protocol it came through. */
export interface Principal {
  /** Stable id for rate limiting and logs: the API key's id or the JWT subject. Never the secret. */
  readonly id: string
  readonly scopes: ReadonlySet<Scope>
  /** When set, the only feature sets this caller may read (and, with features:write, write). */
  readonly featureSets: ReadonlySet<string> | undefined
  readonly via: 'api-key' | 'jwt' | 'open'
}

/** The caller when the gateway runs open (development): every scope, every set, one shared budget. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({
  id: 'anonymous',
  scopes: new Set<Scope>(SCOPES),
  featureSets: undefined,
  via: 'open'
})
