/** Majority arithmetic, kept apart so it can be checked against a naive version. */

export function quorumSize(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * The largest value that a majority of `values` is at or above: with matches
 * [5, 9, 7] that is 7. Used for the commit index and the confirmed read round.
 */
export function majorityValue(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => b - a);
  return sorted[quorumSize(values.length) - 1] ?? 0;
}
