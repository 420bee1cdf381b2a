/**
 * A simulated State Manager for the fake SSM (local/fakeSsm.ts): for every association, the
 * managed nodes whose tags match all of its targets run its document, and, as State Manager does
 * for associations with `syncCompliance: AUTO`, one `Association` compliance item per association
 * is put on the node (COMPLIANT when the run succeeded). Nodes and tags are read over SSM's wire
 * protocol (DescribeInstanceInformation, ListTagsForResource), so the contract tested is the
 * one the real service would see: activation tags → association targets.
 *
 * Simulated, and why: schedules (an association runs on a node when the node newly matches
 * its targets, see {@link StateManager.apply}, never again on a schedule), maxConcurrency/maxErrors (one node at a time per association, no rate cap: the
 * demo's fleet is small), and the document itself, which the caller's `run` executes.
 */
import {
  DescribeInstanceInformationCommand,
  ListTagsForResourceCommand,
  PutComplianceItemsCommand,
  type SSMClient,
  type Tag,
} from "@aws-sdk/client-ssm";

/** One association as `aws.ssm.Association` declares it (the inputs State Manager acts on). */
export interface AssociationSpec {
  /** `associationName`. */
  readonly name: string;
  /** The document it runs (`name` input). */
  readonly documentName: string;
  /** `targets`: every key must match, any of its values (`tag:<key>` keys only here). */
  readonly targets: readonly { readonly key: string; readonly values: readonly string[] }[];
  /** `parameters` (strings; StringList values joined by newlines). */
  readonly parameters: Readonly<Record<string, string>>;
  /** `complianceSeverity`. @default "UNSPECIFIED" */
  readonly complianceSeverity?: string;
}

/** A managed node as the simulated State Manager sees it. */
export interface AssociationTarget {
  readonly instanceId: string;
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** One association run on one node. */
export interface AssociationRun {
  readonly association: string;
  readonly documentName: string;
  readonly instanceId: string;
  readonly name: string;
  /** The document's exit code (0 success; see documents/scripts/common.sh for 1 and 2). */
  readonly exitCode: number;
}

/** Runs an association's document on one node; resolves to its exit code. */
export type DocumentRunner = (
  association: AssociationSpec,
  target: AssociationTarget,
) => Promise<number>;

/**
 * Whether `tags` match every target of an association. Only `tag:<key>` targets are
 * understood; any other key (InstanceIds, resource groups) matches nothing, so a contract
 * change shows up as an association that runs nowhere rather than everywhere.
 */
export function targetsMatch(
  targets: AssociationSpec["targets"],
  tags: Readonly<Record<string, string>>,
): boolean {
  if (targets.length === 0) return false;
  return targets.every(
    (t) =>
      t.key.startsWith("tag:") &&
      Object.hasOwn(tags, t.key.slice(4)) &&
      t.values.includes(tags[t.key.slice(4)]),
  );
}

function tagRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
}

/** Every managed node with its tags, read over the wire. */
export async function listTargets(ssm: SSMClient): Promise<AssociationTarget[]> {
  const out: AssociationTarget[] = [];
  let token: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeInstanceInformationCommand({ MaxResults: 50, NextToken: token }),
    );
    for (const i of page.InstanceInformationList ?? []) {
      const id = i.InstanceId ?? "";
      const { TagList } = await ssm.send(
        new ListTagsForResourceCommand({ ResourceType: "ManagedInstance", ResourceId: id }),
      );
      out.push({ instanceId: id, name: i.Name ?? id, tags: tagRecord(TagList) });
    }
    token = page.NextToken;
  } while (token);
  return out;
}

/** A simulated State Manager over a fixed set of associations. */
export interface StateManager {
  /**
   * Runs every association on every node its targets match that it has not run on yet (nodes in
   * parallel, each node's associations in declaration order), and reports each node's
   * association compliance. State Manager applies an association when it is created and when a
   * node newly matches its dynamic (tag) targets; then on its schedule, which is not simulated:
   * "For dynamic targets … State Manager … applies the configuration when new managed nodes are
   * added to the group" (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateAssociation.html).
   */
  apply(): Promise<AssociationRun[]>;
}

/** A State Manager acting on the nodes behind `ssm`. */
export function createStateManager(
  ssm: SSMClient,
  associations: readonly AssociationSpec[],
  run: DocumentRunner,
  now: () => Date = () => new Date(),
): StateManager {
  /** `<association>\n<instanceId>` → exit code of its last run. */
  const ran = new Map<string, number>();
  const key = (a: AssociationSpec, id: string) => `${a.name}\n${id}`;
  return {
    async apply() {
      const targets = await listTargets(ssm);
      const perNode = await Promise.all(
        targets.map(async (target) => {
          const matching = associations.filter((x) => targetsMatch(x.targets, target.tags));
          const runs: AssociationRun[] = [];
          for (const a of matching.filter((x) => !ran.has(key(x, target.instanceId)))) {
            const exitCode = await run(a, target);
            ran.set(key(a, target.instanceId), exitCode);
            runs.push({
              association: a.name,
              documentName: a.documentName,
              instanceId: target.instanceId,
              name: target.name,
              exitCode,
            });
          }
          const applied = matching.filter((a) => ran.has(key(a, target.instanceId)));
          if (runs.length > 0) {
            // syncCompliance AUTO: State Manager reports the node's associations itself.
            await ssm.send(
              new PutComplianceItemsCommand({
                ResourceId: target.instanceId,
                ResourceType: "ManagedInstance",
                ComplianceType: "Association",
                ExecutionSummary: { ExecutionTime: now(), ExecutionType: "Command" },
                UploadType: "COMPLETE",
                Items: applied.map((a) => ({
                  Id: a.name,
                  Title: a.documentName,
                  Severity: (a.complianceSeverity ?? "UNSPECIFIED") as "UNSPECIFIED",
                  Status: ran.get(key(a, target.instanceId)) === 0 ? "COMPLIANT" : "NON_COMPLIANT",
                  Details: { DocumentName: a.documentName },
                })),
              }),
            );
          }
          return runs;
        }),
      );
      return perNode.flat();
    },
  };
}
