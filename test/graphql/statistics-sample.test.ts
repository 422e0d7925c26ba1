import t from 'tap'
import { build } from '../helpers/build-app.js'
import { gql } from './graphql-helpers.js'

const USERS = 1500

const STATS = `query S($set: String!, $features: [String!], $sample: Int, $seed: Int, $buckets: Int) {
  featureStatistics(featureSet: $set, features: $features, sample: $sample, seed: $seed) {
    rows complete
    features { feature { ref type } coverage staleRate stale numeric { count min max mean } vector { count minNorm maxNorm }
      histogram(buckets: $buckets) { count edges counts } }
  } }`

interface FeatureStats {
  feature: { ref: string, type: string }
  coverage: number
  staleRate: number
  stale: number
  numeric: { count: number, min: number, max: number, mean: number } | null
  vector: { count: number, minNorm: number, maxNorm: number } | null
  histogram: { count: number, edges: number[], counts: number[] } | null
}

t.test('statistics over a random sample, with histograms', async (t) => {
  const app = await build(t, { DEMO_USERS: String(USERS) })
  async function statistics (variables: Record<string, unknown>): Promise<{ rows: number, complete: boolean, features: FeatureStats[] }> {
    const { status, body } = await gql(app, STATS, variables)
    if (status !== 200) throw new Error(JSON.stringify(body.errors))
    return body.data.featureStatistics
  }

  t.test('a seed repeats the sample; other seeds draw other rows, centred on the whole set', async (t) => {
    const features = ['user_word_stats:avg_word_length']
    const whole = await statistics({ set: 'user_word_stats', features })
    t.equal(whole.complete, true, 'the whole set fits the row limit')
    const wholeMean = whole.features[0]!.numeric!.mean

    const a = await statistics({ set: 'user_word_stats', features, sample: 60, seed: 7 })
    const again = await statistics({ set: 'user_word_stats', features, sample: 60, seed: 7 })
    t.equal(a.rows, 60, 'exactly the sample')
    t.equal(a.complete, false, 'a sample of part of the set is not complete')
    t.same(again, a, 'the same seed picks the same rows')

    const means: number[] = []
    for (let seed = 1; seed <= 30; seed++) {
      const sample = await statistics({ set: 'user_word_stats', features, sample: 60, seed })
      t.equal(sample.rows, 60)
      means.push(sample.features[0]!.numeric!.mean)
    }
    t.ok(new Set(means).size >= 25, `different seeds, different rows (${new Set(means).size} distinct means of 30)`)
    const average = means.reduce((x, y) => x + y, 0) / means.length
    // Seeded, so the same numbers every run; an unbiased sample's means centre on the set's mean.
    t.ok(Math.abs(average - wholeMean) / wholeMean < 0.02, `mean of sample means ${average.toFixed(4)} vs the set's ${wholeMean.toFixed(4)}`)
  })

  t.test('a sample larger than a hash slice (about 23 rows here) has exactly its size', async (t) => {
    const sample = await statistics({ set: 'user_text', features: ['user_text:sentiment_score'], sample: 700, seed: 3 })
    t.equal(sample.rows, 700)
    const f = sample.features[0]!
    t.equal(f.coverage * 700, f.numeric!.count + 0, 'coverage counts usable values of the sample rows')
  })

  t.test('histograms of numbers and of vector norms; none for strings', async (t) => {
    const report = await statistics({ set: 'user_text', buckets: 10 })
    const byRef = new Map(report.features.map((f) => [f.feature.ref, f]))
    const score = byRef.get('user_text:sentiment_score')!
    t.equal(score.histogram!.counts.length, 10)
    t.equal(score.histogram!.edges.length, 11)
    t.equal(score.histogram!.counts.reduce((x, y) => x + y, 0), score.numeric!.count, 'every usable value in one bucket')
    t.equal(score.histogram!.count, score.numeric!.count)
    t.equal(score.histogram!.edges[0], score.numeric!.min)
    t.equal(score.histogram!.edges[10], score.numeric!.max)
    const embedding = byRef.get('user_text:embedding')!
    t.equal(embedding.histogram!.count, embedding.vector!.count, 'one norm per vector')
    t.ok(Math.abs(embedding.histogram!.edges[0]! - embedding.vector!.minNorm) < 1e-12, 'the norms, from the smallest')
    t.equal(byRef.get('user_text:top_terms')!.histogram, null, 'a list feature has no histogram')

    const timestamps = await statistics({ set: 'user_profile', features: ['user_profile:last_active'] })
    const hist = timestamps.features[0]!.histogram!
    t.equal(hist.counts.length, 20, 'twenty buckets by default')
    t.equal(hist.edges[0], timestamps.features[0]!.numeric!.min, 'timestamps in epoch ms')
  })

  t.test('stale rate: stale rows over rows', async (t) => {
    const report = await statistics({ set: 'user_word_stats', features: ['user_word_stats:token_count'] })
    const f = report.features[0]!
    t.equal(f.staleRate, f.stale / report.rows)
  })
})
