/**
 * Runs an association's document on one simulated machine, for the simulated State Manager
 * (local/stateManager.ts):
 * - the fleet's own documents (`HybridFleet-<fleet>-Antivirus`, `-CIS`): their real Linux
 *   step from documents/*.yaml, parameters resolved and substituted as SSM Agent does, run with
 *   `sh` in the machine's sandbox (its fake systemctl, oscap and aws; see machineSandbox.ts).
 *   Absolute paths in parameters (definitions, agent files) are moved under the sandbox, since
 *   the machine has no root of its own here;
 * - `AWS-RunPatchBaseline`: simulated (patchBaseline.ts);
 * - `AWS-GatherSoftwareInventory`: simulated as a no-op that succeeds: the fake SSM has no
 *   PutInventory, and the sync's AWS:InstanceInformation comes from DescribeInstanceInformation.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { fleetDocumentName } from "../components/compliance/documentNames";
import { loadDocument, stepScript, substitute, type SsmDoc } from "../local/ssmDocument";
import type { AssociationSpec, AssociationTarget, DocumentRunner } from "../local/stateManager";
import type { BootedMachine } from "./bootMachines";
import { stepEnvironment } from "./machineSandbox";
import { PATCH_DOCUMENT, runPatchBaseline } from "./patchBaseline";

/** `AWS-GatherSoftwareInventory`: see the file header. */
export const INVENTORY_DOCUMENT = "AWS-GatherSoftwareInventory";

/** Parameters whose values are absolute paths on the machine. */
const PATH_PARAMETERS = ["LinuxDefinitionsPath", "LinuxAgentPath", "LinuxResultFile"];

/** What the runner needs. */
export interface DocumentRunnerContext {
  readonly ssm: SSMClient;
  readonly ssmEndpoint: string;
  readonly region: string;
  readonly fleetName: string;
  readonly machines: readonly BootedMachine[];
  /** The simulated S3 bucket root (installers). */
  readonly s3Root: string;
  readonly now: () => Date;
}

function sh(
  script: string,
  cwd: string,
  env: Record<string, string>,
  log: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(log, "a");
    const child = spawn("sh", [script], { cwd, env, stdio: ["ignore", out, out] });
    child.on("error", (err) => {
      fs.closeSync(out);
      reject(err);
    });
    child.on("close", (code) => {
      fs.closeSync(out);
      resolve(code ?? -1);
    });
  });
}

/** A DocumentRunner over the booted machines. */
export function documentRunner(ctx: DocumentRunnerContext): DocumentRunner {
  const fleetDocs: Record<string, SsmDoc> = {
    [fleetDocumentName(ctx.fleetName, "Antivirus")]: loadDocument("antivirus.yaml"),
    [fleetDocumentName(ctx.fleetName, "CIS")]: loadDocument("cis.yaml"),
    [fleetDocumentName(ctx.fleetName, "AgentInstall")]: loadDocument("agent-install.yaml"),
  };
  const byId = new Map(ctx.machines.map((m) => [m.node.InstanceId, m]));
  let runs = 0;
  return async (association: AssociationSpec, target: AssociationTarget): Promise<number> => {
    const machine = byId.get(target.instanceId);
    if (!machine) throw new Error(`no simulated machine behind ${target.instanceId}`);
    const { sandbox } = machine;
    if (association.documentName === PATCH_DOCUMENT) {
      return runPatchBaseline(
        ctx.ssm,
        sandbox,
        target.instanceId,
        association.parameters,
        ctx.now(),
      );
    }
    if (association.documentName === INVENTORY_DOCUMENT) return 0;
    const doc = fleetDocs[association.documentName];
    if (!doc) throw new Error(`the demo cannot run document ${association.documentName}`);
    const parameters: Record<string, string> = { ...association.parameters };
    for (const p of PATH_PARAMETERS) {
      if (parameters[p]?.startsWith("/")) parameters[p] = path.join(sandbox.root, parameters[p]);
    }
    // SSM Agent writes each run's script into its own orchestration folder and runs it there.
    const dir = path.join(sandbox.root, "orchestration", `${++runs}-${association.name}`);
    fs.mkdirSync(dir, { recursive: true });
    const script = path.join(dir, "_script.sh");
    fs.writeFileSync(script, substitute(doc, stepScript(doc, "Linux"), parameters));
    const env = stepEnvironment(
      sandbox,
      target.instanceId,
      ctx.region,
      ctx.ssmEndpoint,
      ctx.s3Root,
    );
    return sh(script, dir, env, path.join(sandbox.root, "associations.log"));
  };
}
