/**
 * Fail-fast guard for provider-computed outputs a component builds on (a stage's
 * `invokeUrl`, …). AWS always sets them, so when one resolves to nothing the cause is a
 * test's `pulumi.runtime.setMocks` leaving it out of the state `newResource` returns.
 */
import * as pulumi from "@pulumi/pulumi";

/** A provider-computed output resolved to nothing (almost always: mocks that omit it). */
export class MissingOutputError extends Error {
  constructor(
    /** Where the value was needed, e.g. `ActivationApi act: aws.apigateway.Stage act-stage`. */
    readonly where: string,
    /** The property that was missing, e.g. `invokeUrl`. */
    readonly property: string,
    /** An example of a valid value, for the mocks to return. */
    readonly example: string,
  ) {
    super(
      `${where}: ${property} resolved to nothing. AWS always sets it, so a test's mocks ` +
        `probably omit it: return it from pulumi.runtime.setMocks' newResource state, ` +
        `e.g. ${property}: ${JSON.stringify(example)}`,
    );
    this.name = "MissingOutputError";
  }
}

/**
 * Reports `err` as an uncaught exception. Pulumi swallows the rejection of an output whose
 * apply threw (output.js attaches no-op catch handlers), so anyone awaiting a derived value
 * would wait forever, e.g. until a mocha timeout. An uncaught exception fails
 * `pulumi up` and the running test at once, with this message.
 */
export function raiseUncaught(err: Error): void {
  setImmediate(() => {
    throw err;
  });
}

/**
 * `value`, failing fast with a {@link MissingOutputError} when it resolves to `undefined`,
 * `null` or `""`. Unknown values (preview) never reach the check.
 */
export function requireValue<T>(
  value: pulumi.Output<T | undefined | null>,
  missing: { readonly where: string; readonly property: string; readonly example: string },
  report: (err: Error) => void = raiseUncaught,
): pulumi.Output<T> {
  return value.apply((v) => {
    if (v === undefined || v === null || (v as unknown) === "") {
      const err = new MissingOutputError(missing.where, missing.property, missing.example);
      report(err);
      throw err;
    }
    return v;
  });
}
