import { CliError } from './cli-error.js'

/**
 * Asks a running gateway to reload its registry now (POST /admin/registry/reload) instead of at
 * its next periodic reload. The endpoint needs the admin scope when authentication is on.
 */
export async function reloadGateway (gateway: string, apiKey: string | undefined, timeoutMs = 10_000): Promise<readonly string[]> {
  let url: URL
  try {
    url = new URL('/admin/registry/reload', gateway)
  } catch {
    throw new CliError(`--gateway must be a URL such as http://localhost:8080, got ${JSON.stringify(gateway)}`)
  }
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(timeoutMs)
    })
  } catch (error) {
    // fetch only says "fetch failed"; the reason (ECONNREFUSED, a timeout, a blocked port) is in its cause.
    const inner = (error as { cause?: { code?: unknown, message?: unknown } }).cause
    const cause = typeof inner?.code === 'string' ? inner.code : typeof inner?.message === 'string' ? inner.message : (error as Error).message
    throw new CliError(`The registry is written, but the gateway at ${url.origin} could not be reached (${cause}); it picks the change up at its next periodic reload.`, 3)
  }
  const text = await response.text()
  if (!response.ok) {
    const hint = response.status === 401 || response.status === 403 ? ' (set FEATUREGATE_API_KEY to a key with the admin scope)' : ''
    throw new CliError(`The registry is written, but the gateway at ${url.origin} refused to reload: HTTP ${response.status}${hint} ${text.slice(0, 300)}`, 3)
  }
  try {
    const body = JSON.parse(text) as { featureSets?: unknown }
    return Array.isArray(body.featureSets) ? body.featureSets.map(String) : []
  } catch {
    return []
  }
}
