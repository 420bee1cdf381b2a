/**
 * A simulated Resource Data Sync for the fake SSM: reads what SSM holds over its wire protocol
 * (DescribeInstanceInformation, ListTagsForResource, ListComplianceItems) and writes it to a
 * local folder that plays `s3://<bucket>/<prefix>/`, in the exact layout and line format of the
 * real sync (risk/local/syncWriter.ts): AWS:InstanceInformation, AWS:Tag, AWS:ComplianceItem and
 * AWS:ComplianceSummary, one file per node and type. Other inventory types (applications,
 * files, …) are not written: the fake SSM has no inventory, and the risk view does not read them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DescribeInstanceInformationCommand,
  ListComplianceItemsCommand,
  ListTagsForResourceCommand,
  type ComplianceItem,
  type InstanceInformation,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { summaryAttributes, syncLine, syncTime, syncTypeDir } from "../risk/local/syncWriter";

/** Where and as whom the sync writes. */
export interface SyncTarget {
  /** The folder playing the bucket. */
  readonly root: string;
  /** Key prefix below it. @default "" */
  readonly prefix?: string;
  readonly accountId: string;
  readonly region: string;
}

/** What one sync wrote: files per type folder (`AWS:Tag` → 5). */
export type SyncWritten = Readonly<Record<string, number>>;

async function allInstances(ssm: SSMClient): Promise<InstanceInformation[]> {
  const out: InstanceInformation[] = [];
  let token: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeInstanceInformationCommand({ MaxResults: 50, NextToken: token }),
    );
    out.push(...(page.InstanceInformationList ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

async function complianceItems(ssm: SSMClient, id: string): Promise<ComplianceItem[]> {
  const out: ComplianceItem[] = [];
  let token: string | undefined;
  do {
    const page = await ssm.send(
      new ListComplianceItemsCommand({
        ResourceIds: [id],
        ResourceTypes: ["ManagedInstance"],
        MaxResults: 50,
        NextToken: token,
      }),
    );
    out.push(...(page.ComplianceItems ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

/** `InstanceStatus` as the sync writes it from the node's ping status. */
function instanceStatus(ping: string | undefined): string {
  return ping === "Online" ? "Active" : ping === "ConnectionLost" ? "ConnectionLost" : "Stopped";
}

/** The files of one node (type → body). */
function nodeFiles(
  node: InstanceInformation,
  tags: Readonly<Record<string, string>>,
  items: readonly ComplianceItem[],
  captureTime: string,
): Map<string, string> {
  const id = node.InstanceId ?? "";
  const files = new Map<string, string>();
  files.set(
    "AWS:InstanceInformation",
    syncLine(
      id,
      {
        AgentType: "amazon-ssm-agent",
        AgentVersion: node.AgentVersion ?? "",
        ComputerName: node.ComputerName ?? "",
        InstanceId: id,
        IpAddress: node.IPAddress ?? "",
        PlatformName: node.PlatformName ?? "",
        PlatformType: node.PlatformType ?? "",
        PlatformVersion: node.PlatformVersion ?? "",
        ResourceType: node.ResourceType ?? "",
        AgentStatus: node.PingStatus === "Online" ? "Active" : "Inactive",
        InstanceStatus: instanceStatus(node.PingStatus),
      },
      captureTime,
    ) + "\n",
  );
  files.set(
    "AWS:Tag",
    Object.keys(tags)
      .sort()
      .map((Key) => syncLine(id, { Key, Value: tags[Key] }, captureTime) + "\n")
      .join(""),
  );
  const types = [...new Set(items.map((i) => i.ComplianceType ?? ""))].sort();
  const itemLines: string[] = [];
  const summaryLines: string[] = [];
  for (const type of types) {
    const ofType = items.filter((i) => i.ComplianceType === type);
    const executionTime = syncTime(
      (ofType[0].ExecutionSummary?.ExecutionTime ?? new Date()).getTime(),
    );
    const executionId = ofType[0].ExecutionSummary?.ExecutionId ?? "";
    for (const i of ofType) {
      itemLines.push(
        syncLine(
          id,
          {
            ComplianceType: type,
            ExecutionId: executionId,
            ExecutionType: i.ExecutionSummary?.ExecutionType ?? "",
            ExecutionTime: executionTime,
            Id: i.Id ?? "",
            Title: i.Title ?? "",
            Status: i.Status ?? "",
            Severity: i.Severity ?? "UNSPECIFIED",
            DocumentName: i.Details?.DocumentName ?? "",
            DocumentVersion: "",
            ...(type === "Patch"
              ? {
                  Classification: i.Details?.Classification ?? "",
                  PatchState: i.Details?.PatchState ?? "",
                }
              : {}),
          },
          captureTime,
        ) + "\n",
      );
    }
    summaryLines.push(
      syncLine(
        id,
        summaryAttributes(
          { type, executionId, executionTime },
          ofType.map((i) => ({ severity: i.Severity ?? "UNSPECIFIED", status: i.Status ?? "" })),
        ),
        captureTime,
      ) + "\n",
    );
  }
  files.set("AWS:ComplianceItem", itemLines.join(""));
  files.set("AWS:ComplianceSummary", summaryLines.join(""));
  return files;
}

/**
 * Writes every node's files as the sync would at `now`, replacing the previous ones (the real
 * sync overwrites live nodes' files and never deletes any). Returns files written per type.
 */
export async function runResourceDataSync(
  ssm: SSMClient,
  target: SyncTarget,
  now: Date,
): Promise<SyncWritten> {
  const captureTime = syncTime(now.getTime());
  const written: Record<string, number> = {};
  for (const node of await allInstances(ssm)) {
    const id = node.InstanceId ?? "";
    const { TagList } = await ssm.send(
      new ListTagsForResourceCommand({ ResourceType: "ManagedInstance", ResourceId: id }),
    );
    const tags = Object.fromEntries((TagList ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
    const files = nodeFiles(node, tags, await complianceItems(ssm, id), captureTime);
    for (const [type, body] of files) {
      if (body === "") continue;
      const dir = syncTypeDir(
        target.root,
        target.prefix ?? "",
        type,
        target.accountId,
        target.region,
      );
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${id}.json`), body);
      written[type] = (written[type] ?? 0) + 1;
    }
  }
  return written;
}
