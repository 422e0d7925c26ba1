import { PermissionDeniedError, UnauthenticatedError } from '../../errors.js'
import type { ApiKeyStore } from './api-key-store.js'
import type { FeatureSetAction } from './feature-set-authorizer.js'
import type { JwtVerifier } from './jwt-verifier.js'
import { OPEN_PRINCIPAL, type Principal, type Scope } from './principal.js'

/** What a caller presented, however its protocol carries it (HTTP headers, gRPC metadata). */
export interface PresentedCredentials {
  /** `Bearer <jwt or api key>` or `ApiKey <key>`. */
  readonly authorization?: string | undefined
  readonly apiKey?: string | undefined
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const MAX_CREDENTIAL_LENGTH = 8192

/**
 * Authentication and authorisation, written once for both protocols. `open` mode (development,
 * or production explicitly told so) lets everyone in as one anonymous principal.
 */
export class Authenticator {
  readonly #apiKeys: ApiKeyStore | undefined
  readonly #jwt: JwtVerifier | undefined
  readonly #open: boolean

  constructor (options: { apiKeys?: ApiKeyStore, jwt?: JwtVerifier, open: boolean }) {
    this.#apiKeys = options.apiKeys
    this.#jwt = options.jwt
    this.#open = options.open
  }

  async authenticate (presented: PresentedCredentials): Promise<Principal> {
    return await this.identify(presented)
  }

  /**
   * authenticate(), synchronous where it can be: an API key or open mode answer at once (throwing
   * when refused), so the online path pays no promise per call; a JWT's verification is a promise.
   */
  identify (presented: PresentedCredentials): Principal | Promise<Principal> {
    if (this.#open) return OPEN_PRINCIPAL
    const secret = credentialOf(presented)
    if (secret === undefined || secret.length > MAX_CREDENTIAL_LENGTH) throw new UnauthenticatedError()
    if (JWT_SHAPE.test(secret) && this.#jwt !== undefined) return this.#jwt.verify(secret).then(known)
    return known(this.#apiKeys?.verify(secret))
  }

  authorize (principal: Principal, scope: Scope): void {
    if (!principal.scopes.has(scope)) throw new PermissionDeniedError(describeScope(scope))
  }

  /** Where the principal is limited to some feature sets, throws for any other. */
  authorizeFeatureSets (principal: Principal, featureSets: Iterable<string>, action: FeatureSetAction = 'read'): void {
    if (principal.featureSets === undefined) return
    for (const set of featureSets) {
      if (!principal.featureSets.has(set)) throw new PermissionDeniedError(`${action} feature set "${set}"`)
    }
  }
}

function known (principal: Principal | undefined): Principal {
  if (principal === undefined) throw new UnauthenticatedError()
  return principal
}

function credentialOf (presented: PresentedCredentials): string | undefined {
  if (presented.apiKey !== undefined && presented.apiKey !== '') return presented.apiKey.trim()
  const header = presented.authorization?.trim()
  if (header === undefined || header === '') return undefined
  const space = header.indexOf(' ')
  if (space === -1) return undefined
  const scheme = header.slice(0, space).toLowerCase()
  if (scheme !== 'bearer' && scheme !== 'apikey') return undefined
  const value = header.slice(space + 1).trim()
  return value === '' ? undefined : value
}

function describeScope (scope: Scope): string {
  switch (scope) {
    case 'online:read': return 'make online reads (scope online:read)'
    case 'explore:read': return 'use the exploration API (scope explore:read)'
    case 'features:write': return 'write features (scope features:write)'
    case 'admin': return 'administer the gateway (scope admin)'
  }
}
