import { GATEWAY_NODE_FLAGS } from '../../src/node-flags.js'

/**
 * The node flags a bench starts the gateway with: production's (src/node-flags.ts), so a bench measures
 * the gateway as the image runs it; BENCH_GATEWAY_FLAGS replaces them when set ("" for none), for A/B runs.
 */
export function gatewayNodeFlags (): string[] {
  const override = process.env.BENCH_GATEWAY_FLAGS
  return (override ?? GATEWAY_NODE_FLAGS.join(' ')).split(' ').filter((flag) => flag !== '')
}
