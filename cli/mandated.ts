/**
 * The mandated controls `ready` checks: from `--mandated patch,antivirus` or from the stack
 * file's `controls.<name>.mandatory` (`--config Pulumi.<stack>.yaml`, read by the risk view's
 * own stack-file reader).
 */
import * as fs from "node:fs";
import { CONTROL_COMPLIANCE_TYPES, type RiskControlName } from "../risk/model";
import { riskSettingsFromStackFile, StackFileError } from "../risk/local/config";
import type { MandatedControl } from "../ops/readiness";
import { UsageError } from "./errors";

const NAMES = Object.keys(CONTROL_COMPLIANCE_TYPES) as RiskControlName[];

/** Parses `--mandated` (comma-separated control names). */
export function parseMandated(text: string): MandatedControl[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) {
    throw new UsageError(`--mandated must list controls, from: ${NAMES.join(", ")}`);
  }
  return [...new Set(names)].map((name) => {
    if (!NAMES.includes(name as RiskControlName)) {
      throw new UsageError(`--mandated: unknown control "${name}"; allowed: ${NAMES.join(", ")}`);
    }
    return { name, complianceType: CONTROL_COMPLIANCE_TYPES[name as RiskControlName] };
  });
}

/** The mandated controls and fleet name a stack file configures. */
export function mandatedFromStackFile(
  file: string,
  now: Date,
): { controls: MandatedControl[]; fleetName?: string } {
  if (!fs.existsSync(file)) throw new UsageError(`--config ${file} does not exist`);
  try {
    const settings = riskSettingsFromStackFile(fs.readFileSync(file, "utf8"), file, now);
    return {
      controls: settings.controls
        .filter((c) => c.mandatory)
        .map((c) => ({ name: c.name, complianceType: c.complianceType })),
      fleetName: settings.fleetName,
    };
  } catch (error) {
    if (error instanceof StackFileError) throw new UsageError(error.message);
    throw error;
  }
}
