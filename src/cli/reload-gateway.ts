import { postGatewayAdmin } from './gateway-admin.js'

/**
 * Asks a running gateway to reload its registry now (POST /admin/registry/reload) instead of at
 * its next periodic reload.
 */
export async function reloadGateway (gateway: string, apiKey: string | undefined, timeoutMs = 10_000): Promise<readonly string[]> {
  const body = await postGatewayAdmin(gateway, '/admin/registry/reload', apiKey, {
    done: 'The registry is written', action: 'reload', otherwise: 'it picks the change up at its next periodic reload'
  }, timeoutMs) as { featureSets?: unknown } | undefined
  return Array.isArray(body?.featureSets) ? body.featureSets.map(String) : []
}

/** Asks a running gateway to drop its cached rows (POST /admin/cache/clear) so it serves an ingest at once. */
export async function clearGatewayCache (gateway: string, apiKey: string | undefined, timeoutMs = 10_000): Promise<void> {
  await postGatewayAdmin(gateway, '/admin/cache/clear', apiKey, {
    done: 'The rows are written', action: 'clear its cache', otherwise: 'it serves them once its cached entries expire (CACHE_TTL_MS)'
  }, timeoutMs)
}
