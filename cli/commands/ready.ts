/**
 * `hybrid-fleet ready --tag K=V … [--name PATTERN] (--mandated patch,… | --config FILE)
 * [--expect-file FILE]`: migration readiness of a wave. Each machine is registered, Online, in
 * enforce and compliant on every mandated control, or the table says what blocks it.
 *
 * Exit: 0 only when the wave has machines and every one is ready; 1 otherwise; 2 usage; 3 AWS.
 */
import * as fs from "node:fs";
import type { Command } from "commander";
import { listFleet } from "../../ops/fleet";
import {
  complianceByControl,
  waveReadiness,
  type MachineReadiness,
  type MandatedControl,
} from "../../ops/readiness";
import { runAction, type CommandResult } from "../action";
import type { CliContext } from "../context";
import { UsageError } from "../errors";
import { EXIT } from "../exitCodes";
import { NONE, orNone } from "../format";
import { FLEET_ENV, type GlobalOptions } from "../globals";
import { useColor } from "../io";
import { mandatedFromStackFile, parseMandated } from "../mandated";
import { addSelectionOptions, selectorFrom, type SelectionOptions } from "../selection";
import { renderTable, type Column } from "../table";

/** `ready`'s own options. */
export interface ReadyOptions extends SelectionOptions {
  readonly mandated?: string;
  readonly config?: string;
  readonly expectFile?: string;
}

/** The table's columns for `controls`. */
export function readyColumns(controls: readonly MandatedControl[]): Column<MachineReadiness>[] {
  return [
    { header: "NAME", value: (r) => r.name },
    { header: "ID", value: (r) => orNone(r.id) },
    { header: "PING", value: (r) => orNone(r.pingStatus) },
    { header: "MODE", value: (r) => (r.registered ? (r.mode ?? "untagged") : NONE) },
    ...controls.map((c) => ({
      header: c.name.toUpperCase(),
      value: (r: MachineReadiness) => r.controls[c.name] ?? NONE,
    })),
    { header: "READY", value: (r) => (r.ready ? "yes" : "no") },
    { header: "BLOCKED BY", value: (r) => r.blockers.join(", ") || NONE },
  ];
}

/** Names from an expect file: one a line, `#` comments and blank lines ignored. */
export function parseExpectFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean);
}

/** The command's body. */
export async function ready(
  options: ReadyOptions,
  globals: GlobalOptions,
  ctx: CliContext,
): Promise<CommandResult> {
  const selector = selectorFrom(options);
  if (selector.tags.length === 0) {
    throw new UsageError("ready needs the wave as --tag KEY=VALUE (e.g. --tag Wave=3)");
  }
  if ((options.mandated === undefined) === (options.config === undefined)) {
    throw new UsageError(
      "ready needs the mandated controls from exactly one of --mandated patch,antivirus,... or --config Pulumi.<stack>.yaml",
    );
  }
  const fromFile = options.config ? mandatedFromStackFile(options.config, ctx.now()) : undefined;
  const controls = fromFile ? fromFile.controls : parseMandated(options.mandated!);
  const fleet = globals.fleet ?? fromFile?.fleetName;
  if (!fleet) {
    throw new UsageError(
      `--fleet is required (the value of the ${globals.fleetTagKey} tag on the fleet's machines), or set ${FLEET_ENV}, or give a --config that sets fleetName`,
    );
  }
  const expected = options.expectFile ? parseExpectFile(readExpectFile(options.expectFile)) : [];
  const ssm = ctx.clients.ssm(globals);
  const machines = await listFleet(
    { ssm, ec2: () => ctx.clients.ec2(globals) },
    { ...globals, fleet },
    selector,
  );
  const compliance = new Map<string, Map<string, string>>();
  for (const c of controls) compliance.set(c.name, await complianceByControl(ssm, c));
  const wave = waveReadiness(machines, controls, compliance, expected);
  const waveName = selector.tags.map((t) => `${t.key}=${t.value}`).join(" ");
  const mandated = controls.map((c) => c.name).join(", ") || "none";
  const verdict = wave.waveReady ? "READY" : "NOT READY";
  const summary = `Wave ${waveName}: ${wave.ready} of ${wave.total} machines ready (mandated: ${mandated}): ${verdict}\n`;
  return {
    text: `${renderTable(readyColumns(controls), wave.machines, { color: useColor(ctx.io) })}${summary}`,
    json: {
      fleet,
      wave: Object.fromEntries(selector.tags.map((t) => [t.key, t.value])),
      mandated: controls.map((c) => c.name),
      ready: wave.waveReady,
      readyCount: wave.ready,
      total: wave.total,
      machines: wave.machines,
    },
    exitCode: wave.waveReady ? EXIT.ok : EXIT.negative,
  };
}

function readExpectFile(file: string): string {
  if (!fs.existsSync(file)) throw new UsageError(`--expect-file ${file} does not exist`);
  return fs.readFileSync(file, "utf8");
}

/** Registers `ready`. */
export function register(program: Command, ctx: CliContext): void {
  addSelectionOptions(
    program
      .command("ready")
      .description(
        "migration readiness of a wave: registered, Online, in enforce, compliant on every mandated control",
      ),
  )
    .option("--mandated <controls>", "mandated controls, comma-separated: patch,antivirus,cis")
    .option("--config <file>", "stack config (Pulumi.<stack>.yaml): its mandatory controls")
    .option(
      "--expect-file <file>",
      "the wave's machine names, one a line: missing = not registered",
    )
    .action(runAction(ctx, ready));
}
