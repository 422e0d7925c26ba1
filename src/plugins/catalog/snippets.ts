import type { FeatureSetSpec } from '../../domain/feature-set-spec.js'

export interface SnippetContext {
  /** The gateway's HTTP base URL as the browser reached it, e.g. http://localhost:8080. */
  readonly httpBase: string
  /** host:port of the gRPC port. */
  readonly grpcTarget: string
  readonly grpcTls: boolean
  /** An entity of the set, so the lookup answers something when pasted as it is. */
  readonly exampleEntityId: string
}

export interface Snippet {
  readonly title: string
  readonly language: string
  readonly code: string
}

/** Single-quoted for a POSIX shell: the registry's names are plain identifiers, but an entity id need not be. */
function shellQuote (text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`
}

/**
 * Ready-to-copy requests for one set: an online lookup over gRPC, a GraphQL page of rows, and a pull into
 * pandas over POST /v1/pull (NDJSON, stdlib and pandas only). Credentials come from FEATUREGATE_API_KEY.
 */
export function snippetsFor (set: FeatureSetSpec, context: SnippetContext): Snippet[] {
  const firstFeatures = set.features.slice(0, 3).map((f) => `${set.name}:${f.name}`)
  const grpcBody = JSON.stringify({ entity_ids: [context.exampleEntityId], features: [set.name] })
  const grpcurl = [
    // The key only when set: an open (development) gateway takes no credentials.
    `grpcurl ${context.grpcTls ? '' : '-plaintext '}\${FEATUREGATE_API_KEY:+-H "authorization: Bearer $FEATUREGATE_API_KEY"} \\`,
    `  -d ${shellQuote(grpcBody)} \\`,
    `  ${context.grpcTarget} feature_store.v1.FeatureStoreService/GetOnlineFeatures`
  ].join('\n')
  const graphql = [
    '{',
    `  featureRows(featureSet: ${JSON.stringify(set.name)}, features: ${JSON.stringify(firstFeatures)}, first: 10) {`,
    '    nodes { entityId features { ref status value { json } } }',
    '    pageInfo { hasNextPage endCursor }',
    '  }',
    `  featureStatistics(featureSet: ${JSON.stringify(set.name)}, sample: 1000) {`,
    '    rows features { feature { ref } coverage nullRate staleRate histogram(buckets: 10) { edges counts } }',
    '  }',
    '}'
  ].join('\n')
  const body = JSON.stringify({ featureSet: set.name, features: [set.name] })
  const python = [
    'import json, os, urllib.request',
    'import pandas as pd',
    '',
    `body = ${JSON.stringify(body)}`,
    "headers = {'content-type': 'application/json', 'accept': 'application/x-ndjson'}",
    "if os.environ.get('FEATUREGATE_API_KEY'):",
    "    headers['authorization'] = 'Bearer ' + os.environ['FEATUREGATE_API_KEY']",
    `request = urllib.request.Request(${JSON.stringify(`${context.httpBase}/v1/pull`)}, data=body.encode(), headers=headers, method='POST')`,
    'rows = []',
    'with urllib.request.urlopen(request) as response:',
    '    for line in map(json.loads, response):',
    "        if 'entity_id' in line:",
    "            rows.append({'entity_id': line['entity_id'], **line['features']})",
    "        elif 'error' in line:",
    "            raise RuntimeError(line['error'])",
    "df = pd.DataFrame(rows).set_index('entity_id')",
    'print(df.describe(include="all"))'
  ].join('\n')
  return [
    { title: 'Online lookup over gRPC (grpcurl, via server reflection)', language: 'shell', code: grpcurl },
    { title: 'GraphQL: a page of rows and the statistics (POST /graphql, or paste into GraphiQL)', language: 'graphql', code: graphql },
    { title: 'Python: the whole set into pandas (POST /v1/pull; examples/python/pull_ndjson.py resumes broken pulls)', language: 'python', code: python }
  ]
}
