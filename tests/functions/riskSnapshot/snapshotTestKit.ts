/**
 * Fakes for the snapshot function's tests: an Athena that answers per statement (found by
 * the `-- key` comment each test statement starts with), a small in-memory S3 bucket (the
 * work table's files, its lock and the reports), fake time, and a statements file.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type GetQueryResultsCommandOutput,
  type QueryExecutionState,
} from "@aws-sdk/client-athena";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type _Error as S3DeleteError,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { SNAPSHOT_COLUMNS, type SnapshotQueryKey } from "../../../risk/model";
import type { SnapshotConfig } from "../../../functions/riskSnapshot/config";
import { SNAPSHOT_QUERY_KEYS } from "../../../functions/riskSnapshot/statements";

/** A statement per key, each tagged with its key: `prepare` without `?`, the others with one. */
export function testStatements() {
  const sql = (key: string) =>
    `-- ${key}\nSELECT * FROM risk_${key} WHERE captured <= from_iso8601_timestamp(?)`;
  return {
    prepare: `-- prepare\nINSERT INTO risk_snapshot_work SELECT * FROM aws_complianceitem`,
    score: `-- score\nINSERT INTO risk_snapshot_scored SELECT * FROM risk_snapshot_work WHERE captured <= from_iso8601_timestamp(?)`,
    selects: Object.fromEntries(SNAPSHOT_QUERY_KEYS.map((k) => [k, sql(k)])) as Record<
      SnapshotQueryKey,
      string
    >,
    appendHistory: `-- appendHistory\nINSERT INTO risk_history SELECT * FROM risk_totals WHERE captured <= from_iso8601_timestamp(?)`,
  };
}

/** The configuration the tests run with. */
export const TEST_CONFIG: SnapshotConfig = {
  workgroup: "HybridFleet-acme",
  database: "hybrid_fleet_acme",
  reportBucket: "acme-risk-reports",
  reportPrefix: "reports/",
  fleet: "acme",
  staleDays: 7,
  weights: { CRITICAL: 10, HIGH: 5, MEDIUM: 2, LOW: 1, INFORMATIONAL: 0, UNSPECIFIED: 1 },
  queryConcurrency: 3,
  queryBudgetSeconds: 600,
  workPrefix: "risk-work/",
};

/** Athena's text form of a result page. */
export function page(
  header: readonly string[] | undefined,
  rows: readonly (readonly (string | null)[])[],
  nextToken?: string,
): GetQueryResultsCommandOutput {
  const toRow = (values: readonly (string | null)[]) => ({
    Data: values.map((v) => (v === null ? {} : { VarCharValue: v })),
  });
  return {
    $metadata: {},
    ResultSet: { Rows: [...(header ? [toRow(header)] : []), ...rows.map(toRow)] },
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** One data row for a key: `<column>-<key>` for every column, in the contract's order. */
export function rowFor(key: SnapshotQueryKey, n = 1): string[] {
  return SNAPSHOT_COLUMNS[key].map((c) => `${c}-${n}`);
}

/** How the fake answers one statement. */
export interface FakeQuery {
  /** States GetQueryExecution reports, one per poll; the last repeats. @default ["SUCCEEDED"] */
  states?: QueryExecutionState[];
  reason?: string;
  /** Result pages (NextToken chains them). @default header + one row */
  pages?: GetQueryResultsCommandOutput[];
}

/** The statements the snapshot runs with `execute` (INSERTs), in the order it runs them. */
const INSERTS = ["prepare", "score", "appendHistory"];

/** A mocked Athena that answers per statement key, and records what happened in order. */
export function fakeAthena(overrides: Partial<Record<string, FakeQuery>> = {}) {
  const athena = mockClient(AthenaClient);
  const events: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const keyOf = (id: string) => id.replace(/^qe-/, "");
  const polls = new Map<string, number>();
  const queryOf = (key: string): FakeQuery => overrides[key] ?? {};
  athena.on(StartQueryExecutionCommand).callsFake(async (input) => {
    const key = /^-- (\w+)/.exec(input.QueryString ?? "")?.[1] ?? "unknown";
    events.push(`start ${key}`);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return { QueryExecutionId: `qe-${key}` };
  });
  athena.on(GetQueryExecutionCommand).callsFake(async (input) => {
    const key = keyOf(input.QueryExecutionId);
    const n = polls.get(key) ?? 0;
    polls.set(key, n + 1);
    const states = queryOf(key).states ?? ["SUCCEEDED"];
    const state = states[Math.min(n, states.length - 1)];
    if (state !== "RUNNING" && state !== "QUEUED") {
      events.push(`${state} ${key}`);
      // The INSERTs' results are never read (the runner's `execute`): they end when they succeed.
      if (state !== "SUCCEEDED" || INSERTS.includes(key)) inFlight--;
    }
    // Yield so concurrent queries interleave as they would over the network.
    await new Promise((resolve) => setImmediate(resolve));
    return {
      QueryExecution: {
        QueryExecutionId: input.QueryExecutionId,
        Status: {
          State: state,
          ...(queryOf(key).reason ? { StateChangeReason: queryOf(key).reason } : {}),
        },
        Statistics: { DataScannedInBytes: 1024 },
      },
    };
  });
  athena.on(GetQueryResultsCommand).callsFake(async (input) => {
    const key = keyOf(input.QueryExecutionId) as SnapshotQueryKey;
    const pages = queryOf(key).pages ?? [page(SNAPSHOT_COLUMNS[key], [rowFor(key)])];
    const index = input.NextToken ? Number(input.NextToken.replace("page-", "")) : 0;
    events.push(`results ${key} page ${index}`);
    if (pages[index]?.NextToken === undefined) inFlight--;
    return pages[index];
  });
  athena.on(StopQueryExecutionCommand).callsFake(async (input) => {
    events.push(`stop ${keyOf(input.QueryExecutionId)}`);
    return {};
  });
  return {
    athena,
    events,
    maxInFlight: () => maxInFlight,
    client: new AthenaClient({ region: "eu-west-1" }),
  };
}

/** An object of the fake bucket. */
export interface FakeS3Object {
  readonly body: string;
  readonly lastModified: Date;
}

/** How the fake bucket starts and misbehaves. */
export interface FakeS3Options {
  /** The bucket's name; commands for another bucket fail with NoSuchBucket. */
  readonly bucket?: string;
  /** Objects present before the test, by key. */
  readonly objects?: Readonly<Record<string, FakeS3Object>>;
  /** LastModified of objects the test writes. @default 2026-11-30T10:00:00Z */
  readonly now?: () => Date;
  /** DeleteObjects reports this error for a key instead of deleting it. */
  readonly refuseDelete?: (key: string) => Omit<S3DeleteError, "Key"> | undefined;
  /** DeleteObject of the lock fails (a lost release). */
  readonly failDelete?: (key: string) => Error | undefined;
  /** Runs after each command has changed the bucket (another snapshot acting meanwhile). */
  readonly afterCommand?: (name: string, key: string | undefined, store: FakeS3Store) => void;
  /** Where to record what happened (share Athena's list to see the order across both). */
  readonly events?: string[];
}

/** The fake bucket's contents, by key. */
export type FakeS3Store = Map<string, FakeS3Object>;

function s3Error(name: string, status: number, message: string): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: "client",
    $metadata: { httpStatusCode: status },
    message,
  });
}

/**
 * A mocked S3 client over one in-memory bucket: PutObject (with `IfNoneMatch: "*"` refused by
 * 412 PreconditionFailed when the key exists, as S3 does), HeadObject, DeleteObject,
 * DeleteObjects (Quiet) and ListObjectsV2 (keys in UTF-8 order, MaxKeys, ContinuationToken).
 */
export function fakeS3(options: FakeS3Options = {}) {
  const bucket = options.bucket ?? TEST_CONFIG.reportBucket;
  const now = options.now ?? (() => new Date("2026-11-30T10:00:00Z"));
  const events = options.events ?? [];
  const store: FakeS3Store = new Map(Object.entries(options.objects ?? {}));
  const s3 = mockClient(S3Client);
  const checkBucket = (name: string | undefined) => {
    if (name !== bucket) throw s3Error("NoSuchBucket", 404, `no bucket ${name}`);
  };
  const after = (name: string, key?: string) => options.afterCommand?.(name, key, store);
  s3.on(PutObjectCommand).callsFake(async (input) => {
    checkBucket(input.Bucket);
    const key = String(input.Key);
    if (input.IfNoneMatch === "*" && store.has(key)) {
      events.push(`s3 PutObject ${key} refused`);
      throw s3Error(
        "PreconditionFailed",
        412,
        "At least one of the pre-conditions you specified did not hold",
      );
    }
    events.push(`s3 PutObject ${key}`);
    store.set(key, { body: String(input.Body), lastModified: now() });
    after("PutObject", key);
    return { ETag: '"etag"' };
  });
  s3.on(HeadObjectCommand).callsFake(async (input) => {
    checkBucket(input.Bucket);
    const key = String(input.Key);
    events.push(`s3 HeadObject ${key}`);
    const found = store.get(key);
    if (!found) throw s3Error("NotFound", 404, "Not Found");
    return { LastModified: found.lastModified, ContentLength: found.body.length };
  });
  s3.on(DeleteObjectCommand).callsFake(async (input) => {
    checkBucket(input.Bucket);
    const key = String(input.Key);
    const failure = options.failDelete?.(key);
    if (failure) {
      events.push(`s3 DeleteObject ${key} failed`);
      throw failure;
    }
    events.push(`s3 DeleteObject ${key}`);
    store.delete(key);
    after("DeleteObject", key);
    return {};
  });
  s3.on(DeleteObjectsCommand).callsFake(async (input) => {
    checkBucket(input.Bucket);
    const objects = input.Delete?.Objects ?? [];
    if (objects.length > 1000) throw s3Error("MalformedXML", 400, "more than 1000 keys");
    events.push(`s3 DeleteObjects ${objects.length}`);
    const errors: S3DeleteError[] = [];
    for (const { Key } of objects) {
      const refused = options.refuseDelete?.(String(Key));
      if (refused) errors.push({ Key, ...refused });
      else store.delete(String(Key));
    }
    after("DeleteObjects");
    return errors.length > 0 ? { Errors: errors } : {};
  });
  s3.on(ListObjectsV2Command).callsFake(async (input) => {
    checkBucket(input.Bucket);
    const prefix = input.Prefix ?? "";
    const max = input.MaxKeys ?? 1000;
    const start = input.ContinuationToken
      ? Buffer.from(input.ContinuationToken, "base64").toString("utf8")
      : undefined;
    events.push(`s3 ListObjectsV2 ${prefix}`);
    const keys = [...store.keys()]
      .filter((k) => k.startsWith(prefix) && (start === undefined || k > start))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const listed = keys.slice(0, max);
    const truncated = keys.length > max;
    return {
      KeyCount: listed.length,
      IsTruncated: truncated,
      Contents: listed.map((Key) => ({ Key, Size: store.get(Key)!.body.length })),
      ...(truncated
        ? {
            NextContinuationToken: Buffer.from(listed[listed.length - 1]).toString("base64"),
          }
        : {}),
    };
  });
  return { s3, store, events, client: new S3Client({ region: "eu-west-1" }) };
}

/** Fake time: `sleep` advances `clock` at once and records each wait. */
export function fakeTime(start = 1_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}
