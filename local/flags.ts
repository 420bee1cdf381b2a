/** Command-line flags of the repository's own tools (`npm start`, `npm run risk`). */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The parsed flags: a string or boolean each, undefined when not given. */
export type Flags = Record<string, string | boolean | undefined>;

/**
 * Parses `argv` strictly (unknown flags and positionals are errors) with `node:util`'s
 * parseArgs; a bad flag throws `usageError` of the first line of parseArgs' message.
 */
export function parseStrictFlags(
  argv: readonly string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  usageError: (message: string) => Error,
): Flags {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options })
      .values as Flags;
  } catch (err) {
    throw usageError((err as Error).message.split("\n")[0]);
  }
}
