/**
 * A failure the CLI explains in one line and maps to an exit code, instead of a stack trace:
 * 2 for usage and configuration the user can fix, 3 for a store or gateway that failed us.
 */
export class CliError extends Error {
  readonly exitCode: number

  constructor (message: string, exitCode: 2 | 3 = 2, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

export const EXIT_OK = 0
/** Some input lines were rejected; every accepted row was written. */
export const EXIT_REJECTED = 1
export const EXIT_USAGE = 2
export const EXIT_STORE = 3
