import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The validated configuration (src/config.ts), read once by the process or a test. */
    config: Config
  }
}

export interface ConfigPluginOptions {
  readonly config: Config
}

/**
 * Puts the configuration on the instance, first of all plugins. Loading and validating it stays in
 * src/config.ts, outside Fastify, so the CLI and tests build a Config the same way; plugins that read
 * `fastify.config` declare `dependencies: ['featuregate-config']`.
 */
async function configPlugin (fastify: FastifyInstance, options: ConfigPluginOptions): Promise<void> {
  fastify.decorate('config', options.config)
}

export default fp(configPlugin, { name: 'featuregate-config', fastify: '5.x' })
