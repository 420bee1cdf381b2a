/**
 * The snapshot function's permissions, as a pure builder (plain values in, a policy document
 * with a fixed statement order out), so tests assert every statement and evaluate it with an
 * IAM simulator.
 *
 * Athena runs queries with the caller's permissions: "When actors interact with Athena, their
 * permissions pass through Athena to determine what Athena can access"
 * (https://docs.aws.amazon.com/athena/latest/ug/s3-permissions.html). So the function's own
 * role must read the sync data and the register, and write what an `INSERT INTO` writes: "Athena
 * writes files to source data locations in Amazon S3 as a result of the INSERT command … Athena
 * generates a data manifest file for each INSERT query … saved to the Athena query result
 * location" (https://docs.aws.amazon.com/athena/latest/ug/insert-into.html), i.e. the history
 * table's prefix, the work table's prefix and the results bucket.
 *
 * The function itself empties the work table (ListObjectsV2, then DeleteObjects, which needs
 * `s3:DeleteObject` on every key: https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html)
 * and holds its lock object (PutObject, DeleteObject, and HeadObject, which needs
 * `s3:GetObject`: https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
 */
import { RISK_PREFIXES } from "../../risk/sql";
import type { PolicyDocument, PolicyStatement } from "../shared/policies";

/** Key prefix (in the sync bucket) of the acceptance register's files. */
export const REGISTER_PREFIX = RISK_PREFIXES.register;
/** Key prefix (in the sync bucket) of the history table's Parquet files. */
export const HISTORY_PREFIX = RISK_PREFIXES.history;
/** Key prefix (in the sync bucket) of the snapshot's work table (emptied by every snapshot). */
export const WORK_PREFIX = RISK_PREFIXES.work;
/** Key (in the sync bucket) of the work table's lock, beside the prefix, outside the table. */
export const WORK_LOCK_KEY = `${WORK_PREFIX}.lock`;
/** Key prefix (in the sync bucket) of the HTML reports. */
export const REPORTS_PREFIX = "risk-reports";
/** Key prefix (in the results bucket) of Athena's query results (ComplianceSync's). */
export const QUERY_RESULTS_PREFIX = "athena-results";

/** What {@link riskSnapshotPolicy} is built from. */
export interface RiskSnapshotPolicyInputs {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** Athena workgroup the statements run in (the sync's). */
  readonly workgroupName: string;
  /** Glue database of the sync, register and history tables. */
  readonly databaseName: string;
  /** Glue table the snapshot appends to. */
  readonly historyTableName: string;
  /** The sync's data bucket (holds the register, history and reports too). */
  readonly bucketName: string;
  /** Key prefix the syncs write under. */
  readonly syncPrefix: string;
  /** The Athena results bucket. */
  readonly resultsBucketName: string;
  /** The key encrypting the buckets, when there is one. */
  readonly kmsKeyArn?: string;
  /** The function's log group ARN. */
  readonly logGroupArn: string;
}

/**
 * Least privilege for the snapshot:
 * - Athena: run, watch, read and stop queries in the one workgroup;
 * - Glue: read the catalog, the database and its tables (sync, register, history), and add
 *   partitions to the history table only (the history uses partition projection, so Athena
 *   should need none registered; whether an `INSERT INTO` still calls BatchCreatePartition is
 *   UNVERIFIED, and a refused call would fail every snapshot);
 * - S3: list and read the sync prefix, the register, the history and the work table; write new
 *   history files and reports; write and delete the work table's files and its lock object,
 *   nothing else (history, register, sync data and reports are never deleted); read and write
 *   query results under their prefix;
 * - KMS (only with a key): decrypt and generate data keys, only through S3 or Athena in this
 *   region (the role writes reports through S3; Athena reads and writes the encrypted objects
 *   with the role's permissions: which of the two services AWS names in `kms:ViaService` for
 *   Athena's reads is UNVERIFIED, so both are allowed, nothing else);
 * - its own log streams (the metrics are EMF lines in the log: no `cloudwatch:PutMetricData`).
 */
export function riskSnapshotPolicy(i: RiskSnapshotPolicyInputs): PolicyDocument {
  const glue = `arn:${i.partition}:glue:${i.region}:${i.accountId}`;
  const bucket = `arn:${i.partition}:s3:::${i.bucketName}`;
  const results = `arn:${i.partition}:s3:::${i.resultsBucketName}`;
  const readPrefixes = [i.syncPrefix, REGISTER_PREFIX, HISTORY_PREFIX, WORK_PREFIX];
  const statements: PolicyStatement[] = [
    {
      Sid: "RunSnapshotQueries",
      Effect: "Allow",
      Action: [
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:StartQueryExecution",
        "athena:StopQueryExecution",
      ],
      Resource: `arn:${i.partition}:athena:${i.region}:${i.accountId}:workgroup/${i.workgroupName}`,
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
        `${glue}:catalog`,
        `${glue}:database/${i.databaseName}`,
        `${glue}:table/${i.databaseName}/*`,
      ],
    },
    {
      Sid: "AddHistoryPartitions",
      Effect: "Allow",
      Action: ["glue:BatchCreatePartition", "glue:CreatePartition"],
      Resource: [
        `${glue}:catalog`,
        `${glue}:database/${i.databaseName}`,
        `${glue}:table/${i.databaseName}/${i.historyTableName}`,
      ],
    },
    {
      Sid: "ListRiskData",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucket,
      Condition: { StringLike: { "s3:prefix": readPrefixes.map((p) => `${p}/*`) } },
    },
    {
      Sid: "ReadRiskData",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: readPrefixes.map((p) => `${bucket}/${p}/*`),
    },
    {
      Sid: "AppendHistoryWriteReports",
      Effect: "Allow",
      Action: ["s3:AbortMultipartUpload", "s3:PutObject"],
      Resource: [`${bucket}/${HISTORY_PREFIX}/*`, `${bucket}/${REPORTS_PREFIX}/*`],
    },
    {
      // Emptied by the function, filled by `prepare` (an INSERT INTO, run with this role).
      Sid: "RewriteWorkTable",
      Effect: "Allow",
      Action: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"],
      Resource: `${bucket}/${WORK_PREFIX}/*`,
    },
    {
      // HeadObject (the lock's age) is authorised as s3:GetObject.
      Sid: "SnapshotLock",
      Effect: "Allow",
      Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
      Resource: `${bucket}/${WORK_LOCK_KEY}`,
    },
    {
      Sid: "LocateBuckets",
      Effect: "Allow",
      Action: "s3:GetBucketLocation",
      Resource: [bucket, results],
    },
    {
      Sid: "ListQueryResults",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: results,
      Condition: { StringLike: { "s3:prefix": `${QUERY_RESULTS_PREFIX}/*` } },
    },
    {
      Sid: "QueryResults",
      Effect: "Allow",
      Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
      Resource: `${results}/${QUERY_RESULTS_PREFIX}/*`,
    },
  ];
  if (i.kmsKeyArn !== undefined) {
    statements.push({
      Sid: "UseDataKeyThroughS3",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: i.kmsKeyArn,
      Condition: {
        StringEquals: {
          "kms:ViaService": [`athena.${i.region}.amazonaws.com`, `s3.${i.region}.amazonaws.com`],
        },
      },
    });
  }
  statements.push({
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: `${i.logGroupArn}:*`,
  });
  return { Version: "2012-10-17", Statement: statements };
}
