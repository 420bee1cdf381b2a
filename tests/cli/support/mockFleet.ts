/**
 * A mocked fleet for the CLI's aws-sdk-client-mock tests: machines built from a real hybrid
 * node's DescribeInstanceInformation record (tests/fixtures/cli/SOURCE.txt), served the way
 * SSM serves them: DescribeInstanceInformation filtered by `tag:<key>` in pages of at most
 * MaxResults (5-50) with an opaque NextToken, and ListTagsForResource per node.
 */
import {
  DescribeInstanceInformationCommand,
  ListTagsForResourceCommand,
  SSMClient,
  type DescribeInstanceInformationCommandInput,
  type InstanceInformation,
} from "@aws-sdk/client-ssm";
import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import * as fs from "node:fs";
import * as path from "node:path";

/** The real record, with dates as the SDK returns them. */
export function realNode(): InstanceInformation {
  const file = path.join(
    __dirname,
    "../../fixtures/cli/describe-instance-information.mi-0196d7ad4ec28e311.json",
  );
  const [raw] = JSON.parse(fs.readFileSync(file, "utf8")).InstanceInformationList;
  return {
    ...raw,
    LastPingDateTime: new Date(raw.LastPingDateTime),
    RegistrationDate: new Date(raw.RegistrationDate),
  };
}

/** One mocked machine: SSM's record plus its tags. */
export interface MockMachine {
  readonly node: InstanceInformation;
  readonly tags: Record<string, string>;
}

/** What a mocked machine may differ in. */
export interface MachineSpec {
  /** Index used to derive a unique `mi-` ID. */
  readonly n: number;
  readonly name?: string;
  readonly tags?: Record<string, string>;
  readonly ping?: "Online" | "ConnectionLost" | "Inactive";
  readonly lastPing?: Date;
  readonly agentVersion?: string;
  /** An EC2 instance (`i-…`) rather than a hybrid node. */
  readonly ec2?: boolean;
}

/** `mi-` + 17 hex derived from `n`. */
export function miId(n: number): string {
  return `mi-${n.toString(16).padStart(17, "0")}`;
}

/** A machine from the real record. */
export function machine(spec: MachineSpec): MockMachine {
  const base = realNode();
  const id = spec.ec2 ? `i-${spec.n.toString(16).padStart(17, "0")}` : miId(spec.n);
  return {
    node: {
      ...base,
      InstanceId: id,
      ComputerName: spec.name ? `${spec.name}.local` : base.ComputerName,
      PingStatus: spec.ping ?? "Online",
      ...(spec.lastPing ? { LastPingDateTime: spec.lastPing } : {}),
      ...(spec.agentVersion ? { AgentVersion: spec.agentVersion } : {}),
      ResourceType: spec.ec2 ? "EC2Instance" : "ManagedInstance",
    },
    tags: { ...(spec.name ? { Name: spec.name } : {}), ...(spec.tags ?? {}) },
  };
}

/** Serves `machines` on an SSM mock; returns the mock for call assertions. */
export function mockFleetSsm(machines: readonly MockMachine[]): AwsClientStub<SSMClient> {
  const ssm = mockClient(SSMClient);
  ssm
    .on(DescribeInstanceInformationCommand)
    .callsFake((input: DescribeInstanceInformationCommandInput) => {
      const tagFilters = (input.Filters ?? []).filter((f) => f.Key?.startsWith("tag:"));
      const matching = machines.filter((m) =>
        tagFilters.every((f) => f.Values?.includes(m.tags[f.Key!.slice(4)])),
      );
      const size = input.MaxResults ?? 50;
      if (size < 5 || size > 50) throw new Error(`MaxResults ${size} outside 5-50`);
      const start = input.NextToken ? Number(input.NextToken.replace("page-", "")) : 0;
      const page = matching.slice(start, start + size);
      const next = start + size < matching.length ? `page-${start + size}` : undefined;
      return {
        InstanceInformationList: page.map((m) => m.node),
        ...(next ? { NextToken: next } : {}),
      };
    });
  ssm.on(ListTagsForResourceCommand).callsFake((input) => {
    const m = machines.find((x) => x.node.InstanceId === input.ResourceId);
    if (!m || input.ResourceType !== "ManagedInstance") throw new Error("InvalidResourceId");
    return { TagList: Object.entries(m.tags).map(([Key, Value]) => ({ Key, Value })) };
  });
  return ssm;
}

/**
 * Restores SSMClient and EC2Client to the real `send`, whatever mocks a test left behind (an
 * assertion failing before its `restore()`); every test file using mocks calls it in
 * `afterEach`, so a leaked mock never reaches the real-client tests.
 */
export function restoreAllMocks(): void {
  mockClient(SSMClient).restore();
  mockClient(EC2Client).restore();
}
