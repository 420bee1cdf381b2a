/**
 * The janitor's plan: table-driven cases for each rule and each safety rule, then properties
 * over generated fleets: it never touches a machine or activation without the fleet tag, never
 * plans more than the cap, is deterministic, and applying it leaves nothing to plan.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkPruneOptions,
  ec2IdsToCheck,
  planPrune,
  type Ec2State,
  type PruneActivation,
  type PruneInputs,
  type PruneNode,
} from "../../ops/prunePlan";

const NOW = new Date("2026-12-01T00:00:00Z");
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const FLEET = { HybridFleet: "acme" };
const OPTS = { fleetTagKey: "HybridFleet", fleetName: "acme" };

function node(id: string, over: Partial<PruneNode> = {}): PruneNode {
  return {
    instanceId: id,
    name: `web-${id.slice(-2)}`,
    pingStatus: "Online",
    resourceType: "ManagedInstance",
    registrationDate: ago(100),
    lastPingDateTime: ago(0),
    tags: FLEET,
    ...over,
  };
}

function activation(id: string, over: Partial<PruneActivation> = {}): PruneActivation {
  return {
    activationId: id,
    defaultInstanceName: "web-01",
    expired: false,
    expirationDate: new Date(NOW.getTime() + DAY),
    registrationsCount: 0,
    registrationLimit: 1,
    tags: FLEET,
    ...over,
  };
}

function inputs(over: Partial<PruneInputs>): PruneInputs {
  return { nodes: [], activations: [], ec2: new Map(), now: NOW, ...over };
}

const planned = (i: PruneInputs, opts = {}) =>
  planPrune(i, { ...OPTS, ...opts }).actions.map((a) => `${a.kind} ${a.target}`);

const MI = (n: number) => `mi-${n.toString(16).padStart(17, "0")}`;

describe("ops/prunePlan", () => {
  describe("rules (table)", () => {
    const cases: Array<{ title: string; in: PruneInputs; opts?: object; want: string[] }> = [
      {
        title: "an Online node is left alone",
        in: inputs({ nodes: [node(MI(1))] }),
        want: [],
      },
      {
        title: "ConnectionLost for 31 days is stale (default 30)",
        in: inputs({
          nodes: [node(MI(1), { pingStatus: "ConnectionLost", lastPingDateTime: ago(31) })],
        }),
        want: [`stale ${MI(1)}`],
      },
      {
        title: "ConnectionLost for 29 days is not stale yet",
        in: inputs({
          nodes: [node(MI(1), { pingStatus: "ConnectionLost", lastPingDateTime: ago(29) })],
        }),
        want: [],
      },
      {
        title: "staleDays 7 makes 8 days stale",
        in: inputs({
          nodes: [node(MI(1), { pingStatus: "ConnectionLost", lastPingDateTime: ago(8) })],
        }),
        opts: { staleDays: 7 },
        want: [`stale ${MI(1)}`],
      },
      {
        title: "ConnectionLost without a last ping counts from registration",
        in: inputs({
          nodes: [
            node(MI(1), {
              pingStatus: "ConnectionLost",
              lastPingDateTime: undefined,
              registrationDate: ago(40),
            }),
          ],
        }),
        want: [`stale ${MI(1)}`],
      },
      {
        title: "Inactive is not ConnectionLost: not stale",
        in: inputs({
          nodes: [node(MI(1), { pingStatus: "Inactive", lastPingDateTime: ago(300) })],
        }),
        want: [],
      },
      {
        title: "duplicates: the older registrations of one name go, the newest stays",
        in: inputs({
          nodes: [
            node(MI(1), { name: "db-1", registrationDate: ago(10) }),
            node(MI(2), { name: "db-1", registrationDate: ago(1) }),
            node(MI(3), { name: "db-1", registrationDate: ago(50) }),
          ],
        }),
        want: [`superseded ${MI(1)}`, `superseded ${MI(3)}`],
      },
      {
        title: "duplicates: the Name tag is the name, over the registered name",
        in: inputs({
          nodes: [
            node(MI(1), { name: "a", tags: { ...FLEET, Name: "db-1" }, registrationDate: ago(9) }),
            node(MI(2), { name: "b", tags: { ...FLEET, Name: "db-1" }, registrationDate: ago(2) }),
          ],
        }),
        want: [`superseded ${MI(1)}`],
      },
      {
        title: "duplicates: a node without a registration date counts as the oldest",
        in: inputs({
          nodes: [
            node(MI(1), { name: "db-1", registrationDate: undefined }),
            node(MI(2), { name: "db-1", registrationDate: ago(500) }),
          ],
        }),
        want: [`superseded ${MI(1)}`],
      },
      {
        title: "named after a terminated EC2 instance and ConnectionLost: deregistered",
        in: inputs({
          nodes: [node(MI(1), { name: "i-0123456789abcdef0", pingStatus: "ConnectionLost" })],
          ec2: new Map([["i-0123456789abcdef0", "terminated"]]),
        }),
        want: [`ec2-gone ${MI(1)}`],
      },
      {
        title: "named after an EC2 instance EC2 does not know, Inactive: deregistered",
        in: inputs({
          nodes: [node(MI(1), { name: "i-0123abcd", pingStatus: "Inactive" })],
          ec2: new Map([["i-0123abcd", "not-found"]]),
        }),
        want: [`ec2-gone ${MI(1)}`],
      },
      {
        title: "named after a missing EC2 instance but Online (another account or region): kept",
        in: inputs({
          nodes: [node(MI(1), { name: "i-0123456789abcdef0", pingStatus: "Online" })],
          ec2: new Map([["i-0123456789abcdef0", "not-found"]]),
        }),
        want: [],
      },
      {
        title: "named after an EC2 instance that exists: kept",
        in: inputs({
          nodes: [node(MI(1), { name: "i-0123456789abcdef0", pingStatus: "ConnectionLost" })],
          ec2: new Map([["i-0123456789abcdef0", "exists"]]),
        }),
        want: [],
      },
      {
        title: "named after an EC2 instance not looked up: kept",
        in: inputs({
          nodes: [node(MI(1), { name: "i-0123456789abcdef0", pingStatus: "ConnectionLost" })],
        }),
        want: [],
      },
      {
        title: "one action per node: EC2-gone wins over stale",
        in: inputs({
          nodes: [
            node(MI(1), {
              name: "i-0123456789abcdef0",
              pingStatus: "ConnectionLost",
              lastPingDateTime: ago(90),
            }),
          ],
          ec2: new Map([["i-0123456789abcdef0", "terminated"]]),
        }),
        want: [`ec2-gone ${MI(1)}`],
      },
      {
        title: "a node of another fleet is never touched",
        in: inputs({
          nodes: [
            node(MI(1), {
              tags: { HybridFleet: "other" },
              pingStatus: "ConnectionLost",
              lastPingDateTime: ago(90),
            }),
            node(MI(2), { tags: {}, pingStatus: "ConnectionLost", lastPingDateTime: ago(90) }),
          ],
        }),
        want: [],
      },
      {
        title: "EC2 instances (i-…) are not hybrid nodes: never deregistered",
        in: inputs({
          nodes: [
            node("i-0123456789abcdef0", {
              resourceType: "EC2Instance",
              pingStatus: "ConnectionLost",
              lastPingDateTime: ago(90),
            }),
          ],
        }),
        want: [],
      },
      {
        title: "expired and spent activations of the fleet are deleted, live ones kept",
        in: inputs({
          activations: [
            activation("a-expired", { expired: true }),
            activation("b-past-date", { expirationDate: ago(1) }),
            activation("c-spent", { registrationsCount: 1, registrationLimit: 1 }),
            activation("d-live", { registrationsCount: 0, registrationLimit: 1 }),
            activation("e-other-fleet", { expired: true, tags: { HybridFleet: "other" } }),
            activation("f-untagged", { expired: true, tags: {} }),
          ],
        }),
        want: [
          "activation-expired a-expired",
          "activation-expired b-past-date",
          "activation-spent c-spent",
        ],
      },
    ];
    for (const c of cases) {
      it(c.title, () => {
        assert.deepEqual(planned(c.in, c.opts), c.want);
      });
    }

    it("the reasons say why, in words", () => {
      const plan = planPrune(
        inputs({
          nodes: [node(MI(1), { pingStatus: "ConnectionLost", lastPingDateTime: ago(45) })],
          activations: [activation("c", { registrationsCount: 1, registrationLimit: 1 })],
        }),
        OPTS,
      );
      assert.deepEqual(
        plan.actions.map((a) => a.reason),
        ["ConnectionLost for 45 days (more than 30)", "spent (1 of 1 registrations)"],
      );
    });
  });

  describe("cap", () => {
    const many = inputs({
      nodes: Array.from({ length: 7 }, (_, i) =>
        node(MI(i + 1), { pingStatus: "ConnectionLost", lastPingDateTime: ago(60) }),
      ),
      activations: [activation("z-expired", { expired: true })],
    });

    it("over the cap: the first maxActions are planned, the rest deferred, and it says so", () => {
      const plan = planPrune(many, { ...OPTS, maxActions: 5 });
      assert.equal(plan.capped, true);
      assert.deepEqual(
        plan.actions.map((a) => a.target),
        [1, 2, 3, 4, 5].map(MI),
      );
      assert.deepEqual(
        plan.deferred.map((a) => a.target),
        [MI(6), MI(7), "z-expired"],
      );
    });

    it("at the cap exactly: not capped", () => {
      const plan = planPrune(many, { ...OPTS, maxActions: 8 });
      assert.equal(plan.capped, false);
      assert.equal(plan.actions.length, 8);
      assert.deepEqual(plan.deferred, []);
    });

    it("maxActions 0 plans nothing and defers everything", () => {
      const plan = planPrune(many, { ...OPTS, maxActions: 0 });
      assert.deepEqual(plan.actions, []);
      assert.equal(plan.deferred.length, 8);
    });
  });

  describe("options", () => {
    const bad: Array<[object, string]> = [
      [{ staleDays: 0 }, "staleDays must be a whole number from 1 to 3650, got 0"],
      [{ staleDays: 1.5 }, "staleDays must be a whole number from 1 to 3650, got 1.5"],
      [{ maxActions: -1 }, "maxActions must be a whole number from 0 to 10000, got -1"],
      [{ fleetName: " " }, "fleetName must be the fleet tag's value, got an empty string"],
      [
        { fleetTagKey: "" },
        "fleetTagKey must be a tag key (1-128 characters), got an empty string",
      ],
    ];
    for (const [over, message] of bad) {
      it(`refuses ${JSON.stringify(over)}`, () => {
        assert.throws(() => checkPruneOptions({ ...OPTS, ...over }), { message });
      });
    }
  });

  it("ec2IdsToCheck: fleet hybrid nodes not Online and named like an EC2 instance ID", () => {
    const ids = ec2IdsToCheck(
      [
        node(MI(1), { name: "i-0123456789abcdef0", pingStatus: "ConnectionLost" }),
        node(MI(2), { name: "i-0123456789abcdef1", pingStatus: "Online" }),
        node(MI(3), { name: "i-0123abcd", pingStatus: "Inactive", tags: { HybridFleet: "x" } }),
        node(MI(4), { name: "web-1", pingStatus: "ConnectionLost" }),
        node(MI(5), { name: "i-aaaaaaaa", pingStatus: "Inactive" }),
      ],
      OPTS,
    );
    assert.deepEqual(ids, ["i-0123456789abcdef0", "i-aaaaaaaa"]);
  });

  describe("properties", () => {
    const fleetValue = fc.constantFrom("acme", "other", "ACME", "acme ");
    const arbNode = fc.record({
      instanceId: fc.oneof(
        fc.integer({ min: 1, max: 40 }).map(MI),
        fc.constantFrom("i-0123456789abcdef0", "i-0a1b2c3d"),
      ),
      name: fc.option(
        fc.constantFrom("web-1", "web-2", "db-1", "i-0123456789abcdef0", "i-0a1b2c3d", ""),
        { nil: undefined },
      ),
      pingStatus: fc.option(fc.constantFrom("Online", "ConnectionLost", "Inactive"), {
        nil: undefined,
      }),
      resourceType: fc.option(fc.constantFrom("ManagedInstance", "EC2Instance"), {
        nil: undefined,
      }),
      registrationDate: fc.option(
        fc.integer({ min: 0, max: 400 }).map((d) => ago(d)),
        { nil: undefined },
      ),
      lastPingDateTime: fc.option(
        fc.integer({ min: 0, max: 400 }).map((d) => ago(d)),
        { nil: undefined },
      ),
      tags: fc.oneof(
        fleetValue.map((v) => ({ HybridFleet: v })),
        fc.constant({}),
        fleetValue.map((v) => ({ Fleet: v })),
      ),
    });
    const arbActivation = fc.record({
      activationId: fc.uuid(),
      expired: fc.boolean(),
      expirationDate: fc.integer({ min: -30, max: 30 }).map((d) => ago(-d)),
      registrationsCount: fc.integer({ min: 0, max: 3 }),
      registrationLimit: fc.integer({ min: 1, max: 3 }),
      tags: fc.oneof(
        fleetValue.map((v) => ({ HybridFleet: v })),
        fc.constant({}),
      ),
    });
    const arbEc2 = fc
      .array(
        fc.tuple(
          fc.constantFrom("i-0123456789abcdef0", "i-0a1b2c3d"),
          fc.constantFrom<Ec2State>("exists", "terminated", "not-found"),
        ),
      )
      .map((pairs) => new Map(pairs));
    const arbInputs = fc
      .record({
        nodes: fc.uniqueArray(arbNode, { selector: (n) => n.instanceId, maxLength: 40 }),
        activations: fc.uniqueArray(arbActivation, {
          selector: (a) => a.activationId,
          maxLength: 10,
        }),
        ec2: arbEc2,
      })
      .map((r): PruneInputs => ({ ...r, now: NOW }));
    const arbCap = fc.integer({ min: 0, max: 60 });

    it("never touches a node or activation without the fleet tag", () => {
      fc.assert(
        fc.property(arbInputs, arbCap, (i, maxActions) => {
          const plan = planPrune(i, { ...OPTS, maxActions });
          const fleetIds = new Set(
            [
              ...i.nodes.map((n) => [n.instanceId, n.tags] as const),
              ...i.activations.map((a) => [a.activationId, a.tags] as const),
            ]
              .filter(([, tags]) => (tags as Record<string, string>).HybridFleet === "acme")
              .map(([id]) => id),
          );
          for (const a of [...plan.actions, ...plan.deferred]) {
            assert.ok(fleetIds.has(a.target), `${a.target} is not a fleet resource`);
            if (a.type === "deregister") assert.match(a.target, /^mi-/);
          }
        }),
        { numRuns: 500 },
      );
    });

    it("never exceeds the cap, and loses no action to it", () => {
      fc.assert(
        fc.property(arbInputs, arbCap, (i, maxActions) => {
          const capped = planPrune(i, { ...OPTS, maxActions });
          const whole = planPrune(i, { ...OPTS, maxActions: 10_000 });
          assert.ok(capped.actions.length <= maxActions);
          assert.deepEqual([...capped.actions, ...capped.deferred], whole.actions);
          assert.equal(capped.capped, whole.actions.length > maxActions);
        }),
        { numRuns: 500 },
      );
    });

    it("never deregisters an Online node except a superseded duplicate", () => {
      fc.assert(
        fc.property(arbInputs, (i) => {
          const online = new Set(
            i.nodes.filter((n) => n.pingStatus === "Online").map((n) => n.instanceId),
          );
          for (const a of planPrune(i, OPTS).actions) {
            if (online.has(a.target)) assert.equal(a.kind, "superseded");
          }
        }),
        { numRuns: 500 },
      );
    });

    it("is idempotent: deterministic, and after applying it there is nothing left to do", () => {
      fc.assert(
        fc.property(arbInputs, (i) => {
          const opts = { ...OPTS, maxActions: 10_000 };
          const plan = planPrune(i, opts);
          assert.deepEqual(planPrune(i, opts), plan);
          const done = new Set(plan.actions.map((a) => a.target));
          const after: PruneInputs = {
            ...i,
            nodes: i.nodes.filter((n) => !done.has(n.instanceId)),
            activations: i.activations.filter((a) => !done.has(a.activationId)),
          };
          assert.deepEqual(planPrune(after, opts).actions, []);
        }),
        { numRuns: 500 },
      );
    });
  });
});
