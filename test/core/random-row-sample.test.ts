import t from 'tap'
import { build } from '../helpers/build-app.js'
import { RandomRowSample, type RowSampleRequest } from '../../src/core/random-row-sample.js'

const LIMITS = { maxItems: 100_000, pageSize: 1_000 }

t.test('a random sample of a set\'s rows', async (t) => {
  const app = await build(t, { DEMO_USERS: '600' })
  const request = { featureSet: 'user_word_stats', features: ['user_word_stats:avg_word_length'] }
  async function sampled (size: number, seed: number): Promise<{ ids: string[], rows: number, complete: boolean }> {
    const sample = new RandomRowSample(app.featureExport, LIMITS, { ...request, size, seed } satisfies RowSampleRequest)
    const ids: string[] = []
    const outcome = await sample.read((row) => { ids.push(row.entityId) })
    return { ids, rows: outcome.rows, complete: outcome.complete }
  }

  const whole = await sampled(100_000, 1)
  t.equal(whole.complete, true, 'a size past the set reads it whole')
  t.equal(new Set(whole.ids).size, whole.ids.length, 'each row once')
  t.equal(whole.rows, whole.ids.length, 'the outcome counts the rows handed over')
  t.ok(whole.rows > 100, `the set has enough rows to sample from (${whole.rows})`)
  const everyRow = new Set(whole.ids)

  t.test('exactly the size asked for, distinct rows of the set', async (t) => {
    for (const size of [1, 7, 40, 100]) {
      const { ids, rows, complete } = await sampled(size, 5)
      t.equal(ids.length, size, `${size} rows`)
      t.equal(rows, size)
      t.equal(complete, false, 'part of the set is not complete')
      t.equal(new Set(ids).size, size, 'no row twice')
      t.ok(ids.every((id) => everyRow.has(id)), 'every row is a row of the set')
    }
  })

  t.test('the same seed picks the same rows; other seeds pick others', async (t) => {
    const a = await sampled(40, 7)
    t.same((await sampled(40, 7)).ids, a.ids, 'same seed, same rows in the same order')
    const b = await sampled(40, 8)
    t.not([...b.ids].sort().join(), [...a.ids].sort().join(), 'another seed, another set of rows')
    const firsts = new Set<string>()
    for (let seed = 1; seed <= 20; seed++) firsts.add((await sampled(1, seed)).ids[0]!)
    t.ok(firsts.size >= 15, `one-row samples land on different rows (${firsts.size} distinct of 20)`)
  })

  t.test('the whole set in another order for another seed, but the same rows', async (t) => {
    const other = await sampled(100_000, 2)
    t.same([...other.ids].sort(), [...whole.ids].sort(), 'every row, whichever the seed')
    t.not(other.ids.join(), whole.ids.join(), 'segments read in another order')
  })
})
