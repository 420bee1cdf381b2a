/**
 * End to end on the hand-built sync folder (tests/fixtures/risk/handbuilt/, every number
 * worked out by hand in tests/risk/handBuilt.test.ts): the deployed risk SQL runs in DuckDB,
 * its rows are assembled into a RiskSnapshot, the report is rendered and opened in headless
 * Chromium, and every number the page shows is compared with the SQL's rows (not with the
 * snapshot), every drill-down with the SQL's findings of that machine.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Browser } from "playwright-core";
import { renderReport } from "../../report/render";
import { assembleSnapshot } from "../../risk/assemble";
import { Row } from "../../risk/local/duckdb";
import { SnapshotQueryKey } from "../../risk/model";
import {
  ARTIFACTS,
  OpenedReport,
  launchChromium,
  openReport,
  requireChromium,
  shownMetricTexts,
} from "./chromium";
import { expectedMetricsFromRows, shownNumber, sortMetrics } from "./support";
import {
  HANDBUILT_CONTEXT,
  HANDBUILT_NOW,
  openHandBuilt,
} from "../fixtures/risk/handbuilt/deployment";

const NOW = HANDBUILT_NOW;
const CTX = HANDBUILT_CONTEXT;

async function handBuiltRows(scratch: string): Promise<Record<SnapshotQueryKey, Row[]>> {
  const { db, rows } = await openHandBuilt(scratch);
  db.close();
  return rows;
}

describe("report: the hand-built fleet's SQL rows, shown in headless Chromium", function () {
  this.timeout(180_000);
  let browser: Browser;
  let rows: Record<SnapshotQueryKey, Row[]>;
  let report: OpenedReport;

  before(async function () {
    requireChromium();
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "hf-report-handbuilt-"));
    try {
      rows = await handBuiltRows(scratch);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
    const snapshot = assembleSnapshot(rows, {
      fleet: "acme",
      capturedAt: NOW,
      staleDays: CTX.staleDays,
      weights: CTX.weights,
    });
    browser = await launchChromium();
    report = await openReport(browser, renderReport(snapshot));
  });
  after(async () => {
    await report?.context.close();
    await browser?.close();
  });

  it("the SQL found what the hand-built test worked out (score 47, 5 machines, 3 top machines)", () => {
    assert.equal(Number(rows.totals[0].score), 47);
    assert.equal(Number(rows.totals[0].machines), 5);
    assert.equal(rows.top_machines.length, 3);
  });

  it("every number shown equals the SQL's rows", async () => {
    const shown = (await shownMetricTexts(report.page)).map(
      ([m, k, text]) => [m, k, shownNumber(text)] as const,
    );
    assert.deepEqual(sortMetrics(shown), expectedMetricsFromRows(rows));
  });

  it("each top machine's drill-down opens on click and lists the SQL's findings of that machine", async () => {
    const machines = report.page.locator("details.machine");
    assert.equal(await machines.count(), rows.top_machines.length);
    for (let i = 0; i < rows.top_machines.length; i++) {
      const id = String(rows.top_machines[i].resource_id);
      assert.equal(await machines.nth(i).getAttribute("data-resource-id"), id);
      await machines.nth(i).locator("summary").click();
      const cells = machines.nth(i).locator("tr.finding");
      const shown: string[][] = [];
      for (let r = 0; r < (await cells.count()); r++)
        shown.push((await cells.nth(r).locator("td").allInnerTexts()).map((t) => t.trim()));
      const want = rows.top_machine_findings
        .filter((f) => f.resource_id === id)
        .map((f) => [
          String(f.severity),
          String(f.control),
          String(f.finding_id),
          String(f.title),
          String(f.state),
          f.acceptance_id === null ? "–" : String(f.acceptance_id),
        ]);
      assert.ok(want.length > 0, id);
      assert.deepEqual(shown, want, id);
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await report.page.screenshot({
      path: path.join(ARTIFACTS, "risk-report-handbuilt.png"),
      fullPage: true,
    });
  });

  it("nothing went out and nothing failed in the page", () => {
    assert.deepEqual(report.blocked, []);
    assert.deepEqual(report.consoleErrors, []);
    assert.deepEqual(report.pageErrors, []);
    assert.deepEqual(report.dialogs, []);
  });
});
