/**
 * The risk settings of a stack file (`Pulumi.<stack>.yaml`), for `npm run risk -- --config`:
 * the enabled controls with their severity and mandate, the acceptance register, the stale
 * days, the severity weights, the top list's length, the fleet name and the tag keys. Values
 * are checked with the stack config's own schemas (config/schema.ts), so a bad value fails
 * with the same words as in `pulumi preview`; the register with `validateAcceptances`.
 * As in a deploy, an acceptance whose expiry has passed is a warning, not an error: reporting
 * expired acceptances is what the risk view is for.
 */
import * as YAML from "yaml";
import type { z } from "zod";
import { formatPath, schemaProblems } from "../../components/shared/argsSchema";
import { PROJECT, STACK_CONFIG_KEYS } from "../../config/schema";
import {
  CONTROL_COMPLIANCE_TYPES,
  DEFAULT_RISK_STALE_DAYS,
  DEFAULT_SEVERITY_WEIGHTS,
  DEFAULT_TOP_MACHINES,
  type Acceptance,
  type RiskControl,
  type RiskControlName,
  type Severity,
  type SeverityWeights,
} from "../model";
import { acceptanceWarnings, validateAcceptances } from "../register";

/**
 * Severity of each control's findings unless configured: the associations' defaults
 * (CONTROL_DEFAULTS in components/compliance/complianceControls.ts; a test keeps them equal —
 * importing that file here would load Pulumi into the CLI).
 */
export const CONTROL_DEFAULT_SEVERITIES: Readonly<Record<RiskControlName, Severity>> = {
  patch: "HIGH",
  antivirus: "HIGH",
  cis: "MEDIUM",
};

/** A stack file's risk settings, defaults filled in. */
export interface StackRiskSettings {
  /** Enabled controls in config order (patch, antivirus, cis). */
  readonly controls: readonly RiskControl[];
  readonly acceptances: readonly Acceptance[];
  readonly staleDays: number;
  readonly weights: SeverityWeights;
  readonly topMachines: number;
  /** The stack's fleet name, when the file sets one. */
  readonly fleetName?: string;
  readonly fleetTagKey: string;
  readonly modeTagKey: string;
  readonly environmentTagKey: string;
  /** Things worth saying that do not stop the run (acceptances already expired). */
  readonly warnings: readonly string[];
}

/** The stack file is unreadable or holds invalid values; every problem is listed. */
export class StackFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "StackFileError";
  }
}

/** The risk settings when there is no stack file: every control on with its defaults. */
export function defaultRiskSettings(): StackRiskSettings {
  return {
    controls: (Object.keys(CONTROL_COMPLIANCE_TYPES) as RiskControlName[]).map((name) => ({
      name,
      complianceType: CONTROL_COMPLIANCE_TYPES[name],
      severity: CONTROL_DEFAULT_SEVERITIES[name],
      mandatory: false,
    })),
    acceptances: [],
    staleDays: DEFAULT_RISK_STALE_DAYS,
    weights: DEFAULT_SEVERITY_WEIGHTS,
    topMachines: DEFAULT_TOP_MACHINES,
    fleetTagKey: "HybridFleet",
    modeTagKey: "ComplianceMode",
    environmentTagKey: "Environment",
    warnings: [],
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads the risk settings from a stack file's text. Throws {@link StackFileError} listing
 * every problem (YAML syntax, bad values, an invalid acceptance). `now` is the snapshot time
 * the acceptances' expiries are judged at.
 */
export function riskSettingsFromStackFile(
  text: string,
  file: string,
  now: Date,
): StackRiskSettings {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new StackFileError(file, [`not valid YAML: ${(err as Error).message.split("\n")[0]}`]);
  }
  const config = isObj(doc) && isObj(doc.config) ? doc.config : undefined;
  if (config === undefined) {
    throw new StackFileError(file, ["has no config: mapping (is it a Pulumi.<stack>.yaml?)"]);
  }
  const value = (key: string): unknown => config[`${PROJECT}:${key}`];
  const problems: string[] = [];
  const checked = <K extends keyof typeof STACK_CONFIG_KEYS>(key: K) => {
    const schema = STACK_CONFIG_KEYS[key] as z.ZodType;
    for (const p of schemaProblems(schema, value(key))) {
      problems.push(`${PROJECT}:${formatPath([key, ...p.path])}: ${p.problem}`);
    }
    const parsed = schema.safeParse(value(key));
    return (parsed.success ? parsed.data : undefined) as z.output<(typeof STACK_CONFIG_KEYS)[K]>;
  };
  const defaults = defaultRiskSettings();
  const fleetName = checked("fleetName");
  const fleetTagKey = checked("fleetTagKey") ?? defaults.fleetTagKey;
  const modeTagKey = checked("modeTagKey") ?? defaults.modeTagKey;
  const environmentTagKey = checked("environmentTagKey") ?? defaults.environmentTagKey;
  const controlSettings = (checked("controls") ?? {}) as Record<
    string,
    { enabled?: boolean; severity?: Severity; mandatory?: boolean } | undefined
  >;
  const controls: RiskControl[] = defaults.controls
    .filter((c) => controlSettings[c.name]?.enabled !== false)
    .map((c) => ({
      ...c,
      severity: controlSettings[c.name]?.severity ?? c.severity,
      mandatory: controlSettings[c.name]?.mandatory ?? false,
    }));

  const risk = checked("risk") ?? STACK_CONFIG_KEYS.risk.parse({});
  // The register as written (even when its shape is wrong), for validateAcceptances' words.
  const rawRisk = value("risk");
  const acceptances: unknown[] =
    isObj(rawRisk) && Array.isArray(rawRisk.acceptances) ? rawRisk.acceptances : [];

  const warnings: string[] = [];
  const acceptanceProblems = validateAcceptances(acceptances, {
    controls,
    now,
    maxAcceptanceDays: risk.maxAcceptanceDays,
    basePath: `${PROJECT}:risk.acceptances`,
  });
  const registerPaths = new Set(acceptanceProblems.map((p) => p.path));
  // The register's own check says it better; drop the schema's words for the same value.
  const kept = problems.filter((p) => !registerPaths.has(p.slice(0, p.indexOf(": "))));
  problems.length = 0;
  problems.push(...kept);
  problems.push(...acceptanceProblems.map((p) => `${p.path}: ${p.message}`));
  if (problems.length === 0) {
    // Expired acceptances are reported as expired in the snapshot, not refused.
    warnings.push(
      ...acceptanceWarnings(risk.acceptances as Acceptance[], now, `${PROJECT}:risk.acceptances`),
    );
  }
  if (problems.length > 0) throw new StackFileError(file, problems);
  return {
    controls,
    acceptances: risk.acceptances as Acceptance[],
    staleDays: risk.staleDays,
    weights: risk.severityWeights,
    topMachines: risk.topMachines,
    ...(fleetName ? { fleetName } : {}),
    fleetTagKey,
    modeTagKey,
    environmentTagKey,
    warnings,
  };
}
