/**
 * Switching machines between `report` and `enforce`: the seed's tag switch. State Manager's
 * associations target the mode tag (`tag:<mode key>`), so changing the tag is the switch.
 *
 * Where the tag lives depends on the machine:
 * - hybrid nodes (`mi-`): an SSM resource tag, AddTagsToResource with ResourceType
 *   ManagedInstance ("The ManagedInstance type for this API operation is for on-premises
 *   managed nodes", https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_AddTagsToResource.html);
 * - EC2 instances (`i-`): association targets `tag:K` match the instance's EC2 tags ("instances
 *   that include EC2 tags of ServerRole,WebServer",
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ssm-association-targets.html),
 *   so the tag is set with ec2:CreateTags (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTags.html),
 *   which overwrites an existing value of the key.
 */
import { CreateTagsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { AddTagsToResourceCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { mapLimit } from "../functions/shared/concurrency";
import type { FleetMachine } from "./fleet";

/** The modes the compliance associations target. */
export const MODES = ["report", "enforce"] as const;
/** One of {@link MODES}. */
export type Mode = (typeof MODES)[number];

/** Which selected machines a mode switch changes, and which already are in the mode. */
export interface ModePlan {
  readonly mode: Mode;
  readonly change: readonly FleetMachine[];
  readonly unchanged: readonly FleetMachine[];
}

/** Splits `machines` into those to change and those already in `mode`. */
export function planModeChange(machines: readonly FleetMachine[], mode: Mode): ModePlan {
  return {
    mode,
    change: machines.filter((m) => m.mode !== mode),
    unchanged: machines.filter((m) => m.mode === mode),
  };
}

/** The outcome for one machine. */
export interface ModeResult {
  readonly machine: FleetMachine;
  readonly outcome: "changed" | "failed";
  /** `Name: message` of the AWS error when failed. */
  readonly error?: string;
}

/** Clients and knobs for {@link applyModeChange}. */
export interface ModeDeps {
  readonly ssm: SSMClient;
  readonly ec2: () => EC2Client;
  /** @default 4 */
  readonly concurrency?: number;
}

/** Sets the mode tag on one machine, where its associations read it. */
export async function setModeTag(
  deps: ModeDeps,
  machine: FleetMachine,
  modeTagKey: string,
  mode: Mode,
): Promise<void> {
  const tag = { Key: modeTagKey, Value: mode };
  if (machine.id.startsWith("i-")) {
    await deps.ec2().send(new CreateTagsCommand({ Resources: [machine.id], Tags: [tag] }));
  } else {
    await deps.ssm.send(
      new AddTagsToResourceCommand({
        ResourceType: "ManagedInstance",
        ResourceId: machine.id,
        Tags: [tag],
      }),
    );
  }
}

/**
 * Applies `plan`: tags every machine to change, `concurrency` at a time. A machine's AWS
 * error is recorded as its failure and the others carry on; anything else (a bug) throws.
 */
export async function applyModeChange(
  deps: ModeDeps,
  plan: ModePlan,
  modeTagKey: string,
): Promise<ModeResult[]> {
  return mapLimit(plan.change, deps.concurrency ?? 4, async (machine) => {
    try {
      await setModeTag(deps, machine, modeTagKey, plan.mode);
      return { machine, outcome: "changed" as const };
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: unknown };
      if (e?.$metadata === undefined) throw error;
      return { machine, outcome: "failed" as const, error: `${e.name}: ${e.message}` };
    }
  });
}
