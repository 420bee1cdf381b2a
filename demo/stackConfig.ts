/**
 * The demo's stack: what a `Pulumi.<stack>.yaml` would hold, embedded so `npm start` needs no
 * configuration. It differs from the dev stack (Pulumi.dev.yaml) only where the simulation
 * needs it: an anti-virus installer the mandated control can install (from the simulated S3
 * bucket), definitions and patching that enforce mode can actually fix (RebootIfNeeded, as
 * NoReboot leaves patches InstalledPendingReboot and non-compliant), and an acceptance for a
 * Linux package rather than a Windows KB.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

/** The installer the simulated S3 bucket serves (see local/bin/fake-clamav-installer). */
export const AV_INSTALLER_FILE = path.join(
  __dirname,
  "..",
  "local",
  "bin",
  "fake-clamav-installer",
);
/** Where the anti-virus installer "lives" (the simulated bucket maps it to a file). */
export const AV_INSTALLER_SOURCE = "s3://demo-agent-installers/clamav/install.sh";
/** Days the demo's acceptance runs from now (acceptances may run at most 365 days). */
const ACCEPTANCE_DAYS = 180;

/** The settings of the demo stack that the steps read directly. */
export interface DemoStack {
  readonly region: string;
  readonly fleetName: string;
  /** The activation API's environment: EC2 machines get it (token machines their grant's). */
  readonly environment: string;
  readonly defaultMode: "report" | "enforce";
  readonly fleetTagKey: string;
  readonly modeTagKey: string;
  readonly environmentTagKey: string;
  /** `controls` as ComplianceControls takes it. */
  readonly controls: Record<string, unknown>;
  /** The whole stack file, as Pulumi.<stack>.yaml text (read by the risk engine's loader). */
  readonly yaml: string;
}

/** The demo stack as of `now` (the acceptance's expiry is relative to it). */
export function demoStack(now: Date): DemoStack {
  const sha = createHash("sha256").update(fs.readFileSync(AV_INSTALLER_FILE)).digest("hex");
  const controls = {
    patch: { rebootOption: "RebootIfNeeded" },
    antivirus: {
      mandatory: true,
      maxDefinitionsAgeHours: 48,
      linux: {
        serviceName: "clamav-freshclam",
        definitionsPath: "/var/lib/clamav",
        installerSource: AV_INSTALLER_SOURCE,
        installerSha256: sha,
      },
    },
    cis: { schedule: "rate(7 days)", severity: "MEDIUM" },
    // No other inventory association in this (simulated) account: say so, which silences the
    // component's warning about two inventory associations.
    inventory: { enabled: true },
  };
  const expiresAt = new Date(now.getTime() + ACCEPTANCE_DAYS * 86_400_000);
  const config = {
    "aws:region": "ap-southeast-2",
    "ssm-hybrid-fleet:fleetName": "demo",
    "ssm-hybrid-fleet:environment": "dev",
    "ssm-hybrid-fleet:defaultMode": "report",
    "ssm-hybrid-fleet:controls": controls,
    "ssm-hybrid-fleet:risk": {
      // Every machine in the report's and the table's list (npm start boots at most 200).
      topMachines: 200,
      acceptances: [
        {
          id: "erp-openssl",
          control: "patch",
          findingPattern: "^openssl$",
          names: ["erp-01"],
          reason: "ERP vendor certifies only the current OpenSSL build; upgrade planned for Q2",
          approver: "CAB-2026-114",
          expiresAt: `${expiresAt.toISOString().slice(0, 10)}T00:00:00Z`,
        },
      ],
    },
  };
  return {
    region: config["aws:region"],
    fleetName: config["ssm-hybrid-fleet:fleetName"],
    environment: config["ssm-hybrid-fleet:environment"],
    defaultMode: "report",
    // The package's defaults (DESIGN.md "Contracts"); the demo stack does not override them.
    fleetTagKey: "HybridFleet",
    modeTagKey: "ComplianceMode",
    environmentTagKey: "Environment",
    controls,
    yaml: YAML.stringify({ config }),
  };
}
