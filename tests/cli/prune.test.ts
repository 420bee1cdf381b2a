/**
 * `hybrid-fleet prune` in-process, with SSM and EC2 mocked by aws-sdk-client-mock: the exact
 * table, the dry run that changes nothing, --json, confirmation (refused, impossible without a
 * terminal, skipped with --yes), partial failure, the cap past 50 nodes, usage and AWS errors.
 */
import * as assert from "node:assert/strict";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DeleteActivationCommand,
  DeregisterManagedInstanceCommand,
  DescribeActivationsCommand,
  DescribeInstanceInformationCommand,
  SSMClient,
  type InstanceInformation,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { runHarness } from "./support/cliHarness";

const NOW = new Date("2026-12-01T00:00:00Z");
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const MI = (n: number) => `mi-${n.toString(16).padStart(17, "0")}`;
const ACT = "11111111-1111-4111-8111-111111111111";

// Created in before() and restored in after(): mockClient stubs the prototype for the whole
// mocha process, and other files need the genuine clients.
const mockSsm = () => mockClient(SSMClient);
const mockEc2 = () => mockClient(EC2Client);
let ssm: ReturnType<typeof mockSsm>;
let ec2: ReturnType<typeof mockEc2>;

function node(n: number, over: Partial<InstanceInformation> = {}): InstanceInformation {
  return {
    InstanceId: MI(n),
    Name: `web-${n}`,
    PingStatus: "Online",
    ResourceType: "ManagedInstance",
    RegistrationDate: ago(100),
    LastPingDateTime: ago(0),
    ...over,
  };
}

/** The fleet's nodes for the tag query and the account count, in pages of 50. */
function serve(nodes: InstanceInformation[]) {
  for (const key of ["tag:HybridFleet", "ResourceType"]) {
    for (let i = 0; i < Math.max(nodes.length, 1); i += 50) {
      ssm
        .on(DescribeInstanceInformationCommand, {
          Filters: [{ Key: key, Values: [key === "ResourceType" ? "ManagedInstance" : "acme"] }],
          NextToken: i === 0 ? undefined : `${key}-${i}`,
        })
        .resolves({
          InstanceInformationList: nodes.slice(i, i + 50),
          NextToken: i + 50 < nodes.length ? `${key}-${i + 50}` : undefined,
        });
    }
  }
}

const FLEET = [
  node(1),
  node(2, { PingStatus: "ConnectionLost", LastPingDateTime: ago(45) }),
  node(3, { Name: "i-0123456789abcdef0", PingStatus: "ConnectionLost" }),
];

const run = (argv: string[], options: Parameters<typeof runHarness>[1] = {}) =>
  runHarness(argv, { now: () => NOW, ...options });

const PLAN_TABLE = [
  "ACTION             KIND                TARGET                                NAME                 REASON",
  "deregister         ec2-gone            mi-00000000000000003                  i-0123456789abcdef0  named after EC2 instance i-0123456789abcdef0, which is terminated; ConnectionLost",
  "deregister         stale               mi-00000000000000002                  web-2                ConnectionLost for 45 days (more than 30)",
  "delete activation  activation-expired  11111111-1111-4111-8111-111111111111  web-9                expired",
  "",
].join("\n");

describe("hybrid-fleet prune", () => {
  before(() => {
    ssm = mockSsm();
    ec2 = mockEc2();
  });
  after(() => {
    ssm.restore();
    ec2.restore();
  });

  beforeEach(() => {
    ssm.reset();
    ec2.reset();
    serve(FLEET);
    ssm.on(DescribeActivationsCommand).resolves({
      ActivationList: [
        {
          ActivationId: ACT,
          DefaultInstanceName: "web-9",
          Expired: true,
          RegistrationLimit: 1,
          RegistrationsCount: 0,
          Tags: [{ Key: "HybridFleet", Value: "acme" }],
        },
        {
          ActivationId: "22222222-2222-4222-8222-222222222222",
          Expired: true,
          Tags: [{ Key: "HybridFleet", Value: "other" }],
        },
      ],
    });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: "i-0123456789abcdef0", State: { Name: "terminated" } }] },
      ],
    });
    ssm.on(DeregisterManagedInstanceCommand).resolves({});
    ssm.on(DeleteActivationCommand).resolves({});
  });

  it("dry run: prints the plan exactly, changes nothing, exits 0", async () => {
    const r = await run(["prune", "--fleet", "acme"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `${PLAN_TABLE}\nDry run: 2 nodes to deregister, 1 activation to delete in fleet acme; nothing changed. Run with --apply to act.\n`,
    );
    assert.equal(r.stderr, "");
    assert.equal(ssm.commandCalls(DeregisterManagedInstanceCommand).length, 0);
    assert.equal(ssm.commandCalls(DeleteActivationCommand).length, 0);
  });

  it("--json: one JSON document with the plan", async () => {
    const r = await run(["prune", "--json"], { env: { HYBRID_FLEET_NAME: "acme" } });
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      { ...doc, actions: doc.actions.map((a: { target: string }) => a.target) },
      {
        fleet: "acme",
        apply: false,
        maxActions: 50,
        capped: false,
        deferred: 0,
        fleetHybridNodes: 3,
        actions: [MI(3), MI(2), ACT],
      },
    );
  });

  it("--apply without a terminal and without --yes: refused, exit 4, nothing changed", async () => {
    const r = await run(["prune", "--fleet", "acme", "--apply"]);
    assert.equal(r.code, 4);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /--apply changes the fleet: confirm on a terminal, or pass --yes/);
    assert.equal(ssm.commandCalls(DeregisterManagedInstanceCommand).length, 0);
  });

  it("--apply on a terminal, confirmation refused: exit 4, nothing changed", async () => {
    const questions: string[] = [];
    const r = await run(["prune", "--fleet", "acme", "--apply"], {
      promptTTY: true,
      confirm: async (q) => {
        questions.push(q);
        return false;
      },
    });
    assert.equal(r.code, 4);
    assert.deepEqual(questions, [
      "2 nodes to deregister, 1 activation to delete in fleet acme. Go ahead? [y/N] ",
    ]);
    assert.equal(r.stderr, `${PLAN_TABLE}nothing changed: the confirmation was refused\n`);
    assert.equal(ssm.commandCalls(DeregisterManagedInstanceCommand).length, 0);
    assert.equal(ssm.commandCalls(DeleteActivationCommand).length, 0);
  });

  it("--apply confirmed: executes the plan in order and prints the outcomes", async () => {
    const r = await run(["prune", "--fleet", "acme", "--apply"], {
      promptTTY: true,
      confirm: async () => true,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      ssm.commandCalls(DeregisterManagedInstanceCommand).map((c) => c.args[0].input.InstanceId),
      [MI(3), MI(2)],
    );
    assert.deepEqual(
      ssm.commandCalls(DeleteActivationCommand).map((c) => c.args[0].input.ActivationId),
      [ACT],
    );
    assert.match(r.stdout, /OUTCOME\n/);
    assert.match(r.stdout, /\n3 of 3 done\.\n$/);
  });

  it("--apply --yes with one failure: the rest still run, exit 1, the error in the table", async () => {
    ssm
      .on(DeregisterManagedInstanceCommand, { InstanceId: MI(3) })
      .rejects(
        Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }),
      );
    const r = await run(["prune", "--fleet", "acme", "--apply", "--yes"]);
    assert.equal(r.code, 1);
    const rows = r.stdout.split("\n");
    assert.match(rows[1], /^deregister .* failed: AccessDeniedException: User is not authorized$/);
    assert.match(rows[2], /^deregister .*web-2 .* done$/);
    assert.match(rows[3], /^delete activation .* done$/);
    assert.match(r.stdout, /\n2 of 3 done, 1 failed\.\n$/);
  });

  it("past 50 nodes with the cap: reads every page, does 50, says what is left", async () => {
    ssm.reset();
    serve(
      Array.from({ length: 70 }, (_, i) =>
        node(i + 1, { PingStatus: "ConnectionLost", LastPingDateTime: ago(60) }),
      ),
    );
    ssm.on(DescribeActivationsCommand).resolves({});
    ssm.on(DeregisterManagedInstanceCommand).resolves({});
    const r = await run(["prune", "--fleet", "acme", "--apply", "--yes"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(ssm.commandCalls(DeregisterManagedInstanceCommand).length, 50);
    assert.match(
      r.stdout,
      /\n50 of 50 done\.\n20 more over the cap \(--max-actions 50\): left for the next run\.\n$/,
    );
  });

  it("nothing to prune: says so, exit 0", async () => {
    ssm.reset();
    serve([node(1)]);
    ssm.on(DescribeActivationsCommand).resolves({ ActivationList: [] });
    const r = await run(["prune", "--fleet", "acme", "--apply", "--yes"]);
    assert.deepEqual(r, {
      code: 0,
      stdout: "Nothing to prune in fleet acme (1 hybrid node).\n",
      stderr: "",
    });
  });

  it("--stale-days 50 keeps a node silent for 45 days", async () => {
    const r = await run(["prune", "--fleet", "acme", "--stale-days", "50", "--json"]);
    assert.deepEqual(
      JSON.parse(r.stdout).actions.map((a: { kind: string }) => a.kind),
      ["ec2-gone", "activation-expired"],
    );
  });

  const usage: Array<[string[], RegExp]> = [
    [["prune"], /--fleet is required/],
    [["prune", "--fleet", "acme", "--stale-days", "0"], /must be a whole number from 1 to 3650/],
    [["prune", "--fleet", "acme", "--max-actions", "x"], /must be a whole number from 0 to 10000/],
  ];
  for (const [argv, message] of usage) {
    it(`usage error, exit 2: ${argv.join(" ")}`, async () => {
      const r = await run(argv);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
    });
  }

  it("AWS refuses the listing: exit 3, nothing changed", async () => {
    ssm.on(DescribeInstanceInformationCommand).rejects(
      Object.assign(new Error("not authorized to perform ssm:DescribeInstanceInformation"), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const r = await run(["prune", "--fleet", "acme", "--apply", "--yes"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /AccessDeniedException/);
    assert.equal(ssm.commandCalls(DeregisterManagedInstanceCommand).length, 0);
  });
});
