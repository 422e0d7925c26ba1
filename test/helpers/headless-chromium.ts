import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`, as .ci/run does); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Chromium's own background traffic (component updates, sync, field trials, QUIC probes) would leave
 * the machine; these flags keep every connection the page's own. No sandbox: CI runs as root.
 */
const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-features=Translate,OptimizationHints,MediaRouter'
]

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing (): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`
}

/** Headless, with a fresh profile (playwright makes a new user-data-dir per launch). */
export async function launchChromium (): Promise<Browser> {
  return await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS })
}

/** Loopback only: anything else is a request leaving the machine. */
export function isLocalUrl (url: string): boolean {
  const { protocol, hostname } = new URL(url)
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]'
}
