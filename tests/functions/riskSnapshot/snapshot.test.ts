import * as assert from "node:assert/strict";
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
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
import { SnapshotBusyError } from "../../../functions/riskSnapshot/workTable";
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
  type FakeS3Options,
} from "./snapshotTestKit";

const NOW = new Date("2026-11-30T10:00:00.734Z");
const CAPTURED_AT = "2026-11-30T10:00:00Z";
const PARAMETER = "'2026-11-30T10:00:00Z'";
const LOCK = "risk-work.lock";
const minutesBefore = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
/**
 * Files a previous snapshot's `prepare` and `score` left in the work tables (`copy/` and
 * `scored/` under the work prefix), and neighbours to keep.
 */
const LEFT_OVER = {
  "risk-work/copy/20261130_090000_00001_abcde_0.parquet": {
    body: "PAR1",
    lastModified: minutesBefore(60),
  },
  "risk-work/scored/20261130_090000_00002_fghij_0.parquet": {
    body: "PAR1",
    lastModified: minutesBefore(60),
  },
  "risk-history/day=2026-11-30/x.parquet": { body: "PAR1", lastModified: minutesBefore(60) },
};
/** Report keys of the NOW snapshot, in the order they are written. */
const REPORT_KEYS = [
  "reports/2026/11/30/2026-11-30T10:00:00Z.html",
  "reports/2026/11/30/2026-11-30T10:00:00Z.json",
  "reports/latest.html",
];

/** Sets up fakes, runs one snapshot, and returns everything a test looks at. */
async function snapshotWith(
  queries: Partial<Record<string, FakeQuery>> = {},
  overrides: Partial<SnapshotDependencies> = {},
  bucket: FakeS3Options = {},
) {
  const athena = fakeAthena(queries);
  // One event list for both fakes: the order across Athena and S3 is what the lock is about.
  const { s3, store, client: s3Client } = fakeS3({ events: athena.events, ...bucket });
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
    return { ...athena, s3, store, time, emitted, logged, assembled, snapshot, result, error };
  } finally {
    athena.athena.restore();
    s3.restore();
  }
}

/** Keys of the PutObjects other than the lock's. */
function reportsWritten(run: Awaited<ReturnType<typeof snapshotWith>>): string[] {
  return run.s3
    .commandCalls(PutObjectCommand)
    .map((c) => String(c.args[0].input.Key))
    .filter((k) => k !== LOCK);
}

describe("runSnapshot (the snapshot function's core)", () => {
  it("sends every Athena command with its exact input", async () => {
    const run = await snapshotWith();
    assert.equal(run.error, undefined);
    const statements = testStatements();
    const starts = run.athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    assert.deepEqual(starts, [
      // The copy into the work table has no `?`: the API takes no empty ExecutionParameters.
      {
        QueryString: statements.prepare,
        QueryExecutionContext: { Database: "hybrid_fleet_acme" },
        WorkGroup: "HybridFleet-acme",
      },
      // The scoring, then every SELECT and the history INSERT, take the snapshot time.
      {
        QueryString: statements.score,
        QueryExecutionContext: { Database: "hybrid_fleet_acme" },
        WorkGroup: "HybridFleet-acme",
        ExecutionParameters: [PARAMETER],
      },
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
      ["prepare", "score", ...SNAPSHOT_QUERY_KEYS, "appendHistory"]
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
    const athenaEvents = run.events.filter((e) => !e.startsWith("s3 "));
    assert.equal(athenaEvents[athenaEvents.length - 1], "SUCCEEDED appendHistory");
  });

  it("locks, empties the work tables, prepares, scores, selects, appends, unlocks, then reports", async () => {
    const run = await snapshotWith({}, {}, { objects: LEFT_OVER });
    assert.equal(run.error, undefined);
    const selects = new Set(SNAPSHOT_QUERY_KEYS.map((k) => `start ${k}`));
    const steps = run.events
      .filter(
        (e) =>
          e.startsWith("s3 ") ||
          e.startsWith("start ") ||
          e === "SUCCEEDED prepare" ||
          e === "SUCCEEDED score",
      )
      .map((e) => (selects.has(e) ? "start SELECT" : e))
      .filter((e, i, all) => e !== "start SELECT" || all[i - 1] !== "start SELECT");
    assert.deepEqual(steps, [
      `s3 PutObject ${LOCK}`,
      "s3 ListObjectsV2 risk-work/",
      "s3 DeleteObjects 2",
      "start prepare",
      "SUCCEEDED prepare",
      "start score",
      "SUCCEEDED score",
      "start SELECT",
      "start appendHistory",
      `s3 DeleteObject ${LOCK}`,
      ...REPORT_KEYS.map((k) => `s3 PutObject ${k}`),
    ]);
    // Every SELECT started after the scoring was complete, and the history after every SELECT.
    const scored = run.events.indexOf("SUCCEEDED score");
    for (const key of SNAPSHOT_QUERY_KEYS) assert.ok(run.events.indexOf(`start ${key}`) > scored);
    assert.deepEqual(run.s3.commandCalls(PutObjectCommand)[0].args[0].input, {
      Bucket: "acme-risk-reports",
      Key: LOCK,
      Body: JSON.stringify({ owner: "req-1", since: "2026-11-30T10:00:00.734Z" }),
      ContentType: "application/json",
      IfNoneMatch: "*",
      ServerSideEncryption: "AES256",
    });
    assert.deepEqual(
      run.s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input),
      [{ Bucket: "acme-risk-reports", Prefix: "risk-work/", MaxKeys: 1000 }],
    );
    assert.deepEqual(
      run.s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input),
      [
        {
          Bucket: "acme-risk-reports",
          Delete: {
            Objects: [
              { Key: "risk-work/copy/20261130_090000_00001_abcde_0.parquet" },
              { Key: "risk-work/scored/20261130_090000_00002_fghij_0.parquet" },
            ],
            Quiet: true,
          },
        },
      ],
    );
    assert.deepEqual(
      run.s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input),
      [{ Bucket: "acme-risk-reports", Key: LOCK }],
    );
    assert.deepEqual([...run.store.keys()].sort(), [
      "reports/2026/11/30/2026-11-30T10:00:00Z.html",
      "reports/2026/11/30/2026-11-30T10:00:00Z.json",
      "reports/latest.html",
      "risk-history/day=2026-11-30/x.parquet",
    ]);
  });

  it("scores once the copy has succeeded, with the snapshot time, and selects once scored", async () => {
    // Both INSERTs take several polls, so a step that started on the previous one's start
    // rather than its success would show here (with instant fakes the two look the same).
    const run = await snapshotWith({
      prepare: { states: ["QUEUED", "RUNNING", "SUCCEEDED"] },
      score: { states: ["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"] },
    });
    assert.equal(run.error, undefined);
    assert.deepEqual(run.events.filter((e) => !e.startsWith("s3 ")).slice(0, 5), [
      "start prepare",
      "SUCCEEDED prepare",
      "start score",
      "SUCCEEDED score",
      `start ${SNAPSHOT_QUERY_KEYS[0]}`,
    ]);
    const score = run.athena
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.QueryString === testStatements().score);
    // The snapshot time to the whole second, as an Athena string literal: the scored rows
    // carry it, and the SELECTs and the history INSERT read only the rows of their own time.
    assert.deepEqual(
      score.map((i) => i.ExecutionParameters),
      [[PARAMETER]],
    );
  });

  it("stops before any Athena call while another snapshot holds a fresh lock", async () => {
    for (const minutes of [1, 14.99]) {
      const held = { body: '{"owner":"other"}', lastModified: minutesBefore(minutes) };
      const run = await snapshotWith({}, {}, { objects: { ...LEFT_OVER, [LOCK]: held } });
      assert.ok(run.error instanceof SnapshotBusyError, String(run.error));
      assert.match(
        run.error.message,
        /^another snapshot holds s3:\/\/acme-risk-reports\/risk-work\.lock \(taken \d+ s ago\); this one stops without a result$/,
      );
      assert.equal(run.athena.calls().length, 0, `${minutes} min: Athena was called`);
      // The other snapshot's lock and work table are left alone.
      assert.equal(run.store.get(LOCK), held);
      assert.equal(run.s3.commandCalls(DeleteObjectCommand).length, 0);
      assert.equal(run.s3.commandCalls(ListObjectsV2Command).length, 0);
      assert.equal(run.store.size, Object.keys(LEFT_OVER).length + 1);
      assert.deepEqual(reportsWritten(run), []);
      assert.deepEqual(run.emitted, []);
    }
  });

  it("takes over a lock older than 15 minutes (its snapshot died)", async () => {
    const stale = { body: '{"owner":"dead"}', lastModified: minutesBefore(16) };
    const run = await snapshotWith({}, {}, { objects: { ...LEFT_OVER, [LOCK]: stale } });
    assert.equal(run.error, undefined);
    assert.deepEqual(run.events.slice(0, 5), [
      `s3 PutObject ${LOCK} refused`,
      `s3 HeadObject ${LOCK}`,
      `s3 DeleteObject ${LOCK}`,
      `s3 PutObject ${LOCK}`,
      "s3 ListObjectsV2 risk-work/",
    ]);
    assert.deepEqual(
      run.s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input),
      [{ Bucket: "acme-risk-reports", Key: LOCK }],
    );
    assert.equal(run.athena.commandCalls(StartQueryExecutionCommand).length, 11);
    assert.deepEqual(reportsWritten(run), REPORT_KEYS);
    assert.ok(!run.store.has(LOCK));
  });

  it("stops when another snapshot takes the stale lock between its delete and put", async () => {
    const stale = { body: '{"owner":"dead"}', lastModified: minutesBefore(16) };
    const rival = { body: '{"owner":"rival"}', lastModified: NOW };
    const run = await snapshotWith(
      {},
      {},
      {
        objects: { [LOCK]: stale },
        afterCommand: (name, key, store) => {
          if (name === "DeleteObject" && key === LOCK) store.set(LOCK, rival);
        },
      },
    );
    assert.ok(run.error instanceof SnapshotBusyError, String(run.error));
    assert.equal(
      run.error.message,
      "another snapshot took s3://acme-risk-reports/risk-work.lock first",
    );
    assert.deepEqual(run.events, [
      `s3 PutObject ${LOCK} refused`,
      `s3 HeadObject ${LOCK}`,
      `s3 DeleteObject ${LOCK}`,
      `s3 PutObject ${LOCK} refused`,
    ]);
    assert.equal(run.athena.calls().length, 0);
    assert.equal(run.store.get(LOCK), rival);
  });

  it("still reports when the lock cannot be given back, and logs why", async () => {
    const run = await snapshotWith(
      {},
      {},
      { failDelete: (key) => (key === LOCK ? new Error("AccessDenied: lock") : undefined) },
    );
    assert.equal(run.error, undefined);
    assert.deepEqual(reportsWritten(run), REPORT_KEYS);
    const logged = run.logged.map((l) => JSON.parse(l)).find((l) => l.level === "ERROR");
    assert.deepEqual(
      { ...logged, timestamp: undefined },
      {
        level: "ERROR",
        message:
          "could not release the work table lock; the next snapshot waits for it to go stale",
        timestamp: undefined,
        service: "risk-snapshot",
        requestId: "req-1",
        fleet: "acme",
        error: "Error: AccessDenied: lock",
      },
    );
  });

  it("runs no statement when the work table cannot be emptied, and gives the lock back", async () => {
    const run = await snapshotWith(
      {},
      {},
      {
        objects: LEFT_OVER,
        // The previous scoring's files count as much as the copy's: the prefix must be empty.
        refuseDelete: (key) =>
          key.startsWith("risk-work/scored/")
            ? { Code: "AccessDenied", Message: "Access Denied" }
            : undefined,
      },
    );
    assert.equal(
      run.error?.message,
      "could not delete 1 work table object(s), first s3://acme-risk-reports/risk-work/scored/20261130_090000_00002_fghij_0.parquet: AccessDenied Access Denied",
    );
    assert.equal(run.athena.calls().length, 0);
    assert.ok(!run.store.has(LOCK));
    assert.deepEqual(reportsWritten(run), []);
  });

  it("runs no SELECT when prepare fails, and gives the lock back", async () => {
    const run = await snapshotWith({ prepare: { states: ["RUNNING", "FAILED"], reason: "boom" } });
    assert.equal(run.error?.message, `Athena query "prepare" (qe-prepare) ended FAILED: boom`);
    assert.deepEqual(
      run.events.filter((e) => e.startsWith("start ")),
      ["start prepare"],
    );
    assert.ok(!run.store.has(LOCK));
    assert.deepEqual(reportsWritten(run), []);
  });

  it("runs no SELECT and appends nothing when the scoring fails, and gives the lock back", async () => {
    const run = await snapshotWith({
      score: { states: ["RUNNING", "FAILED"], reason: "no space" },
    });
    assert.equal(run.error?.message, `Athena query "score" (qe-score) ended FAILED: no space`);
    assert.deepEqual(
      run.events.filter((e) => e.startsWith("start ")),
      ["start prepare", "start score"],
    );
    // The lock goes back right after the failure: nothing else ran under it.
    assert.deepEqual(run.events.slice(-2), ["FAILED score", `s3 DeleteObject ${LOCK}`]);
    assert.ok(!run.store.has(LOCK));
    assert.deepEqual(reportsWritten(run), []);
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
    const puts = run.s3
      .commandCalls(PutObjectCommand)
      .map((c) => c.args[0].input)
      .filter((p) => p.Key !== LOCK);
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
        // The lock is a new object too: the bucket policy may require its encryption.
        [LOCK, "aws:kms", key, true],
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
    assert.deepEqual(reportsWritten(run), []);
    assert.ok(!run.store.has(LOCK), "the lock was not given back");
    assert.deepEqual(run.emitted, []);
  });

  it("names a CANCELLED query too", async () => {
    const run = await snapshotWith({ appendHistory: { states: ["CANCELLED"] } });
    assert.equal(
      run.error?.message,
      `Athena query "appendHistory" (qe-appendHistory) ended CANCELLED: Athena gave no reason`,
    );
    assert.deepEqual(reportsWritten(run), []);
    assert.ok(!run.store.has(LOCK), "the lock was not given back");
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
    assert.deepEqual(reportsWritten(run), []);
    assert.ok(!run.store.has(LOCK), "the lock was not given back");
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
