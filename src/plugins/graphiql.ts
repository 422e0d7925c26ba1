import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { BrowserAsset, packageFile } from './browser-assets.js'

/**
 * Only this origin, for scripts, styles, fonts and the API calls. GraphiQL's stylesheet carries its
 * fonts as data: URLs and React sets style attributes, hence those two allowances; no inline script.
 */
export const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join('; ')

/** Starts GraphiQL on the page's own /graphql; a file, not an inline script, so the CSP needs no exception. */
const INIT = `'use strict'
const fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', window.location.href).href })
ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, {
  fetcher,
  defaultQuery: '{\\n  featureSets {\\n    name\\n    entityType\\n    features { name type }\\n  }\\n}\\n',
  isHeadersEditorEnabled: true,
  // Headers often hold an API key: kept for the tab only, never written to localStorage.
  shouldPersistHeaders: false
}))
`

const ASSETS: Readonly<Record<string, BrowserAsset>> = {
  'react.js': BrowserAsset.file('text/javascript; charset=utf-8', packageFile('react', 'umd/react.production.min.js')),
  'react-dom.js': BrowserAsset.file('text/javascript; charset=utf-8', packageFile('react-dom', 'umd/react-dom.production.min.js')),
  'graphiql.js': BrowserAsset.file('text/javascript; charset=utf-8', packageFile('graphiql', 'graphiql.min.js')),
  'graphiql.css': BrowserAsset.file('text/css; charset=utf-8', packageFile('graphiql', 'graphiql.min.css')),
  'init.js': new BrowserAsset('text/javascript; charset=utf-8', () => INIT)
}

const PAGE = new BrowserAsset('text/html; charset=utf-8', () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>featuregate GraphiQL</title>
<link rel="stylesheet" href="/graphiql/assets/graphiql.css">
<link rel="icon" href="data:,">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql"><noscript>GraphiQL needs JavaScript. The feature catalogue at <a href="/catalog">/catalog</a> does not.</noscript></div>
<script src="/graphiql/assets/react.js"></script>
<script src="/graphiql/assets/react-dom.js"></script>
<script src="/graphiql/assets/graphiql.js"></script>
<script src="/graphiql/assets/init.js"></script>
</body>
</html>
`)

/**
 * GraphiQL at /graphiql with every file served by this process from the pinned npm packages (graphiql,
 * react, react-dom), so it works where browsers cannot reach a CDN. Mercurius's own GraphiQL loads them
 * from unpkg, so it stays off. On when GRAPHIQL is (by default only for the embedded development store).
 */
async function graphiqlPlugin (fastify: FastifyInstance): Promise<void> {
  if (!fastify.config.graphql.graphiql) return
  const headers = { 'content-security-policy': GRAPHIQL_CSP }
  fastify.get('/graphiql', async (request, reply) => await PAGE.send(request, reply, { ...headers, 'cache-control': 'no-cache' }))
  fastify.get<{ Params: { file: string } }>('/graphiql/assets/:file', async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined
    if (asset === undefined) return await reply.code(404).send({ message: 'Not Found' })
    return await asset.send(request, reply, headers)
  })
}

export default fp(graphiqlPlugin, { name: 'featuregate-graphiql', dependencies: ['featuregate-config'] })
