/**
 * Opens reports in Debian's headless Chromium (driven by playwright-core), offline: every
 * request other than the report file itself is aborted and recorded, and console errors,
 * page errors and dialogs are collected, so a test can assert that none happened.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Browser, BrowserContext, Page, chromium } from "playwright-core";

/** Debian's Chromium (`.ci/run` installs the `chromium` package). */
export const CHROMIUM = process.env.HF_TEST_CHROMIUM ?? "/usr/bin/chromium";

/** Where the screenshot goes (gitignored): the repository's `test-artifacts/`. */
export const ARTIFACTS = path.join(__dirname, "..", "..", "test-artifacts");

/**
 * Fails, on every machine, when Chromium is missing: the report is only proven where it
 * renders, so a missing browser is a failure to fix (`apt-get install chromium`), never a skip.
 */
export function requireChromium(): void {
  if (fs.existsSync(CHROMIUM)) return;
  throw new Error(
    `the report's Chromium tests need ${CHROMIUM} (Debian package chromium: apt-get install chromium; .ci/run installs it)`,
  );
}

/** Launches headless Chromium with no background traffic of its own. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      // Chromium refuses its sandbox as root (CI runs as root).
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      // Belt and braces: even a request that escaped the route below resolves nowhere.
      "--host-resolver-rules=MAP * ~NOTFOUND",
    ],
  });
}

/** A report opened in a fresh browser context, with what it tried to do. */
export interface OpenedReport {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Every request other than the report file (all aborted). */
  readonly blocked: string[];
  /** Console messages of type error. */
  readonly consoleErrors: string[];
  /** Uncaught page errors. */
  readonly pageErrors: string[];
  /** alert/confirm/prompt dialogs (dismissed). */
  readonly dialogs: string[];
}

/** Writes `html` to a temp file and opens it from `file://`, offline. */
export async function openReport(browser: Browser, html: string): Promise<OpenedReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hf-report-"));
  const file = path.join(dir, "report.html");
  fs.writeFileSync(file, html);
  const url = `file://${file}`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const opened: OpenedReport = {
    page: await context.newPage(),
    context,
    blocked: [],
    consoleErrors: [],
    pageErrors: [],
    dialogs: [],
  };
  await context.route("**/*", async (route) => {
    if (route.request().url() === url) return route.continue();
    opened.blocked.push(route.request().url());
    return route.abort();
  });
  opened.page.on("console", (m) => {
    if (m.type() === "error") opened.consoleErrors.push(m.text());
  });
  opened.page.on("pageerror", (err) => opened.pageErrors.push(err.message));
  opened.page.on("dialog", async (d) => {
    opened.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  context.on("close", () => fs.rmSync(dir, { recursive: true, force: true }));
  await opened.page.goto(url, { waitUntil: "load" });
  return opened;
}

/** The `[data-metric]` numbers as the page shows them: `[metric, key, text]`. */
export async function shownMetricTexts(page: Page): Promise<[string, string | null, string][]> {
  return JSON.parse(
    await page.evaluate<string>(`JSON.stringify([...document.querySelectorAll("[data-metric]")]
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => [el.dataset.metric, el.dataset.key ?? null, el.dataset.value ?? el.textContent]))`),
  );
}
