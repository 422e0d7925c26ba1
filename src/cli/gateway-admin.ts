import { CliError } from './cli-error.js'

/**
 * POSTs to one of a running gateway's admin routes (they need the admin scope when authentication is
 * on: FEATUREGATE_API_KEY). `words.done` says what already happened, so a failure here reads as "that part
 * worked, only telling the gateway did not", `action` what was asked, and `otherwise` what the gateway will do on its own.
 */
export async function postGatewayAdmin (
  gateway: string, path: string, apiKey: string | undefined,
  words: { readonly done: string, readonly action: string, readonly otherwise: string }, timeoutMs = 10_000
): Promise<unknown> {
  const { done, action, otherwise } = words
  let url: URL
  try {
    url = new URL(path, gateway)
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
    throw new CliError(`${done}, but the gateway at ${url.origin} could not be reached (${cause}); ${otherwise}.`, 3)
  }
  const text = await response.text()
  if (!response.ok) {
    const hint = response.status === 401 || response.status === 403 ? ' (set FEATUREGATE_API_KEY to a key with the admin scope)' : ''
    throw new CliError(`${done}, but the gateway at ${url.origin} refused to ${action}: HTTP ${response.status}${hint} ${text.slice(0, 300)}`, 3)
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
