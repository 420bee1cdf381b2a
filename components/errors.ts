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
    super(`${component}: ${field} ${problem}`);
    this.name = "ArgumentError";
  }
}
