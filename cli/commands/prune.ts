/**
 * `hybrid-fleet prune [--apply] [--yes]`: what the janitor would do, now. It gathers, plans and
 * executes with the janitor's own code (ops/pruneInputs, ops/prunePlan, ops/pruneExecute), so
 * the CLI and the scheduled function can never disagree about what is pruned.
 *
 * Dry run by default: prints the plan and changes nothing. `--apply` asks for confirmation on
 * a terminal (`--yes` skips it; without a terminal `--yes` is required) and executes.
 * Exit codes: 0 planned or all done (also when there is nothing to do), 1 some action failed,
 * 2 usage, 3 AWS error while listing, 4 confirmation refused or impossible.
 */
import { Command, InvalidArgumentError } from "commander";
import { gatherPruneInputs } from "../../ops/pruneInputs";
import {
  DEFAULT_MAX_ACTIONS,
  DEFAULT_STALE_DAYS,
  planPrune,
  type PruneAction,
  type PrunePlan,
} from "../../ops/prunePlan";
import { executePrune, type PruneResult } from "../../ops/pruneExecute";
import { runAction, type CommandResult } from "../action";
import type { CliContext } from "../context";
import { RefusedError } from "../errors";
import { EXIT } from "../exitCodes";
import { requireFleet, type GlobalOptions } from "../globals";
import { canPrompt, useColor } from "../io";
import { renderTable, type Column } from "../table";

/** `prune`'s own options. */
export interface PruneOptions {
  readonly apply?: boolean;
  readonly yes?: boolean;
  readonly staleDays: number;
  readonly maxActions: number;
}

function wholeNumber(min: number, max: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return Number(text);
  };
}

/** What an action does, in the table's first column. */
function verb(a: PruneAction): string {
  return a.type === "deregister" ? "deregister" : "delete activation";
}

const PLAN_COLUMNS: readonly Column<PruneAction>[] = [
  { header: "ACTION", value: verb },
  { header: "KIND", value: (a) => a.kind },
  { header: "TARGET", value: (a) => a.target },
  { header: "NAME", value: (a) => a.name ?? "-" },
  { header: "REASON", value: (a) => a.reason },
];

const RESULT_COLUMNS: readonly Column<PruneResult>[] = [
  ...PLAN_COLUMNS.map((c) => ({ ...c, value: (r: PruneResult) => c.value(r.action) })),
  { header: "OUTCOME", value: (r) => (r.error ? `${r.outcome}: ${r.error}` : r.outcome) },
];

function counts(actions: readonly PruneAction[]): string {
  const nodes = actions.filter((a) => a.type === "deregister").length;
  const activations = actions.length - nodes;
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  return `${plural(nodes, "node")} to deregister, ${plural(activations, "activation")} to delete`;
}

function capLine(plan: PrunePlan): string {
  return plan.capped
    ? `${plan.deferred.length} more over the cap (--max-actions ${plan.maxActions}): left for the next run.\n`
    : "";
}

function planJson(fleet: string, plan: PrunePlan, apply: boolean, results?: PruneResult[]) {
  return {
    fleet,
    apply,
    maxActions: plan.maxActions,
    capped: plan.capped,
    deferred: plan.deferred.length,
    fleetHybridNodes: plan.fleetHybridNodes,
    actions: plan.actions,
    ...(results === undefined ? {} : { results }),
  };
}

/** The command's body (exported for tests that call it without commander). */
export async function pruneCommand(
  options: PruneOptions,
  globals: GlobalOptions,
  ctx: CliContext,
): Promise<CommandResult> {
  const fleet = requireFleet(globals);
  const settings = { region: globals.region, profile: globals.profile };
  const ssm = ctx.clients.ssm(settings);
  const inputs = await gatherPruneInputs(
    { ssm, ec2: ctx.clients.ec2(settings) },
    { fleetTagKey: globals.fleetTagKey, fleetName: fleet },
    ctx.now(),
  );
  const plan = planPrune(inputs, {
    fleetTagKey: globals.fleetTagKey,
    fleetName: fleet,
    staleDays: options.staleDays,
    maxActions: options.maxActions,
  });
  const color = useColor(ctx.io);
  if (plan.actions.length === 0) {
    return {
      text: `Nothing to prune in fleet ${fleet} (${plan.fleetHybridNodes} hybrid node${plan.fleetHybridNodes === 1 ? "" : "s"}).\n${capLine(plan)}`,
      json: planJson(fleet, plan, options.apply === true, options.apply ? [] : undefined),
    };
  }
  const table = renderTable(PLAN_COLUMNS, plan.actions, { color });
  if (!options.apply) {
    return {
      text: `${table}\nDry run: ${counts(plan.actions)} in fleet ${fleet}; nothing changed. Run with --apply to act.\n${capLine(plan)}`,
      json: planJson(fleet, plan, false),
    };
  }
  if (!options.yes) {
    if (!canPrompt(ctx.io)) {
      throw new RefusedError(
        "--apply changes the fleet: confirm on a terminal, or pass --yes to run without asking",
      );
    }
    // The plan goes to stderr with the question, so stdout stays the result alone.
    ctx.io.stderr.write(table);
    const ok = await ctx.confirm(`${counts(plan.actions)} in fleet ${fleet}. Go ahead? [y/N] `);
    if (!ok) throw new RefusedError("nothing changed: the confirmation was refused");
  }
  const results = await executePrune(ssm, plan, { apply: true });
  const failed = results.filter((r) => r.outcome === "failed").length;
  return {
    text:
      renderTable(RESULT_COLUMNS, results, { color }) +
      `\n${results.length - failed} of ${results.length} done${failed > 0 ? `, ${failed} failed` : ""}.\n${capLine(plan)}`,
    json: planJson(fleet, plan, true, results),
    exitCode: failed > 0 ? EXIT.negative : EXIT.ok,
  };
}

/** Registers `prune` on the root program. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("prune")
    .description(
      "What the janitor would do now: deregister stale, superseded and EC2-gone hybrid nodes and delete expired or spent activations of the fleet (dry run unless --apply)",
    )
    .option("--apply", "act: deregister and delete (asks first unless --yes)")
    .option("--yes", "with --apply: do not ask for confirmation")
    .option(
      "--stale-days <days>",
      "ConnectionLost for more than this many days is stale",
      wholeNumber(1, 3650),
      DEFAULT_STALE_DAYS,
    )
    .option(
      "--max-actions <n>",
      "most actions in this run; the rest wait",
      wholeNumber(0, 10_000),
      DEFAULT_MAX_ACTIONS,
    )
    .action(runAction<PruneOptions>(ctx, pruneCommand));
}
