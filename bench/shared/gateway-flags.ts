import { GATEWAY_NODE_FLAGS } from '../../src/node-flags.js'

const words = (text: string): string[] => text.split(' ').filter((word) => word !== '')

/**
 * The node flags a bench starts the gateway with: production's (src/node-flags.ts), so a bench measures
 * the gateway as the image runs it, or BENCH_GATEWAY_FLAGS in their place when set ("" for none, for A/B
 * runs); then BENCH_NODE_FLAGS, extra flags for one run (--trace-gc, --max-semi-space-size=64...).
 */
export function gatewayNodeFlags (): string[] {
  const production = process.env.BENCH_GATEWAY_FLAGS
  return [...(production === undefined ? GATEWAY_NODE_FLAGS : words(production)), ...words(process.env.BENCH_NODE_FLAGS ?? '')]
}
