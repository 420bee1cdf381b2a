/**
 * The artifact that is deployed, not the source: bundle the snapshot function with the
 * settings the component uses, check what went in (no Pulumi, no default credential chain,
 * the size budget), then run it in a fresh Node process with a Lambda-like environment
 * (credentials in env vars only, `risk-statements.json` beside the bundle) against a fake
 * Athena and S3 on 127.0.0.1: the real assembler, renderer and EMF writer, end to end.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { buildSync } from "esbuild";
import {
  bundleFunction,
  FUNCTIONS_DIR,
  LAMBDA_BUILD_OPTIONS,
  LAMBDA_BUNDLE_BUDGET_BYTES,
} from "../../../components/shared/bundle";
import { SNAPSHOT_COLUMNS, type SnapshotQueryKey } from "../../../risk/model";
import { emfProblems } from "../../risk/emfValidator";
import { startFakeAthenaS3, type FakeAthenaS3, type FakeResult } from "./fakeAthenaS3";
import { testStatements } from "./snapshotTestKit";

const run = promisify(execFile);
const LOCK = "/acme-risk-reports/risk-work.lock";

/** Rows the real assembler accepts: a fleet of 3 with one control, one history point. */
const RESULTS: Record<SnapshotQueryKey, FakeResult> = {
  totals: {
    columns: SNAPSHOT_COLUMNS.totals,
    rows: [
      [
        ...["3", "2", "1", "0", "17", "4", "1", "1"],
        ...["1", "2", "1", "0", "0", "0"],
        "2026-11-29T10:00:00Z",
        null,
      ],
    ],
  },
  controls: {
    columns: SNAPSHOT_COLUMNS.controls,
    rows: [["patch", "Patch", "true", "3", "2", "66.7", "4", "1", "1", "17"]],
  },
  breakdown: {
    columns: SNAPSHOT_COLUMNS.breakdown,
    rows: [["prod", "enforce", "patch", "CRITICAL", "1", "0", "0", "10"]],
  },
  top_machines: { columns: SNAPSHOT_COLUMNS.top_machines, rows: [] },
  top_machine_findings: { columns: SNAPSHOT_COLUMNS.top_machine_findings, rows: [] },
  acceptances: { columns: SNAPSHOT_COLUMNS.acceptances, rows: [] },
  not_seen: { columns: SNAPSHOT_COLUMNS.not_seen, rows: [] },
  history: {
    columns: SNAPSHOT_COLUMNS.history,
    rows: [["2026-01-01T00:00:00Z", "10", "1", "0", "3"]],
  },
};

describe("risk snapshot bundle (what Lambda runs)", () => {
  let code: string;
  let dir: string;
  let fake: FakeAthenaS3;

  before(async () => {
    code = bundleFunction("riskSnapshot");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "risk-snapshot-bundle-"));
    fs.writeFileSync(path.join(dir, "index.js"), code);
    fake = await startFakeAthenaS3(RESULTS);
  });
  beforeEach(() => {
    fake.calls.length = 0;
    fake.objects.length = 0;
    fake.store.clear();
  });
  after(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("imports nothing from Pulumi, drops the default credential chain, fits the budget", () => {
    const { metafile } = buildSync({
      ...LAMBDA_BUILD_OPTIONS,
      mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
      entryPoints: [path.join(FUNCTIONS_DIR, "riskSnapshot", "index.ts")],
      metafile: true,
    });
    const inputs = Object.keys(metafile.inputs);
    assert.deepEqual(
      inputs.filter((i) => i.includes("@pulumi/")),
      [],
    );
    assert.ok(
      inputs.some((i) => i.endsWith("risk/assemble.ts")),
      "assembler not bundled",
    );
    assert.ok(
      inputs.some((i) => i.endsWith("report/render.ts")),
      "renderer not bundled",
    );
    assert.ok(!code.includes("@pulumi/"));
    assert.ok(
      !/sso-oidc|AssumeRoleWithWebIdentity/.test(code),
      "default credential chain was bundled",
    );
    assert.ok(
      code.length <= LAMBDA_BUNDLE_BUDGET_BYTES,
      `bundle is ${code.length} bytes, budget ${LAMBDA_BUNDLE_BUDGET_BYTES}`,
    );
  });

  const env = () => ({
    PATH: process.env.PATH,
    NODE_NO_WARNINGS: "1",
    TZ: "UTC",
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_SESSION_TOKEN: "session",
    ATHENA_ENDPOINT: fake.url,
    S3_ENDPOINT: fake.url,
    ATHENA_WORKGROUP: "HybridFleet-acme",
    ATHENA_DATABASE: "hybrid_fleet_acme",
    REPORT_BUCKET: "acme-risk-reports",
    WORK_PREFIX: "risk-work/",
    FLEET_NAME: "acme",
  });

  const runner = (): string => {
    const file = path.join(dir, "run.js");
    fs.writeFileSync(
      file,
      `const { handler } = require("./index.js");
       const context = { awsRequestId: "bundle-test", getRemainingTimeInMillis: () => 120000 };
       handler({ "detail-type": "Scheduled Event" }, context)
         .then((r) => process.stdout.write("\\nRESULT " + JSON.stringify(r) + "\\n"));`,
    );
    return file;
  };

  it("takes a snapshot in a fresh process: lock, work table, queries, history, report, EMF lines", async () => {
    fs.writeFileSync(path.join(dir, "risk-statements.json"), JSON.stringify(testStatements()));
    // An earlier snapshot's copy and scored table (more than one list page together), and
    // neighbours that must stay.
    const leftOver = Array.from(
      { length: 1203 },
      (_, i) =>
        `/acme-risk-reports/risk-work/${i < 600 ? "copy" : "scored"}/20261130_090000_${String(i).padStart(5, "0")}_0.parquet`,
    );
    for (const key of leftOver) fake.seed(key, "PAR1");
    fake.seed("/acme-risk-reports/risk-work-other/x", "keep");
    fake.seed("/acme-risk-reports/risk-history/day=2026-11-30/h.parquet", "keep");
    const { stdout } = await run(process.execPath, [runner()], { env: env() });
    const lines = stdout.trim().split("\n");
    const result = JSON.parse(lines.find((l) => l.startsWith("RESULT "))!.slice(7));
    const capturedAt: string = result.capturedAt;
    assert.match(capturedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const day = capturedAt.slice(0, 10).replace(/-/g, "/");
    assert.deepEqual(result, {
      capturedAt,
      score: 17,
      machines: 3,
      reportKey: `reports/${day}/${capturedAt}.html`,
    });

    const operations = fake.calls.map((c) => c.operation);
    assert.equal(operations.filter((o) => o === "StartQueryExecution").length, 11);
    const starts = fake.calls.filter((c) => c.operation === "StartQueryExecution");
    assert.ok(String(starts[0].input.QueryString).startsWith("-- prepare"));
    assert.ok(!("ExecutionParameters" in starts[0].input), "prepare sent ExecutionParameters");
    assert.deepEqual(
      starts.slice(1).map((c) => c.input.ExecutionParameters),
      starts.slice(1).map(() => [`'${capturedAt}'`]),
    );
    assert.ok(String(starts[1].input.QueryString).startsWith("-- score"));
    assert.ok(String(starts[10].input.QueryString).startsWith("-- appendHistory"));

    // The S3 side, in order: lock taken conditionally, work table listed and emptied in pages
    // of 1,000, the statements, the lock deleted, the reports.
    const s3Steps = fake.calls
      .filter((c) => c.operation !== "GetQueryExecution" && c.operation !== "GetQueryResults")
      .map((c) =>
        c.operation === "PutObject"
          ? `PutObject ${String(c.input.path).replace(/\/\d{4}\/.*$/, "/<dated>")}${c.input.ifNoneMatch ? " If-None-Match" : ""}`
          : c.operation === "ListObjectsV2"
            ? `ListObjectsV2 ${c.input.prefix}`
            : c.operation === "DeleteObjects"
              ? `DeleteObjects ${(c.input.keys as string[]).length} quiet=${c.input.quiet}`
              : c.operation === "DeleteObject"
                ? `DeleteObject ${c.input.path}`
                : c.operation,
      )
      .filter((step, i, all) => step !== "StartQueryExecution" || all[i - 1] !== step);
    assert.deepEqual(s3Steps, [
      "PutObject /acme-risk-reports/risk-work.lock If-None-Match",
      "ListObjectsV2 risk-work/",
      "DeleteObjects 1000 quiet=true",
      "ListObjectsV2 risk-work/",
      "DeleteObjects 203 quiet=true",
      "StartQueryExecution",
      "DeleteObject /acme-risk-reports/risk-work.lock",
      "PutObject /acme-risk-reports/reports/<dated>",
      "PutObject /acme-risk-reports/reports/<dated>",
      "PutObject /acme-risk-reports/reports/latest.html",
    ]);
    assert.deepEqual(
      [...fake.store.keys()].filter((k) => !k.startsWith("/acme-risk-reports/reports/")).sort(),
      [
        "/acme-risk-reports/risk-history/day=2026-11-30/h.parquet",
        "/acme-risk-reports/risk-work-other/x",
      ],
    );
    const lock = fake.objects.find((o) => o.key === LOCK);
    assert.ok(lock, "no lock was written");
    assert.equal(JSON.parse(lock.body).owner, "bundle-test");
    assert.equal(lock.headers["x-amz-server-side-encryption"], "AES256");

    const reports = fake.objects.filter((o) => o.key !== LOCK);
    assert.deepEqual(
      reports.map((o) => [
        o.key,
        o.headers["content-type"],
        o.headers["x-amz-server-side-encryption"],
      ]),
      [
        [
          `/acme-risk-reports/reports/${day}/${capturedAt}.html`,
          "text/html; charset=utf-8",
          "AES256",
        ],
        [
          `/acme-risk-reports/reports/${day}/${capturedAt}.json`,
          "application/json; charset=utf-8",
          "AES256",
        ],
        ["/acme-risk-reports/reports/latest.html", "text/html; charset=utf-8", "AES256"],
      ],
    );
    const html = reports[0].body;
    assert.match(html, /^<!doctype html>/i);
    assert.equal(reports[2].body, html);
    const snapshot = JSON.parse(reports[1].body);
    assert.equal(snapshot.totals.score, 17);
    assert.equal(snapshot.controls[0].coveragePercent, 66.7);

    const emf = lines.filter((l) => l.startsWith("{") && l.includes('"_aws"'));
    assert.equal(emf.length, 1 + 1 + 1, emf.join("\n"));
    for (const line of emf) assert.deepEqual(emfProblems(line), [], line);
    const fleetLine = JSON.parse(emf[0]);
    assert.equal(fleetLine.FleetScore, 17);
    // Baseline 10 (2026-01-01) → +70 %.
    assert.equal(fleetLine.FleetScoreDayOverDay, 0.7);
    assert.equal(fleetLine.SnapshotSucceeded, 1);
  });

  it("stops without a query while another snapshot holds the lock (the real client's 412)", async () => {
    fs.writeFileSync(path.join(dir, "risk-statements.json"), JSON.stringify(testStatements()));
    fake.seed(LOCK, '{"owner":"other"}', new Date(Date.now() - 60_000));
    fake.seed("/acme-risk-reports/risk-work/a.parquet", "PAR1");
    await assert.rejects(
      run(process.execPath, [runner()], { env: env() }),
      (err: { stdout: string; stderr: string }) => {
        assert.match(
          err.stderr,
          /\[SnapshotBusyError\]: another snapshot holds s3:\/\/acme-risk-reports\/risk-work\.lock/,
        );
        const failed = err.stdout
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l))
          .find((l) => l.message === "snapshot failed");
        assert.equal(failed?.error, "SnapshotBusyError", err.stdout);
        return true;
      },
    );
    assert.deepEqual(
      fake.calls.map((c) => c.operation),
      ["PutObject", "HeadObject"],
    );
    assert.deepEqual([...fake.store.keys()].sort(), [
      LOCK,
      "/acme-risk-reports/risk-work/a.parquet",
    ]);
  });

  it("takes over a lock older than 15 minutes (Last-Modified read by the real client)", async () => {
    fs.writeFileSync(path.join(dir, "risk-statements.json"), JSON.stringify(testStatements()));
    fake.seed(LOCK, '{"owner":"dead"}', new Date(Date.now() - 16 * 60_000));
    const { stdout } = await run(process.execPath, [runner()], { env: env() });
    assert.ok(stdout.includes("\nRESULT "), stdout);
    assert.deepEqual(
      fake.calls.slice(0, 5).map((c) => c.operation),
      ["PutObject", "HeadObject", "DeleteObject", "PutObject", "ListObjectsV2"],
    );
    assert.ok(!fake.store.has(LOCK), "the lock was not given back");
  });

  it("fails at init, naming the variable, when configuration is missing", async () => {
    fs.writeFileSync(path.join(dir, "risk-statements.json"), JSON.stringify(testStatements()));
    const withoutWorkgroup = { ...env(), ATHENA_WORKGROUP: "" };
    await assert.rejects(
      run(process.execPath, [runner()], { env: withoutWorkgroup }),
      (err: { stderr: string }) =>
        /ConfigurationError: environment variable ATHENA_WORKGROUP is required/.test(err.stderr),
    );
  });

  it("fails at init, naming the statement, when risk-statements.json breaks the contract", async () => {
    const statements = testStatements();
    fs.writeFileSync(
      path.join(dir, "risk-statements.json"),
      JSON.stringify({ ...statements, appendHistory: "INSERT INTO h SELECT 1" }),
    );
    await assert.rejects(
      run(process.execPath, [runner()], { env: env() }),
      (err: { stderr: string }) =>
        /ConfigurationError: risk-statements.json: appendHistory must hold exactly one "\?" execution parameter \(the snapshot time\), found 0/.test(
          err.stderr,
        ),
    );
  });
});
