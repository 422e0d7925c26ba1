import { loadConfig } from './config.js'

/**
 * The container's HEALTHCHECK: asks /livez on the port probes use (METRICS_PORT when set, the HTTP
 * port otherwise), reading the same environment as the server, so the two cannot disagree on it.
 * Written in Node because the slim image has no curl. Exit 0 healthy, 1 not.
 */
const LOOPBACK_FOR_ANY = new Set(['0.0.0.0', '::', ''])

async function main (): Promise<number> {
  const config = loadConfig()
  const port = config.metrics.port ?? config.httpPort
  // With TLS on the API port the probe would need the CA; point probes at METRICS_PORT (always plain HTTP) instead.
  const scheme = config.metrics.port === undefined && config.access.tlsCertFile !== undefined ? 'https' : 'http'
  const host = LOOPBACK_FOR_ANY.has(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host
  try {
    const response = await fetch(`${scheme}://${host}:${port}/livez`, { signal: AbortSignal.timeout(2_000) })
    return response.ok ? 0 : 1
  } catch {
    return 1
  }
}

process.exitCode = await main()
