import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { testConfig } from '../helpers/build-app.js'

interface LogLine { level: number, msg: string, reqId?: string, [key: string]: unknown }

/** The app with its log lines captured, and a test route that takes `?ms=` milliseconds. */
async function appWithLogs (t: Test, env: Record<string, string>): Promise<{ app: FastifyInstance, lines: () => LogLine[], raw: string[] }> {
  const raw: string[] = []
  const app = await buildApp(testConfig({ DEMO_USERS: '5', ...env }), { logStream: { write: (line) => { raw.push(line) } } })
  app.get('/test/sleep', async (request) => {
    const ms = Number((request.query as { ms?: string }).ms ?? 0)
    await sleep(ms)
    return { slept: ms }
  })
  t.teardown(async () => await app.close())
  await app.ready()
  return { app, raw, lines: () => raw.map((line) => JSON.parse(line) as LogLine) }
}

t.test('request id: taken from x-request-id, returned, and on every log line of the request', async (t) => {
  const { app, lines } = await appWithLogs(t, { LOG_LEVEL: 'info' })
  const response = await app.inject({ url: '/test/sleep', headers: { 'x-request-id': 'trace-4bf92f35.00f067aa' } })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['x-request-id'], 'trace-4bf92f35.00f067aa')
  const mine = lines().filter((line) => line.reqId === 'trace-4bf92f35.00f067aa')
  t.same(mine.map((line) => line.msg), ['incoming request', 'request completed'])

  const failed = await app.inject({ url: '/no/such/route', headers: { 'x-request-id': 'abc' } })
  t.equal(failed.statusCode, 404)
  t.equal(failed.headers['x-request-id'], 'abc', 'error answers carry it too')
})

t.test('request id: generated when absent or unsafe', async (t) => {
  const { app } = await appWithLogs(t, { LOG_LEVEL: 'silent' })
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  const a = (await app.inject('/livez')).headers['x-request-id']
  const b = (await app.inject('/livez')).headers['x-request-id']
  t.match(a, uuid)
  t.match(b, uuid)
  t.not(a, b)
  for (const unsafe of ['has space', 'x'.repeat(129), 'quote"d', 'ünïcode', '']) {
    const id = (await app.inject({ url: '/livez', headers: { 'x-request-id': unsafe } })).headers['x-request-id']
    t.match(id, uuid, `replaced: ${JSON.stringify(unsafe.slice(0, 20))}`)
  }
})

t.test('slow requests are logged at warn above SLOW_REQUEST_MS, with route and time, and only those', async (t) => {
  const { app, lines } = await appWithLogs(t, { LOG_LEVEL: 'warn', SLOW_REQUEST_MS: '20' })
  await app.inject({ url: '/test/sleep?ms=40&token=s3cret', headers: { 'x-request-id': 'slow-1' } })
  await app.inject({ url: '/test/sleep?ms=0', headers: { 'x-request-id': 'fast-1' } })
  const slow = lines().filter((line) => line.msg === 'Slow request')
  t.equal(slow.length, 1, 'the fast request is not logged')
  const [line] = slow
  t.equal(line?.reqId, 'slow-1')
  t.equal(line?.level, 40)
  t.match(line, { statusCode: 200, slowRequestMs: 20, req: { method: 'GET', url: '/test/sleep', route: '/test/sleep' } })
  t.ok(Number(line?.responseTimeMs) >= 40)
})

t.test('SLOW_REQUEST_MS=0 turns slow-request logging off', async (t) => {
  const { app, lines } = await appWithLogs(t, { LOG_LEVEL: 'warn', SLOW_REQUEST_MS: '0' })
  await app.inject('/test/sleep?ms=30')
  t.same(lines().filter((line) => line.msg === 'Slow request'), [])
})

t.test('no secrets or feature values in logs, even at trace level', async (t) => {
  const { app, raw } = await appWithLogs(t, { LOG_LEVEL: 'trace', SLOW_REQUEST_MS: '1' })
  await app.inject({
    url: '/test/sleep?ms=5&api_key=s3cret-query',
    headers: { authorization: 'Bearer s3cret-bearer', cookie: 'session=s3cret-cookie', 'x-api-key': 's3cret-header' }
  })
  await app.inject({ method: 'POST', url: '/admin/registry/reload', headers: { authorization: 'Bearer s3cret-admin' }, payload: { password: 's3cret-body' } })
  const result = await app.featureLookup.getFeatures(['user_1'], ['user_profile:region'])
  const region = result.entities[0]?.results[0]?.value
  t.equal(region?.type, 'string')
  t.ok(raw.length > 4, 'trace logging produced lines')
  const all = raw.join('')
  t.notMatch(all, /s3cret/, 'no credential, query string or body in the log')
  if (region?.type === 'string') t.notOk(all.includes(JSON.stringify(region.value)), 'no feature value in the log')
})

t.test('probe and scrape requests are not logged per request', async (t) => {
  const { app, lines } = await appWithLogs(t, { LOG_LEVEL: 'info' })
  await app.inject('/livez')
  await app.inject('/readyz')
  await app.inject('/metrics')
  await app.inject({ url: '/test/sleep', headers: { 'x-request-id': 'counted' } })
  t.same(lines().filter((line) => line.msg === 'incoming request').map((line) => line.reqId), ['counted'])
})
