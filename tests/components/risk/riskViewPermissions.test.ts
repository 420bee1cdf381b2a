/**
 * The snapshot function's policy: every statement asserted exactly, then evaluated offline by
 * an IAM policy simulator: what a snapshot needs is allowed, everything next to it refused.
 */
import * as assert from "node:assert/strict";
import { runSimulation, type EvaluationResult } from "@cloud-copilot/iam-simulate";
import { riskSnapshotPolicy } from "../../../components/risk/riskView.policies";
import { syncKeyPolicy } from "../../../components/sync/complianceSync.policies";

const ACCOUNT = "123456789012";
const REGION = "ap-southeast-2";
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-2222`;
const INPUTS = {
  partition: "aws",
  region: REGION,
  accountId: ACCOUNT,
  workgroupName: "HybridFleet-acme",
  databaseName: "hybrid_fleet_acme",
  historyTableName: "risk_history",
  bucketName: "acme-sync-data",
  syncPrefix: "ssm-sync",
  resultsBucketName: "acme-sync-results",
  logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:fleet-risk-snapshot-logs`,
};
const GLUE = `arn:aws:glue:${REGION}:${ACCOUNT}`;
const DATA = "arn:aws:s3:::acme-sync-data";
const RESULTS = "arn:aws:s3:::acme-sync-results";

const EXPECTED_WITHOUT_KEY = [
  {
    Sid: "RunSnapshotQueries",
    Effect: "Allow",
    Action: [
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
    ],
    Resource: `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/HybridFleet-acme`,
  },
  {
    Sid: "ReadCatalog",
    Effect: "Allow",
    Action: [
      "glue:BatchGetPartition",
      "glue:GetDatabase",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:GetTable",
      "glue:GetTables",
    ],
    Resource: [
      `${GLUE}:catalog`,
      `${GLUE}:database/hybrid_fleet_acme`,
      `${GLUE}:table/hybrid_fleet_acme/*`,
    ],
  },
  {
    Sid: "AddHistoryPartitions",
    Effect: "Allow",
    Action: ["glue:BatchCreatePartition", "glue:CreatePartition"],
    Resource: [
      `${GLUE}:catalog`,
      `${GLUE}:database/hybrid_fleet_acme`,
      `${GLUE}:table/hybrid_fleet_acme/risk_history`,
    ],
  },
  {
    Sid: "ListRiskData",
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: DATA,
    Condition: {
      StringLike: {
        "s3:prefix": ["ssm-sync/*", "risk-register/*", "risk-history/*", "risk-work/*"],
      },
    },
  },
  {
    Sid: "ReadRiskData",
    Effect: "Allow",
    Action: "s3:GetObject",
    Resource: [
      `${DATA}/ssm-sync/*`,
      `${DATA}/risk-register/*`,
      `${DATA}/risk-history/*`,
      `${DATA}/risk-work/*`,
    ],
  },
  {
    Sid: "AppendHistoryWriteReports",
    Effect: "Allow",
    Action: ["s3:AbortMultipartUpload", "s3:PutObject"],
    Resource: [`${DATA}/risk-history/*`, `${DATA}/risk-reports/*`],
  },
  {
    Sid: "RewriteWorkTable",
    Effect: "Allow",
    Action: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"],
    Resource: `${DATA}/risk-work/*`,
  },
  {
    Sid: "SnapshotLock",
    Effect: "Allow",
    Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
    Resource: `${DATA}/risk-work.lock`,
  },
  {
    Sid: "LocateBuckets",
    Effect: "Allow",
    Action: "s3:GetBucketLocation",
    Resource: [DATA, RESULTS],
  },
  {
    Sid: "ListQueryResults",
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: RESULTS,
    Condition: { StringLike: { "s3:prefix": "athena-results/*" } },
  },
  {
    Sid: "QueryResults",
    Effect: "Allow",
    Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
    Resource: `${RESULTS}/athena-results/*`,
  },
  {
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: `${INPUTS.logGroupArn}:*`,
  },
];

async function decideWith(
  policy: unknown,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
  resourcePolicy?: unknown,
): Promise<EvaluationResult> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/fleet-risk-snapshot/fleet-risk-snapshot`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: [{ name: "snapshot", policy }],
      ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const decide = (
  policy: unknown,
  action: string,
  resource: string,
  context: Record<string, string> = {},
) => decideWith(policy, action, resource, context);

type Row = readonly [string, string, Record<string, string>, EvaluationResult, string];

describe("risk snapshot permissions", () => {
  it("is exactly these statements without a key", () => {
    assert.deepEqual(riskSnapshotPolicy(INPUTS), {
      Version: "2012-10-17",
      Statement: EXPECTED_WITHOUT_KEY,
    });
  });

  it("adds only the key statement with a key, before the logs", () => {
    const policy = riskSnapshotPolicy({ ...INPUTS, kmsKeyArn: KEY });
    assert.deepEqual(policy.Statement, [
      ...EXPECTED_WITHOUT_KEY.slice(0, -1),
      {
        Sid: "UseDataKeyThroughS3",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: KEY,
        Condition: {
          StringEquals: {
            "kms:ViaService": [`athena.${REGION}.amazonaws.com`, `s3.${REGION}.amazonaws.com`],
          },
        },
      },
      EXPECTED_WITHOUT_KEY[EXPECTED_WITHOUT_KEY.length - 1],
    ]);
  });

  const WG = (name: string) => `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${name}`;
  const rows: Row[] = [
    ["athena:StartQueryExecution", WG("HybridFleet-acme"), {}, "Allowed", "its workgroup"],
    ["athena:GetQueryResults", WG("HybridFleet-acme"), {}, "Allowed", "its workgroup"],
    ["athena:StartQueryExecution", WG("primary"), {}, "ImplicitlyDenied", "another workgroup"],
    ["athena:DeleteWorkGroup", WG("HybridFleet-acme"), {}, "ImplicitlyDenied", "no admin"],
    [
      "glue:GetTable",
      `${GLUE}:table/hybrid_fleet_acme/aws_complianceitem`,
      {},
      "Allowed",
      "sync table",
    ],
    ["glue:GetTable", `${GLUE}:table/other_db/secrets`, {}, "ImplicitlyDenied", "another database"],
    [
      "glue:DeleteTable",
      `${GLUE}:table/hybrid_fleet_acme/risk_history`,
      {},
      "ImplicitlyDenied",
      "no delete",
    ],
    [
      "glue:UpdateTable",
      `${GLUE}:table/hybrid_fleet_acme/risk_acceptances`,
      {},
      "ImplicitlyDenied",
      "register is the stack's",
    ],
    [
      "glue:BatchCreatePartition",
      `${GLUE}:table/hybrid_fleet_acme/risk_history`,
      {},
      "Allowed",
      "history partitions",
    ],
    [
      "glue:BatchCreatePartition",
      `${GLUE}:table/hybrid_fleet_acme/aws_complianceitem`,
      {},
      "ImplicitlyDenied",
      "only the history",
    ],
    [
      "s3:GetObject",
      `${DATA}/ssm-sync/AWS:ComplianceItem/accountid=1/region=r/resourcetype=ManagedInstanceInventory/mi-1.json`,
      {},
      "Allowed",
      "sync data",
    ],
    [
      "s3:GetObject",
      `${DATA}/risk-register/acceptances/acceptances.json`,
      {},
      "Allowed",
      "register",
    ],
    [
      "s3:PutObject",
      `${DATA}/risk-history/day=2026-11-30/x.parquet`,
      {},
      "Allowed",
      "INSERT INTO writes history",
    ],
    ["s3:PutObject", `${DATA}/risk-reports/latest.html`, {}, "Allowed", "report"],
    [
      "s3:PutObject",
      `${DATA}/risk-register/acceptances/acceptances.json`,
      {},
      "ImplicitlyDenied",
      "register is read-only",
    ],
    [
      "s3:PutObject",
      `${DATA}/ssm-sync/AWS:ComplianceItem/x.json`,
      {},
      "ImplicitlyDenied",
      "sync data is read-only",
    ],
    ["s3:PutObject", `${DATA}/elsewhere/x`, {}, "ImplicitlyDenied", "outside the prefixes"],
    [
      "s3:DeleteObject",
      `${DATA}/risk-history/day=2026-11-30/x.parquet`,
      {},
      "ImplicitlyDenied",
      "history is append-only",
    ],
    // The work table: emptied and rewritten by every snapshot, its lock beside it.
    [
      "s3:PutObject",
      `${DATA}/risk-work/20261130_100000_00001_abcde_0.parquet`,
      {},
      "Allowed",
      "prepare writes the work table",
    ],
    [
      "s3:DeleteObject",
      `${DATA}/risk-work/20261130_090000_00001_abcde_0.parquet`,
      {},
      "Allowed",
      "the work table is emptied",
    ],
    [
      "s3:GetObject",
      `${DATA}/risk-work/20261130_100000_00001_abcde_0.parquet`,
      {},
      "Allowed",
      "the statements read the work table",
    ],
    ["s3:ListBucket", DATA, { "s3:prefix": "risk-work/" }, "Allowed", "list the work table"],
    ["s3:PutObject", `${DATA}/risk-work.lock`, {}, "Allowed", "take the lock"],
    ["s3:GetObject", `${DATA}/risk-work.lock`, {}, "Allowed", "HeadObject: the lock's age"],
    ["s3:DeleteObject", `${DATA}/risk-work.lock`, {}, "Allowed", "give the lock back"],
    ["s3:PutObject", `${DATA}/risk-work-evil/x`, {}, "ImplicitlyDenied", "beside the work table"],
    [
      "s3:DeleteObject",
      `${DATA}/risk-work-evil/x`,
      {},
      "ImplicitlyDenied",
      "beside the work table",
    ],
    ["s3:PutObject", `${DATA}/risk-work.lock2`, {}, "ImplicitlyDenied", "only the lock's key"],
    [
      "s3:DeleteObject",
      `${DATA}/risk-register/acceptances/acceptances.json`,
      {},
      "ImplicitlyDenied",
      "the register is never deleted",
    ],
    [
      "s3:DeleteObject",
      `${DATA}/ssm-sync/AWS:ComplianceItem/x.json`,
      {},
      "ImplicitlyDenied",
      "the sync data is never deleted",
    ],
    [
      "s3:DeleteObject",
      `${DATA}/risk-reports/latest.html`,
      {},
      "ImplicitlyDenied",
      "reports are never deleted",
    ],
    ["s3:DeleteObject", `${DATA}/risk-work`, {}, "ImplicitlyDenied", "not the prefix's own key"],
    [
      "s3:PutObject",
      "arn:aws:s3:::another-bucket/risk-work/x.parquet",
      {},
      "ImplicitlyDenied",
      "another bucket's work prefix",
    ],
    [
      "s3:GetObject",
      `${DATA}/other/secret.txt`,
      {},
      "ImplicitlyDenied",
      "other data in the bucket",
    ],
    [
      "s3:ListBucket",
      DATA,
      { "s3:prefix": "ssm-sync/AWS:ComplianceItem/" },
      "Allowed",
      "list sync data",
    ],
    ["s3:ListBucket", DATA, { "s3:prefix": "other/" }, "ImplicitlyDenied", "list other data"],
    ["s3:PutObject", `${RESULTS}/athena-results/q.csv`, {}, "Allowed", "query results"],
    [
      "s3:PutObject",
      `${RESULTS}/other/q.csv`,
      {},
      "ImplicitlyDenied",
      "outside the results prefix",
    ],
    [
      "s3:PutObject",
      "arn:aws:s3:::another-bucket/risk-reports/x",
      {},
      "ImplicitlyDenied",
      "another bucket",
    ],
    [
      "logs:PutLogEvents",
      `${INPUTS.logGroupArn}:log-stream:2026/11/30/x`,
      {},
      "Allowed",
      "own logs",
    ],
    [
      "logs:PutLogEvents",
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:other:log-stream:x`,
      {},
      "ImplicitlyDenied",
      "other logs",
    ],
    ["cloudwatch:PutMetricData", "*", {}, "ImplicitlyDenied", "metrics are EMF log lines"],
  ];

  it("allows what a snapshot needs and refuses what sits next to it (no key)", async () => {
    const policy = riskSnapshotPolicy(INPUTS);
    for (const [action, resource, context, expected, why] of rows) {
      assert.equal(
        await decide(policy, action, resource, context),
        expected,
        `${action} ${resource} (${why})`,
      );
    }
    const via = { "kms:ViaService": `s3.${REGION}.amazonaws.com` };
    const keyPolicy = syncKeyPolicy("aws", ACCOUNT, KEY, [ACCOUNT]);
    assert.equal(
      await decideWith(policy, "kms:Decrypt", KEY, via, keyPolicy),
      "ImplicitlyDenied",
      "no key argument, no key grant",
    );
  });

  it("uses the key only through S3 or Athena", async () => {
    const policy = riskSnapshotPolicy({ ...INPUTS, kmsKeyArn: KEY });
    // A key is only usable when its key policy defers to IAM, as the sync's created key does.
    const keyPolicy = syncKeyPolicy("aws", ACCOUNT, KEY, [ACCOUNT]);
    const decide = (action: string, resource: string, context: Record<string, string> = {}) =>
      decideWith(policy, action, resource, context, keyPolicy);
    const via = (service: string) => ({ "kms:ViaService": `${service}.${REGION}.amazonaws.com` });
    assert.equal(await decide("kms:Decrypt", KEY, via("s3")), "Allowed");
    assert.equal(await decide("kms:GenerateDataKey", KEY, via("athena")), "Allowed");
    assert.equal(await decide("kms:Decrypt", KEY, via("secretsmanager")), "ImplicitlyDenied");
    assert.equal(await decide("kms:Decrypt", KEY), "ImplicitlyDenied", "called directly");
    const other = `arn:aws:kms:${REGION}:${ACCOUNT}:key/other`;
    assert.equal(
      await decideWith(
        policy,
        "kms:Decrypt",
        other,
        via("s3"),
        syncKeyPolicy("aws", ACCOUNT, other, [ACCOUNT]),
      ),
      "ImplicitlyDenied",
    );
  });
});
