/**
 * Fakes for the snapshot function's tests: an Athena that answers per statement (found by
 * the `-- key` comment each test statement starts with), fake time, and a statements file.
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
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { SNAPSHOT_COLUMNS, type SnapshotQueryKey } from "../../../risk/model";
import type { SnapshotConfig } from "../../../functions/riskSnapshot/config";
import { SNAPSHOT_QUERY_KEYS } from "../../../functions/riskSnapshot/statements";

/** A statement per key, each tagged with its key and holding one `?`. */
export function testStatements() {
  const sql = (key: string) =>
    `-- ${key}\nSELECT * FROM risk_${key} WHERE captured <= from_iso8601_timestamp(?)`;
  return {
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
      if (state !== "SUCCEEDED" || key === "appendHistory") inFlight--;
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

/** A mocked S3 client (PutObject answers with an empty result). */
export function fakeS3() {
  const s3 = mockClient(S3Client);
  return { s3, client: new S3Client({ region: "eu-west-1" }) };
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
