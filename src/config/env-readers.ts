import { InvalidConfigError } from '../errors.js'

/**
 * Readers of one environment variable each, shared by the config loaders. An unset or empty variable
 * gives the fallback; a wrong value throws one line naming the variable, what it got and what is allowed.
 */
export type Env = Readonly<Record<string, string | undefined>>

export function readInt (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max || !/^-?\d+$/.test(raw.trim())) {
    throw new InvalidConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  }
  return value
}

export function readBool (env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const normalised = raw.trim().toLowerCase()
  if (['true', '1', 'yes', 'on'].includes(normalised)) return true
  if (['false', '0', 'no', 'off'].includes(normalised)) return false
  throw new InvalidConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`)
}

export function readEnum<T extends string> (env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if ((allowed as readonly string[]).includes(raw)) return raw as T
  throw new InvalidConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`)
}

export function readString (env: Env, name: string, fallback: string, pattern: RegExp, allowed: string): string {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!pattern.test(raw)) throw new InvalidConfigError(`${name} must be ${allowed}, got ${JSON.stringify(raw)}`)
  return raw
}

export function readUrl (env: Env, name: string): string | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  try {
    const url = new URL(raw)
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw
  } catch {}
  throw new InvalidConfigError(`${name} must be an http(s) URL such as http://localhost:8000, got ${JSON.stringify(raw)}`)
}

export function readOptional (env: Env, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw === '' ? undefined : raw
}
