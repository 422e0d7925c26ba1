import t from 'tap'
import { build } from '../helpers/build-app.js'
import { pullNdjson } from './pull-helpers.js'

/** Admitted exploration turns so far, from the queue's own wait histogram. */
async function admittedTurns (app: Awaited<ReturnType<typeof build>>): Promise<number> {
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  const match = /^featuregate_explore_queue_wait_seconds_count\{outcome="admitted"\} (\d+)$/m.exec(metrics)
  return match === null ? 0 : Number(match[1])
}

t.test('a pull takes one fair-queue turn per page, not one for its whole stream', async (t) => {
  const app = await build(t, { DEMO_USERS: '300' })
  const before = await admittedTurns(app)
  const pull = await pullNdjson(app, { featureSet: 'user_profile', features: ['user_profile:region'], batchSize: 50 })
  t.ok(pull.end !== undefined, 'the pull completed')
  const pages = pull.resumeTokens.length
  t.ok(pages >= 5, `${pages} pages of at most 50 rows`)
  t.equal(await admittedTurns(app) - before, pages, 'one admitted turn per page')
})
