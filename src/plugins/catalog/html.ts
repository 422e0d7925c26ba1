/** Markup already escaped (or written here): interpolated into `html` as it is. */
export class SafeHtml {
  readonly text: string
  constructor (text: string) {
    this.text = text
  }

  toString (): string {
    return this.text
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text for an element's content or a quoted attribute value. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

type Interpolated = SafeHtml | string | number | undefined | null | false | readonly Interpolated[]

function render (value: Interpolated): string {
  if (value === undefined || value === null || value === false) return ''
  if (value instanceof SafeHtml) return value.text
  if (Array.isArray(value)) return (value as readonly Interpolated[]).map(render).join('')
  return escapeHtml(String(value))
}

/**
 * A template whose every interpolation is escaped unless it is SafeHtml (what another `html` returned),
 * so names and descriptions from the registry can never become markup, whichever template forgets.
 */
export function html (strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0]!
  values.forEach((value, i) => { out += render(value) + strings[i + 1]! })
  return new SafeHtml(out)
}
