/**
 * The wrapper every command's action goes through: resolves the global options, runs the
 * command, prints its result (a table, or one JSON document with `--json`) and turns the
 * outcome or the error into the exit code. Commands stay thin: parse, call ops/, return.
 */
import type { Command } from "commander";
import type { CliContext } from "./context";
import { describeError, exitCodeFor } from "./errors";
import { EXIT } from "./exitCodes";
import { globalOptions, type GlobalOptions } from "./globals";
import { printJson } from "./io";

/** What a command returns: its text for humans, its JSON for scripts, and its exit code. */
export interface CommandResult {
  /** Printed on stdout without `--json` (already newline-terminated; "" prints nothing). */
  readonly text: string;
  /** Printed as one JSON document on stdout with `--json`. */
  readonly json: unknown;
  /** @default 0 */
  readonly exitCode?: number;
}

/** A command's body: its own options, the global ones and the context. */
export type CommandHandler<O> = (
  options: O,
  globals: GlobalOptions,
  ctx: CliContext,
  args: readonly string[],
) => Promise<CommandResult>;

/**
 * Wraps `handler` as a commander action. Usage:
 * `program.command("instances").action(runAction(ctx, instancesHandler))`.
 * Positional arguments come before the options in commander's call; they are passed as `args`.
 */
export function runAction<O>(ctx: CliContext, handler: CommandHandler<O>) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params[params.length - 1] as Command;
    const options = params[params.length - 2] as O;
    const args = params.slice(0, -2).flat() as string[];
    try {
      const globals = globalOptions(command, ctx.io.env);
      const result = await handler(options, globals, ctx, args);
      if (globals.json) printJson(ctx.io, result.json);
      else if (result.text) ctx.io.stdout.write(result.text);
      ctx.exitCode = result.exitCode ?? EXIT.ok;
    } catch (error) {
      ctx.io.stderr.write(`${describeError(error)}\n`);
      ctx.exitCode = exitCodeFor(error);
    }
  };
}
