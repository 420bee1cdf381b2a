import * as assert from "node:assert/strict";
import {
  AddTagsToResourceCommand,
  DescribeInstanceInformationCommand,
  SSMServiceException,
} from "@aws-sdk/client-ssm";
import { CreateTagsCommand, DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { runHarness } from "./support/cliHarness";
import { machine, mockFleetSsm, type MockMachine, restoreAllMocks } from "./support/mockFleet";

const FLEET = ["--fleet", "acme"];

/** Wave 3: two in report, one already in enforce; plus a wave-3 machine of another fleet. */
function wave3(): MockMachine[] {
  return [
    machine({
      n: 1,
      name: "web-01",
      tags: { HybridFleet: "acme", ComplianceMode: "report", Wave: "3" },
    }),
    machine({
      n: 2,
      name: "web-02",
      tags: { HybridFleet: "acme", ComplianceMode: "enforce", Wave: "3" },
    }),
    machine({ n: 3, name: "db-01", tags: { HybridFleet: "acme", Wave: "3" } }),
    machine({
      n: 4,
      name: "app-01",
      tags: { HybridFleet: "acme", ComplianceMode: "report", Wave: "4" },
    }),
    machine({
      n: 5,
      name: "foreign",
      tags: { HybridFleet: "other", ComplianceMode: "report", Wave: "3" },
    }),
  ];
}

describe("hybrid-fleet mode set", () => {
  afterEach(restoreAllMocks);

  it("lists the plan, asks on a TTY, tags only the fleet machines to change, reports", async () => {
    const ssm = mockFleetSsm(wave3());
    ssm.on(AddTagsToResourceCommand).resolves({});
    const questions: string[] = [];
    const r = await runHarness(["mode", "set", "enforce", "--tag", "Wave=3", ...FLEET], {
      promptTTY: true,
      confirm: async (q) => {
        questions.push(q);
        return true;
      },
    });
    const tagged = ssm.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input);
    ssm.restore();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(questions, ["Change 2 machines to enforce? [y/N] "]);
    assert.deepEqual(
      tagged.sort((a, b) => a.ResourceId!.localeCompare(b.ResourceId!)),
      ["mi-00000000000000001", "mi-00000000000000003"].map((id) => ({
        ResourceType: "ManagedInstance",
        ResourceId: id,
        Tags: [{ Key: "ComplianceMode", Value: "enforce" }],
      })),
    );
    assert.equal(
      r.stdout,
      [
        "NAME    ID                    MODE     NEW MODE  RESULT",
        "db-01   mi-00000000000000003  -        enforce   change",
        "web-01  mi-00000000000000001  report   enforce   change",
        "web-02  mi-00000000000000002  enforce  enforce   unchanged",
        "",
        "NAME    ID                    MODE     NEW MODE  RESULT",
        "db-01   mi-00000000000000003  -        enforce   changed",
        "web-01  mi-00000000000000001  report   enforce   changed",
        "web-02  mi-00000000000000002  enforce  enforce   unchanged",
        "2 changed, 1 unchanged, 0 failed",
        "",
      ].join("\n"),
    );
  });

  it("a refused confirmation changes nothing: exit 4", async () => {
    const ssm = mockFleetSsm(wave3());
    const r = await runHarness(["mode", "set", "enforce", "--tag", "Wave=3", ...FLEET], {
      promptTTY: true,
      input: "n\n",
    });
    const tagged = ssm.commandCalls(AddTagsToResourceCommand).length;
    ssm.restore();
    assert.equal(r.code, 4);
    assert.equal(tagged, 0);
    assert.equal(r.stderr, "Change 2 machines to enforce? [y/N] refused: nothing changed\n");
  });

  it("the real prompt reads 'y' from stdin", async () => {
    const ssm = mockFleetSsm(wave3());
    ssm.on(AddTagsToResourceCommand).resolves({});
    const r = await runHarness(["mode", "set", "report", "--name", "web-0?", ...FLEET], {
      promptTTY: true,
      input: "y\n",
    });
    const tagged = ssm
      .commandCalls(AddTagsToResourceCommand)
      .map((c) => c.args[0].input.ResourceId);
    ssm.restore();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "Change 1 machine to report? [y/N] ");
    assert.deepEqual(tagged, ["mi-00000000000000002"]);
  });

  it("no TTY and no --yes: refuses (exit 4) and changes nothing", async () => {
    const ssm = mockFleetSsm(wave3());
    const r = await runHarness(["mode", "set", "enforce", "--tag", "Wave=3", ...FLEET]);
    const tagged = ssm.commandCalls(AddTagsToResourceCommand).length;
    ssm.restore();
    assert.equal(r.code, 4);
    assert.equal(tagged, 0);
    assert.equal(
      r.stderr,
      "refused: would change 2 machine(s) to enforce, but there is no terminal to confirm on; pass --yes to change them\n",
    );
  });

  it("--yes --json: one JSON document; the plan goes to stderr; a failed machine exits 1", async () => {
    const ssm = mockFleetSsm(wave3());
    ssm
      .on(AddTagsToResourceCommand)
      .resolves({})
      .on(AddTagsToResourceCommand, { ResourceId: "mi-00000000000000003" })
      .rejects(
        new SSMServiceException({
          name: "AccessDeniedException",
          message: "not authorized",
          $fault: "client",
          $metadata: {},
        }),
      );
    const r = await runHarness([
      "--json",
      "mode",
      "set",
      "enforce",
      "--tag",
      "Wave=3",
      "--yes",
      ...FLEET,
    ]);
    ssm.restore();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^NAME {4}ID/);
    assert.deepEqual(JSON.parse(r.stdout), {
      fleet: "acme",
      mode: "enforce",
      machines: [
        {
          name: "db-01",
          id: "mi-00000000000000003",
          from: null,
          to: "enforce",
          result: "failed",
          error: "AccessDeniedException: not authorized",
        },
        {
          name: "web-01",
          id: "mi-00000000000000001",
          from: "report",
          to: "enforce",
          result: "changed",
        },
        {
          name: "web-02",
          id: "mi-00000000000000002",
          from: "enforce",
          to: "enforce",
          result: "unchanged",
        },
      ],
    });
  });

  it("tags an EC2 instance with ec2:CreateTags (its associations read EC2 tags)", async () => {
    const ssm = mockFleetSsm([machine({ n: 10, ec2: true, tags: { HybridFleet: "acme" } })]);
    const ec2 = mockClient(EC2Client);
    ec2.on(DescribeTagsCommand).resolves({
      Tags: [
        { ResourceId: "i-0000000000000000a", Key: "HybridFleet", Value: "acme" },
        { ResourceId: "i-0000000000000000a", Key: "Name", Value: "legacy-ec2" },
      ],
    });
    ec2.on(CreateTagsCommand).resolves({});
    const r = await runHarness(["mode", "set", "enforce", "--name", "legacy-*", "--yes", ...FLEET]);
    const created = ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input);
    ec2.restore();
    assert.equal(ssm.commandCalls(AddTagsToResourceCommand).length, 0);
    ssm.restore();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(created, [
      { Resources: ["i-0000000000000000a"], Tags: [{ Key: "ComplianceMode", Value: "enforce" }] },
    ]);
  });

  it("pages past 50 machines: 60 in the wave, 2 pages, 60 tagged", async () => {
    const fleet = Array.from({ length: 60 }, (_, i) =>
      machine({
        n: i + 1,
        name: `n-${i + 1}`,
        tags: { HybridFleet: "acme", Wave: "5", ComplianceMode: "report" },
      }),
    );
    const ssm = mockFleetSsm(fleet);
    ssm.on(AddTagsToResourceCommand).resolves({});
    const r = await runHarness([
      "--json",
      "mode",
      "set",
      "enforce",
      "--tag",
      "Wave=5",
      "--yes",
      ...FLEET,
    ]);
    const pages = ssm.commandCalls(DescribeInstanceInformationCommand).length;
    const tagged = new Set(
      ssm.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input.ResourceId),
    );
    ssm.restore();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(pages, 2);
    assert.equal(tagged.size, 60);
    assert.equal(JSON.parse(r.stdout).machines.length, 60);
  });

  it("throttled listing the fleet after the SDK's retries: exit 3, nothing tagged", async () => {
    const ssm = mockFleetSsm(wave3());
    ssm.on(DescribeInstanceInformationCommand).rejects(
      new SSMServiceException({
        name: "ThrottlingException",
        message: "Rate exceeded",
        $fault: "client",
        $metadata: { attempts: 6 },
      }),
    );
    const r = await runHarness(["mode", "set", "enforce", "--tag", "Wave=3", "--yes", ...FLEET]);
    assert.equal(ssm.commandCalls(AddTagsToResourceCommand).length, 0);
    ssm.restore();
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^AWS error: throttled after 6 attempts/);
  });

  it("all already in the mode: nothing tagged, exit 0", async () => {
    const ssm = mockFleetSsm(wave3());
    const r = await runHarness(["mode", "set", "enforce", "--name", "web-02", ...FLEET]);
    assert.equal(ssm.commandCalls(AddTagsToResourceCommand).length, 0);
    ssm.restore();
    assert.equal(r.code, 0);
    assert.ok(r.stdout.endsWith("0 changed, 1 unchanged, 0 failed\n"), r.stdout);
  });

  for (const [what, argv, code, message] of [
    ["no selection", ["mode", "set", "enforce", ...FLEET], 2, /needs --name PATTERN or --tag/],
    [
      "an unknown mode",
      ["mode", "set", "audit", "--name", "x", ...FLEET],
      2,
      /value 'audit' is invalid for argument 'mode'. Allowed choices are report, enforce/,
    ],
    [
      "no machine matched",
      ["mode", "set", "enforce", "--tag", "Wave=9", ...FLEET],
      4,
      /^no machines of fleet acme match the selection: nothing to do\n$/,
    ],
  ] as const) {
    it(`${what}: exit ${code}`, async () => {
      const ssm = mockFleetSsm(wave3());
      const r = await runHarness([...argv]);
      assert.equal(ssm.commandCalls(AddTagsToResourceCommand).length, 0);
      ssm.restore();
      assert.equal(r.code, code);
      assert.match(r.stderr, message);
    });
  }
});
