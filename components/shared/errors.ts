/** An invalid component argument: names the field so callers can map it to their config key. */
export class ArgumentError extends Error {
  constructor(
    /** The component whose argument is invalid, e.g. `ActivationApi`. */
    readonly component: string,
    /** The argument's name, e.g. `logRetentionDays`. */
    readonly field: string,
    /** What is wrong and what is allowed. */
    readonly problem: string,
  ) {
    super(`${component}: ${joinField(field, problem)}`);
    this.name = "ArgumentError";
  }
}

/**
 * Joins a field name and a problem: `field must be…`, or `field[0].sha256 must be…` when
 * the problem names a part of the field.
 */
export function joinField(field: string, problem: string): string {
  const rest = problem.trimStart();
  return /^[[.]/.test(rest) ? `${field}${rest}` : `${field} ${rest}`;
}
