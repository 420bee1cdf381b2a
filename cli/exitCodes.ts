/**
 * The `hybrid-fleet` exit codes, one table for every command (README "CLI" documents them).
 * Scripts branch on these, so a value never changes meaning once released.
 */
export const EXIT = {
  /** The command did what was asked and the outcome is positive. */
  ok: 0,
  /** The command ran, but its outcome is negative (a target failed, a wave is not ready). */
  negative: 1,
  /** The command line is wrong: unknown option, missing or invalid value. */
  usage: 2,
  /** AWS refused or failed: credentials, access denied, throttled after retries, network. */
  aws: 3,
  /** A confirmation was refused (or could not be asked), or there was nothing to do. */
  refused: 4,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
