/**
 * What a command gets besides its parsed options: the terminal, the AWS client factory,
 * a clock and the confirmation prompt. All injectable, so tests drive commands in-process.
 */
import { defaultClientFactory, type ClientFactory } from "./clients";
import { EXIT } from "./exitCodes";
import type { CliIo } from "./io";
import { confirm } from "./prompt";

/** Dependencies of one CLI run. */
export interface CliContext {
  readonly io: CliIo;
  readonly clients: ClientFactory;
  /** The current time (last-seen ages, report dates). */
  readonly now: () => Date;
  /** Asks a yes/no question on the terminal; only called when `canPrompt(io)`. */
  readonly confirm: (question: string) => Promise<boolean>;
  /** Set by `runAction` when a command finishes; `runCli` returns it. */
  exitCode: number;
}

/** Replaceable parts of a context; everything defaults to the real process and AWS. */
export interface ContextOverrides {
  readonly clients?: ClientFactory;
  readonly now?: () => Date;
  /** Overrides the terminal prompt (tests answer it). */
  readonly confirm?: (question: string) => Promise<boolean>;
}

/** A fresh context for one run on `io`. */
export function createContext(io: CliIo, overrides: ContextOverrides = {}): CliContext {
  return {
    io,
    clients: overrides.clients ?? defaultClientFactory(),
    now: overrides.now ?? (() => new Date()),
    confirm: overrides.confirm ?? ((q) => confirm(io, q)),
    exitCode: EXIT.ok,
  };
}
