import t from 'tap'
import { histogramOf } from '../../src/core/histogram.js'

t.test('equal-width buckets as numpy.histogram makes them', async (t) => {
  const h = histogramOf([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5)
  t.same(h.edges, [0, 2, 4, 6, 8, 10])
  t.same(h.counts, [2, 2, 2, 2, 3], 'closed below, open above; the last bucket also holds the maximum')
  t.equal(h.count, 11)
})

t.test('no values, one value, non-finite values', async (t) => {
  t.same(histogramOf([], 10), { count: 0, edges: [], counts: [] })
  t.same(histogramOf([3, 3, 3], 10), { count: 3, edges: [3, 3], counts: [3] }, 'all equal: one bucket of width 0')
  t.same(histogramOf([Number.NaN, Infinity, 1, 2], 1), { count: 2, edges: [1, 2], counts: [2] }, 'only finite values are counted')
})

t.test('the range can be widened to take in given points (row ages up to the maximum age)', async (t) => {
  const h = histogramOf([5, 6], 4, [0, 8])
  t.same(h.edges, [0, 2, 4, 6, 8])
  t.same(h.counts, [0, 0, 1, 1])
})
