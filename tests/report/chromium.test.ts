/**
 * The HTML report in a real browser: Debian's headless Chromium, driven by playwright-core,
 * offline (every request but the report file is aborted and recorded). It renders with no
 * console or page error, the drill-down opens on click with that machine's findings, the
 * numbers shown equal the snapshot's, and hostile values show as text without running.
 * Under CI=true a missing Chromium fails these tests; elsewhere they are skipped loudly.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { Browser } from "playwright-core";
import { renderReport } from "../../report/render";
import { RiskSnapshot } from "../../risk/model";
import {
  ARTIFACTS,
  OpenedReport,
  launchChromium,
  openReport,
  requireChromium,
  shownMetricTexts,
} from "./chromium";
import { expectedMetrics, loadSnapshot, shownNumber, sortMetrics } from "./support";

/** Nothing went wrong in the page: no request out, no error, no dialog. */
function assertQuiet(r: OpenedReport): void {
  assert.deepEqual(r.blocked, [], "requests other than the file");
  assert.deepEqual(r.consoleErrors, [], "console errors");
  assert.deepEqual(r.pageErrors, [], "page errors");
  assert.deepEqual(r.dialogs, [], "dialogs");
}

/** The rows of one machine's drill-down as the page shows them, cell by cell. */
async function findingRows(r: OpenedReport, index: number): Promise<string[][]> {
  const rows = r.page.locator("details.machine").nth(index).locator("tr.finding");
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++)
    out.push((await rows.nth(i).locator("td").allInnerTexts()).map((t) => t.trim()));
  return out;
}

const expectedRows = (s: RiskSnapshot, index: number): string[][] =>
  s.topMachines[index].findings.map((f) => [
    f.severity,
    f.control,
    f.findingId,
    f.title,
    f.state,
    f.acceptanceId ?? "–",
  ]);

describe("report: in headless Chromium", function () {
  this.timeout(120_000);
  let browser: Browser;
  const sample = loadSnapshot("snapshot");
  const hostile = loadSnapshot("snapshot-hostile");
  const opened: OpenedReport[] = [];
  const open = async (html: string): Promise<OpenedReport> => {
    const r = await openReport(browser, html);
    opened.push(r);
    return r;
  };

  before(async function () {
    requireChromium();
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const r of opened.splice(0)) await r.context.close();
  });
  after(async () => browser?.close());

  it("the request, console and dialog guards catch a page that calls out (so their silence below means something)", async () => {
    const r = await open(
      `<!DOCTYPE html><img src="https://example.invalid/x.png"><script>console.error("boom"); alert("hi"); undefinedFn();</script>`,
    );
    assert.deepEqual(r.blocked, ["https://example.invalid/x.png"]);
    assert.ok(r.consoleErrors.includes("boom"), r.consoleErrors.join("; "));
    assert.deepEqual(r.dialogs, ["alert: hi"]);
    assert.match(r.pageErrors.join(";"), /undefinedFn is not defined/);
  });

  it("renders every section offline with no console or page error; screenshot saved with a drill-down open", async () => {
    const r = await open(renderReport(sample));
    assert.equal(await r.page.title(), "Risk report · acme-prod");
    for (const id of [
      "summary",
      "coverage",
      "breakdown",
      "machines",
      "accepted",
      "expiring",
      "notseen",
      "unreadable",
      "captured",
    ])
      assert.ok(await r.page.locator(`section#${id}`).isVisible(), id);
    assert.equal(await r.page.locator("svg.trend circle.trend-dot").count(), sample.history.length);
    assert.equal(await r.page.locator("svg.coverage g.bar").count(), sample.controls.length);
    // The charts really have size (a broken SVG renders as nothing).
    const box = await r.page.locator("svg.trend").boundingBox();
    assert.ok(box && box.width > 600 && box.height > 150, JSON.stringify(box));
    await r.page.locator("details.machine > summary").first().click();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, "risk-report.png");
    await r.page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 50_000, "screenshot written");
    console.log(`      screenshot: ${path.relative(process.cwd(), shot)}`);
    assertQuiet(r);
  });

  it("shows exactly the snapshot's numbers (every visible data-metric)", async () => {
    const r = await open(renderReport(sample));
    const shown = (await shownMetricTexts(r.page)).map(
      ([m, k, text]) => [m, k, shownNumber(text)] as const,
    );
    assert.deepEqual(sortMetrics(shown), expectedMetrics(sample));
    assertQuiet(r);
  });

  it("the drill-down opens on click and shows that machine's findings, and closes again", async () => {
    const r = await open(renderReport(sample));
    const index = sample.topMachines.findIndex((m) => m.accepted > 0);
    const machine = r.page.locator("details.machine").nth(index);
    const findings = machine.locator(".findings");
    assert.equal(await findings.isVisible(), false, "closed before the click");
    await machine.locator("summary").click();
    assert.equal(await findings.isVisible(), true, "open after the click");
    assert.deepEqual(await findingRows(r, index), expectedRows(sample, index));
    assert.equal(await r.page.locator("details.machine[open]").count(), 1, "only that one opened");
    await machine.locator("summary").click();
    assert.equal(await findings.isVisible(), false, "closed by a second click");
    assertQuiet(r);
  });

  it("print media shows every machine's findings (closed drill-downs included)", async () => {
    const r = await open(renderReport(sample));
    await r.page.emulateMedia({ media: "print" });
    const visible = await r.page
      .locator("details.machine .findings")
      .evaluateAll((els) => els.filter((el) => el.getClientRects().length > 0).length);
    assert.equal(visible, sample.topMachines.length);
    assertQuiet(r);
  });

  it("hostile names, titles and reasons show as text and nothing in them runs", async () => {
    const r = await open(renderReport(hostile));
    await r.page.locator("details.machine > summary").first().click();
    await r.page.waitForTimeout(200);
    const probe = JSON.parse(
      await r.page.evaluate<string>(`JSON.stringify({
        pwned: typeof window.__pwned === "undefined" ? null : String(window.__pwned),
        scripts: document.scripts.length,
        imgs: document.images.length,
        handlers: [...document.querySelectorAll("*")].flatMap((el) =>
          [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => el.tagName + " " + a.name)),
        title: document.title,
        text: document.body.innerText,
      })`),
    );
    assert.equal(probe.pwned, null, "a hostile value ran");
    assert.equal(probe.scripts, 0);
    assert.equal(probe.imgs, 0);
    assert.deepEqual(probe.handlers, []);
    assert.equal(probe.title, `Risk report · ${hostile.fleet}`);
    const shownAsText = [
      hostile.topMachines[0].name,
      hostile.topMachines[0].findings[0].title,
      hostile.topMachines[0].findings[1].findingId,
      hostile.topMachines[0].findings[3].acceptanceId!,
      hostile.acceptances[0].reason,
      hostile.acceptances[0].approver,
      hostile.acceptances[2].reason,
      hostile.acceptances[2].approver,
      hostile.notSeen[0].name,
      hostile.unreadableFiles[0].problem,
    ];
    for (const v of shownAsText) assert.ok(probe.text.includes(v), `not shown as text: ${v}`);
    assert.deepEqual(await findingRows(r, 0), expectedRows(hostile, 0));
    const shown = (await shownMetricTexts(r.page)).map(
      ([m, k, text]) => [m, k, shownNumber(text)] as const,
    );
    assert.deepEqual(sortMetrics(shown), expectedMetrics(hostile));
    assertQuiet(r);
  });
});
