/**
 * Text written straight into one growing buffer, for encoders that put out many small pieces: no
 * string is put together first (each `+` of two pieces makes one more string for the collector),
 * and the bytes need no copy out of a finished string at the end.
 */
export class ByteWriter {
  #buffer: Buffer
  #at = 0

  /** `size`: the bytes expected; the buffer grows (doubling) past it. */
  constructor (size: number) {
    this.#buffer = Buffer.allocUnsafeSlow(Math.max(64, Math.ceil(size)))
  }

  /** Bytes written so far. */
  get length (): number {
    return this.#at
  }

  byte (value: number): void {
    this.room(1)[this.#at++] = value
  }

  bytes (bytes: Uint8Array): void {
    const buffer = this.room(bytes.length)
    // A short piece (a key, a literal) is copied faster by hand than through a native call.
    if (bytes.length < 24) for (let i = 0; i < bytes.length; i++) buffer[this.#at + i] = bytes[i]!
    else buffer.set(bytes, this.#at)
    this.#at += bytes.length
  }

  /** Text known to be ASCII (numbers, times, escaped JSON without raw non-ASCII): one byte a character. */
  ascii (text: string): void {
    this.#at += this.room(text.length).write(text, this.#at, 'latin1')
  }

  utf8 (text: string): void {
    // At most 3 bytes of UTF-8 a UTF-16 unit (a surrogate pair is 2 units for 4 bytes).
    this.#at += this.room(text.length * 3).write(text, this.#at, 'utf8')
  }

  /** The buffer, with room for `bytes` more at `length`; write them there, then `advance`. */
  room (bytes: number): Buffer {
    if (this.#at + bytes > this.#buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.#buffer.length * 2, this.#at + bytes))
      this.#buffer.copy(grown, 0, 0, this.#at)
      this.#buffer = grown
    }
    return this.#buffer
  }

  advance (bytes: number): void {
    this.#at += bytes
  }

  /** What was written, as a view of the buffer: write nothing more after taking it. */
  take (): Uint8Array {
    return this.#buffer.subarray(0, this.#at)
  }
}
