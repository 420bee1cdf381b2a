/**
 * The janitor handler against aws-sdk-client-mock SSM and EC2 clients: the commands it sends
 * and their inputs, dry run versus apply, pagination past 50 nodes, the cap, errors per
 * action, one JSON log line per action, and valid EMF metric lines.
 *
 * The hybrid node shape comes from a real DescribeInstanceInformation answer
 * (tests/fixtures/janitor/describe-instance-information.mi-0196d7ad4ec28e311.json, see
 * SOURCE.txt there).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DeleteActivationCommand,
  DeregisterManagedInstanceCommand,
  DescribeActivationsCommand,
  DescribeInstanceInformationCommand,
  SSMClient,
  type Activation,
  type InstanceInformation,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { loadJanitorConfig, type JanitorConfig } from "../../../functions/janitor/config";
import { createJanitorHandler } from "../../../functions/janitor/handler";
import { JANITOR_METRIC_NAMESPACE } from "../../../functions/janitor/metrics";
import { emfProblems } from "../../risk/emfValidator";

const NOW = new Date("2026-12-01T00:00:00Z");
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const MI = (n: number) => `mi-${n.toString(16).padStart(17, "0")}`;

const REAL = JSON.parse(
  fs.readFileSync(
    path.join(
      __dirname,
      "..",
      "..",
      "fixtures",
      "janitor",
      "describe-instance-information.mi-0196d7ad4ec28e311.json",
    ),
    "utf8",
  ),
).InstanceInformationList[0];

/** A hybrid node shaped like the real one, with our fields. */
function hybrid(n: number, over: Partial<InstanceInformation> = {}): InstanceInformation {
  return {
    ...REAL,
    LastPingDateTime: ago(0),
    RegistrationDate: ago(100),
    InstanceId: MI(n),
    Name: `web-${n}`,
    ...over,
  };
}

const fleetTags = [{ Key: "HybridFleet", Value: "acme" }];

function activation(id: string, over: Partial<Activation> = {}): Activation {
  return {
    ActivationId: id,
    DefaultInstanceName: "web-1",
    RegistrationLimit: 1,
    RegistrationsCount: 0,
    Expired: false,
    ExpirationDate: new Date(NOW.getTime() + DAY),
    Tags: fleetTags,
    ...over,
  };
}

const CONFIG: JanitorConfig = {
  fleetName: "acme",
  fleetTagKey: "HybridFleet",
  staleDays: 30,
  maxActions: 50,
  apply: true,
};

// Created in before() and restored in after(): mockClient stubs the prototype for the whole
// mocha process, and other files need the genuine clients.
const mockSsm = () => mockClient(SSMClient);
const mockEc2 = () => mockClient(EC2Client);
let ssm: ReturnType<typeof mockSsm>;
let ec2: ReturnType<typeof mockEc2>;

function run(config: Partial<JanitorConfig> = {}) {
  const lines: string[] = [];
  const handler = createJanitorHandler({
    ssm: new SSMClient({ region: "ap-southeast-2" }),
    ec2: new EC2Client({ region: "ap-southeast-2" }),
    config: { ...CONFIG, ...config },
    clock: () => NOW,
    log: (l) => lines.push(l),
  });
  return { lines, result: handler({}, { awsRequestId: "req-1" }) };
}

/** Serves `fleet` for the tag query (pages of 50) and `account` for the hybrid count. */
function serveNodes(fleet: InstanceInformation[], account = fleet) {
  const pages = (list: InstanceInformation[], query: string) => {
    for (let i = 0; i < Math.max(list.length, 1); i += 50) {
      const token = i === 0 ? undefined : `${query}-${i}`;
      const next = i + 50 < list.length ? `${query}-${i + 50}` : undefined;
      const filter =
        query === "fleet"
          ? [{ Key: "tag:HybridFleet", Values: ["acme"] }]
          : [{ Key: "ResourceType", Values: ["ManagedInstance"] }];
      ssm
        .on(DescribeInstanceInformationCommand, { Filters: filter, NextToken: token })
        .resolves({ InstanceInformationList: list.slice(i, i + 50), NextToken: next });
    }
  };
  pages(fleet, "fleet");
  pages(account, "account");
}

const logged = (lines: string[]) =>
  lines.filter((l) => !l.includes('"_aws"')).map((l) => JSON.parse(l));
const emf = (lines: string[]) =>
  lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));

describe("functions/janitor handler", () => {
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
    ssm.on(DescribeActivationsCommand).resolves({ ActivationList: [] });
    ssm.on(DeregisterManagedInstanceCommand).resolves({});
    ssm.on(DeleteActivationCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  });

  it("apply: deregisters stale, superseded and EC2-gone nodes, deletes spent activations", async () => {
    serveNodes([
      hybrid(1),
      hybrid(2, { PingStatus: "ConnectionLost", LastPingDateTime: ago(45) }),
      hybrid(3, { Name: "db-1", RegistrationDate: ago(20) }),
      hybrid(4, { Name: "db-1", RegistrationDate: ago(2) }),
      hybrid(5, { Name: "i-0123456789abcdef0", PingStatus: "ConnectionLost" }),
      hybrid(6, { Name: "i-0fedcba9876543210", PingStatus: "ConnectionLost" }),
    ]);
    ssm.on(DescribeActivationsCommand).resolves({
      ActivationList: [
        activation("11111111-1111-4111-8111-111111111111", { Expired: true }),
        activation("22222222-2222-4222-8222-222222222222", { RegistrationsCount: 1 }),
        activation("33333333-3333-4333-8333-333333333333"),
        activation("44444444-4444-4444-8444-444444444444", { Expired: true, Tags: [] }),
      ],
    });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { InstanceId: "i-0123456789abcdef0", State: { Name: "terminated", Code: 48 } },
            { InstanceId: "i-0fedcba9876543210", State: { Name: "stopped", Code: 80 } },
          ],
        },
      ],
    });
    const { lines, result } = run();
    assert.deepEqual(await result, {
      apply: true,
      planned: 5,
      taken: 5,
      failed: 0,
      deferred: 0,
      capped: false,
      fleetHybridNodes: 6,
      accountHybridNodes: 6,
    });
    assert.deepEqual(
      ssm.commandCalls(DeregisterManagedInstanceCommand).map((c) => c.args[0].input),
      [{ InstanceId: MI(5) }, { InstanceId: MI(3) }, { InstanceId: MI(2) }],
    );
    assert.deepEqual(
      ssm.commandCalls(DeleteActivationCommand).map((c) => c.args[0].input),
      [
        { ActivationId: "11111111-1111-4111-8111-111111111111" },
        { ActivationId: "22222222-2222-4222-8222-222222222222" },
      ],
    );
    assert.deepEqual(
      ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input),
      [
        {
          Filters: [
            { Name: "instance-id", Values: ["i-0123456789abcdef0", "i-0fedcba9876543210"] },
          ],
          MaxResults: 1000,
          NextToken: undefined,
        },
      ],
    );
    const actions = logged(lines).filter((l) => l.action !== undefined);
    assert.deepEqual(
      actions.map((l) => [l.level, l.kind, l.target, l.outcome]),
      [
        ["INFO", "ec2-gone", MI(5), "done"],
        ["INFO", "superseded", MI(3), "done"],
        ["INFO", "stale", MI(2), "done"],
        ["INFO", "activation-expired", "11111111-1111-4111-8111-111111111111", "done"],
        ["INFO", "activation-spent", "22222222-2222-4222-8222-222222222222", "done"],
      ],
    );
    for (const l of actions) {
      assert.equal(l.requestId, "req-1");
      assert.equal(l.service, "janitor");
      assert.equal(l.fleet, "acme");
      assert.equal(typeof l.reason, "string");
    }
  });

  it("dry run (the default): plans and logs, sends no Deregister or Delete", async () => {
    serveNodes([hybrid(2, { PingStatus: "ConnectionLost", LastPingDateTime: ago(45) })]);
    const { lines, result } = run({ apply: false });
    const r = await result;
    assert.equal(r.apply, false);
    assert.equal(r.planned, 1);
    assert.equal(r.taken, 0);
    assert.equal(ssm.commandCalls(DeregisterManagedInstanceCommand).length, 0);
    assert.equal(ssm.commandCalls(DeleteActivationCommand).length, 0);
    const [action] = logged(lines).filter((l) => l.action !== undefined);
    assert.deepEqual([action.target, action.outcome], [MI(2), "dry-run"]);
    assert.equal(logged(lines).at(-1).message, "janitor dry run done");
  });

  it("reads every page: 120 fleet nodes, 130 in the account", async () => {
    const fleet = Array.from({ length: 120 }, (_, i) =>
      hybrid(i + 1, { PingStatus: "ConnectionLost", LastPingDateTime: ago(60) }),
    );
    serveNodes(fleet, [...fleet, ...Array.from({ length: 10 }, (_, i) => hybrid(500 + i))]);
    const r = await run({ maxActions: 200 }).result;
    assert.equal(r.fleetHybridNodes, 120);
    assert.equal(r.accountHybridNodes, 130);
    assert.equal(ssm.commandCalls(DeregisterManagedInstanceCommand).length, 120);
    const fleetCalls = ssm
      .commandCalls(DescribeInstanceInformationCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.Filters?.[0].Key === "tag:HybridFleet");
    assert.deepEqual(
      fleetCalls.map((i) => [i.MaxResults, i.NextToken]),
      [
        [50, undefined],
        [50, "fleet-50"],
        [50, "fleet-100"],
      ],
    );
  });

  it("the cap: 60 stale nodes, 50 deregistered, a WARN line and ActionsDeferred 10", async () => {
    serveNodes(
      Array.from({ length: 60 }, (_, i) =>
        hybrid(i + 1, { PingStatus: "ConnectionLost", LastPingDateTime: ago(60) }),
      ),
    );
    const { lines, result } = run();
    const r = await result;
    assert.deepEqual([r.planned, r.deferred, r.capped], [50, 10, true]);
    assert.equal(ssm.commandCalls(DeregisterManagedInstanceCommand).length, 50);
    const warn = logged(lines).find((l) => l.level === "WARN");
    assert.deepEqual([warn.maxActions, warn.deferred], [50, 10]);
    assert.equal(emf(lines)[0].ActionsDeferred, 10);
  });

  it("an action that fails is logged as ERROR and counted; the others still run", async () => {
    serveNodes([
      hybrid(1, { PingStatus: "ConnectionLost", LastPingDateTime: ago(60) }),
      hybrid(2, { PingStatus: "ConnectionLost", LastPingDateTime: ago(60) }),
      hybrid(3, { PingStatus: "ConnectionLost", LastPingDateTime: ago(60) }),
    ]);
    const denied = Object.assign(new Error("not authorized"), { name: "AccessDeniedException" });
    const gone = Object.assign(new Error("Instance Id is invalid"), { name: "InvalidInstanceId" });
    ssm
      .on(DeregisterManagedInstanceCommand, { InstanceId: MI(1) })
      .rejects(denied)
      .on(DeregisterManagedInstanceCommand, { InstanceId: MI(2) })
      .rejects(gone);
    const { lines, result } = run();
    const r = await result;
    assert.deepEqual([r.planned, r.taken, r.failed], [3, 2, 1]);
    const actions = logged(lines).filter((l) => l.action !== undefined);
    assert.deepEqual(
      actions.map((l) => [l.level, l.target, l.outcome, l.error]),
      [
        ["ERROR", MI(1), "failed", "AccessDeniedException: not authorized"],
        ["INFO", MI(2), "already-gone", undefined],
        ["INFO", MI(3), "done", undefined],
      ],
    );
    assert.equal(emf(lines)[0].ActionsFailed, 1);
  });

  it("a failure to list the fleet fails the run (Lambda's error metric sees it)", async () => {
    ssm
      .on(DescribeInstanceInformationCommand)
      .rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    await assert.rejects(run().result, { name: "ThrottlingException" });
    assert.equal(ssm.commandCalls(DeregisterManagedInstanceCommand).length, 0);
  });

  it("EMF: valid lines, namespace HybridFleet/Janitor, totals and one line per kind", async () => {
    serveNodes(
      [
        hybrid(1, { PingStatus: "ConnectionLost", LastPingDateTime: ago(60) }),
        hybrid(2, { Name: "x", RegistrationDate: ago(9) }),
        hybrid(3, { Name: "x", RegistrationDate: ago(1) }),
      ],
      Array.from({ length: 7 }, (_, i) => hybrid(i + 1)),
    );
    const { lines, result } = run();
    await result;
    const raw = lines.filter((l) => l.includes('"_aws"'));
    for (const l of raw) assert.deepEqual(emfProblems(l), [], l);
    const docs = emf(lines);
    assert.equal(docs.length, 6);
    for (const d of docs) {
      assert.equal(d._aws.CloudWatchMetrics[0].Namespace, JANITOR_METRIC_NAMESPACE);
      assert.equal(d._aws.Timestamp, NOW.getTime());
    }
    const { _aws: first, ...totals } = docs[0];
    assert.deepEqual(first.CloudWatchMetrics[0].Dimensions, [["Fleet"]]);
    assert.deepEqual(totals, {
      Fleet: "acme",
      ActionsPlanned: 2,
      ActionsTaken: 2,
      ActionsFailed: 0,
      ActionsDeferred: 0,
      FleetHybridNodes: 3,
      HybridNodes: 7,
    });
    assert.deepEqual(
      docs.slice(1).map((d) => [d.Kind, d.ActionsPlanned, d.ActionsTaken]),
      [
        ["ec2-gone", 0, 0],
        ["superseded", 1, 1],
        ["stale", 1, 1],
        ["activation-expired", 0, 0],
        ["activation-spent", 0, 0],
      ],
    );
  });

  describe("config", () => {
    it("defaults: dry run, 30 days, 50 actions, HybridFleet", () => {
      assert.deepEqual(loadJanitorConfig({ FLEET_NAME: "acme" }), {
        fleetName: "acme",
        fleetTagKey: "HybridFleet",
        staleDays: 30,
        maxActions: 50,
        apply: false,
      });
    });
    it("JANITOR_APPLY=true acts", () => {
      assert.equal(loadJanitorConfig({ FLEET_NAME: "a", JANITOR_APPLY: "true" }).apply, true);
    });
    const bad: Array<[NodeJS.ProcessEnv, string]> = [
      [{}, "environment variable FLEET_NAME is required"],
      [
        { FLEET_NAME: "a", JANITOR_APPLY: "yes" },
        'JANITOR_APPLY must be "true" or "false", got "yes"',
      ],
      [
        { FLEET_NAME: "a", JANITOR_STALE_DAYS: "0" },
        'JANITOR_STALE_DAYS must be a whole number from 1 to 3650, got "0"',
      ],
      [
        { FLEET_NAME: "a", JANITOR_MAX_ACTIONS: "5.5" },
        'JANITOR_MAX_ACTIONS must be a whole number from 0 to 10000, got "5.5"',
      ],
    ];
    for (const [env, message] of bad) {
      it(`refuses ${JSON.stringify(env)}`, () => {
        assert.throws(() => loadJanitorConfig(env), { name: "JanitorConfigurationError", message });
      });
    }
  });
});
