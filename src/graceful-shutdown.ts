import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { LifecycleConfig } from './config.js'

/**
 * The shutdown sequence, in the order that loses no calls: report not ready (HTTP /readyz and gRPC
 * health read the same Readiness), keep serving for `shutdownDelayMs` while load balancers and
 * endpoint lists catch up, then close: Fastify stops accepting, lets in-flight HTTP requests finish
 * and closes idle keep-alive sockets, and each plugin's onClose drains what it owns (the gRPC
 * server, the metrics port, the store). The caller bounds the whole by the grace period.
 */
export async function gracefulShutdown (app: FastifyInstance, lifecycle: LifecycleConfig, options: { skipDelay?: boolean } = {}): Promise<void> {
  app.readiness.drain()
  const delayMs = options.skipDelay === true ? 0 : lifecycle.shutdownDelayMs
  if (delayMs > 0) {
    app.log.info({ delayMs }, 'Reporting not ready; still serving until load balancers stop sending work')
    await sleep(delayMs)
  }
  const started = performance.now()
  await app.close()
  app.log.info({ drainMs: Math.round(performance.now() - started) }, 'Drained and closed')
}

/** How long the whole sequence may take before the process gives up on in-flight work and exits 1. */
export function shutdownBudgetMs (lifecycle: LifecycleConfig): number {
  return lifecycle.shutdownDelayMs + lifecycle.shutdownGraceMs
}
