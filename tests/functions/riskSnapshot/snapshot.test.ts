import * as assert from "node:assert/strict";
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  AthenaQueryError,
  AthenaTimeoutError,
  ResultShapeError,
} from "../../../functions/riskSnapshot/errors";
import {
  runSnapshot,
  snapshotTime,
  type AssembleMeta,
  type SnapshotDependencies,
} from "../../../functions/riskSnapshot/snapshot";
import { SNAPSHOT_QUERY_KEYS } from "../../../functions/riskSnapshot/statements";
import type { AthenaRow } from "../../../functions/riskSnapshot/athena";
import { riskMetricLines } from "../../../risk/metrics";
import { SNAPSHOT_COLUMNS, type RiskSnapshot, type SnapshotQueryKey } from "../../../risk/model";
import { emfProblems } from "../../risk/emfValidator";
import { SAMPLE_SNAPSHOT } from "../../risk/sampleSnapshot";
import {
  fakeAthena,
  fakeS3,
  fakeTime,
  page,
  rowFor,
  testStatements,
  TEST_CONFIG,
  type FakeQuery,
} from "./snapshotTestKit";

const NOW = new Date("2026-11-30T10:00:00.734Z");
const CAPTURED_AT = "2026-11-30T10:00:00Z";
const PARAMETER = "'2026-11-30T10:00:00Z'";

/** Sets up fakes, runs one snapshot, and returns everything a test looks at. */
async function snapshotWith(
  queries: Partial<Record<string, FakeQuery>> = {},
  overrides: Partial<SnapshotDependencies> = {},
) {
  const athena = fakeAthena(queries);
  const { s3, client: s3Client } = fakeS3();
  const time = fakeTime();
  const emitted: string[] = [];
  const logged: string[] = [];
  const assembled: { rows: Record<SnapshotQueryKey, AthenaRow[]>; meta: AssembleMeta }[] = [];
  const snapshot: RiskSnapshot = { ...SAMPLE_SNAPSHOT, capturedAt: CAPTURED_AT };
  const deps: SnapshotDependencies = {
    athena: athena.client,
    s3: s3Client,
    config: TEST_CONFIG,
    statements: testStatements(),
    assemble: (rows, meta) => {
      assembled.push({ rows, meta });
      return snapshot;
    },
    render: (s) => `<html>score ${s.totals.score}</html>`,
    queryBudgetMs: 60_000,
    clock: time.clock,
    sleep: time.sleep,
    emit: (line) => emitted.push(line),
    log: (line) => logged.push(line),
    requestId: "req-1",
    ...overrides,
  };
  const outcome = await runSnapshot(deps, NOW).then(
    (result) => ({ result, error: undefined }),
    (error: Error) => ({ result: undefined, error }),
  );
  const result = outcome.result;
  const error = outcome.error;
  try {
    return { ...athena, s3, time, emitted, logged, assembled, snapshot, result, error };
  } finally {
    athena.athena.restore();
    s3.restore();
  }
}

describe("runSnapshot (the snapshot function's core)", () => {
  it("sends every Athena command with its exact input", async () => {
    const run = await snapshotWith();
    assert.equal(run.error, undefined);
    const statements = testStatements();
    const starts = run.athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    assert.deepEqual(starts, [
      ...SNAPSHOT_QUERY_KEYS.map((k) => ({
        QueryString: statements.selects[k],
        QueryExecutionContext: { Database: "hybrid_fleet_acme" },
        WorkGroup: "HybridFleet-acme",
        ExecutionParameters: [PARAMETER],
      })),
      {
        QueryString: statements.appendHistory,
        QueryExecutionContext: { Database: "hybrid_fleet_acme" },
        WorkGroup: "HybridFleet-acme",
        ExecutionParameters: [PARAMETER],
      },
    ]);
    const polled = run.athena.commandCalls(GetQueryExecutionCommand).map((c) => c.args[0].input);
    assert.deepEqual(
      [...polled].sort((a, b) => a.QueryExecutionId!.localeCompare(b.QueryExecutionId!)),
      [...SNAPSHOT_QUERY_KEYS, "appendHistory"]
        .map((k) => ({ QueryExecutionId: `qe-${k}` }))
        .sort((a, b) => a.QueryExecutionId.localeCompare(b.QueryExecutionId)),
    );
    const read = run.athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input);
    assert.deepEqual(
      [...read].sort((a, b) => a.QueryExecutionId!.localeCompare(b.QueryExecutionId!)),
      SNAPSHOT_QUERY_KEYS.map((k) => ({ QueryExecutionId: `qe-${k}`, MaxResults: 1000 })).sort(
        (a, b) => a.QueryExecutionId.localeCompare(b.QueryExecutionId),
      ),
    );
    assert.equal(run.athena.commandCalls(StopQueryExecutionCommand).length, 0);
  });

  it("maps every result row by its header and hands the rows and meta to the assembler", async () => {
    const run = await snapshotWith({
      totals: {
        pages: [page(SNAPSHOT_COLUMNS.totals, [[...rowFor("totals").slice(0, -1), null]])],
      },
    });
    assert.equal(run.assembled.length, 1);
    const { rows, meta } = run.assembled[0];
    assert.deepEqual(meta, {
      fleet: "acme",
      capturedAt: CAPTURED_AT,
      staleDays: 7,
      weights: TEST_CONFIG.weights,
    });
    assert.deepEqual(Object.keys(rows), SNAPSHOT_QUERY_KEYS);
    assert.deepEqual(rows.acceptances, [
      {
        id: "id-1",
        control: "control-1",
        reason: "reason-1",
        approver: "approver-1",
        expires_at: "expires_at-1",
        status: "status-1",
        findings: "findings-1",
      },
    ]);
    // An absent VarCharValue is SQL NULL.
    assert.equal(rows.totals[0].data_to, null);
    assert.equal(rows.totals[0].data_from, "data_from-1");
  });

  it("reads results over three pages: header from the first only, NextToken passed on", async () => {
    const header = SNAPSHOT_COLUMNS.top_machine_findings;
    const run = await snapshotWith({
      top_machine_findings: {
        pages: [
          page(
            header,
            [rowFor("top_machine_findings", 1), rowFor("top_machine_findings", 2)],
            "page-1",
          ),
          page(undefined, [rowFor("top_machine_findings", 3)], "page-2"),
          page(undefined, [rowFor("top_machine_findings", 4), rowFor("top_machine_findings", 5)]),
        ],
      },
    });
    assert.equal(run.error, undefined);
    const reads = run.athena
      .commandCalls(GetQueryResultsCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.QueryExecutionId === "qe-top_machine_findings");
    assert.deepEqual(reads, [
      { QueryExecutionId: "qe-top_machine_findings", MaxResults: 1000 },
      { QueryExecutionId: "qe-top_machine_findings", MaxResults: 1000, NextToken: "page-1" },
      { QueryExecutionId: "qe-top_machine_findings", MaxResults: 1000, NextToken: "page-2" },
    ]);
    const rows = run.assembled[0].rows.top_machine_findings;
    assert.deepEqual(
      rows.map((r) => r.finding_id),
      ["finding_id-1", "finding_id-2", "finding_id-3", "finding_id-4", "finding_id-5"],
    );
    assert.deepEqual(Object.keys(rows[0]), [...header]);
  });

  it("appends history only after every SELECT's results were read", async () => {
    const run = await snapshotWith({ controls: { states: ["QUEUED", "RUNNING", "SUCCEEDED"] } });
    assert.equal(run.error, undefined);
    const insertAt = run.events.indexOf("start appendHistory");
    assert.ok(insertAt > 0, run.events.join("\n"));
    const lastRead = Math.max(...run.events.map((e, i) => (e.startsWith("results ") ? i : -1)));
    assert.ok(lastRead < insertAt, run.events.join("\n"));
    for (const key of SNAPSHOT_QUERY_KEYS) {
      assert.ok(run.events.indexOf(`results ${key} page 0`) < insertAt, key);
    }
    assert.equal(run.events[run.events.length - 1], "SUCCEEDED appendHistory");
  });

  it("runs the SELECTs concurrently, never more at once than configured", async () => {
    const run = await snapshotWith({}, { config: { ...TEST_CONFIG, queryConcurrency: 3 } });
    assert.equal(run.error, undefined);
    assert.equal(run.maxInFlight(), 3);
    const serial = await snapshotWith({}, { config: { ...TEST_CONFIG, queryConcurrency: 1 } });
    assert.equal(serial.maxInFlight(), 1);
  });

  it("writes the dated report, the snapshot JSON and latest.html, in that order", async () => {
    const run = await snapshotWith();
    const puts = run.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    const html = "<html>score 33</html>";
    assert.deepEqual(puts, [
      {
        Bucket: "acme-risk-reports",
        Key: "reports/2026/11/30/2026-11-30T10:00:00Z.html",
        Body: html,
        ContentType: "text/html; charset=utf-8",
        ServerSideEncryption: "AES256",
      },
      {
        Bucket: "acme-risk-reports",
        Key: "reports/2026/11/30/2026-11-30T10:00:00Z.json",
        Body: JSON.stringify(run.snapshot),
        ContentType: "application/json; charset=utf-8",
        ServerSideEncryption: "AES256",
      },
      {
        Bucket: "acme-risk-reports",
        Key: "reports/latest.html",
        Body: html,
        ContentType: "text/html; charset=utf-8",
        ServerSideEncryption: "AES256",
      },
    ]);
    assert.deepEqual(run.result, {
      capturedAt: CAPTURED_AT,
      score: 33,
      machines: 4,
      reportKey: "reports/2026/11/30/2026-11-30T10:00:00Z.html",
    });
  });

  it("asks for SSE-KMS with a bucket key when the bucket encrypts with a KMS key", async () => {
    const key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const run = await snapshotWith(
      {},
      { config: { ...TEST_CONFIG, reportKmsKeyArn: key, reportPrefix: "" } },
    );
    const puts = run.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    assert.deepEqual(
      puts.map((p) => [p.Key, p.ServerSideEncryption, p.SSEKMSKeyId, p.BucketKeyEnabled]),
      [
        ["2026/11/30/2026-11-30T10:00:00Z.html", "aws:kms", key, true],
        ["2026/11/30/2026-11-30T10:00:00Z.json", "aws:kms", key, true],
        ["latest.html", "aws:kms", key, true],
      ],
    );
  });

  it("prints the snapshot's EMF lines, one per console line, with the day-over-day change", async () => {
    const run = await snapshotWith();
    // Baseline: the 2026-11-29T09:00 point (score 30) is the newest at least 24 h old: +10 %.
    assert.deepEqual(run.emitted, riskMetricLines(run.snapshot, { dayOverDay: 0.1 }));
    assert.equal(run.emitted.length, 8);
    for (const line of run.emitted) assert.deepEqual(emfProblems(line), [], line);
    assert.equal(JSON.parse(run.emitted[0]).FleetScoreDayOverDay, 0.1);
    const done = run.logged.map((l) => JSON.parse(l)).find((l) => l.message === "snapshot taken");
    assert.deepEqual(
      { ...done, timestamp: undefined },
      {
        level: "INFO",
        message: "snapshot taken",
        timestamp: undefined,
        service: "risk-snapshot",
        requestId: "req-1",
        fleet: "acme",
        capturedAt: CAPTURED_AT,
        score: 33,
        machines: 4,
        dayOverDay: 0.1,
        reportKey: "reports/2026/11/30/2026-11-30T10:00:00Z.html",
      },
    );
  });

  it("fails on a FAILED query with its key and Athena's reason, and records nothing", async () => {
    const run = await snapshotWith({
      controls: {
        states: ["RUNNING", "FAILED"],
        reason:
          "TABLE_NOT_FOUND: line 3:6: Table 'awsdatacatalog.hybrid_fleet_acme.risk_register' does not exist",
      },
    });
    assert.ok(run.error instanceof AthenaQueryError);
    assert.equal(
      run.error.message,
      `Athena query "controls" (qe-controls) ended FAILED: TABLE_NOT_FOUND: line 3:6: Table 'awsdatacatalog.hybrid_fleet_acme.risk_register' does not exist`,
    );
    assert.ok(!run.events.includes("start appendHistory"));
    assert.equal(run.s3.commandCalls(PutObjectCommand).length, 0);
    assert.deepEqual(run.emitted, []);
  });

  it("names a CANCELLED query too", async () => {
    const run = await snapshotWith({ appendHistory: { states: ["CANCELLED"] } });
    assert.equal(
      run.error?.message,
      `Athena query "appendHistory" (qe-appendHistory) ended CANCELLED: Athena gave no reason`,
    );
    assert.equal(run.s3.commandCalls(PutObjectCommand).length, 0);
    assert.deepEqual(run.emitted, []);
  });

  it("stops a query that outlives the time budget and says so", async () => {
    const run = await snapshotWith(
      { not_seen: { states: ["RUNNING"] } },
      { queryBudgetMs: 10_000, config: { ...TEST_CONFIG, queryConcurrency: 1 } },
    );
    assert.ok(run.error instanceof AthenaTimeoutError);
    assert.equal(
      run.error.message,
      `Athena query "not_seen" (qe-not_seen) did not finish within the 10 s budget (last state RUNNING); it was stopped`,
    );
    assert.deepEqual(
      run.athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input),
      [{ QueryExecutionId: "qe-not_seen" }],
    );
    // Backoff 0.5, 1, 2, 4 s, then the 2.5 s left of the budget; never past it.
    assert.deepEqual(run.time.sleeps, [500, 1000, 2000, 4000, 2500]);
    assert.ok(!run.events.includes("start appendHistory"));
    assert.equal(run.s3.commandCalls(PutObjectCommand).length, 0);
  });

  it("refuses results whose columns differ from the contract", async () => {
    const run = await snapshotWith({
      history: { pages: [page(["captured_at", "score"], [["2026-11-29T10:00:00Z", "3"]])] },
    });
    assert.ok(run.error instanceof ResultShapeError);
    assert.equal(
      run.error.message,
      `query "history" returned the columns captured_at, score; the snapshot contract (risk/model.ts SNAPSHOT_COLUMNS) expects captured_at, score, open_critical, open_high, machines`,
    );
  });

  it("takes the snapshot time to the whole second", () => {
    assert.equal(snapshotTime(NOW), CAPTURED_AT);
    assert.equal(snapshotTime(new Date("2026-01-02T03:04:05.999Z")), "2026-01-02T03:04:05Z");
  });
});
