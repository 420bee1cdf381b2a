/**
 * The CLI's view of the terminal: streams and environment passed in (tests pass buffers),
 * and the rules for colour and for asking questions.
 */

/** A stream the CLI writes to. */
export interface OutStream {
  write(text: string): unknown;
  /** Set by Node on a terminal. */
  readonly isTTY?: boolean;
}

/** Terminal and environment of one CLI run. */
export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** Where confirmations are read from. */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Colour only on a terminal, and never when `NO_COLOR` is set to anything non-empty
 * (https://no-color.org: "when present and not an empty string").
 */
export function useColor(io: CliIo): boolean {
  return io.stdout.isTTY === true && !io.env.NO_COLOR;
}

/** A question can be asked only when both stdin and stderr (where it is printed) are terminals. */
export function canPrompt(io: CliIo): boolean {
  return io.stdin.isTTY === true && io.stderr.isTTY === true;
}

/** Prints `value` as one JSON document (pretty, newline-terminated) on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
