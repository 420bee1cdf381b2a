/**
 * Gathers what ops/prunePlan.ts plans from: the fleet's managed nodes, the activations, EC2's
 * word on the instance IDs fleet nodes are named after, and the account's hybrid node count
 * (the standard tier's limit is per account and region, whatever the fleet). Clients come in
 * as arguments; nothing here constructs one.
 *
 * API shapes (SSM API reference):
 * - DescribeInstanceInformation: MaxResults 5-50; `tag:<key>` filters cannot be combined with
 *   other keys, so the fleet query is the tag filter alone and the node type is checked
 *   client-side; `Name` is the activation's DefaultInstanceName for hybrid nodes
 *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html,
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html).
 * - DescribeActivations: MaxResults 1-50, no tag filter: every activation is listed and the plan
 *   keeps the fleet's by their tags
 *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeActivations.html).
 * - EC2 DescribeInstances with an `instance-id` filter: unknown IDs are simply absent (the
 *   `InstanceIds` parameter would fail the whole call with InvalidInstanceID.NotFound), and a
 *   terminated instance stays visible for a while with state `terminated`
 *   (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html).
 */
import { DescribeInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeActivationsCommand,
  DescribeInstanceInformationCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import {
  ec2IdsToCheck,
  type Ec2State,
  type PruneActivation,
  type PruneInputs,
  type PruneNode,
} from "./prunePlan";

/** Instance IDs per DescribeInstances call (one filter's values). */
export const EC2_IDS_PER_CALL = 100;

type Ssm = Pick<SSMClient, "send">;
type Ec2 = Pick<EC2Client, "send">;

/** What {@link gatherPruneInputs} needs to know. */
export interface FleetSelector {
  readonly fleetTagKey: string;
  readonly fleetName: string;
}

/**
 * The fleet's managed nodes (every type; the plan keeps the hybrid ones). Their fleet tag is
 * known from the server-side tag filter, which is the only way SSM returns them.
 */
export async function listFleetNodes(ssm: Ssm, fleet: FleetSelector): Promise<PruneNode[]> {
  const nodes: PruneNode[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: `tag:${fleet.fleetTagKey}`, Values: [fleet.fleetName] }],
        MaxResults: 50,
        NextToken: nextToken,
      }),
    );
    for (const i of page.InstanceInformationList ?? []) {
      if (i.InstanceId === undefined) continue;
      nodes.push({
        instanceId: i.InstanceId,
        name: i.Name,
        pingStatus: i.PingStatus,
        resourceType: i.ResourceType,
        registrationDate: i.RegistrationDate,
        lastPingDateTime: i.LastPingDateTime,
        tags: { [fleet.fleetTagKey]: fleet.fleetName },
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return nodes;
}

/** Hybrid nodes registered in the account and region (all fleets): what the tier limit counts. */
export async function countHybridNodes(ssm: Ssm): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: "ResourceType", Values: ["ManagedInstance"] }],
        MaxResults: 50,
        NextToken: nextToken,
      }),
    );
    count += (page.InstanceInformationList ?? []).length;
    nextToken = page.NextToken;
  } while (nextToken);
  return count;
}

/** Every activation in the account and region, with its tags. */
export async function listActivations(ssm: Ssm): Promise<PruneActivation[]> {
  const activations: PruneActivation[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeActivationsCommand({ MaxResults: 50, NextToken: nextToken }),
    );
    for (const a of page.ActivationList ?? []) {
      if (a.ActivationId === undefined) continue;
      activations.push({
        activationId: a.ActivationId,
        defaultInstanceName: a.DefaultInstanceName,
        expired: a.Expired,
        expirationDate: a.ExpirationDate,
        registrationsCount: a.RegistrationsCount,
        registrationLimit: a.RegistrationLimit,
        tags: Object.fromEntries((a.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return activations;
}

/** EC2's word on each ID: `exists`, `terminated`, or `not-found` when EC2 returns nothing. */
export async function ec2States(ec2: Ec2, ids: readonly string[]): Promise<Map<string, Ec2State>> {
  const states = new Map<string, Ec2State>(ids.map((id) => [id, "not-found"]));
  for (let i = 0; i < ids.length; i += EC2_IDS_PER_CALL) {
    const chunk = ids.slice(i, i + EC2_IDS_PER_CALL);
    let nextToken: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: "instance-id", Values: chunk }],
          MaxResults: 1000,
          NextToken: nextToken,
        }),
      );
      for (const r of page.Reservations ?? []) {
        for (const inst of r.Instances ?? []) {
          if (inst.InstanceId === undefined || !states.has(inst.InstanceId)) continue;
          states.set(inst.InstanceId, inst.State?.Name === "terminated" ? "terminated" : "exists");
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return states;
}

/** Everything a plan needs, plus the account's hybrid node count for the tier alarm. */
export interface GatheredPruneInputs extends PruneInputs {
  readonly accountHybridNodes: number;
}

/** Lists nodes, activations and the hybrid count, then asks EC2 about the IDs that matter. */
export async function gatherPruneInputs(
  clients: { readonly ssm: Ssm; readonly ec2: Ec2 },
  fleet: FleetSelector,
  now: Date,
): Promise<GatheredPruneInputs> {
  const nodes = await listFleetNodes(clients.ssm, fleet);
  const activations = await listActivations(clients.ssm);
  const accountHybridNodes = await countHybridNodes(clients.ssm);
  const ec2 = await ec2States(clients.ec2, ec2IdsToCheck(nodes, fleet));
  return { nodes, activations, ec2, now, accountHybridNodes };
}
