import type { FeatureSetSpec } from '../domain/feature-set-spec.js'
import type { FeatureValue } from '../domain/feature-value.js'
import { DEMO_FEATURE_SETS, EMBEDDING_DIMENSION, REGIONS } from './demo-registry.js'
import { seededRandom } from './seeded-random.js'

const DAY_MS = 24 * 3600 * 1000
const TERMS = ['model', 'data', 'great', 'slow', 'love', 'bug', 'release', 'price', 'support', 'fast', 'update', 'help',
  'thanks', 'broken', 'new', 'feature', 'app', 'login', 'refund', 'team', 'music', 'game', 'travel', 'food', 'news']

export interface DemoRow {
  readonly entityId: string
  readonly featureSet: FeatureSetSpec
  readonly eventTime: number
  readonly values: ReadonlyMap<string, FeatureValue | null>
}

export function demoUserId (index: number): string {
  return `user_${index}`
}

function spec (name: string): FeatureSetSpec {
  return DEMO_FEATURE_SETS.find((s) => s.name === name)!
}

/**
 * The demo data set, generated from a seed so tests and benchmarks can recompute any value.
 * Each user has its own generator, so user i's rows do not depend on how many users there are.
 * Event times are offsets back from `now`: about a third of user_text rows are older than its
 * 7-day maximum age (STALE); some users lack some sets entirely (NOT_FOUND); some sentiment
 * scores are stored as null (NULL_VALUE).
 */
export function demoRowsFor (index: number, seed: number, now: number): DemoRow[] {
  const random = seededRandom(seed * 1_000_003 + index)
  const entityId = demoUserId(index)
  const rows: DemoRow[] = []

  const hasText = random() >= 0.08
  const textAge = Math.floor(random() * 10 * DAY_MS)
  const embedding = new Float32Array(EMBEDDING_DIMENSION)
  let norm = 0
  for (let i = 0; i < embedding.length; i++) {
    const v = random() * 2 - 1
    embedding[i] = v
    norm += v * v
  }
  norm = Math.sqrt(norm)
  for (let i = 0; i < embedding.length; i++) embedding[i] = embedding[i]! / norm
  const sentimentIsNull = random() < 0.02
  const sentiment = Math.round((random() * 2 - 1) * 1e6) / 1e6
  const terms = Array.from({ length: 5 }, () => TERMS[Math.floor(random() * TERMS.length)]!)
  if (hasText) {
    rows.push({
      entityId,
      featureSet: spec('user_text'),
      eventTime: now - textAge,
      values: new Map<string, FeatureValue | null>([
        ['embedding', { type: 'float_vector', value: embedding }],
        ['sentiment_score', sentimentIsNull ? null : { type: 'double', value: sentiment }],
        ['top_terms', { type: 'string_list', value: terms }]
      ])
    })
  }

  const hasProfile = random() >= 0.05
  const region = REGIONS[Math.floor(random() * REGIONS.length)]!
  const lastActive = now - Math.floor(random() * 90 * DAY_MS)
  const profileAge = Math.floor(random() * DAY_MS)
  if (hasProfile) {
    rows.push({
      entityId,
      featureSet: spec('user_profile'),
      eventTime: now - profileAge,
      values: new Map<string, FeatureValue | null>([
        ['region', { type: 'string', value: region }],
        ['last_active', { type: 'timestamp', value: lastActive }]
      ])
    })
  }

  const hasStats = random() >= 0.15
  const tokenCount = BigInt(Math.floor(random() * 5_000_000))
  const avgWordLength = Math.round((3 + random() * 4) * 1000) / 1000
  const multilingual = random() < 0.2
  const histogram = Array.from({ length: 8 }, () => BigInt(Math.floor(random() * 10_000)))
  const statsAge = Math.floor(random() * 45 * DAY_MS)
  if (hasStats) {
    rows.push({
      entityId,
      featureSet: spec('user_word_stats'),
      eventTime: now - statsAge,
      values: new Map<string, FeatureValue | null>([
        ['token_count', { type: 'int64', value: tokenCount }],
        ['avg_word_length', { type: 'double', value: avgWordLength }],
        ['is_multilingual', { type: 'bool', value: multilingual }],
        ['length_histogram', { type: 'int64_list', value: histogram }]
      ])
    })
  }
  return rows
}
