/**
 * Every `hybrid-fleet` command, one file each under cli/commands/. To add a command: create
 * `cli/commands/<name>.ts` exporting `register(program, ctx)` (see cli/commands/instances.ts once it lands),
 * then add one import and one entry below, keeping both lists alphabetical.
 */
import type { Command } from "commander";
import type { CliContext } from "./context";
import * as prune from "./commands/prune";

/** A command module: adds its subcommand (with `program.command(...)`) to the root program. */
export interface CommandModule {
  register(program: Command, ctx: CliContext): void;
}

/** The commands, in the order `--help` lists them. */
export const COMMANDS: readonly CommandModule[] = [prune];
