import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'

/**
 * The gateway on the real embedded store (dynalite with demo data), ports 0, closed on teardown.
 * `env` overrides configuration exactly as the process environment would.
 */
export async function build (t: Test, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(env))
  t.teardown(async () => await app.close())
  await app.ready()
  return app
}

export function testConfig (env: Record<string, string> = {}): Config {
  return loadConfig({
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    REGISTRY_RELOAD_MS: '0',
    DEMO_USERS: '10000',
    ...env
  })
}
