/**
 * What a command gets besides its parsed options: the terminal, the AWS client factory,
 * a clock and the confirmation prompt. All injectable, so tests drive commands in-process.
 */
import type { ClientFactory } from "./clients";
import type { CliIo } from "./io";

/** Dependencies of one CLI run. */
export interface CliContext {
  readonly io: CliIo;
  readonly clients: ClientFactory;
  /** The current time (last-seen ages, report dates). */
  readonly now: () => Date;
  /** Asks a yes/no question on the terminal; only called when `canPrompt(io)`. */
  readonly confirm: (question: string) => Promise<boolean>;
  /** Set by `runAction` when a command finishes; `main` returns it. */
  exitCode: number;
}
