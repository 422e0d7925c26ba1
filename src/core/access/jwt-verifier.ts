import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'
import { isScope, type Principal, type Scope } from './principal.js'

export interface JwtOptions {
  /** A JWKS document (from a file) or the URL serving one. */
  readonly jwks: JSONWebKeySet | URL
  readonly issuer: string | undefined
  readonly audience: string | undefined
}

/** Claim holding the feature sets a token is limited to (space-separated or a list). */
export const FEATURE_SETS_CLAIM = 'feature_sets'

/**
 * Bearer tokens signed by a configured key set. Scopes come from the standard `scope` claim
 * (space-separated, RFC 8693) or `scp` (a list, as some providers issue); only our scopes count.
 */
export class JwtVerifier {
  #keys: JWTVerifyGetKey
  readonly #options: JwtOptions

  constructor (options: JwtOptions) {
    this.#options = options
    this.#keys = options.jwks instanceof URL ? createRemoteJWKSet(options.jwks, { timeoutDuration: 2_000, cooldownDuration: 30_000 }) : createLocalJWKSet(options.jwks)
  }

  /** A key file that changed (a rotated Secret): new tokens verify against it at once, without a restart. */
  replaceKeys (jwks: JSONWebKeySet): void {
    this.#keys = createLocalJWKSet(jwks)
  }

  /** undefined for any token that does not verify: expired, mis-signed, wrong issuer or audience. */
  async verify (token: string): Promise<Principal | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'EdDSA', 'PS256'],
        // A token that never expires can never be taken back.
        requiredClaims: ['exp'],
        clockTolerance: 5
      })
      if (typeof payload.sub !== 'string' || payload.sub === '') return undefined
      return { id: `jwt:${payload.sub}`, scopes: scopesOf(payload.scope ?? payload.scp), featureSets: featureSetsOf(payload[FEATURE_SETS_CLAIM]), via: 'jwt' }
    } catch {
      return undefined
    }
  }
}

function words (claim: unknown): string[] {
  if (typeof claim === 'string') return claim.split(' ').filter((word) => word !== '')
  if (Array.isArray(claim)) return claim.filter((word): word is string => typeof word === 'string')
  return []
}

function scopesOf (claim: unknown): ReadonlySet<Scope> {
  return new Set(words(claim).filter(isScope))
}

function featureSetsOf (claim: unknown): ReadonlySet<string> | undefined {
  return claim === undefined ? undefined : new Set(words(claim))
}
