/**
 * The fleet as SSM sees it: every managed node carrying the fleet tag, with its tags, name,
 * environment and mode. Shared by the CLI commands and the janitor; clients are passed in.
 *
 * - DescribeInstanceInformation filtered by `tag:<fleet key>` = fleet, 50 a page (the API's
 *   maximum), following NextToken to the end. Tag filters cannot be combined with other
 *   filter keys, and there is no Name filter, so everything else is filtered here.
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html
 * - Tags: InstanceInformation carries none. Hybrid nodes (`mi-`): ListTagsForResource with
 *   ResourceType ManagedInstance, one call per node, `concurrency` at a time. EC2 instances
 *   (`i-`): their tags are EC2 tags, read with ec2:DescribeTags by resource ID in batches.
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListTagsForResource.html
 */
import { DescribeTagsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeInstanceInformationCommand,
  ListTagsForResourceCommand,
  type InstanceInformation,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { mapLimit } from "../functions/shared/concurrency";
import { matchesSelector, type Selector } from "./selector";

/** DescribeInstanceInformation's largest page. */
export const INSTANCE_PAGE_SIZE = 50;
/** ListTagsForResource calls in flight at once. */
export const DEFAULT_TAG_CONCURRENCY = 8;
/** Instance IDs per ec2:DescribeTags `resource-id` filter. */
export const EC2_TAG_BATCH = 100;

/** One fleet machine. */
export interface FleetMachine {
  /** `mi-…` (hybrid node) or `i-…` (EC2 instance). */
  readonly id: string;
  /** Name tag, else computer name, else the ID. */
  readonly name: string;
  /** `ManagedInstance` or `EC2Instance`. */
  readonly resourceType: string;
  /** Environment tag value, or undefined. */
  readonly environment?: string;
  /** Mode tag value (`report`/`enforce`), or undefined when untagged. */
  readonly mode?: string;
  /** `Online`, `ConnectionLost` or `Inactive`. */
  readonly pingStatus?: string;
  /** LastPingDateTime (unset right after registration). */
  readonly lastPing?: Date;
  readonly agentVersion?: string;
  readonly computerName?: string;
  readonly platform?: string;
  /** Every tag on the machine. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Which fleet, and which tag keys carry name, environment and mode. */
export interface FleetScope {
  readonly fleet: string;
  readonly fleetTagKey: string;
  readonly modeTagKey: string;
  readonly environmentTagKey: string;
}

/** Clients and knobs for {@link listFleet}. */
export interface FleetDeps {
  readonly ssm: SSMClient;
  /** Only used when the fleet has EC2 instances (`i-`). */
  readonly ec2: () => EC2Client;
  /** @default DEFAULT_TAG_CONCURRENCY */
  readonly concurrency?: number;
}

/** Every node DescribeInstanceInformation returns for the fleet tag, all pages. */
export async function describeFleetNodes(
  ssm: SSMClient,
  scope: Pick<FleetScope, "fleet" | "fleetTagKey">,
): Promise<InstanceInformation[]> {
  const nodes: InstanceInformation[] = [];
  let token: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: `tag:${scope.fleetTagKey}`, Values: [scope.fleet] }],
        MaxResults: INSTANCE_PAGE_SIZE,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    nodes.push(...(page.InstanceInformationList ?? []));
    token = page.NextToken;
  } while (token);
  return nodes;
}

function toRecord(tags: readonly { Key?: string; Value?: string }[] | undefined) {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

async function ec2Tags(ec2: EC2Client, ids: readonly string[]) {
  const byId = new Map<string, Record<string, string>>(ids.map((id) => [id, {}]));
  for (let i = 0; i < ids.length; i += EC2_TAG_BATCH) {
    const batch = ids.slice(i, i + EC2_TAG_BATCH);
    let token: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeTagsCommand({
          Filters: [{ Name: "resource-id", Values: batch }],
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const t of page.Tags ?? []) {
        if (t.ResourceId && t.Key !== undefined) byId.get(t.ResourceId)![t.Key] = t.Value ?? "";
      }
      token = page.NextToken;
    } while (token);
  }
  return byId;
}

/** A machine from its SSM record and tags. */
export function toFleetMachine(
  node: InstanceInformation,
  tags: Readonly<Record<string, string>>,
  scope: FleetScope,
): FleetMachine {
  const id = node.InstanceId ?? "";
  return {
    id,
    name: tags.Name || node.Name || node.ComputerName || id,
    resourceType: node.ResourceType ?? (id.startsWith("mi-") ? "ManagedInstance" : "EC2Instance"),
    environment: tags[scope.environmentTagKey],
    mode: tags[scope.modeTagKey],
    pingStatus: node.PingStatus,
    lastPing: node.LastPingDateTime,
    agentVersion: node.AgentVersion,
    computerName: node.ComputerName,
    platform: node.PlatformName ?? node.PlatformType,
    tags,
  };
}

/**
 * The fleet's machines matching `selector`, sorted by name then ID. A node whose tags no
 * longer carry the fleet tag (changed between the two calls) is left out: only fleet
 * machines are ever returned.
 */
export async function listFleet(
  deps: FleetDeps,
  scope: FleetScope,
  selector: Selector,
): Promise<FleetMachine[]> {
  const nodes = await describeFleetNodes(deps.ssm, scope);
  const ec2Ids = nodes.map((n) => n.InstanceId ?? "").filter((id) => id.startsWith("i-"));
  const ec2ById = ec2Ids.length > 0 ? await ec2Tags(deps.ec2(), ec2Ids) : new Map();
  const machines = await mapLimit(
    nodes,
    deps.concurrency ?? DEFAULT_TAG_CONCURRENCY,
    async (node) => {
      const id = node.InstanceId ?? "";
      const tags: Record<string, string> = id.startsWith("i-")
        ? (ec2ById.get(id) ?? {})
        : toRecord(
            (
              await deps.ssm.send(
                new ListTagsForResourceCommand({ ResourceType: "ManagedInstance", ResourceId: id }),
              )
            ).TagList,
          );
      return toFleetMachine(node, tags, scope);
    },
  );
  return machines
    .filter((m) => m.tags[scope.fleetTagKey] === scope.fleet)
    .filter((m) => matchesSelector(selector, m))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
