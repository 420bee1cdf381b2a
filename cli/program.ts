/**
 * Builds the `hybrid-fleet` program and runs it on an argument list: the testable core of
 * the binary (cli/index.ts only wires in the process).
 */
import { Command, CommanderError } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { findPackageRoot } from "../components/shared/packageRoot";
import { createContext, type CliContext, type ContextOverrides } from "./context";
import { EXIT } from "./exitCodes";
import { addGlobalOptions } from "./globals";
import type { CliIo } from "./io";
import { COMMANDS, type CommandModule } from "./registry";

/** The binary's name, as package.json's `bin` declares it. */
export const CLI_NAME = "hybrid-fleet";

/** Replaceable parts of a run; everything defaults to the real process and AWS. */
export interface RunOptions extends ContextOverrides {
  /** @default COMMANDS */
  readonly commands?: readonly CommandModule[];
}

function packageVersion(): string {
  const file = path.join(findPackageRoot(__dirname), "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/** The root program with global options and every command registered against `ctx`. */
export function buildProgram(ctx: CliContext, commands: readonly CommandModule[]): Command {
  const program = new Command(CLI_NAME)
    .description("Operate an AWS Systems Manager hybrid fleet built with ssm-hybrid-fleet.")
    .version(packageVersion())
    // Usage errors must exit 2 (commander's default is 1) and never kill a test process.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    })
    .showHelpAfterError("(run with --help for usage)");
  addGlobalOptions(program);
  for (const command of commands) command.register(program, ctx);
  return program;
}

/**
 * Runs `hybrid-fleet` with `argv` (the user's arguments, without `node` and the script) and
 * resolves to the exit code; never throws and never calls `process.exit`.
 */
export async function runCli(argv: readonly string[], io: CliIo, options: RunOptions = {}) {
  const ctx = createContext(io, options);
  const program = buildProgram(ctx, options.commands ?? COMMANDS);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through the override too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
}
