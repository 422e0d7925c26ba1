import t from 'tap'
import { build } from './helpers/build-app.js'

t.test('livez and readyz answer once the store and registry are up', async (t) => {
  const app = await build(t, { DEMO_USERS: '10' })
  const live = await app.inject('/livez')
  t.equal(live.statusCode, 200)
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready' })
})

t.test('readyz turns 503 while draining for shutdown', async (t) => {
  const app = await build(t, { DEMO_USERS: '10' })
  app.readiness.drain()
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { status: 'not ready', reason: 'shutting down' })
})

t.test('readyz turns 503 when the store is unreachable', async (t) => {
  const app = await build(t, { DEMO_USERS: '10' })
  await app.featureStore.close()
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { reason: 'feature store unreachable' })
})
