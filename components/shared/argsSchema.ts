/**
 * What every argument schema shares: strict objects whose unknown-key error lists the known
 * keys, and one formatter that turns zod's issues into this package's wording
 * (`<path> must be …; got …`). Components and the stack program both go through
 * {@link schemaProblems}, so an argument and its config key fail with the same words.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/**
 * A `z.strictObject` whose unknown-key message names the keys it knows, so a typo shows
 * its correction. Every object in an argument or config schema is built with this.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `is not a known key; known: ${known}` : undefined,
  });
}

/** A whole number (zod's own type message would say "a number"). */
export function wholeNumber() {
  return z.int({ error: "must be a whole number" });
}

/** A whole number from `min` to `max`, with this package's wording. */
export function intRange(min: number, max: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  // A fraction gets the range message too; a string gets the type message.
  return z
    .int({ error: (issue) => (typeof issue.input === "number" ? error : "must be a whole number") })
    .min(min, { error })
    .max(max, { error });
}

/**
 * A value another resource may supply: an Output (or promise) is accepted as it is, a plain
 * value must satisfy `plain`.
 */
export function pulumiInput<T extends z.ZodType>(plain: T) {
  return z.union([
    plain,
    z.custom<pulumi.Output<unknown>>(
      (v) => pulumi.Output.isInstance(v) || v instanceof Promise,
      // Only reached when the plain branch also failed; its problems are the ones reported.
      { error: "must be a plain value or an Output" },
    ),
  ]);
}

/** One problem found by a schema: where (path from the schema's root) and what. */
export interface SchemaProblem {
  /** Path from the schema's root, e.g. `["controls", "antivirus", "linux", "serviceName"]`. */
  readonly path: readonly PropertyKey[];
  /** What is wrong and what is allowed, e.g. `must be a string; got 5`. */
  readonly problem: string;
}

/** Renders a path the way users write it: `controls.antivirus.linux`, `bootstrapTokens[0].id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => {
      if (typeof part === "number") return `[${part}]`;
      const text = String(part);
      if (/^[A-Za-z_$][\w$-]*$/.test(text)) return i === 0 ? text : `.${text}`;
      return `[${JSON.stringify(text)}]`;
    })
    .join("");
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object (a YAML mapping)",
  record: "an object (a YAML mapping)",
};

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  return JSON.stringify(value);
}

function describe(issue: z.core.$ZodIssue): SchemaProblem[] {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ path: [...issue.path, key], problem: issue.message }));
    case "invalid_type": {
      if (input === undefined) return [{ path: issue.path, problem: "is required" }];
      if (issue.message.startsWith("must ")) {
        return [{ path: issue.path, problem: `${issue.message}; got ${show(input)}` }];
      }
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const integerWanted = issue.expected === "int" || issue.message.includes("expected int");
      return [
        {
          path: issue.path,
          problem: `must be ${integerWanted ? "a whole number" : expected}; got ${show(input)}`,
        },
      ];
    }
    case "invalid_value":
      return [
        {
          path: issue.path,
          problem: `must be one of ${issue.values.map(String).join(", ")}; got ${show(input)}`,
        },
      ];
    case "too_small":
    case "too_big":
      // Schemas word these themselves (see `intRange`); the value is a number, safe to echo.
      return [{ path: issue.path, problem: `${issue.message}; got ${show(input)}` }];
    case "invalid_union":
      // Unions here are "plain value or Output": the plain branch's problems are the useful ones.
      return (issue.errors[0] ?? []).flatMap((inner) =>
        describe({ ...inner, path: [...issue.path, ...inner.path] }),
      );
    default:
      return [{ path: issue.path, problem: issue.message }];
  }
}

/** Every problem `schema` finds in `value`, in order; empty when it is valid. */
export function schemaProblems(schema: z.ZodType, value: unknown): SchemaProblem[] {
  const result = schema.safeParse(value, { reportInput: true });
  return result.success ? [] : result.error.issues.flatMap(describe);
}
