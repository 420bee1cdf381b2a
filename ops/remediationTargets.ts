/**
 * The fleet machines a remediation runs on: DescribeInstanceInformation filtered server-side
 * by the fleet tag and every `--tag K=V` (SSM ANDs its filters, and tag filters may be combined
 * with each other but not with other keys), paged through 50 at a time, then `--name` matched
 * client-side (SSM has no Name filter). Nothing outside the fleet tag can be selected.
 * The client is passed in.
 */
import {
  DescribeInstanceInformationCommand,
  type InstanceInformation,
  type InstanceInformationStringFilter,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import type { RemediationTarget } from "./remediation";
import { globToRegExp, type Selector } from "./selector";

/** A remediation target with what the plan shows about it. */
export interface FleetTarget extends RemediationTarget {
  /** Online, ConnectionLost, Inactive. */
  readonly pingStatus?: string;
  readonly platform?: string;
}

/** The DescribeInstanceInformation filters for a fleet and a selector's tags. */
export function targetFilters(
  fleetTagKey: string,
  fleet: string,
  selector: Selector,
): InstanceInformationStringFilter[] {
  return [
    { Key: `tag:${fleetTagKey}`, Values: [fleet] },
    ...selector.tags.map((t) => ({ Key: `tag:${t.key}`, Values: [t.value] })),
  ];
}

/**
 * The name a machine is shown and matched by: its registered name (SSM's `Name`, which the
 * fleet's bootstrap also writes to the Name tag), else its computer name, else its ID.
 */
export function targetName(info: InstanceInformation): string {
  return info.Name || info.ComputerName || info.InstanceId || "";
}

/** Fleet machines matching `selector`, sorted by name then ID. */
export async function listRemediationTargets(
  ssm: Pick<SSMClient, "send">,
  fleetTagKey: string,
  fleet: string,
  selector: Selector,
): Promise<FleetTarget[]> {
  const filters = targetFilters(fleetTagKey, fleet, selector);
  const name = selector.name === undefined ? undefined : globToRegExp(selector.name);
  const out: FleetTarget[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: filters,
        MaxResults: 50,
        NextToken: nextToken,
      }),
    );
    for (const info of page.InstanceInformationList ?? []) {
      if (!info.InstanceId) continue;
      const shown = targetName(info);
      if (name && !name.test(shown)) continue;
      out.push({
        instanceId: info.InstanceId,
        name: shown,
        pingStatus: info.PingStatus,
        platform: info.PlatformType,
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  // Code-unit order, not localeCompare: the table must not depend on the machine's locale.
  const key = (t: FleetTarget) => [t.name, t.instanceId];
  return out.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  });
}
