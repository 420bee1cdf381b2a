/**
 * A simulated `AWS-RunPatchBaseline` (AWS's own document, not this package's): its real step
 * runs the distribution's package manager against AWS's patch baseline service, which cannot
 * run here, and installing packages would change this host. So the machine's missing patches
 * are a state file, and this does what the document reports: one `Patch` compliance item per
 * baseline patch, with the PatchState the document uses (Installed, Missing,
 * InstalledPendingReboot), sent as PutComplianceItems to the fake SSM over its wire protocol.
 * `Operation=Install` first "installs" the missing patches; with `RebootOption=NoReboot` they
 * stay InstalledPendingReboot, which is non-compliant (aws-facts.md, State Manager).
 */
import * as fs from "node:fs";
import { PutComplianceItemsCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { PATCHES } from "./fleetPlan";
import { missingPatches, type MachineSandbox } from "./machineSandbox";

/** The document's name; associations naming it run {@link runPatchBaseline}. */
export const PATCH_DOCUMENT = "AWS-RunPatchBaseline";

/** Runs the simulated document on one machine; resolves to its exit code. */
export async function runPatchBaseline(
  ssm: SSMClient,
  sandbox: MachineSandbox,
  instanceId: string,
  parameters: Readonly<Record<string, string>>,
  now: Date,
): Promise<number> {
  const operation = parameters.Operation;
  if (operation !== "Scan" && operation !== "Install") return 1;
  const missing = new Set(missingPatches(sandbox));
  const pendingReboot = new Set<string>();
  if (operation === "Install") {
    if (parameters.RebootOption === "NoReboot") for (const id of missing) pendingReboot.add(id);
    fs.writeFileSync(sandbox.patchState, "");
    missing.clear();
  }
  await ssm.send(
    new PutComplianceItemsCommand({
      ResourceId: instanceId,
      ResourceType: "ManagedInstance",
      ComplianceType: "Patch",
      ExecutionSummary: { ExecutionTime: now, ExecutionType: "Command" },
      UploadType: "COMPLETE",
      Items: PATCHES.map((p) => {
        const state = missing.has(p.id)
          ? "Missing"
          : pendingReboot.has(p.id)
            ? "InstalledPendingReboot"
            : "Installed";
        return {
          Id: p.id,
          Title: p.title,
          Severity: p.severity,
          Status: state === "Installed" ? "COMPLIANT" : "NON_COMPLIANT",
          Details: { PatchState: state, Classification: "Security", DocumentName: PATCH_DOCUMENT },
        };
      }),
    }),
  );
  return 0;
}
