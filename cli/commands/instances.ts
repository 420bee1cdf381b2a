/**
 * `hybrid-fleet instances [--tag K=V …] [--name PATTERN] [--sync-dir DIR]`: the fleet's
 * machines with name, ID, environment, mode, ping status, last seen, agent version and open
 * findings (from the risk view over `--sync-dir`; `-` without it).
 */
import type { Command } from "commander";
import { listFleet, type FleetMachine } from "../../ops/fleet";
import { runAction, type CommandResult } from "../action";
import type { CliContext } from "../context";
import { UsageError } from "../errors";
import { openFindingsBySyncDir } from "../findings";
import { formatUtcMinute, NONE, orNone } from "../format";
import { requireFleet, type GlobalOptions } from "../globals";
import { useColor } from "../io";
import { addSelectionOptions, selectorFrom, type SelectionOptions } from "../selection";
import { renderTable, type Column } from "../table";

/** `instances`' own options. */
export interface InstancesOptions extends SelectionOptions {
  readonly syncDir?: string;
  readonly config?: string;
}

/** One row of `instances` (also its JSON shape). */
export interface InstanceRow {
  readonly name: string;
  readonly id: string;
  readonly environment: string | null;
  readonly mode: string | null;
  readonly pingStatus: string | null;
  /** ISO time of LastPingDateTime, or null. */
  readonly lastSeen: string | null;
  readonly agentVersion: string | null;
  /** Open findings in the risk view, or null when no risk data was read. */
  readonly openFindings: number | null;
}

/** The table's columns, in order. */
export const INSTANCE_COLUMNS: readonly Column<InstanceRow>[] = [
  { header: "NAME", value: (r) => r.name },
  { header: "ID", value: (r) => r.id },
  { header: "ENVIRONMENT", value: (r) => orNone(r.environment ?? undefined) },
  { header: "MODE", value: (r) => orNone(r.mode ?? undefined) },
  { header: "PING", value: (r) => orNone(r.pingStatus ?? undefined) },
  {
    header: "LAST SEEN (UTC)",
    value: (r) => (r.lastSeen ? formatUtcMinute(new Date(r.lastSeen)) : NONE),
  },
  { header: "AGENT", value: (r) => orNone(r.agentVersion ?? undefined) },
  {
    header: "FINDINGS",
    value: (r) => (r.openFindings === null ? NONE : String(r.openFindings)),
    align: "right",
  },
];

/** A machine as a row; `findings` undefined = no risk data. */
export function instanceRow(m: FleetMachine, findings?: ReadonlyMap<string, number>): InstanceRow {
  return {
    name: m.name,
    id: m.id,
    environment: m.environment ?? null,
    mode: m.mode ?? null,
    pingStatus: m.pingStatus ?? null,
    lastSeen: m.lastPing ? m.lastPing.toISOString() : null,
    agentVersion: m.agentVersion ?? null,
    // A fleet machine absent from the sync data has no findings there yet: 0, not unknown.
    openFindings: findings ? (findings.get(m.id) ?? 0) : null,
  };
}

/** The command's body. */
export async function instances(
  options: InstancesOptions,
  globals: GlobalOptions,
  ctx: CliContext,
): Promise<CommandResult> {
  if (options.config && !options.syncDir) {
    throw new UsageError(
      "--config needs --sync-dir (it sets the register the findings are counted with)",
    );
  }
  const fleet = requireFleet(globals);
  const ssm = ctx.clients.ssm(globals);
  const machines = await listFleet(
    { ssm, ec2: () => ctx.clients.ec2(globals) },
    { ...globals, fleet },
    selectorFrom(options),
  );
  const findings = options.syncDir
    ? await openFindingsBySyncDir(options.syncDir, fleet, globals, ctx.now(), options.config)
    : undefined;
  const rows = machines.map((m) => instanceRow(m, findings));
  if (rows.length === 0) ctx.io.stderr.write(`no machines of fleet ${fleet} match\n`);
  return {
    text: renderTable(INSTANCE_COLUMNS, rows, { color: useColor(ctx.io) }),
    json: { fleet, instances: rows },
  };
}

/** Registers `instances`. */
export function register(program: Command, ctx: CliContext): void {
  addSelectionOptions(
    program
      .command("instances")
      .description("list the fleet's machines: name, ID, environment, mode, ping, agent, findings"),
  )
    .option(
      "--sync-dir <dir>",
      "local copy of the sync prefix (aws s3 sync s3://<bucket>/<prefix> DIR), for open findings",
    )
    .option(
      "--config <file>",
      "stack config (Pulumi.<stack>.yaml) with --sync-dir: its controls and acceptance register",
    )
    .action(runAction(ctx, instances));
}
