import type { Histogram } from '../../core/histogram.js'
import { formatNumber } from './format.js'
import { html, type SafeHtml } from './html.js'

export interface PlotOptions {
  /** What the plot shows, for screen readers and as its caption. */
  readonly label: string
  /** How an x value reads on the axis and in a bar's tooltip. */
  readonly formatX: (x: number) => string
  /** A vertical line, e.g. the set's maximum age on a plot of row ages. */
  readonly marker?: { readonly x: number, readonly label: string }
}

const WIDTH = 360
const HEIGHT = 150
const LEFT = 44
const RIGHT = 12
const TOP = 16
const BOTTOM = 30

/** Rounded for the markup: a page of plots stays small, and the coordinates read as numbers. */
function r (x: number): string {
  return String(Math.round(x * 10) / 10)
}

/**
 * A histogram as inline SVG, drawn here so the catalogue needs no script or charting library: one bar
 * per bucket with its range and count as a tooltip, the count axis, the x range at the ends, and an
 * optional marker line. Colours come from the page's stylesheet (classes), so the page's CSP needs no
 * inline style.
 */
export function histogramSvg (histogram: Histogram, options: PlotOptions): SafeHtml {
  if (histogram.count === 0) return html`<p class="empty">No values in the sample to plot.</p>`
  const { edges, counts } = histogram
  const min = edges[0]!
  const max = edges[edges.length - 1]!
  const span = max - min
  const plotWidth = WIDTH - LEFT - RIGHT
  const plotHeight = HEIGHT - TOP - BOTTOM
  const highest = Math.max(...counts)
  const xOf = (x: number): number => LEFT + (span === 0 ? 0 : (x - min) / span * plotWidth)
  const bars = counts.map((count, i) => {
    const x0 = span === 0 ? LEFT : xOf(edges[i]!)
    const x1 = span === 0 ? LEFT + plotWidth : xOf(edges[i + 1]!)
    const height = highest === 0 ? 0 : count / highest * plotHeight
    const range = span === 0 ? `all ${options.formatX(min)}` : `${options.formatX(edges[i]!)} to ${options.formatX(edges[i + 1]!)}`
    return html`<rect class="bar" x="${r(x0)}" y="${r(TOP + plotHeight - height)}" width="${r(Math.max(0.5, x1 - x0 - 1))}" height="${r(height)}"><title>${range}: ${formatNumber(count)}</title></rect>`
  })
  const marker = options.marker
  const markerX = marker === undefined || span === 0 || marker.x < min || marker.x > max ? undefined : xOf(marker.x)
  const baseline = TOP + plotHeight
  return html`<figure class="plot">
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${options.label}">
<line class="axis" x1="${LEFT}" y1="${baseline}" x2="${WIDTH - RIGHT}" y2="${baseline}"/>
<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${baseline}"/>
<text class="tick" x="${LEFT - 4}" y="${TOP + 4}" text-anchor="end">${formatNumber(highest)}</text>
<text class="tick" x="${LEFT - 4}" y="${baseline}" text-anchor="end">0</text>
${bars}
${markerX === undefined ? '' : html`<line class="marker" x1="${r(markerX)}" y1="${TOP - 6}" x2="${r(markerX)}" y2="${baseline}"/><text class="marker-label" x="${r(Math.min(markerX + 3, WIDTH - RIGHT))}" y="${TOP - 6}" text-anchor="${markerX > WIDTH * 0.7 ? 'end' : 'start'}">${marker!.label}</text>`}
<text class="tick" x="${LEFT}" y="${baseline + 16}" text-anchor="start">${options.formatX(min)}</text>
<text class="tick" x="${WIDTH - RIGHT}" y="${baseline + 16}" text-anchor="end">${span === 0 ? '' : options.formatX(max)}</text>
</svg>
<figcaption>${options.label} (${formatNumber(histogram.count)} values)</figcaption>
</figure>`
}
