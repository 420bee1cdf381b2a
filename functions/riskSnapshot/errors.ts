/**
 * Errors of the snapshot function. Each names what failed (the variable, the file, the
 * query key) so the Lambda error in CloudWatch Logs says what to fix without a stack trace.
 */

/**
 * Gives an error class its name as a literal, on the class and its prototype: the bundle is
 * minified, so the class would be called `Ie`, and Node (and the Lambda log) would print
 * `Ie [ConfigurationError]: …`, or `Error: …` in the stack, captured before a constructor
 * could set `this.name`.
 */
function named(cls: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(cls, "name", { value: name });
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
}

/** Base class with an optional cause. */
export abstract class SnapshotError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
named(SnapshotError, "SnapshotError");

/** A missing or malformed environment variable or statements file (fails the cold start). */
export class ConfigurationError extends SnapshotError {}
named(ConfigurationError, "ConfigurationError");

/** An Athena query ended FAILED or CANCELLED. */
export class AthenaQueryError extends SnapshotError {
  constructor(
    /** The statement's key (`totals`, `appendHistory`, …). */
    readonly queryKey: string,
    readonly queryExecutionId: string,
    readonly state: string,
    /** Athena's StateChangeReason, when it gave one. */
    readonly reason: string | undefined,
  ) {
    super(
      `Athena query "${queryKey}" (${queryExecutionId}) ended ${state}: ${reason ?? "Athena gave no reason"}`,
    );
  }
}
named(AthenaQueryError, "AthenaQueryError");

/** An Athena query did not finish within the function's time budget (it was stopped). */
export class AthenaTimeoutError extends SnapshotError {
  constructor(
    readonly queryKey: string,
    readonly queryExecutionId: string,
    readonly state: string,
    readonly budgetSeconds: number,
  ) {
    super(
      `Athena query "${queryKey}" (${queryExecutionId}) did not finish within the ${budgetSeconds} s budget (last state ${state}); it was stopped`,
    );
  }
}
named(AthenaTimeoutError, "AthenaTimeoutError");

/** A query returned other columns than the snapshot contract (risk/model.ts) lists. */
export class ResultShapeError extends SnapshotError {}
named(ResultShapeError, "ResultShapeError");
