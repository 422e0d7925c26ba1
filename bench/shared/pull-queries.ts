/**
 * The GraphQL training pulls the benches run: embeddings as JSON numbers (the gateway's heaviest
 * answer), and packed (base64 float32: more of the work is the store's).
 */
export const PULL_QUERIES = {
  json: `query Pull($after: String) {
  featureRows(featureSet: "user_text", features: ["user_text:embedding", "user_text:sentiment_score"], first: 1000, after: $after) {
    edges { node { entityId features { status value { json } } } }
    pageInfo { hasNextPage endCursor }
  } }`,
  packed: `query PullPacked($after: String) {
  featureRows(featureSet: "user_text", features: ["user_text:embedding", "user_text:sentiment_score"], first: 1000, after: $after) {
    edges { node { entityId features { status value { ... on FloatVectorValue { packed } ... on DoubleValue { double } } } } }
    pageInfo { hasNextPage endCursor }
  } }`
} as const
