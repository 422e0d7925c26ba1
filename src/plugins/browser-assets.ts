import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'

const require = createRequire(import.meta.url)

/** A file of an installed npm package, by its package and its path inside it (exports maps hide UMD builds). */
export function packageFile (pkg: string, path: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), path)
}

interface Loaded {
  readonly body: Buffer
  readonly gzipped: Buffer
  readonly etag: string
}

/**
 * Static files for the browser pages, served from this process (no CDN): read and gzipped once, on
 * first use, then answered from memory with an ETag, so a firewalled cluster's browsers get them
 * from the gateway itself.
 */
export class BrowserAsset {
  readonly contentType: string
  readonly #read: () => Buffer | string
  #loaded: Loaded | undefined

  constructor (contentType: string, read: () => Buffer | string) {
    this.contentType = contentType
    this.#read = read
  }

  static file (contentType: string, path: string): BrowserAsset {
    return new BrowserAsset(contentType, () => readFileSync(path))
  }

  #load (): Loaded {
    if (this.#loaded === undefined) {
      const content = this.#read()
      const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
      this.#loaded = { body, gzipped: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
    }
    return this.#loaded
  }

  async send (request: FastifyRequest, reply: FastifyReply, headers: Record<string, string> = {}): Promise<FastifyReply> {
    const loaded = this.#load()
    void reply.headers({ ...headers, 'content-type': this.contentType, etag: loaded.etag, vary: 'accept-encoding', 'cache-control': 'public, max-age=3600' })
    if (request.headers['if-none-match'] === loaded.etag) return await reply.code(304).send()
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
    if (gzip) void reply.header('content-encoding', 'gzip')
    return await reply.send(gzip ? loaded.gzipped : loaded.body)
  }
}
