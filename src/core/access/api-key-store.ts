import * as crypto from 'node:crypto'
import { createHash, timingSafeEqual } from 'node:crypto'
import { InvalidConfigError } from '../../errors.js'
import { isScope, SCOPES, type Principal, type Scope } from './principal.js'

/**
 * API keys as stored: only the SHA-256 of each key, so a leaked key file leaks no usable secret.
 * File format (YAML or JSON, e.g. a mounted Kubernetes Secret):
 *   keys: [{ id: "ranker", sha256: "<hex>", scopes: ["online:read"], featureSets: ["user_text"], revoked: false }]
 */
export interface StoredApiKey {
  readonly id: string
  readonly sha256: Buffer
  readonly scopes: ReadonlySet<Scope>
  readonly featureSets: ReadonlySet<string> | undefined
}

/**
 * The key's SHA-256 on every online call: one-shot crypto.hash (Node >= 20.12) skips the Hash object
 * createHash builds; engines still admit 20.11, which has only createHash.
 */
const sha256: (key: string) => Buffer = typeof crypto.hash === 'function'
  ? (key) => crypto.hash('sha256', key, 'buffer')
  : (key) => createHash('sha256').update(key, 'utf8').digest()

export function hashApiKey (key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

export function parseApiKeyFile (input: unknown, source: string): StoredApiKey[] {
  const fail = (why: string): never => { throw new InvalidConfigError(`${source}: ${why}`) }
  const list = Array.isArray(input) ? input : (typeof input === 'object' && input !== null ? (input as { keys?: unknown }).keys : undefined)
  if (!Array.isArray(list)) return fail('expected { keys: [...] }')
  const ids = new Set<string>()
  const keys: StoredApiKey[] = []
  for (const [i, raw] of list.entries()) {
    if (typeof raw !== 'object' || raw === null) return fail(`keys[${i}] must be an object`)
    const entry = raw as Record<string, unknown>
    if (typeof entry.id !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(entry.id)) return fail(`keys[${i}].id must be 1-64 of A-Z a-z 0-9 _ . -`)
    if (ids.has(entry.id)) return fail(`key id "${entry.id}" appears twice`)
    ids.add(entry.id)
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(entry.sha256)) return fail(`keys[${i}].sha256 must be 64 hex digits (sha256 of the key)`)
    if (!Array.isArray(entry.scopes) || !entry.scopes.every((s): s is Scope => typeof s === 'string' && isScope(s))) {
      return fail(`keys[${i}].scopes must list some of ${SCOPES.join(', ')}`)
    }
    if (entry.featureSets !== undefined && !(Array.isArray(entry.featureSets) && entry.featureSets.every((s) => typeof s === 'string'))) {
      return fail(`keys[${i}].featureSets must be a list of feature set names`)
    }
    if (entry.revoked === true) continue
    keys.push({
      id: entry.id,
      sha256: Buffer.from(entry.sha256, 'hex'),
      scopes: new Set(entry.scopes),
      featureSets: entry.featureSets === undefined ? undefined : new Set(entry.featureSets as string[])
    })
  }
  return keys
}

/** Callers are services, each with a key or two: room for every one of them, and a bound for a flood of guesses that happened to be right. */
const MAX_REMEMBERED_KEYS = 1_000

export class ApiKeyStore {
  #keys: readonly StoredApiKey[]
  /**
   * Keys already verified, and whose they are, until the key file changes: an online caller sends
   * its key on every call, and hashing it each time was the largest cost of admitting the call.
   * Only keys that matched are remembered, so a refusal always takes the full constant-time
   * comparison below; a remembered key answers sooner, which tells its holder only what the answer
   * does (that it is valid). The lookup compares hashes (per-process seeded) before any characters.
   */
  #verified = new Map<string, Principal>()

  constructor (keys: readonly StoredApiKey[]) {
    this.#keys = keys
  }

  /** Swapped whole when the key file changes, so a revocation takes effect without a restart. */
  replace (keys: readonly StoredApiKey[]): void {
    this.#keys = keys
    this.#verified = new Map()
  }

  get size (): number {
    return this.#keys.length
  }

  /**
   * Compares the presented key's hash with every stored hash in constant time per entry and
   * without stopping at the first match, so timing reveals neither which key nor how close.
   */
  verify (presented: string): Principal | undefined {
    const known = this.#verified.get(presented)
    if (known !== undefined) return known
    const digest = sha256(presented)
    let match: StoredApiKey | undefined
    for (const key of this.#keys) {
      if (timingSafeEqual(digest, key.sha256) && match === undefined) match = key
    }
    if (match === undefined) return undefined
    const principal: Principal = Object.freeze({ id: match.id, scopes: match.scopes, featureSets: match.featureSets, via: 'api-key' })
    if (this.#verified.size < MAX_REMEMBERED_KEYS) this.#verified.set(presented, principal)
    return principal
  }
}
