/**
 * `hybrid-fleet risk`: offline over the hand-built sync folder (numbers worked out by hand in
 * tests/risk/handBuilt.test.ts: five fleet machines; without the stack's register, 13 open
 * findings: web-01 3, app-01 4, db-dev-01 3, legacy-01 3, kiosk-01 0), and the account path.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { risk } from "../../cli/commands/risk";
import { createContext } from "../../cli/context";
import { UsageError } from "../../cli/errors";
import { DUCKDB_INSTALL_HINT } from "../../cli/riskLocal";
import { runHarness, testClients } from "./support/cliHarness";

const SYNC = path.join(__dirname, "../fixtures/risk/handbuilt/ssm-sync");
const NOW = new Date("2026-11-30T12:00:00Z");

describe("hybrid-fleet risk", () => {
  it("--sync-dir: the risk engine's snapshot of the fleet (JSON)", async () => {
    const r = await runHarness(["--json", "risk", "--sync-dir", SYNC, "--fleet", "acme"], {
      now: () => NOW,
    });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.source, "sync-dir");
    assert.equal(out.snapshot.fleet, "acme");
    assert.equal(out.snapshot.totals.machines, 5);
    assert.equal(out.snapshot.totals.open, 13);
    assert.equal(out.snapshot.totals.notSeen, 1);
    assert.deepEqual(
      Object.fromEntries(
        out.snapshot.topMachines.map((m: { name: string; open: number }) => [m.name, m.open]),
      ),
      { "web-01": 3, "app-01": 4, "db-dev-01": 3, "legacy-01": 3, "kiosk-01": 0 },
    );
  });

  it("--sync-dir --out: prints the summary and writes the HTML report", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-risk-"));
    const out = path.join(dir, "nested", "report.html");
    const r = await runHarness(["risk", "--sync-dir", SYNC, "--fleet", "acme", "--out", out], {
      now: () => NOW,
    });
    try {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /acme/);
      assert.ok(r.stdout.endsWith(`\nReport: ${out}\n`), r.stdout);
      const html = fs.readFileSync(out, "utf8");
      assert.match(html, /^<!DOCTYPE html>/i);
      assert.ok(html.includes("legacy-01"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without --sync-dir: explains the Athena path and how to fetch the report (exit 0)", async () => {
    const r = await runHarness(["risk", "--profile", "ops"]);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      [
        "No --sync-dir: the risk view runs in your account. The snapshot function runs the risk SQL",
        "in Athena on its schedule and writes the HTML report to the stack output riskReportUrl",
        "(s3://<data bucket>/risk-reports/latest.html, dated copies beside it).",
        "",
        "Fetch the latest report:",
        '  aws s3 cp --profile ops "$(pulumi stack output riskReportUrl)" risk-report.html',
        "",
        "Or summarise offline from a copy of the sync data (needs DuckDB, a dev dependency):",
        "  aws s3 sync --profile ops s3://<data bucket>/<sync prefix> ./sync",
        "  hybrid-fleet risk --sync-dir ./sync --out risk-report.html",
        "",
      ].join("\n"),
    );
  });

  for (const [what, argv, message] of [
    ["--out without --sync-dir", ["risk", "--out", "x.html"], /--out needs --sync-dir/],
    [
      "a missing sync folder",
      ["risk", "--sync-dir", "/nonexistent/sync"],
      /--sync-dir \/nonexistent\/sync does not exist/,
    ],
  ] as const) {
    it(`${what}: exit 2`, async () => {
      const r = await runHarness([...argv]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
    });
  }

  it("without DuckDB installed: says how to install it", async () => {
    const ctx = createContext(
      {
        stdout: { write: () => true },
        stderr: { write: () => true },
        stdin: process.stdin,
        env: {},
      },
      { clients: testClients(), now: () => NOW },
    );
    const missing = Object.assign(new Error("Cannot find module '@duckdb/node-api'"), {
      code: "MODULE_NOT_FOUND",
    });
    const globals = {
      json: false,
      fleetTagKey: "HybridFleet",
      modeTagKey: "ComplianceMode",
      environmentTagKey: "Environment",
    };
    const { loadRiskLocal } = await import("../../cli/riskLocal");
    await assert.rejects(
      risk({ syncDir: SYNC }, globals, ctx, () => loadRiskLocal(() => Promise.reject(missing))),
      (e: unknown) => e instanceof UsageError && e.message === DUCKDB_INSTALL_HINT,
    );
  });
});
