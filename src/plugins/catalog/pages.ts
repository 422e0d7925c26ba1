import type { FeatureSummary, NumericSummary, StatisticsReport } from '../../core/feature-statistics.js'
import { histogramOf } from '../../core/histogram.js'
import type { FeatureSetSpec } from '../../domain/feature-set-spec.js'
import { axisFormatter, durationUnit, formatDuration, formatNumber, formatPercent } from './format.js'
import { html, type SafeHtml } from './html.js'
import type { Snippet } from './snippets.js'
import { histogramSvg } from './svg-plot.js'

/** Buckets of the catalogue's plots: enough to see a shape at 360 px. */
const PLOT_BUCKETS = 24

/** What the header links to: GraphiQL only where it is served. */
export interface PageChrome {
  readonly graphiql: boolean
}

function page (chrome: PageChrome, title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · featuregate catalogue</title>
<link rel="stylesheet" href="/catalog.css">
<link rel="icon" href="data:,">
</head>
<body>
<header class="top"><a href="/catalog">featuregate catalogue</a><nav><a href="/catalog">feature sets</a>${chrome.graphiql ? html` <a href="/graphiql">GraphiQL</a>` : ''}</nav></header>
<main>
${body}
</main>
</body>
</html>
`.text
}

function setPath (name: string): string {
  return `/catalog/${encodeURIComponent(name)}`
}

function tagLinks (tags: readonly string[] | undefined): SafeHtml {
  return html`${(tags ?? []).map((tag) => html`<a class="tag" href="/catalog?tag=${encodeURIComponent(tag)}">${tag}</a> `)}`
}

export interface ListQuery {
  readonly text: string | undefined
  readonly tag: string | undefined
}

/** GET /catalog: every set the caller may read, with a search form that works without script (GET). */
export function catalogPage (chrome: PageChrome, sets: readonly FeatureSetSpec[], query: ListQuery, total: number): string {
  const filtered = query.text !== undefined || query.tag !== undefined
  const rows = sets.map((set) => html`<tr>
<td><a href="${setPath(set.name)}"><strong>${set.name}</strong></a><div class="muted">${set.description ?? ''}</div></td>
<td>${set.entityType}</td>
<td>${set.owner ?? '–'}</td>
<td>${tagLinks(set.tags)}</td>
<td class="num">${formatDuration(set.maxAgeSeconds)}</td>
<td class="num">${set.features.length}</td>
</tr>`)
  return page(chrome, 'Feature sets', html`<h1>Feature sets</h1>
<form class="search" method="get" action="/catalog" role="search">
<label>Name or feature <input type="search" name="q" value="${query.text ?? ''}" placeholder="e.g. embedding"></label>
<label>Tag <input type="text" name="tag" value="${query.tag ?? ''}" placeholder="e.g. activity"></label>
<button type="submit">Search</button>${filtered ? html` <a href="/catalog">clear</a>` : ''}
</form>
<p class="muted">${filtered ? `${sets.length} of ${total} sets match.` : `${total} sets.`} Statistics and plots on each set's page.</p>
${sets.length === 0
? html`<p class="empty">No feature set matches.</p>`
: html`<table class="sets">
<thead><tr><th>Feature set</th><th>Entity type</th><th>Owner</th><th>Tags</th><th class="num">Max age</th><th class="num">Features</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`}`)
}

export interface SetPageData {
  readonly set: FeatureSetSpec
  readonly report: StatisticsReport
  readonly snippets: readonly Snippet[]
  readonly sample: number
  readonly seed: number | undefined
}

function rangeRows (label: string, summary: NumericSummary | undefined): SafeHtml {
  if (summary === undefined || summary.count === 0) return html``
  return html`<tr><th>${label} min / max</th><td>${summary.minExact ?? formatNumber(summary.min)} / ${summary.maxExact ?? formatNumber(summary.max)}</td></tr>
<tr><th>${label} mean</th><td>${formatNumber(summary.mean)}</td></tr>`
}

function featurePlot (summary: FeatureSummary): SafeHtml {
  const values = summary.values
  if (values === undefined) return html``
  const type = summary.feature.feature.type
  const histogram = histogramOf(values, type === 'bool' ? 2 : PLOT_BUCKETS)
  const formatX = axisFormatter(histogram.edges[0] ?? 0, histogram.edges[histogram.edges.length - 1] ?? 0)
  if (type === 'float_vector') return histogramSvg(histogram, { label: `Norms of ${summary.feature.feature.name}`, formatX })
  if (type === 'timestamp') return histogramSvg(histogram, { label: `Histogram of ${summary.feature.feature.name}`, formatX: (ms) => new Date(ms).toISOString().slice(0, 10) })
  return histogramSvg(histogram, { label: `Histogram of ${summary.feature.feature.name}`, formatX })
}

function featureSection (summary: FeatureSummary): SafeHtml {
  const { feature } = summary.feature
  const vector = summary.vector
  return html`<section class="feature" id="feature-${feature.name}">
<h3>${feature.name} <span class="type">${feature.type}${feature.dimension === undefined ? '' : `[${feature.dimension}]`}</span></h3>
<p>${feature.description ?? html`<span class="muted">No description.</span>`}</p>
<div class="columns">
<table class="stats">
<tr><th>Owner</th><td>${feature.owner ?? '–'}</td></tr>
${feature.tags !== undefined && feature.tags.length > 0 ? html`<tr><th>Tags</th><td>${tagLinks(feature.tags)}</td></tr>` : ''}
<tr><th>Coverage</th><td>${formatPercent(summary.coverage)}</td></tr>
<tr><th>Null rate</th><td>${formatPercent(summary.nullRate)}</td></tr>
<tr><th>Stale rate</th><td>${formatPercent(summary.staleRate)}</td></tr>
<tr><th>Missing rate</th><td>${formatPercent(summary.missingRate)}</td></tr>
${summary.invalid > 0 ? html`<tr><th>Invalid</th><td>${formatNumber(summary.invalid)}</td></tr>` : ''}
${rangeRows('Value', summary.numeric)}
${rangeRows('Length', summary.length)}
${vector === undefined
? ''
: html`<tr><th>Norm min / max</th><td>${formatNumber(vector.minNorm)} / ${formatNumber(vector.maxNorm)}</td></tr>
<tr><th>Norm mean</th><td>${formatNumber(vector.meanNorm)}</td></tr>
<tr><th>Wrong dimension</th><td>${formatNumber(vector.wrongDimension)}</td></tr>`}
</table>
${featurePlot(summary)}
</div>
</section>`
}

function freshnessSection (report: StatisticsReport): SafeHtml {
  const ages = report.rowAgesSeconds ?? []
  const maxAge = report.maxAgeSeconds
  const largest = ages.reduce((m, a) => Math.max(m, a), 0)
  const [unit, size] = durationUnit(Math.max(largest, maxAge ?? 0))
  const older = maxAge === undefined ? 0 : ages.filter((a) => a > maxAge).length
  const histogram = histogramOf(ages, PLOT_BUCKETS, maxAge === undefined ? [0] : [0, maxAge])
  return html`<section class="freshness">
<h2>Freshness</h2>
<p>Age of each sampled row (now minus its event time) against the set's maximum age (${formatDuration(maxAge)}).
${maxAge === undefined ? 'Values of this set never go stale.' : `${formatNumber(older)} of ${formatNumber(ages.length)} rows (${formatPercent(ages.length === 0 ? 0 : older / ages.length)}) are older than it: their values read as STALE.`}</p>
${histogramSvg(histogram, {
    label: `Row ages in ${unit}`,
    formatX: (seconds) => `${formatNumber(Number((seconds / size).toPrecision(3)))} ${unit}`,
    ...(maxAge !== undefined && { marker: { x: maxAge, label: `max age ${formatDuration(maxAge)}` } })
  })}
</section>`
}

/** GET /catalog/{set}: the set, each feature with its statistics and plots, and snippets to copy. */
export function featureSetPage (chrome: PageChrome, data: SetPageData): string {
  const { set, report } = data
  const features = report.features.filter((f) => f.feature.featureSet.name === set.name)
  return page(chrome, set.name, html`<p class="crumbs"><a href="/catalog">Feature sets</a> ›</p>
<h1>${set.name}</h1>
<p>${set.description ?? ''}</p>
<table class="stats facts">
<tr><th>Entity type</th><td>${set.entityType}</td></tr>
<tr><th>Owner</th><td>${set.owner ?? '–'}</td></tr>
<tr><th>Tags</th><td>${tagLinks(set.tags)}</td></tr>
<tr><th>Maximum age</th><td>${formatDuration(set.maxAgeSeconds)}</td></tr>
<tr><th>Features</th><td>${set.features.length}: ${features.map((f, i) => html`${i > 0 ? ', ' : ''}<a href="#feature-${f.feature.feature.name}">${f.feature.feature.name}</a>`)}</td></tr>
</table>
<p class="sample">Statistics over ${report.complete ? html`<strong>every row</strong> (${formatNumber(report.rows)})` : html`a <strong>random sample of ${formatNumber(report.rows)} rows</strong>`}
(${formatNumber(report.itemsScanned)} items read). ${report.complete ? '' : html`<a href="${setPath(set.name)}?sample=${Math.min(data.sample * 10, 100_000)}">Sample more</a>; `}<a href="${setPath(set.name)}?sample=${data.sample}&amp;seed=${(data.seed ?? 0) + 1}">another sample</a>.</p>
${freshnessSection(report)}
<h2>Features</h2>
${features.map(featureSection)}
<h2>Use it</h2>
${data.snippets.map((s) => html`<section class="snippet"><h3>${s.title}</h3><pre class="copy" data-language="${s.language}"><code>${s.code}</code></pre></section>`)}`)
}

/** An error as a page: the status and the typed error's message (internal errors have a fixed one). */
export function errorPage (chrome: PageChrome, status: number, message: string): string {
  return page(chrome, `Error ${status}`, html`<h1>${status === 404 ? 'Not found' : `Error ${status}`}</h1><p>${message}</p><p><a href="/catalog">Back to the feature sets</a></p>`)
}
