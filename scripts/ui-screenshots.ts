/**
 * The README's pictures and figures for the exploration UI, made with the same headless Chromium the
 * browser test drives (test/helpers/headless-chromium.ts): the gateway as a fresh `npm start` runs it
 * (embedded store, demo data, DEMO_USERS default 10,000), each page loaded RUNS times in a new browser
 * context (cold cache), and the medians printed, as the page's own clock reads them. Usage: `npm run docs:ui` (writes docs/*.png).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { isLocalUrl, launchChromium } from '../test/helpers/headless-chromium.js'

const RUNS = 7
const DOCS = join(import.meta.dirname, '..', 'docs')

interface PageRun { bytes: number, requests: number, shownMs: number, paintMs: number, serverMs: number }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const app = await buildApp(loadConfig({ ...process.env, HTTP_PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', AUTH_MODE: 'open' }))
await app.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
const browser = await launchChromium()
mkdirSync(DOCS, { recursive: true })

/** One cold load: bytes as sent (gzip where the server compresses), requests, and ms until `ready` holds. */
async function load (path: string, ready: string, screenshot?: { file: string, fullPage: boolean }): Promise<PageRun> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const sizes: Array<Promise<number>> = []
  page.on('requestfinished', (request) => {
    if (!isLocalUrl(request.url())) throw new Error(`a request left the machine: ${request.url()}`)
    sizes.push(request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize))
  })
  await page.goto(base + path)
  await page.waitForSelector(ready, { timeout: 60_000 })
  // From the page's own clock (ms since navigation start): the HTML's first byte, the first paint, and when `ready` matched.
  const { shownMs, paintMs, serverMs } = await page.evaluate(() => {
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
    const paint = performance.getEntriesByName('first-contentful-paint')[0]
    return { shownMs: performance.now(), paintMs: paint?.startTime ?? Number.NaN, serverMs: navigation.responseStart - navigation.requestStart }
  })
  await page.waitForLoadState('load')
  if (screenshot !== undefined) await page.screenshot({ path: join(DOCS, screenshot.file), fullPage: screenshot.fullPage })
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0)
  await context.close()
  return { bytes, requests: sizes.length, shownMs, paintMs, serverMs }
}

const pages = [
  { name: '/catalog', path: '/catalog', ready: 'table.sets', shot: { file: 'catalog.png', fullPage: true } },
  { name: '/catalog/user_text (2,000-row sample)', path: '/catalog/user_text', ready: 'svg[aria-label="Norms of embedding"]', shot: { file: 'catalog-set.png', fullPage: true } },
  { name: '/catalog/user_word_stats (2,000-row sample)', path: '/catalog/user_word_stats', ready: 'svg[aria-label="Histogram of token_count"]', shot: undefined },
  { name: '/graphiql (ready: the editor)', path: '/graphiql', ready: '.graphiql-query-editor .CodeMirror', shot: undefined }
]
console.log(`| page | requests | bytes transferred | HTML first byte | first contentful paint | content ready (median of ${RUNS}) |`)
console.log('|---|---|---|---|---|---|')
for (const { name, path, ready, shot } of pages) {
  const runs: PageRun[] = []
  // A first load warms the gateway (GraphiQL's assets are read and gzipped once); then RUNS measured ones.
  await load(path, ready)
  for (let i = 0; i < RUNS; i++) runs.push(await load(path, ready, i === 0 ? shot : undefined))
  const ms = (pick: (r: PageRun) => number): string => `${median(runs.map(pick)).toFixed(0)} ms`
  console.log(`| ${name} | ${runs[0]!.requests} | ${(median(runs.map((r) => r.bytes)) / 1024).toFixed(1)} KiB | ${ms((r) => r.serverMs)} | ${ms((r) => r.paintMs)} | ${ms((r) => r.shownMs)} |`)
}
await browser.close()
await app.close()
