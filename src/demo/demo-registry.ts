import type { FeatureSetSpec } from '../domain/feature-set-spec.js'

export const EMBEDDING_DIMENSION = 256
export const REGIONS = ['us-east', 'us-west', 'eu-west', 'eu-central', 'ap-south', 'ap-northeast'] as const

/** The demo NLP feature sets; README examples use these names. */
export const DEMO_FEATURE_SETS: readonly FeatureSetSpec[] = [
  {
    name: 'user_text',
    entityType: 'user',
    description: 'What users write: a text embedding, its sentiment and the terms they use most',
    owner: 'nlp-team',
    tags: ['nlp', 'text'],
    maxAgeSeconds: 7 * 24 * 3600,
    features: [
      { name: 'embedding', type: 'float_vector', dimension: EMBEDDING_DIMENSION, description: 'Mean sentence embedding of the last 30 days of posts, unit length', owner: 'nlp-team', tags: ['embedding'] },
      { name: 'sentiment_score', type: 'double', description: 'Mean sentiment in [-1, 1]', owner: 'nlp-team', tags: ['sentiment'] },
      { name: 'top_terms', type: 'string_list', description: 'Five most frequent terms, most frequent first', owner: 'nlp-team', tags: ['terms'] }
    ]
  },
  {
    name: 'user_profile',
    entityType: 'user',
    description: 'Account facts',
    owner: 'growth-team',
    tags: ['profile'],
    features: [
      { name: 'region', type: 'string', description: 'Home region of the account', owner: 'growth-team' },
      { name: 'last_active', type: 'timestamp', description: 'Last time the user did anything', owner: 'growth-team', tags: ['activity'] }
    ]
  },
  {
    name: 'user_word_stats',
    entityType: 'user',
    description: 'Word-frequency statistics over everything the user wrote',
    owner: 'nlp-team',
    tags: ['nlp', 'stats'],
    maxAgeSeconds: 30 * 24 * 3600,
    features: [
      { name: 'token_count', type: 'int64', description: 'Tokens written, all time' },
      { name: 'avg_word_length', type: 'double', description: 'Mean characters per word' },
      { name: 'is_multilingual', type: 'bool', description: 'Writes in more than one language' },
      { name: 'length_histogram', type: 'int64_list', description: 'Words of length 1..8+' }
    ]
  }
]
