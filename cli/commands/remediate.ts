/**
 * `hybrid-fleet remediate <control> (--name … | --tag K=V …)`: runs a control's enforce
 * document (or the agent installer) on chosen fleet machines with Run Command, shows progress,
 * prints a per-machine result table and the command IDs, and exits 0 only if every target
 * succeeded. Thin: parses, calls ops/remediation.ts and ops/runCommand.ts, prints.
 */
import { Command, Option } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { findPackageRoot } from "../../components/shared/packageRoot";
import {
  parameterProblems,
  parseParameters,
  parseRateControl,
  parseRemediation,
  planBatches,
  progressBar,
  progressLine,
  progressOf,
  remediationDocument,
  remediationExitCode,
  RemediationUsageError,
  REMEDIATIONS,
  type DocumentParameterDefinition,
  type RateControl,
  type RemediationDocument,
  type TargetResult,
} from "../../ops/remediation";
import { listFleet, type FleetMachine } from "../../ops/fleet";
import { RemediationInterruptedError, runRemediation } from "../../ops/runCommand";
import { isEmptySelector } from "../../ops/selector";
import { runAction, type CommandResult } from "../action";
import type { CliContext } from "../context";
import { RefusedError, UsageError } from "../errors";
import { orNone } from "../format";
import { requireFleet, type GlobalOptions } from "../globals";
import { canPrompt, useColor, type CliIo } from "../io";
import { addSelectionOptions, selectorFrom, type SelectionOptions } from "../selection";
import { renderTable, type Column } from "../table";

/** `remediate`'s own options, as commander hands them over. */
export interface RemediateOptions extends SelectionOptions {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly maxConcurrency: string;
  readonly maxErrors: string;
  readonly parameters?: readonly string[];
  readonly document?: string;
  readonly pollInterval: string;
}

/** The fleet document files shipped in the package, by kind. */
const SHIPPED_DOCUMENT_FILES = {
  AgentInstall: "agent-install.yaml",
  Antivirus: "antivirus.yaml",
  CIS: "cis.yaml",
} as const;

/** The parameter declarations of the shipped copy of a fleet document. */
function shippedParameters(
  kind: keyof typeof SHIPPED_DOCUMENT_FILES,
): Record<string, DocumentParameterDefinition> {
  const file = path.join(findPackageRoot(__dirname), "documents", SHIPPED_DOCUMENT_FILES[kind]);
  const parsed = YAML.parse(fs.readFileSync(file, "utf8")) as {
    parameters?: Record<string, DocumentParameterDefinition>;
  };
  return parsed.parameters ?? {};
}

const PLAN_COLUMNS: readonly Column<FleetMachine>[] = [
  { header: "NAME", value: (m) => m.name },
  { header: "INSTANCE ID", value: (m) => m.id },
  { header: "PING", value: (m) => orNone(m.pingStatus) },
  { header: "PLATFORM", value: (m) => orNone(m.platform) },
];

/** The result table's columns. */
export const RESULT_COLUMNS: readonly Column<TargetResult>[] = [
  { header: "NAME", value: (r) => r.name },
  { header: "INSTANCE ID", value: (r) => r.instanceId },
  { header: "STATUS", value: (r) => r.status },
  {
    header: "CODE",
    value: (r) => (r.responseCode === undefined ? "-" : String(r.responseCode)),
    align: "right",
  },
  { header: "OUTPUT", value: (r) => r.output || "-" },
];

function describeParameters(document: RemediationDocument): string {
  const pairs = Object.entries(document.parameters).map(([k, v]) => `${k}=${v.join(",")}`);
  return pairs.length ? pairs.join(" ") : "(none)";
}

function planText(document: RemediationDocument, targets: readonly FleetMachine[], io: CliIo) {
  return [
    `Document:   ${document.documentName}`,
    `Parameters: ${describeParameters(document)}`,
    `Targets:    ${targets.length} machine${targets.length === 1 ? "" : "s"}`,
    "",
    renderTable(PLAN_COLUMNS, targets, { color: useColor(io) }),
  ].join("\n");
}

/**
 * Progress on stderr: on a terminal one bar redrawn in place (`\r`, line cleared), else a
 * plain line each time the counts change, so logs stay readable.
 */
function progressReporter(io: CliIo): {
  update: (results: readonly TargetResult[]) => void;
  end: () => void;
} {
  const tty = io.stderr.isTTY === true;
  let last = "";
  return {
    update(results) {
      const progress = progressOf(results);
      const line = tty ? progressBar(progress) : progressLine(progress);
      if (line === last) return;
      last = line;
      io.stderr.write(tty ? `\r\u001b[2K${line}` : `${line}\n`);
    },
    end() {
      if (tty && last) io.stderr.write("\n");
    },
  };
}

/**
 * An AWS failure after commands were sent, re-shaped so the CLI's error mapping still sees an
 * AWS error (exit 3) while the message names the commands that keep running in SSM.
 */
function interrupted(error: unknown): unknown {
  if (!(error instanceof RemediationInterruptedError)) return error;
  const cause = (error.cause ?? {}) as { name?: string; message?: string; $metadata?: object };
  return Object.assign(
    new Error(
      `${cause.message ?? String(error.cause)}; commands already sent keep running in SSM: ${error.commandIds.join(" ")} (follow them with aws ssm list-command-invocations --command-id ID)`,
    ),
    { name: cause.name ?? "Error", $metadata: cause.$metadata ?? {} },
  );
}

function parsePollInterval(text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds > 3600) {
    throw new UsageError(`--poll-interval must be seconds from 0 to 3600, got "${text}"`);
  }
  return seconds * 1000;
}

/** Runs the command; exported for tests that bypass commander. */
export async function remediate(
  controlArg: string,
  options: RemediateOptions,
  globals: GlobalOptions,
  ctx: CliContext,
): Promise<CommandResult> {
  let document: RemediationDocument;
  let concurrency: RateControl;
  let errors: RateControl;
  const selector = selectorFrom(options);
  try {
    const control = parseRemediation(controlArg);
    if (isEmptySelector(selector)) {
      throw new UsageError(
        "remediate needs --name PATTERN or --tag KEY=VALUE: it never runs on a whole fleet by default",
      );
    }
    const userParameters = parseParameters(options.parameters ?? []);
    document = remediationDocument(control, globals.fleet, userParameters, options.document);
    if (document.fleetDocument) {
      const problems = parameterProblems(
        document.parameters,
        shippedParameters(document.fleetDocument),
        document.documentName,
      );
      if (problems.length) throw new UsageError(problems.join("\n"));
    }
    concurrency = parseRateControl(options.maxConcurrency, "--max-concurrency");
    errors = parseRateControl(options.maxErrors, "--max-errors");
  } catch (error) {
    if (error instanceof RemediationUsageError) throw new UsageError(error.message);
    throw error;
  }
  const pollIntervalMs = parsePollInterval(options.pollInterval);
  const fleet = requireFleet(globals);

  // The same listing as every command: fleet tag server-side, then tags and --name here.
  const ssm = ctx.clients.ssm(globals);
  const machines = await listFleet(
    { ssm, ec2: () => ctx.clients.ec2(globals) },
    { ...globals, fleet },
    selector,
  );
  if (machines.length === 0) {
    throw new RefusedError(`no machines of fleet ${fleet} match the selection: nothing sent`);
  }
  const targets = machines.map((m) => ({ instanceId: m.id, name: m.name }));
  const plan = planBatches(
    targets.map((t) => t.instanceId),
    concurrency,
    errors,
  );
  const planJson = {
    document: document.documentName,
    parameters: document.parameters,
    targets: machines.map((m) => ({ name: m.name, instanceId: m.id, pingStatus: m.pingStatus })),
    batches: plan.waves.flat().map((b) => ({
      instanceIds: b.instanceIds,
      maxConcurrency: b.maxConcurrency,
      maxErrors: b.maxErrors,
    })),
  };
  const shownPlan = planText(document, machines, ctx.io);
  if (options.dryRun) {
    return {
      text: `${shownPlan}\nDry run: nothing sent.\n`,
      json: { dryRun: true, ...planJson },
      exitCode: 0,
    };
  }

  if (!options.yes) {
    // The plan is for the person deciding: on stdout for humans, on stderr beside --json.
    (globals.json ? ctx.io.stderr : ctx.io.stdout).write(`${shownPlan}\n`);
    if (!canPrompt(ctx.io)) {
      throw new RefusedError(
        `refused: would run ${document.documentName} on ${targets.length} machine(s), but there is no terminal to confirm on; pass --yes to run it`,
      );
    }
    const question = `Run ${document.documentName} on ${targets.length} machine${targets.length === 1 ? "" : "s"}? [y/N] `;
    if (!(await ctx.confirm(question))) {
      throw new RefusedError("refused: nothing sent");
    }
  }

  const progress = progressReporter(ctx.io);
  let run;
  try {
    run = await runRemediation(
      { document, targets, plan, comment: `hybrid-fleet remediate ${controlArg}` },
      {
        ssm,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        pollIntervalMs,
        onProgress: progress.update,
      },
    );
  } catch (error) {
    throw interrupted(error);
  } finally {
    progress.end();
  }
  const counts = progressLine(progressOf(run.results)).replace(/^\d+\/\d+ done {2}/, "");
  const text = [
    renderTable(RESULT_COLUMNS, run.results, { color: useColor(ctx.io) }),
    `${run.results.length} machine${run.results.length === 1 ? "" : "s"}: ${counts}`,
    `Command ID${run.commandIds.length === 1 ? "" : "s"}: ${run.commandIds.join(" ")}`,
    "",
  ].join("\n");
  return {
    text,
    json: { ...planJson, commandIds: run.commandIds, results: run.results },
    exitCode: remediationExitCode(run.results),
  };
}

/** Registers `remediate` on the root program. */
export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command("remediate")
    .description(
      "run a control's enforce document (or the agent installer) on chosen fleet machines with Run Command",
    )
    .argument("<control>", `what to remediate: ${REMEDIATIONS.join(", ")}`);
  addSelectionOptions(command)
    .option("--dry-run", "list the targets and the document; send nothing")
    .option("--yes", "do not ask for confirmation")
    .addOption(
      new Option("--max-concurrency <n|n%>", "machines running at once, fleet-wide").default("10%"),
    )
    .addOption(
      new Option("--max-errors <n|n%>", "errors before SSM stops sending to more machines").default(
        "0",
      ),
    )
    .option(
      "--parameters <name=value>",
      "document parameter; repeat for several (overrides the defaults)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--document <name>", "run this SSM document instead of the fleet's")
    .addOption(new Option("--poll-interval <seconds>", "time between status checks").default("3"))
    .action(
      runAction<RemediateOptions>(ctx, (options, globals, c, args) =>
        remediate(args[0], options, globals, c),
      ),
    );
}
