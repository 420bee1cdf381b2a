/**
 * A cached view of the hybrid nodes SSM has registered (Online or ConnectionLost), by name.
 *
 * The name lease covers a name from its activation until the activation expires plus
 * {@link LEASE_GRACE_SECONDS}; after that, a node that registered with it still holds the
 * name, and only SSM knows. Asking SSM per request costs one `DescribeInstanceInformation`
 * per registration, from the account-wide SSM quota the customer's other tools share. So
 * the view lists every registered hybrid node once and is reused while it is younger than
 * {@link VIEW_MAX_AGE_MS}. That is safe: a node missing from a view younger than the lease's
 * grace registered after the view was taken, before its activation expired, so its lease is
 * still live and the lease refuses other principals.
 *
 * `Name` in DescribeInstanceInformation is the activation's `DefaultInstanceName` for hybrid
 * nodes (SSM API reference, InstanceInformation.Name:
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html).
 */
import {
  DescribeInstanceInformationCommand,
  type InstanceInformation,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { LEASE_GRACE_SECONDS } from "./lease";

/** A view older than this is refreshed: a third of the lease's grace, for clock slack. */
export const VIEW_MAX_AGE_MS = (LEASE_GRACE_SECONDS * 1000) / 3;

/** Registered hybrid nodes by name. */
export type RegisteredNames = ReadonlyMap<string, InstanceInformation>;

/** Lists every registered (Online or ConnectionLost) hybrid node, 50 per page. */
export async function listRegisteredNames(ssm: Pick<SSMClient, "send">): Promise<RegisteredNames> {
  const byName = new Map<string, InstanceInformation>();
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [
          { Key: "ResourceType", Values: ["ManagedInstance"] },
          // Inactive nodes are deregistered or gone: their names are free.
          { Key: "PingStatus", Values: ["Online", "ConnectionLost"] },
        ],
        MaxResults: 50,
        NextToken: nextToken,
      }),
    );
    for (const node of page.InstanceInformationList ?? []) {
      if (node.Name !== undefined && !byName.has(node.Name)) byName.set(node.Name, node);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return byName;
}

/** A view of registered names that refreshes itself when older than `maxAgeMs`. */
export interface RegisteredNameView {
  /** The node registered under `name`, if any, from a view no older than the limit. */
  holder(name: string, now: Date): Promise<InstanceInformation | undefined>;
}

/**
 * Creates a cached view. Concurrent requests share one refresh; a failed refresh is not
 * cached, so the next request tries again.
 */
export function createRegisteredNameView(
  list: () => Promise<RegisteredNames>,
  maxAgeMs = VIEW_MAX_AGE_MS,
): RegisteredNameView {
  let cached: { at: number; names: Promise<RegisteredNames> } | undefined;
  return {
    async holder(name, now) {
      if (cached === undefined || now.getTime() - cached.at > maxAgeMs) {
        const entry = { at: now.getTime(), names: list() };
        cached = entry;
        entry.names.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return (await cached.names).get(name);
    },
  };
}
