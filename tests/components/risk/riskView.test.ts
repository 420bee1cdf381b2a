/**
 * RiskView under Pulumi's mock runtime: every child, its security-relevant inputs, the code
 * package (bundle + the statements built at deploy time), the environment the handler reads,
 * and validation before anything is created.
 */
import * as assert from "node:assert/strict";
import {
  ACCOUNT_ID,
  REGION,
  allResources,
  installMocks,
  resourceNamed,
  resourcesOfType,
  unwrap,
} from "../../support/pulumiMocks";
import type { Acceptance, RiskControl } from "../../../risk/model";
import { registerFiles } from "../../../risk/register";
import {
  RISK_TABLE_NAMES,
  riskStatements,
  riskViews,
  type RiskSqlContext,
} from "../../../risk/sql";
import { SNAPSHOT_ENVIRONMENT, loadSnapshotConfig } from "../../../functions/riskSnapshot/config";
import { parseStatements } from "../../../functions/riskSnapshot/statements";
import { SCORED_COLUMNS } from "../../../risk/scored";
import { WORK_COLUMNS } from "../../../risk/stage";
import type { RiskViewArgs } from "../../../components/risk/riskView";
import { riskSnapshotPolicy } from "../../../components/risk/riskView.policies";

const CONTROLS: RiskControl[] = [
  { name: "patch", complianceType: "Patch", severity: "HIGH", mandatory: false },
  { name: "antivirus", complianceType: "Custom:Antivirus", severity: "HIGH", mandatory: true },
  { name: "cis", complianceType: "Custom:CIS", severity: "MEDIUM", mandatory: false },
];
const ACCEPTANCE: Acceptance = {
  id: "kb-legacy-app",
  control: "patch",
  findingPattern: "KB50[0-9]{5}",
  names: ["web-01"],
  tags: { Environment: "prod" },
  reason: "Vendor certifies the app only on the current build",
  approver: "CAB-2026-114",
  // Far enough ahead to stay valid for the life of this test, within 365 days of any "now".
  expiresAt: new Date(Date.now() + 200 * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z"),
};

const BASE: RiskViewArgs = {
  bucketName: "acme-sync-data",
  databaseName: "hybrid_fleet_acme",
  workgroupName: "HybridFleet-acme",
  resultsBucketName: "acme-sync-results",
  controls: CONTROLS,
  fleetName: "acme",
  acceptances: [ACCEPTANCE],
  tags: { HybridFleet: "acme" },
};

const CONTEXT: RiskSqlContext = {
  database: "hybrid_fleet_acme",
  modeTagKey: "ComplianceMode",
  environmentTagKey: "Environment",
  fleetTagKey: "HybridFleet",
  fleetName: "acme",
  controls: CONTROLS,
  weights: { CRITICAL: 10, HIGH: 5, MEDIUM: 2, LOW: 1, INFORMATIONAL: 0, UNSPECIFIED: 1 },
  staleDays: 7,
  topMachines: 20,
  acceptancesTable: RISK_TABLE_NAMES.acceptances,
  scopesTable: RISK_TABLE_NAMES.scopes,
  historyTable: RISK_TABLE_NAMES.history,
};

async function build(args: RiskViewArgs) {
  installMocks();
  const { RiskView } = await import("../../../components/risk/riskView");
  const view = new RiskView("fleet-risk", args);
  await unwrap(view.functionName);
  await unwrap(view.reportUrl);
  await new Promise((r) => setTimeout(r, 50));
  return view;
}

describe("RiskView", () => {
  describe("with the default settings and one acceptance", () => {
    let view: Awaited<ReturnType<typeof build>>;
    before(async function () {
      this.timeout(60_000); // esbuild bundles the snapshot function once
      view = await build(BASE);
    });

    it("creates exactly these children, each under the component", () => {
      const children = allResources().filter((r) => r.custom);
      assert.deepEqual(children.map((r) => `${r.type} ${r.name}`).sort(), [
        "aws:athena/namedQuery:NamedQuery fleet-risk-view-risk-by-control",
        "aws:athena/namedQuery:NamedQuery fleet-risk-view-risk-by-machine",
        "aws:athena/namedQuery:NamedQuery fleet-risk-view-risk-findings",
        "aws:athena/namedQuery:NamedQuery fleet-risk-view-risk-fleet",
        "aws:cloudwatch/eventRule:EventRule fleet-risk-schedule",
        "aws:cloudwatch/eventTarget:EventTarget fleet-risk-schedule",
        "aws:cloudwatch/logGroup:LogGroup fleet-risk-snapshot-logs",
        "aws:glue/catalogTable:CatalogTable fleet-risk-risk-acceptance-scopes",
        "aws:glue/catalogTable:CatalogTable fleet-risk-risk-acceptances",
        "aws:glue/catalogTable:CatalogTable fleet-risk-risk-history",
        "aws:glue/catalogTable:CatalogTable fleet-risk-risk-snapshot-scored",
        "aws:glue/catalogTable:CatalogTable fleet-risk-risk-snapshot-work",
        "aws:iam/role:Role fleet-risk-snapshot",
        "aws:iam/rolePolicy:RolePolicy fleet-risk-snapshot",
        "aws:lambda/function:Function fleet-risk-snapshot",
        "aws:lambda/permission:Permission fleet-risk-schedule",
        "aws:s3/bucketObjectv2:BucketObjectv2 fleet-risk-register-acceptances",
        "aws:s3/bucketObjectv2:BucketObjectv2 fleet-risk-register-scopes",
      ]);
      const component = resourceNamed("fleet-risk", "ssm-hybrid-fleet:risk:RiskView");
      for (const child of children) assert.equal(child.parent, component.urn, child.name);
    });

    it("writes the register files where the register tables read them", () => {
      const files = registerFiles([ACCEPTANCE]);
      const objects = resourcesOfType("aws:s3/bucketObjectv2:BucketObjectv2");
      assert.deepEqual(
        objects.map((o) => [o.inputs.bucket, o.inputs.key, o.inputs.content]).sort(),
        Object.entries(files)
          .map(([suffix, body]) => ["acme-sync-data", `risk-register/${suffix}`, body])
          .sort(),
      );
      const acceptances = resourceNamed("fleet-risk-risk-acceptances");
      assert.equal(
        acceptances.inputs.storageDescriptor.location,
        "s3://acme-sync-data/risk-register/acceptances/",
      );
      assert.equal(acceptances.inputs.databaseName, "hybrid_fleet_acme");
      const history = resourceNamed("fleet-risk-risk-history");
      assert.equal(history.inputs.name, "risk_history");
      assert.equal(history.inputs.storageDescriptor.location, "s3://acme-sync-data/risk-history/");
      assert.deepEqual(history.inputs.partitionKeys, [{ name: "day", type: "string" }]);
    });

    it("catalogues the snapshot's work table: Parquet, unpartitioned, in risk-work/copy/", () => {
      const work = resourceNamed("fleet-risk-risk-snapshot-work");
      assert.deepEqual(work.inputs, {
        name: "risk_snapshot_work",
        databaseName: "hybrid_fleet_acme",
        description:
          "Risk snapshot work table: one snapshot's copy of the sync data it reads (rewritten by every snapshot)",
        tableType: "EXTERNAL_TABLE",
        parameters: {
          EXTERNAL: "TRUE",
          classification: "parquet",
          "parquet.compression": "SNAPPY",
        },
        partitionKeys: [],
        storageDescriptor: {
          location: "s3://acme-sync-data/risk-work/copy/",
          inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
          serDeInfo: {
            name: "ParquetHiveSerDe",
            serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            parameters: { "serialization.format": "1" },
          },
          columns: WORK_COLUMNS.map((name) => ({ name, type: "string" })),
        },
      });
      // The work columns are what `prepare` writes and the statements read.
      assert.deepEqual(WORK_COLUMNS.slice(0, 4), ["source", "accountid", "region", "resourceid"]);
      assert.match(
        riskStatements(CONTEXT).prepare,
        /^INSERT INTO hybrid_fleet_acme\.risk_snapshot_work /,
      );
    });

    it("catalogues the scored table beside it: Parquet, unpartitioned, in risk-work/scored/, typed", () => {
      const scored = resourceNamed("fleet-risk-risk-snapshot-scored");
      assert.equal(scored.inputs.name, "risk_snapshot_scored");
      assert.equal(scored.inputs.databaseName, "hybrid_fleet_acme");
      assert.deepEqual(scored.inputs.partitionKeys, []);
      assert.equal(scored.inputs.parameters.classification, "parquet");
      assert.equal(
        scored.inputs.storageDescriptor.location,
        "s3://acme-sync-data/risk-work/scored/",
      );
      assert.equal(
        scored.inputs.storageDescriptor.serDeInfo.serializationLibrary,
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
      );
      assert.deepEqual(scored.inputs.storageDescriptor.columns, SCORED_COLUMNS);
      // The types Athena writes and reads back: flags as boolean, counts and scores as bigint.
      const typeOf = Object.fromEntries(SCORED_COLUMNS.map((c) => [c.name, c.type]));
      for (const c of ["mandatory", "not_seen", "fresh"]) assert.equal(typeOf[c], "boolean", c);
      for (const c of ["severity_rank", "score", "findings"]) assert.equal(typeOf[c], "bigint", c);
      assert.match(
        riskStatements(CONTEXT).score,
        /^INSERT INTO hybrid_fleet_acme\.risk_snapshot_scored \(kind, scored_at, /,
      );
    });

    it("saves the risk views in the sync's workgroup and database", () => {
      const views = riskViews(CONTEXT);
      for (const v of views) {
        const q = resourceNamed(`fleet-risk-view-${v.key.replace(/_/g, "-")}`);
        assert.deepEqual(q.inputs, {
          name: v.title,
          description: v.description,
          database: "hybrid_fleet_acme",
          workgroup: "HybridFleet-acme",
          query: v.sql,
        });
      }
      assert.deepEqual(Object.keys(view.namedQueryIds).sort(), [
        "view:risk_by_control",
        "view:risk_by_machine",
        "view:risk_findings",
        "view:risk_fleet",
      ]);
    });

    it("ships the bundle and the statements built at deploy time, and sets what the handler reads", async () => {
      const fn = resourceNamed("fleet-risk-snapshot", "aws:lambda/function:Function");
      assert.equal(fn.inputs.runtime, "nodejs22.x");
      assert.deepEqual(fn.inputs.architectures, ["arm64"]);
      assert.equal(fn.inputs.handler, "index.handler");
      assert.equal(fn.inputs.memorySize, 512);
      assert.equal(fn.inputs.timeout, 300);
      assert.equal(fn.inputs.role, "arn:aws:iam::123456789012:role/fleet-risk-snapshot");
      assert.deepEqual(fn.inputs.loggingConfig, {
        logFormat: "Text",
        logGroup: "fleet-risk-snapshot-logs",
      });
      const assets = await fn.inputs.code.assets;
      assert.deepEqual(Object.keys(assets).sort(), ["index.js", "risk-statements.json"]);
      assert.match(await assets["index.js"].text, /exports|module\.exports/);
      const statements = await assets["risk-statements.json"].text;
      assert.deepEqual(JSON.parse(statements), riskStatements(CONTEXT));
      // The handler's own reader accepts the file.
      assert.deepEqual(parseStatements(statements), riskStatements(CONTEXT));
      const env = fn.inputs.environment.variables;
      assert.deepEqual(env, {
        ATHENA_WORKGROUP: "HybridFleet-acme",
        ATHENA_DATABASE: "hybrid_fleet_acme",
        REPORT_BUCKET: "acme-sync-data",
        REPORT_PREFIX: "risk-reports/",
        WORK_PREFIX: "risk-work/",
        FLEET_NAME: "acme",
        STALE_DAYS: "7",
        WEIGHTS: JSON.stringify(CONTEXT.weights),
      });
      for (const key of Object.keys(env)) {
        assert.ok((SNAPSHOT_ENVIRONMENT as readonly string[]).includes(key), key);
      }
      // And the handler's config loader accepts the environment as set.
      assert.equal(loadSnapshotConfig(env).reportPrefix, "risk-reports/");
      // The prefix the function empties holds the two work tables, side by side (neither
      // table reads the other's files), and no other table.
      const emptied = `s3://acme-sync-data/${loadSnapshotConfig(env).workPrefix}`;
      const locations = resourcesOfType("aws:glue/catalogTable:CatalogTable").map(
        (t) => `${t.inputs.name} ${t.inputs.storageDescriptor.location}`,
      );
      assert.deepEqual(locations.filter((l) => l.split(" ")[1].startsWith(emptied)).sort(), [
        `risk_snapshot_scored ${emptied}scored/`,
        `risk_snapshot_work ${emptied}copy/`,
      ]);
      assert.deepEqual(fn.inputs.tags, { HybridFleet: "acme" });
    });

    it("keeps the function's logs for 30 days", () => {
      assert.equal(resourceNamed("fleet-risk-snapshot-logs").inputs.retentionInDays, 30);
    });

    it("runs the snapshot hourly, and only that rule may invoke it", () => {
      const rule = resourceNamed("fleet-risk-schedule", "aws:cloudwatch/eventRule:EventRule");
      assert.equal(rule.inputs.scheduleExpression, "rate(1 hour)");
      const permission = resourceNamed("fleet-risk-schedule", "aws:lambda/permission:Permission");
      assert.deepEqual(permission.inputs, {
        action: "lambda:InvokeFunction",
        function: "fleet-risk-snapshot",
        principal: "events.amazonaws.com",
        sourceArn: `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/fleet-risk-schedule`,
      });
      const target = resourceNamed("fleet-risk-schedule", "aws:cloudwatch/eventTarget:EventTarget");
      assert.deepEqual(target.inputs, {
        rule: "fleet-risk-schedule",
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:fleet-risk-snapshot`,
      });
    });

    it("lets only Lambda acting for this account assume the role", () => {
      const role = resourceNamed("fleet-risk-snapshot", "aws:iam/role:Role");
      assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy), {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT_ID } },
          },
        ],
      });
    });

    it("grants the role exactly the snapshot policy for these names (no key statement)", () => {
      const policy = resourceNamed("fleet-risk-snapshot", "aws:iam/rolePolicy:RolePolicy");
      assert.equal(policy.inputs.role, "fleet-risk-snapshot-id");
      assert.deepEqual(
        JSON.parse(policy.inputs.policy),
        riskSnapshotPolicy({
          partition: "aws",
          region: REGION,
          accountId: ACCOUNT_ID,
          workgroupName: "HybridFleet-acme",
          databaseName: "hybrid_fleet_acme",
          historyTableName: "risk_history",
          bucketName: "acme-sync-data",
          syncPrefix: "ssm-sync",
          resultsBucketName: "acme-sync-results",
          logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:fleet-risk-snapshot-logs`,
        }),
      );
    });

    it("exports the report location, the function and the history table", async () => {
      assert.equal(await unwrap(view.reportUrl), "s3://acme-sync-data/risk-reports/latest.html");
      assert.equal(await unwrap(view.functionName), "fleet-risk-snapshot");
      assert.equal(await unwrap(view.historyTableName), "risk_history");
      assert.equal(await unwrap(view.logGroupName), "fleet-risk-snapshot-logs");
    });
  });

  describe("with a KMS key and other settings", () => {
    before(async function () {
      this.timeout(60_000);
      await build({
        ...BASE,
        kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/abc`,
        snapshotSchedule: "cron(15 6 * * ? *)",
        staleDays: 3,
        severityWeights: { CRITICAL: 50 },
        memorySize: 1024,
        timeoutSeconds: 600,
        logRetentionDays: 90,
        topMachines: 5,
      });
    });

    it("passes the key, the weights and the schedule on", async () => {
      const fn = resourceNamed("fleet-risk-snapshot", "aws:lambda/function:Function");
      const env = fn.inputs.environment.variables;
      assert.equal(env.REPORT_KMS_KEY_ARN, `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/abc`);
      assert.equal(env.STALE_DAYS, "3");
      assert.deepEqual(JSON.parse(env.WEIGHTS), { ...CONTEXT.weights, CRITICAL: 50 });
      assert.equal(fn.inputs.memorySize, 1024);
      assert.equal(fn.inputs.timeout, 600);
      const statements = JSON.parse(
        await (
          await fn.inputs.code.assets
        )["risk-statements.json"].text,
      );
      assert.deepEqual(
        statements,
        riskStatements({
          ...CONTEXT,
          staleDays: 3,
          topMachines: 5,
          weights: { ...CONTEXT.weights, CRITICAL: 50 },
        }),
      );
      assert.equal(resourceNamed("fleet-risk-snapshot-logs").inputs.retentionInDays, 90);
      assert.equal(
        resourceNamed("fleet-risk-schedule", "aws:cloudwatch/eventRule:EventRule").inputs
          .scheduleExpression,
        "cron(15 6 * * ? *)",
      );
    });

    it("grants the key, through S3 or Athena only", () => {
      const policy = JSON.parse(
        resourceNamed("fleet-risk-snapshot", "aws:iam/rolePolicy:RolePolicy").inputs.policy,
      );
      const kms = policy.Statement.find((s: { Sid: string }) => s.Sid === "UseDataKeyThroughS3");
      assert.deepEqual(kms, {
        Sid: "UseDataKeyThroughS3",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/abc`,
        Condition: {
          StringEquals: {
            "kms:ViaService": [`athena.${REGION}.amazonaws.com`, `s3.${REGION}.amazonaws.com`],
          },
        },
      });
    });
  });

  describe("validation, before anything is created", () => {
    const now = new Date();
    const cases: [string, Partial<RiskViewArgs>, string][] = [
      [
        "an acceptance of a mandated control",
        { acceptances: [{ ...ACCEPTANCE, control: "antivirus" }] },
        'RiskView: acceptances[0].control "antivirus" is mandated (controls.antivirus.mandatory): its findings cannot be accepted',
      ],
      [
        "an acceptance without approver",
        { acceptances: [{ ...ACCEPTANCE, approver: " " }] },
        "RiskView: acceptances[0].approver is required: name who approved it (a person or a change record)",
      ],
      [
        "a schedule more often than 15 minutes",
        { snapshotSchedule: "rate(5 minutes)" },
        "RiskView: snapshotSchedule rate(5 minutes) is more often than every 15 minutes: each snapshot runs about ten Athena queries",
      ],
      [
        "a weight beyond 1000",
        { severityWeights: { HIGH: 1001 } },
        "RiskView: severityWeights.HIGH must be a whole number from 0 to 1000; got 1001",
      ],
      [
        "a fractional weight",
        { severityWeights: { HIGH: 2.5 } },
        "RiskView: severityWeights.HIGH must be a whole number from 0 to 1000; got 2.5",
      ],
      [
        "staleDays out of range",
        { staleDays: 0 },
        "RiskView: staleDays must be a whole number from 1 to 90; got 0",
      ],
      [
        "an unknown argument",
        { reportPrefix: "x" } as Partial<RiskViewArgs>,
        "RiskView: reportPrefix is not a known key; known: bucketName, prefix, databaseName, workgroupName, resultsBucketName, kmsKeyArn, controls, fleetName, fleetTagKey, modeTagKey, environmentTagKey, staleDays, severityWeights, maxAcceptanceDays, acceptances, snapshotSchedule, topMachines, logRetentionDays, memorySize, timeoutSeconds, tags",
      ],
    ];
    for (const [what, change, message] of cases) {
      it(`refuses ${what}`, async () => {
        installMocks();
        const { RiskView, resolveRiskViewArgs } = await import("../../../components/risk/riskView");
        assert.throws(() => resolveRiskViewArgs({ ...BASE, ...change }, now), { message });
        assert.throws(() => new RiskView("bad", { ...BASE, ...change }), { message });
        assert.equal(allResources().length, 0);
      });
    }

    it("warns about an acceptance expiring within 30 days", async () => {
      const { resolveRiskViewArgs } = await import("../../../components/risk/riskView");
      const soon = new Date(now.getTime() + 10 * 86_400_000 + 3_600_000).toISOString();
      const s = resolveRiskViewArgs(
        { ...BASE, acceptances: [{ ...ACCEPTANCE, expiresAt: soon }] },
        now,
      );
      assert.deepEqual(s.warnings, [
        `RiskView: acceptances[0] (kb-legacy-app) expires ${soon}, in 11 days: its findings of patch count as open again after that; renew it or fix them`,
      ]);
    });
  });
});
