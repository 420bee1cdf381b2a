/**
 * Yes/no confirmation on the terminal. The question goes to stderr so stdout stays clean
 * for `--json` and pipes; only `y` or `yes` (any case) confirms, anything else refuses.
 */
import * as readline from "node:readline";
import type { CliIo } from "./io";

/** Asks `question` (e.g. `Change 3 machines to enforce? [y/N] `) and resolves to the answer. */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: io.stdin, terminal: false });
  io.stderr.write(question);
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once("line", resolve);
      rl.once("close", () => resolve(""));
    });
    return isYes(answer);
  } finally {
    rl.close();
  }
}

/** `y` / `yes` in any case, surrounding spaces ignored. */
export function isYes(answer: string): boolean {
  return /^\s*y(es)?\s*$/i.test(answer);
}
