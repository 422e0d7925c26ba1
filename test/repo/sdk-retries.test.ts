import t from 'tap'
import { sdkRetryDelayMs } from '../../src/repo/dynamo-client.js'

t.test('SDK retries keep their jitter: the configured base sets the scale, not a fixed delay', async (t) => {
  const delays = Array.from({ length: 200 }, () => sdkRetryDelayMs(3, 10))
  t.ok(delays.every((ms) => ms >= 0 && ms < 80), 'within [0, base x 2^attempt)')
  t.ok(new Set(delays).size > 20, `${new Set(delays).size} different delays out of 200, not one`)
  t.equal(sdkRetryDelayMs(3, 10, () => 0.5), 40, 'full jitter over the exponential bound')
  t.ok(Array.from({ length: 50 }, () => sdkRetryDelayMs(20, 10)).every((ms) => ms < 1_000), 'capped at one second')
})
