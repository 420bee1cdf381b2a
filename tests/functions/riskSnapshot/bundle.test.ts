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

  it("takes a snapshot in a fresh process: queries, history, report, EMF lines", async () => {
    fs.writeFileSync(path.join(dir, "risk-statements.json"), JSON.stringify(testStatements()));
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
    assert.equal(operations.filter((o) => o === "StartQueryExecution").length, 9);
    const starts = fake.calls.filter((c) => c.operation === "StartQueryExecution");
    assert.deepEqual(
      starts.map((c) => c.input.ExecutionParameters),
      starts.map(() => [`'${capturedAt}'`]),
    );
    assert.ok(String(starts[8].input.QueryString).startsWith("-- appendHistory"));

    assert.deepEqual(
      fake.objects.map((o) => [
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
    const html = fake.objects[0].body;
    assert.match(html, /^<!doctype html>/i);
    assert.equal(fake.objects[2].body, html);
    const snapshot = JSON.parse(fake.objects[1].body);
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
