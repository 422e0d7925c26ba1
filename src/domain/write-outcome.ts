/** What became of one row of an online write call; the proto's WriteOutcome names the same, prefixed. */
export type WriteOutcome = 'WRITTEN' | 'LEFT_ALONE' | 'REJECTED'

export const WRITE_OUTCOMES: readonly WriteOutcome[] = ['WRITTEN', 'LEFT_ALONE', 'REJECTED']
