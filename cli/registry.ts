/**
 * Every `hybrid-fleet` command, one file each under cli/commands/. To add a command: create
 * `cli/commands/<name>.ts` exporting `register(program, ctx)` (see cli/commands/instances.ts),
 * then add one import and one entry below, keeping both lists alphabetical.
 */
import type { Command } from "commander";
import * as instances from "./commands/instances";
import * as mode from "./commands/mode";
import * as prune from "./commands/prune";
import * as ready from "./commands/ready";
import * as remediate from "./commands/remediate";
import * as risk from "./commands/risk";
import type { CliContext } from "./context";

/** A command module: adds its subcommand (with `program.command(...)`) to the root program. */
export interface CommandModule {
  register(program: Command, ctx: CliContext): void;
}

/** The commands, in the order `--help` lists them (one per line, so branches merge cleanly). */
// prettier-ignore
export const COMMANDS: readonly CommandModule[] = [
  instances,
  mode,
  prune,
  ready,
  remediate,
  risk,
];
