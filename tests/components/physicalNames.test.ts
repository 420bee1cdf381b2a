/**
 * Stacks of different fleets share accounts and regions, and every stack program builds its
 * components under the same logical names: account-unique physical names must come from the
 * fleet name, never from the component name.
 */
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
  GLUE_DATABASE_RULE,
  SYNC_NAME_RULE,
  WORKGROUP_RULE,
  fleetPhysicalNames,
  physicalName,
  type NameRule,
} from "../../components/shared/physicalNames";
import { allResources, installMocks, unwrap, type RecordedResource } from "../support/pulumiMocks";

/** The input holding each resource type's own physical name, unique per account and region. */
const OWN_NAME: Readonly<Record<string, string>> = {
  "aws:ssm/resourceDataSync:ResourceDataSync": "name",
  "aws:glue/catalogDatabase:CatalogDatabase": "name",
  "aws:athena/workgroup:Workgroup": "name",
  "aws:ssm/document:Document": "name",
  // Association names need not be unique, but a shared one would confuse the console.
  "aws:ssm/association:Association": "associationName",
  "aws:s3/bucket:Bucket": "bucket",
  "aws:iam/role:Role": "name",
  "aws:iam/rolePolicy:RolePolicy": "name",
  "aws:lambda/function:Function": "name",
  "aws:cloudwatch/logGroup:LogGroup": "name",
  "aws:apigateway/restApi:RestApi": "name",
  "aws:kms/key:Key": "name",
  // The risk view's alarms and dashboard are named after the fleet (HybridFleet-<fleet>-risk…).
  "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
  "aws:cloudwatch/dashboard:Dashboard": "dashboardName",
  "aws:sns/topic:Topic": "name",
};
/**
 * `name` inputs that are not an account-unique name: the document an association runs, a
 * table inside its (fleet-named) database, a saved query inside its workgroup.
 */
const NOT_OWN_NAME = new Set([
  "aws:ssm/association:Association",
  "aws:glue/catalogTable:CatalogTable",
  "aws:athena/namedQuery:NamedQuery",
]);

/** `<type> <physical name>` → where it was set. Unset names are autonamed (random suffix) by Pulumi. */
function physicalNamesOf(resources: readonly RecordedResource[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of resources.filter((x) => x.custom)) {
    const key = OWN_NAME[r.type];
    if (key === undefined && typeof r.inputs.name === "string" && !NOT_OWN_NAME.has(r.type)) {
      // A new resource type with an explicit name: classify it above.
      throw new Error(`unclassified name input on ${r.type} (${r.name})`);
    }
    const value = key === undefined ? undefined : r.inputs[key];
    // Keyed by type too: a sync and a workgroup may legitimately share a name.
    if (typeof value === "string") out.set(`${r.type} ${value}`, `${r.name}.${key}`);
  }
  return out;
}

async function buildStack(stack: string, fleetName: string): Promise<RecordedResource[]> {
  installMocks({}, "ssm-hybrid-fleet", stack);
  const { HybridFleet } = await import("../../components/hybridFleet");
  // The same logical name in both stacks, as index.ts does.
  const fleet = new HybridFleet("fleet", { fleetName, environment: stack });
  await unwrap(fleet.complianceSync?.workgroupName);
  await unwrap(fleet.activationApi.apiUrl);
  await new Promise((r) => setTimeout(r, 50));
  return allResources();
}

describe("physical names", () => {
  describe("two fleets' stacks in one account and region", () => {
    let prod: RecordedResource[];
    let test: RecordedResource[];

    before(async () => {
      prod = await buildStack("prod", "acme-prod");
      test = await buildStack("test", "acme-test");
    });

    it("share no account-unique physical name", () => {
      const a = physicalNamesOf(prod);
      const b = physicalNamesOf(test);
      const shared = [...a.keys()].filter((n) => b.has(n)).map((n) => `${n} (${a.get(n)})`);
      assert.deepEqual(shared, []);
      // The check above is only as good as what it sees: the named resources are all there.
      assert.ok(a.size >= 6, `only ${a.size} physical names found`);
    });

    it("name the sync, database and workgroup after the fleet", () => {
      const named = (rs: RecordedResource[], type: string) =>
        rs.filter((r) => r.type === type).map((r) => r.inputs.name);
      assert.deepEqual(named(prod, "aws:ssm/resourceDataSync:ResourceDataSync"), [
        "HybridFleet-acme-prod",
      ]);
      assert.deepEqual(named(test, "aws:ssm/resourceDataSync:ResourceDataSync"), [
        "HybridFleet-acme-test",
      ]);
      assert.deepEqual(named(prod, "aws:athena/workgroup:Workgroup"), ["HybridFleet-acme-prod"]);
      assert.deepEqual(named(prod, "aws:glue/catalogDatabase:CatalogDatabase"), [
        fleetPhysicalNames("acme-prod").databaseName,
      ]);
      assert.match(
        fleetPhysicalNames("acme-prod").databaseName,
        /^hybrid_fleet_acme_prod_[0-9a-f]{8}$/,
      );
    });
  });

  describe("physicalName", () => {
    it("keeps a name that already fits", () => {
      assert.equal(physicalName("HybridFleet-acme-prod", SYNC_NAME_RULE), "HybridFleet-acme-prod");
      assert.equal(physicalName("hybrid_fleet_acme", GLUE_DATABASE_RULE), "hybrid_fleet_acme");
    });

    it("fits a name that does not, and marks it with a hash of the original", () => {
      const db = physicalName("hybrid_fleet_Acme-Prod", GLUE_DATABASE_RULE);
      assert.match(db, /^hybrid_fleet_acme_prod_[0-9a-f]{8}$/);
      const sync = physicalName(`HybridFleet-${"x".repeat(100)}`, SYNC_NAME_RULE);
      assert.equal(sync.length, 64);
      assert.match(sync, /^HybridFleet-x+-[0-9a-f]{8}$/);
      assert.match(
        physicalName("HybridFleet-acme prod", WORKGROUP_RULE),
        /^HybridFleet-acme-prod-[0-9a-f]{8}$/,
      );
    });

    const rules: [string, NameRule, RegExp][] = [
      ["sync", SYNC_NAME_RULE, /^[A-Za-z0-9_.-]{1,64}$/],
      ["database", GLUE_DATABASE_RULE, /^[a-z0-9_]{1,255}$/],
      ["workgroup", WORKGROUP_RULE, /^[A-Za-z0-9._-]{1,128}$/],
    ];
    for (const [what, rule, valid] of rules) {
      it(`gives every fleet name a valid ${what} name, distinct for distinct fleet names`, () => {
        fc.assert(
          fc.property(
            fc.string({ minLength: 1, maxLength: 300 }),
            fc.string({ minLength: 1, maxLength: 300 }),
            (x, y) => {
              const nx = physicalName(`HybridFleet-${x}`, rule);
              assert.match(nx, valid);
              if (x !== y) assert.notEqual(nx, physicalName(`HybridFleet-${y}`, rule));
            },
          ),
        );
      });
    }

    it("keeps fleet names that differ only in case or punctuation apart", () => {
      const names = ["acme-prod", "acme_prod", "Acme-Prod", "acme.prod", "acme prod"].map(
        (f) => fleetPhysicalNames(f).databaseName,
      );
      assert.equal(new Set(names).size, names.length, names.join(", "));
    });
  });
});
