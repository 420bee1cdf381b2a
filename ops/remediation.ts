/**
 * Pure logic of `hybrid-fleet remediate`: which document and parameters a remediation runs,
 * how the targets are cut into SendCommand batches with rate controls, and how command
 * invocations turn into per-machine results and an exit code. No AWS client here: the
 * sending and polling live in `ops/runCommand.ts`, which takes the client as an argument.
 *
 * SSM facts used (botocore's `ssm/2014-11-06` model and the SSM API reference,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html and
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommandInvocations.html):
 * - SendCommand takes at most 50 `InstanceIds`;
 * - `MaxConcurrency` matches `^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$` (default 50),
 *   `MaxErrors` matches `^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$` (default 0), both 1–7 chars;
 * - an invocation's `Status` is one of Pending, InProgress, Delayed, Success, Cancelled,
 *   TimedOut, Failed, Cancelling; `StatusDetails` says more (Undeliverable, Terminated,
 *   DeliveryTimedOut, ExecutionTimedOut, InvalidPlatform, AccessDenied); Success, Failed,
 *   timed out, Cancelled, Terminated and Undeliverable are terminal
 *   (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html);
 * - the response code and output live on the invocation's plugins (`Details: true`), output
 *   at most 2,500 characters.
 */
import { fleetDocumentName, type FleetDocumentKind } from "../components/compliance/documentNames";

/** What `remediate` can run: the three controls' enforce documents and the agent installer. */
export const REMEDIATIONS = ["patch", "antivirus", "cis", "agent-install"] as const;

/** One of {@link REMEDIATIONS}. */
export type Remediation = (typeof REMEDIATIONS)[number];

/** SendCommand's limit on `InstanceIds` per call. */
export const MAX_INSTANCE_IDS_PER_COMMAND = 50;

/** SSM's patterns for the rate controls (SendCommand's request shapes). */
export const MAX_CONCURRENCY_PATTERN = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
/** See {@link MAX_CONCURRENCY_PATTERN}; MaxErrors also allows `0` and `0%`. */
export const MAX_ERRORS_PATTERN = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;

/** A usage error in `remediate`'s input: the message names the option and what it allows. */
export class RemediationUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemediationUsageError";
  }
}

/** Parameters as SendCommand takes them (every value a list of strings). */
export type CommandParameters = Record<string, string[]>;

/** The document a remediation runs and the parameters it passes. */
export interface RemediationDocument {
  /** SSM document name. */
  readonly documentName: string;
  /** Parameters for SendCommand: the remediation's defaults overlaid by the user's. */
  readonly parameters: CommandParameters;
  /** Which fleet document this is (undefined for AWS-owned or user-named documents). */
  readonly fleetDocument?: FleetDocumentKind;
}

const FLEET_DOCUMENT: Record<Exclude<Remediation, "patch">, FleetDocumentKind> = {
  antivirus: "Antivirus",
  cis: "CIS",
  "agent-install": "AgentInstall",
};

/**
 * The parameters that make each document enforce, as the enforce associations pass them
 * (components/compliance/complianceControls.ts `documentParameters`): the CLI has no stack
 * config, so vendor settings (installer sources, scanner commands) come from `--parameters`.
 */
const ENFORCE_PARAMETERS: Record<Remediation, CommandParameters> = {
  patch: { Operation: ["Install"], RebootOption: ["RebootIfNeeded"] },
  antivirus: { Mode: ["enforce"] },
  cis: { Mode: ["enforce"] },
  "agent-install": {},
};

/**
 * Checks `remediate`'s first argument.
 *
 * @throws RemediationUsageError naming the allowed values.
 */
export function parseRemediation(value: string): Remediation {
  if ((REMEDIATIONS as readonly string[]).includes(value)) return value as Remediation;
  throw new RemediationUsageError(
    `control must be one of ${REMEDIATIONS.join(", ")}, got ${JSON.stringify(value)}`,
  );
}

/**
 * Parses repeated `--parameters k=v` into SendCommand's map. The value may contain `=`; a key
 * given twice is refused (the fleet's documents take String parameters only).
 *
 * @throws RemediationUsageError on a missing `=`, an empty key or a repeated key.
 */
export function parseParameters(pairs: readonly string[]): CommandParameters {
  // A Map, not an object: `key in {}` is true for "constructor" and "__proto__" would be lost.
  const out = new Map<string, string[]>();
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const key = at < 0 ? "" : pair.slice(0, at).trim();
    if (at < 0 || key === "") {
      throw new RemediationUsageError(
        `--parameters must be NAME=VALUE (e.g. Operation=Install), got ${JSON.stringify(pair)}`,
      );
    }
    if (out.has(key)) throw new RemediationUsageError(`--parameters ${key} is given twice`);
    out.set(key, [pair.slice(at + 1)]);
  }
  return Object.fromEntries(out);
}

/**
 * The document and parameters for a remediation on a fleet: `AWS-RunPatchBaseline` with
 * Operation=Install for patch, else the fleet's own document (`HybridFleet-<fleet>-<Kind>`)
 * with Mode=enforce. `documentOverride` (`--document`) replaces the name; `userParameters`
 * (`--parameters`) replace the defaults key by key.
 *
 * @throws RemediationUsageError when a fleet document is needed and no fleet name is given.
 */
export function remediationDocument(
  remediation: Remediation,
  fleetName: string | undefined,
  userParameters: CommandParameters = {},
  documentOverride?: string,
): RemediationDocument {
  const parameters = { ...ENFORCE_PARAMETERS[remediation], ...userParameters };
  const fleetDocument = remediation === "patch" ? undefined : FLEET_DOCUMENT[remediation];
  if (documentOverride !== undefined) {
    if (!/^[a-zA-Z0-9_\-.:/]{3,128}$/.test(documentOverride)) {
      throw new RemediationUsageError(
        `--document must be a document name or ARN matching ^[a-zA-Z0-9_\\-.:/]{3,128}$, got ${JSON.stringify(documentOverride)}`,
      );
    }
    return { documentName: documentOverride, parameters };
  }
  if (fleetDocument === undefined) return { documentName: "AWS-RunPatchBaseline", parameters };
  if (!fleetName) {
    throw new RemediationUsageError(
      `${remediation} runs the fleet's document HybridFleet-<fleet>-${fleetDocument}: give --fleet NAME (or HYBRID_FLEET_NAME), or --document NAME`,
    );
  }
  return { documentName: fleetDocumentName(fleetName, fleetDocument), parameters, fleetDocument };
}

/** A parameter as a command document declares it (the shipped YAML's `parameters` entries). */
export interface DocumentParameterDefinition {
  readonly type?: string;
  readonly default?: unknown;
  readonly allowedValues?: readonly string[];
  readonly allowedPattern?: string;
}

/**
 * Checks parameters against a shipped document's declarations before anything is sent, so a
 * typo fails here, naming the parameter and what it allows, rather than as SSM's
 * InvalidParameters after the targets were chosen.
 *
 * @returns one message per problem (empty when all is well).
 */
export function parameterProblems(
  parameters: CommandParameters,
  definitions: Readonly<Record<string, DocumentParameterDefinition>>,
  documentName: string,
): string[] {
  const problems: string[] = [];
  const names = Object.keys(definitions);
  for (const [key, values] of Object.entries(parameters)) {
    const def = Object.hasOwn(definitions, key) ? definitions[key] : undefined;
    if (!def) {
      problems.push(
        `--parameters ${key}: ${documentName} has no such parameter; it takes ${names.join(", ") || "none"}`,
      );
      continue;
    }
    for (const value of values) {
      if (def.allowedValues && !def.allowedValues.includes(value)) {
        problems.push(
          `--parameters ${key} must be one of ${def.allowedValues.join(", ")}, got ${JSON.stringify(value)}`,
        );
      }
      if (def.allowedPattern !== undefined && !new RegExp(def.allowedPattern).test(value)) {
        problems.push(
          `--parameters ${key} must match ${def.allowedPattern}, got ${JSON.stringify(value)}`,
        );
      }
    }
  }
  for (const [key, def] of Object.entries(definitions)) {
    if (def.default === undefined && !Object.hasOwn(parameters, key)) {
      problems.push(`--parameters ${key} is required by ${documentName}`);
    }
  }
  return problems;
}

/** A rate control: a count of machines or a percentage of the targets. */
export interface RateControl {
  readonly kind: "count" | "percent";
  readonly value: number;
  /** As SSM takes it (`10`, `10%`). */
  readonly text: string;
}

/**
 * Parses `--max-concurrency` / `--max-errors` with SSM's own patterns.
 *
 * @throws RemediationUsageError naming the option and the allowed forms.
 */
export function parseRateControl(
  text: string,
  option: "--max-concurrency" | "--max-errors",
): RateControl {
  const pattern = option === "--max-concurrency" ? MAX_CONCURRENCY_PATTERN : MAX_ERRORS_PATTERN;
  if (!pattern.test(text)) {
    const allowed =
      option === "--max-concurrency"
        ? "a count from 1 (e.g. 10) or a percentage 1%-100% (e.g. 10%)"
        : "a count from 0 (e.g. 0) or a percentage 0%-100% (e.g. 5%)";
    throw new RemediationUsageError(`${option} must be ${allowed}, got ${JSON.stringify(text)}`);
  }
  const percent = text.endsWith("%");
  return { kind: percent ? "percent" : "count", value: Number.parseInt(text, 10), text };
}

/** One SendCommand call. */
export interface CommandBatch {
  /** ≤ {@link MAX_INSTANCE_IDS_PER_COMMAND} instance IDs. */
  readonly instanceIds: readonly string[];
  /** MaxConcurrency for this call. */
  readonly maxConcurrency: string;
  /** MaxErrors for this call. */
  readonly maxErrors: string;
}

/** The batches, grouped in waves: a wave is sent at once, the next only when it has finished. */
export interface BatchPlan {
  readonly waves: readonly (readonly CommandBatch[])[];
  /** The rate controls as the user gave them, for the error budget across waves. */
  readonly maxConcurrency: RateControl;
  readonly maxErrors: RateControl;
}

/**
 * Cuts the targets into SendCommand calls of at most 50 IDs and spreads the rate controls
 * over them so the fleet-wide limits the user asked for still hold, since SSM applies
 * MaxConcurrency and MaxErrors to each command on its own:
 * - a percentage applies to each batch unchanged (10% of every batch is 10% of the whole), and
 *   all batches go in one wave;
 * - a count N is shared: at most N batches run at once (one wave), each with
 *   `floor(N / batches in the wave)` (at least 1) concurrent machines; a MaxErrors count is
 *   shared the same way (`floor(E / batches in the wave)`), and {@link errorBudgetLeft} stops
 *   further waves once the whole run's errors exceed E.
 */
export function planBatches(
  instanceIds: readonly string[],
  maxConcurrency: RateControl,
  maxErrors: RateControl,
): BatchPlan {
  const chunks: string[][] = [];
  for (let i = 0; i < instanceIds.length; i += MAX_INSTANCE_IDS_PER_COMMAND) {
    chunks.push(instanceIds.slice(i, i + MAX_INSTANCE_IDS_PER_COMMAND));
  }
  const waveSize =
    maxConcurrency.kind === "percent"
      ? chunks.length
      : Math.min(chunks.length, maxConcurrency.value);
  const waves: CommandBatch[][] = [];
  for (let i = 0; i < chunks.length; i += Math.max(1, waveSize)) {
    const wave = chunks.slice(i, i + Math.max(1, waveSize));
    const share = (rate: RateControl, min: number): string =>
      rate.kind === "percent"
        ? rate.text
        : String(Math.max(min, Math.floor(rate.value / wave.length)));
    waves.push(
      wave.map((ids) => ({
        instanceIds: ids,
        maxConcurrency: share(maxConcurrency, 1),
        maxErrors: share(maxErrors, 0),
      })),
    );
  }
  return { waves, maxConcurrency, maxErrors };
}

/**
 * Whether another wave may be sent after `errors` errors among `done` finished targets out of
 * `total`: SSM stops a command once its errors exceed MaxErrors, and this keeps that promise
 * across the separate commands of one remediation.
 */
export function errorBudgetLeft(maxErrors: RateControl, errors: number, total: number): boolean {
  const allowed =
    maxErrors.kind === "percent" ? Math.floor((maxErrors.value / 100) * total) : maxErrors.value;
  return errors <= allowed;
}

/** The shape of a command invocation this module reads (a subset of the SDK's CommandInvocation). */
export interface InvocationLike {
  readonly InstanceId?: string;
  readonly Status?: string;
  readonly StatusDetails?: string;
  readonly CommandPlugins?: readonly {
    readonly Name?: string;
    readonly Status?: string;
    readonly ResponseCode?: number;
    readonly Output?: string;
  }[];
}

/** Where a target stands, as the CLI shows it. */
export type TargetStatus =
  | "Pending"
  | "InProgress"
  | "Delayed"
  | "Cancelling"
  | "Success"
  | "Failed"
  | "TimedOut"
  | "DeliveryTimedOut"
  | "ExecutionTimedOut"
  | "Cancelled"
  | "Terminated"
  | "Undeliverable"
  | "InvalidPlatform"
  | "AccessDenied"
  | "NotSent";

/** Statuses that end a target's run (everything else is still moving). */
export const TERMINAL_STATUSES: ReadonlySet<TargetStatus> = new Set<TargetStatus>([
  "Success",
  "Failed",
  "TimedOut",
  "DeliveryTimedOut",
  "ExecutionTimedOut",
  "Cancelled",
  "Terminated",
  "Undeliverable",
  "InvalidPlatform",
  "AccessDenied",
  "NotSent",
]);

/** Statuses that count against MaxErrors (SSM: Failed and Execution Timed Out). */
const ERROR_STATUSES: ReadonlySet<TargetStatus> = new Set<TargetStatus>([
  "Failed",
  "TimedOut",
  "ExecutionTimedOut",
]);

/** StatusDetails that say more than Status; SSM writes them with or without spaces. */
const DETAILED: Readonly<Record<string, TargetStatus>> = {
  Undeliverable: "Undeliverable",
  Terminated: "Terminated",
  DeliveryTimedOut: "DeliveryTimedOut",
  ExecutionTimedOut: "ExecutionTimedOut",
  InvalidPlatform: "InvalidPlatform",
  AccessDenied: "AccessDenied",
};

/**
 * The status to show for an invocation: the detailed status when it names a terminal state
 * Status does not (Undeliverable, Terminated, the two time-outs, …), else Status itself.
 */
export function targetStatus(invocation: InvocationLike | undefined): TargetStatus {
  if (!invocation) return "Pending";
  const detail = DETAILED[(invocation.StatusDetails ?? "").replace(/\s+/g, "")];
  if (detail) return detail;
  const status = invocation.Status ?? "Pending";
  const known: readonly string[] = [
    "Pending",
    "InProgress",
    "Delayed",
    "Cancelling",
    "Success",
    "Failed",
    "TimedOut",
    "Cancelled",
  ];
  return (known.includes(status) ? status : "Pending") as TargetStatus;
}

/**
 * The invocation's response code: the first plugin that did not succeed, else the last
 * plugin's (a document's steps each report one).
 */
export function responseCode(invocation: InvocationLike | undefined): number | undefined {
  const plugins = invocation?.CommandPlugins ?? [];
  const failing = plugins.find((p) => p.Status !== undefined && p.Status !== "Success");
  return (failing ?? plugins[plugins.length - 1])?.ResponseCode;
}

/** Longest output excerpt shown in the table. */
export const OUTPUT_EXCERPT_LENGTH = 60;

/**
 * A one-line excerpt of the output: the failing plugin's (else the last plugin's) last
 * non-empty line, which is where scripts put their verdict, cut to `max` characters.
 */
export function outputExcerpt(
  invocation: InvocationLike | undefined,
  max = OUTPUT_EXCERPT_LENGTH,
): string {
  const plugins = invocation?.CommandPlugins ?? [];
  const plugin =
    plugins.find((p) => p.Status !== undefined && p.Status !== "Success") ??
    plugins[plugins.length - 1];
  const lines = (plugin?.Output ?? "")
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+/g, " ").trim())
    .filter((l) => l !== "" && !/^-+ERROR-+$/.test(l));
  const last = lines[lines.length - 1] ?? "";
  return last.length > max ? `${last.slice(0, max - 1)}…` : last;
}

/** A machine the remediation targets. */
export interface RemediationTarget {
  readonly instanceId: string;
  readonly name: string;
}

/** One row of the result table. */
export interface TargetResult {
  readonly name: string;
  readonly instanceId: string;
  readonly status: TargetStatus;
  readonly responseCode?: number;
  readonly output: string;
  /** The command this target ran under (undefined when never sent). */
  readonly commandId?: string;
}

/** Builds a target's row from its latest invocation (or none yet). */
export function targetResult(
  target: RemediationTarget,
  invocation: InvocationLike | undefined,
  commandId: string | undefined,
): TargetResult {
  return {
    name: target.name,
    instanceId: target.instanceId,
    status: commandId === undefined ? "NotSent" : targetStatus(invocation),
    responseCode: responseCode(invocation),
    output: outputExcerpt(invocation),
    commandId,
  };
}

/** Progress over all targets. */
export interface RemediationProgress {
  /** Targets in a terminal status. */
  readonly done: number;
  readonly total: number;
  /** Targets per status, statuses in first-seen order of {@link STATUS_ORDER}. */
  readonly counts: Readonly<Partial<Record<TargetStatus, number>>>;
  /** Targets that count against MaxErrors. */
  readonly errors: number;
}

/** The order statuses are listed in (progress line, summaries). */
export const STATUS_ORDER: readonly TargetStatus[] = [
  "Success",
  "Failed",
  "TimedOut",
  "ExecutionTimedOut",
  "DeliveryTimedOut",
  "Undeliverable",
  "Terminated",
  "Cancelled",
  "InvalidPlatform",
  "AccessDenied",
  "NotSent",
  "InProgress",
  "Delayed",
  "Pending",
  "Cancelling",
];

/** Counts the results by status. */
export function progressOf(results: readonly TargetResult[]): RemediationProgress {
  const counts: Partial<Record<TargetStatus, number>> = {};
  for (const status of STATUS_ORDER) {
    const n = results.filter((r) => r.status === status).length;
    if (n > 0) counts[status] = n;
  }
  return {
    done: results.filter((r) => TERMINAL_STATUSES.has(r.status)).length,
    total: results.length,
    counts,
    errors: results.filter((r) => ERROR_STATUSES.has(r.status)).length,
  };
}

/** `12/60 done  Success 10  Failed 2  InProgress 48`: one progress line without a bar. */
export function progressLine(progress: RemediationProgress): string {
  const counts = Object.entries(progress.counts).map(([status, n]) => `${status} ${n}`);
  return [`${progress.done}/${progress.total} done`, ...counts].join("  ");
}

/** `[########------------] ` + {@link progressLine}: the bar drawn on a TTY, `width` cells. */
export function progressBar(progress: RemediationProgress, width = 20): string {
  const filled =
    progress.total === 0 ? width : Math.floor((progress.done / progress.total) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${progressLine(progress)}`;
}

/** `remediate` exits 0 only when every target succeeded, else 1 (see the README's CLI section). */
export function remediationExitCode(results: readonly TargetResult[]): 0 | 1 {
  return results.length > 0 && results.every((r) => r.status === "Success") ? 0 : 1;
}
