/**
 * `hybrid-fleet mode set report|enforce (--name PATTERN | --tag K=V …) [--yes]`: switches
 * fleet machines' mode tag. Lists what it will change (machines already in the mode as
 * unchanged), asks `Change N machines to enforce? [y/N]` on a terminal, refuses without one
 * unless `--yes`, then reports changed / unchanged / failed.
 *
 * Exit: 0 done (also when every machine already was in the mode); 1 some machine failed;
 * 2 bad usage (no selection, unknown mode); 3 AWS error listing the fleet; 4 refused, or no
 * fleet machine matched the selection.
 */
import { Argument, type Command } from "commander";
import { listFleet, type FleetMachine } from "../../ops/fleet";
import { applyModeChange, MODES, planModeChange, type Mode, type ModeResult } from "../../ops/mode";
import { isEmptySelector } from "../../ops/selector";
import { runAction, type CommandResult } from "../action";
import type { CliContext } from "../context";
import { RefusedError, UsageError } from "../errors";
import { EXIT } from "../exitCodes";
import { orNone } from "../format";
import { requireFleet, type GlobalOptions } from "../globals";
import { canPrompt, useColor } from "../io";
import { addSelectionOptions, selectorFrom, type SelectionOptions } from "../selection";
import { renderTable, type Column } from "../table";

/** `mode set`'s own options. */
export interface ModeSetOptions extends SelectionOptions {
  readonly yes?: boolean;
}

/** One line of the plan or the result (also the JSON shape). */
export interface ModeRow {
  readonly name: string;
  readonly id: string;
  /** Mode before (null when untagged). */
  readonly from: string | null;
  readonly to: Mode;
  readonly result: "change" | "changed" | "unchanged" | "failed";
  readonly error?: string;
}

const COLUMNS: readonly Column<ModeRow>[] = [
  { header: "NAME", value: (r) => r.name },
  { header: "ID", value: (r) => r.id },
  { header: "MODE", value: (r) => orNone(r.from ?? undefined) },
  { header: "NEW MODE", value: (r) => r.to },
  { header: "RESULT", value: (r) => (r.error ? `${r.result}: ${r.error}` : r.result) },
];

function row(m: FleetMachine, to: Mode, result: ModeRow["result"], error?: string): ModeRow {
  return { name: m.name, id: m.id, from: m.mode ?? null, to, result, ...(error ? { error } : {}) };
}

/** `Change 3 machines to enforce? [y/N] ` */
export function confirmQuestion(count: number, mode: Mode): string {
  return `Change ${count} machine${count === 1 ? "" : "s"} to ${mode}? [y/N] `;
}

/** The command's body. */
export async function modeSet(
  options: ModeSetOptions,
  globals: GlobalOptions,
  ctx: CliContext,
  args: readonly string[],
): Promise<CommandResult> {
  const mode = args[0] as Mode;
  const selector = selectorFrom(options);
  if (isEmptySelector(selector)) {
    throw new UsageError(
      "mode set needs --name PATTERN or --tag KEY=VALUE (it never switches a whole fleet by default)",
    );
  }
  const fleet = requireFleet(globals);
  const ssm = ctx.clients.ssm(globals);
  const ec2 = () => ctx.clients.ec2(globals);
  const machines = await listFleet({ ssm, ec2 }, { ...globals, fleet }, selector);
  if (machines.length === 0) {
    throw new RefusedError(`no machines of fleet ${fleet} match the selection: nothing to do`);
  }
  const plan = planModeChange(machines, mode);
  const color = useColor(ctx.io);
  const planRows = [
    ...plan.change.map((m) => row(m, mode, "change")),
    ...plan.unchanged.map((m) => row(m, mode, "unchanged")),
  ];
  // The plan is for the person deciding: on stdout for humans, on stderr beside --json.
  const planOut = globals.json ? ctx.io.stderr : ctx.io.stdout;
  planOut.write(renderTable(COLUMNS, planRows, { color }));
  let results: ModeResult[] = [];
  if (plan.change.length > 0) {
    if (!options.yes) {
      if (!canPrompt(ctx.io)) {
        throw new RefusedError(
          `refused: would change ${plan.change.length} machine(s) to ${mode}, but there is no terminal to confirm on; pass --yes to change them`,
        );
      }
      if (!(await ctx.confirm(confirmQuestion(plan.change.length, mode)))) {
        throw new RefusedError("refused: nothing changed");
      }
    }
    results = await applyModeChange({ ssm, ec2 }, plan, globals.modeTagKey);
  }
  const done = [
    ...results.map((r) => row(r.machine, mode, r.outcome, r.error)),
    ...plan.unchanged.map((m) => row(m, mode, "unchanged")),
  ];
  const count = (o: string) => done.filter((r) => r.result === o).length;
  const summary = `${count("changed")} changed, ${count("unchanged")} unchanged, ${count("failed")} failed\n`;
  return {
    text: plan.change.length > 0 ? `\n${renderTable(COLUMNS, done, { color })}${summary}` : summary,
    json: { fleet, mode, machines: done },
    exitCode: count("failed") > 0 ? EXIT.negative : EXIT.ok,
  };
}

/** Registers `mode set`. */
export function register(program: Command, ctx: CliContext): void {
  const mode = program.command("mode").description("switch machines between report and enforce");
  addSelectionOptions(
    mode
      .command("set")
      .description("set the mode tag of the selected fleet machines")
      .addArgument(new Argument("<mode>", "the new mode").choices(MODES)),
  )
    .option("--yes", "do not ask for confirmation")
    .action(runAction(ctx, modeSet));
}
