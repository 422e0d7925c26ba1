/** JSON's bytes that the readers below compare against. */
export const QUOTE = 0x22
const BACKSLASH = 0x5c
export const COLON = 0x3a
const COMMA = 0x2c
export const OPEN_OBJECT = 0x7b
export const CLOSE_OBJECT = 0x7d
export const OPEN_ARRAY = 0x5b
export const CLOSE_ARRAY = 0x5d
const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

/**
 * Thrown by JsonBytes when the bytes are not of the shape asked for (or not JSON at all): the caller
 * reads them another way, with JSON.parse, which also says what is wrong with malformed JSON. One
 * instance, thrown and compared by identity: it carries nothing a stack trace would add to.
 */
export class UnforeseenJson extends Error {}
export const UNFORESEEN = new UnforeseenJson('JSON of a shape not foreseen')

/** A string's bytes, read as latin1, that are not plain printable ASCII: escapes, control bytes, DEL, bytes past 0x7f. */
const NOT_PLAIN_ASCII = /[^\x20-\x7e]|\\/

/** 10^k for k = 0..22: each exactly a double, so digits / 10^k rounds once. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k)
/** At most this many digits are read from their bytes: under 2^53, so exact. */
const MAX_DIGITS = 15

/**
 * A cursor over JSON text as bytes, for a reader that knows the shape it expects and wants values
 * without JSON.parse building every object on the way: it reads strings, literals and plain numbers
 * where they stand, skips what it is not asked for, and hands any other value to JSON.parse. It
 * checks what it reads (brackets, commas, quotes, control bytes) and throws UNFORESEEN otherwise; a
 * skipped value's inside is checked only for its bracketing and strings.
 */
export class JsonBytes {
  readonly bytes: Buffer
  /** The next byte to read. */
  at = 0
  /** The last number read by digits(): its value, and whether it had a fraction. */
  number = 0
  fraction = false

  constructor (bytes: Buffer) {
    this.bytes = bytes
  }

  /** The next value, whatever it is: JSON.parse of its bytes. */
  parsedValue (): unknown {
    this.whitespace()
    const start = this.at
    this.skipValue()
    return JSON.parse(this.bytes.toString('utf8', start, this.at))
  }

  /**
   * A number string's digits (`"-12.5"`, the cursor at its opening quote), read when it is at most 15
   * digits with an optional minus and fraction: sets `number` and `fraction` and returns true past the
   * closing quote; else false, nothing read.
   */
  digits (): boolean {
    const bytes = this.bytes
    let at = this.at + 1
    const negative = bytes[at] === MINUS
    if (negative) at++
    let mantissa = 0
    let digits = 0
    let scale = -1
    let c = bytes[at]!
    if (c < ZERO || c > NINE) return false
    for (;;) {
      if (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO)
        if (++digits > MAX_DIGITS) return false
        if (scale >= 0) scale++
      } else if (c === DOT && scale < 0) {
        scale = 0
      } else break
      c = bytes[++at]!
    }
    // "1." is a number to Number() but no integer form: left to the caller's general way.
    if (c !== QUOTE || scale === 0) return false
    const magnitude = scale > 0 ? mantissa / POWERS_OF_TEN[scale]! : mantissa
    this.number = negative ? -magnitude : magnitude
    this.fraction = scale > 0
    this.at = at + 1
    return true
  }

  /** The string at the cursor (its opening quote), read past: its bytes as they are, or JSON.parse of it when it has escapes. */
  string (): string {
    const start = this.at
    const bytes = this.bytes
    let at = start + 1
    let ascii = true
    for (;;) {
      const c = bytes[at]
      if (c === undefined) throw UNFORESEEN
      if (c === QUOTE) break
      if (c === BACKSLASH) {
        this.at = start
        this.skipString()
        return JSON.parse(bytes.toString('utf8', start, this.at)) as string
      }
      if (c < 0x20) throw UNFORESEEN
      if (c >= 0x80) ascii = false
      at++
    }
    this.at = at + 1
    return ascii ? bytes.toString('latin1', start + 1, at) : bytes.toString('utf8', start + 1, at)
  }

  /**
   * The long string of plain ASCII (base64, say) at the cursor (its opening quote), found by a native
   * search for its closing quote instead of byte by byte: its text, read past; undefined, nothing read,
   * if it holds an escape, a control byte or non-ASCII (string() reads those).
   */
  asciiString (): string | undefined {
    const start = this.at + 1
    const end = this.bytes.indexOf(QUOTE, start)
    if (end < 0) return undefined
    const text = this.bytes.toString('latin1', start, end)
    if (NOT_PLAIN_ASCII.test(text)) return undefined
    this.at = end + 1
    return text
  }

  /** After stringStart: the end of a string with no escapes (a key), past its closing quote. */
  plainStringEnd (): number {
    const bytes = this.bytes
    let at = this.at
    for (;;) {
      const c = bytes[at]
      if (c === undefined || c === BACKSLASH || c < 0x20) throw UNFORESEEN
      if (c === QUOTE) break
      at++
    }
    this.at = at + 1
    return at
  }

  /** Past a string's opening quote; its first byte's position. */
  stringStart (): number {
    this.whitespace()
    if (this.bytes[this.at] !== QUOTE) throw UNFORESEEN
    return ++this.at
  }

  /** `true` or `false` where it stands, read past; undefined (nothing read) for anything else. */
  literal (): boolean | undefined {
    const bytes = this.bytes
    const at = this.at
    if (bytes[at] === 0x74 && bytes[at + 1] === 0x72 && bytes[at + 2] === 0x75 && bytes[at + 3] === 0x65) {
      this.at += 4
      return true
    }
    if (bytes[at] === 0x66 && bytes[at + 1] === 0x61 && bytes[at + 2] === 0x6c && bytes[at + 3] === 0x73 && bytes[at + 4] === 0x65) {
      this.at += 5
      return false
    }
    return undefined
  }

  /** A plain non-negative integer (a count, not in a string). */
  integer (): number {
    this.whitespace()
    const bytes = this.bytes
    let value = 0
    let digits = 0
    for (let c = bytes[this.at]!; c >= ZERO && c <= NINE; c = bytes[++this.at]!) {
      value = value * 10 + (c - ZERO)
      if (++digits > MAX_DIGITS) throw UNFORESEEN
    }
    if (digits === 0) throw UNFORESEEN
    return value
  }

  /** Past any JSON value, checking only its bracketing and strings; JSON.parse checks the rest where it is read. */
  skipValue (): void {
    this.whitespace()
    const bytes = this.bytes
    const start = this.at
    let depth = 0
    do {
      const c = bytes[this.at]
      if (c === undefined) throw UNFORESEEN
      if (c === QUOTE) {
        this.skipString()
        continue
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === COMMA) {
        // A closing bracket or comma where a value should start: no value at all.
        if (depth === 0) throw UNFORESEEN
        if (c !== COMMA) depth--
      }
      this.at++
    } while (depth > 0 || !this.endsScalar())
    if (this.at === start) throw UNFORESEEN
  }

  /** At the end of a scalar (number or literal) just skipped, at depth 0. */
  endsScalar (): boolean {
    const c = this.bytes[this.at]
    return c === undefined || c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
  }

  /** Past the string that starts here, escapes and all. */
  skipString (): void {
    const bytes = this.bytes
    let at = this.at + 1
    for (;;) {
      const c = bytes[at]
      if (c === undefined) throw UNFORESEEN
      if (c === QUOTE) break
      at += c === BACKSLASH ? 2 : 1
    }
    this.at = at + 1
  }

  /** After a member or element: true past a comma, false past the closing bracket. */
  more (close: number): boolean {
    this.whitespace()
    const c = this.bytes[this.at]
    this.at++
    if (c === COMMA) return true
    if (c === close) return false
    throw UNFORESEEN
  }

  /** Past `byte`, the next byte but whitespace; UNFORESEEN if it is another. */
  expect (byte: number): void {
    this.whitespace()
    if (this.bytes[this.at] !== byte) throw UNFORESEEN
    this.at++
  }

  /** The next byte but whitespace, not read past. */
  peek (): number | undefined {
    this.whitespace()
    return this.bytes[this.at]
  }

  /** Past any whitespace. */
  whitespace (): void {
    const bytes = this.bytes
    let c = bytes[this.at]
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++this.at]
  }
}
