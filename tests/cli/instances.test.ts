import * as assert from "node:assert/strict";
import {
  DescribeInstanceInformationCommand,
  ListTagsForResourceCommand,
  SSMServiceException,
} from "@aws-sdk/client-ssm";
import { DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { runHarness } from "./support/cliHarness";
import { machine, mockFleetSsm, type MockMachine, restoreAllMocks } from "./support/mockFleet";

const FLEET = ["--fleet", "acme"];
const T0 = new Date("2026-11-30T23:58:10Z");

/** Three fleet machines and one of another fleet. */
function smallFleet(): MockMachine[] {
  return [
    machine({
      n: 1,
      name: "web-01",
      tags: { HybridFleet: "acme", Environment: "prod", ComplianceMode: "enforce", Wave: "3" },
      lastPing: T0,
    }),
    machine({
      n: 2,
      name: "db-01",
      tags: { HybridFleet: "acme", Environment: "prod", ComplianceMode: "report", Wave: "3" },
      ping: "ConnectionLost",
      lastPing: new Date("2026-11-20T08:01:00Z"),
      agentVersion: "3.3.40.0",
    }),
    machine({ n: 3, tags: { HybridFleet: "acme" } }),
    machine({ n: 4, name: "web-99", tags: { HybridFleet: "other", Environment: "prod" } }),
  ];
}

describe("hybrid-fleet instances", () => {
  afterEach(restoreAllMocks);

  it("prints the fleet's machines as an exact table (fleet only, sorted by name, untagged named by computer name)", async () => {
    const ssm = mockFleetSsm(smallFleet());
    const r = await runHarness(["instances", ...FLEET]);
    ssm.restore();
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      [
        "NAME        ID                    ENVIRONMENT  MODE     PING            LAST SEEN (UTC)   AGENT       FINDINGS",
        "db-01       mi-00000000000000002  prod         report   ConnectionLost  2026-11-20 08:01  3.3.40.0           -",
        "vagrant.vm  mi-00000000000000003  -            -        Online          2021-05-08 07:38  3.0.1124.0         -",
        "web-01      mi-00000000000000001  prod         enforce  Online          2026-11-30 23:58  3.0.1124.0         -",
        "",
      ].join("\n"),
    );
  });

  it("asks SSM for the fleet tag only, and each node's tags as a ManagedInstance", async () => {
    const ssm = mockFleetSsm(smallFleet());
    await runHarness(["instances", ...FLEET, "--fleet-tag-key", "HybridFleet"]);
    const describe = ssm.commandCalls(DescribeInstanceInformationCommand);
    assert.deepEqual(
      describe.map((c) => c.args[0].input),
      [{ Filters: [{ Key: "tag:HybridFleet", Values: ["acme"] }], MaxResults: 50 }],
    );
    assert.deepEqual(
      ssm
        .commandCalls(ListTagsForResourceCommand)
        .map((c) => c.args[0].input)
        .sort((a, b) => a.ResourceId!.localeCompare(b.ResourceId!)),
      [1, 2, 3].map((n) => ({
        ResourceType: "ManagedInstance",
        ResourceId: `mi-0000000000000000${n}`,
      })),
    );
    ssm.restore();
  });

  it("pages past 50 machines with NextToken (120 machines: 3 pages, 120 tag lookups)", async () => {
    const fleet = Array.from({ length: 120 }, (_, i) =>
      machine({
        n: i + 1,
        name: `host-${String(i + 1).padStart(3, "0")}`,
        tags: { HybridFleet: "acme" },
      }),
    );
    const ssm = mockFleetSsm(fleet);
    const r = await runHarness(["--json", "instances", ...FLEET]);
    const tokens = ssm
      .commandCalls(DescribeInstanceInformationCommand)
      .map((c) => c.args[0].input.NextToken);
    assert.deepEqual(tokens, [undefined, "page-50", "page-100"]);
    assert.equal(ssm.commandCalls(ListTagsForResourceCommand).length, 120);
    ssm.restore();
    const out = JSON.parse(r.stdout);
    assert.equal(out.instances.length, 120);
    assert.equal(out.instances[0].name, "host-001");
    assert.equal(out.instances[119].name, "host-120");
  });

  it("selects with --tag and --name, and prints JSON with --json", async () => {
    const ssm = mockFleetSsm(smallFleet());
    const r = await runHarness([
      "instances",
      ...FLEET,
      "--tag",
      "Wave=3",
      "--name",
      "WEB-*",
      "--json",
    ]);
    ssm.restore();
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      fleet: "acme",
      instances: [
        {
          name: "web-01",
          id: "mi-00000000000000001",
          environment: "prod",
          mode: "enforce",
          pingStatus: "Online",
          lastSeen: "2026-11-30T23:58:10.000Z",
          agentVersion: "3.0.1124.0",
          openFindings: null,
        },
      ],
    });
  });

  it("reads EC2 instances' tags from EC2 (DescribeTags), not SSM", async () => {
    const fleet = [machine({ n: 10, ec2: true, tags: { HybridFleet: "acme", Name: "i-web" } })];
    const ssm = mockFleetSsm(fleet);
    const ec2 = mockClient(EC2Client);
    ec2.on(DescribeTagsCommand).resolves({
      Tags: [
        { ResourceId: "i-0000000000000000a", Key: "Name", Value: "i-web" },
        { ResourceId: "i-0000000000000000a", Key: "HybridFleet", Value: "acme" },
      ],
    });
    const r = await runHarness(["--json", "instances", ...FLEET]);
    assert.equal(ssm.commandCalls(ListTagsForResourceCommand).length, 0);
    assert.deepEqual(ec2.commandCalls(DescribeTagsCommand)[0].args[0].input, {
      Filters: [{ Name: "resource-id", Values: ["i-0000000000000000a"] }],
    });
    ssm.restore();
    assert.equal(JSON.parse(r.stdout).instances[0].name, "i-web");
  });

  it("a malformed --tag is a usage error (exit 2)", async () => {
    const r = await runHarness(["instances", ...FLEET, "--tag", "Wave"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--tag must be KEY=VALUE \(e\.g\. Wave=3\), got "Wave"/);
  });

  it("throttled after the SDK's retries: exit 3 with the attempts named", async () => {
    const ssm = mockFleetSsm(smallFleet());
    ssm.on(DescribeInstanceInformationCommand).rejects(
      new SSMServiceException({
        name: "ThrottlingException",
        message: "Rate exceeded",
        $fault: "client",
        $metadata: { httpStatusCode: 400, attempts: 6 },
      }),
    );
    const r = await runHarness(["instances", ...FLEET]);
    ssm.restore();
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      "AWS error: throttled after 6 attempts (ThrottlingException: Rate exceeded); retry later or narrow the selection\n",
    );
  });

  it("needs --fleet (exit 2) and never calls AWS without it", async () => {
    const ssm = mockFleetSsm(smallFleet());
    const r = await runHarness(["instances"]);
    assert.equal(r.code, 2);
    assert.equal(ssm.calls().length, 0);
    ssm.restore();
  });
});
