/**
 * `hybrid-fleet risk [--sync-dir DIR] [--out report.html] [--config FILE] [--history-dir DIR]`:
 * the risk summary through the risk engine's own code.
 *
 * - With `--sync-dir`: the snapshot function's SQL run offline in DuckDB over a local copy of
 *   the sync prefix (risk/local, as `npm run risk` does), the terminal summary, and with
 *   `--out` the same HTML report the function writes. DuckDB is loaded only here.
 * - Without it: the risk view lives in the account (the snapshot function runs the SQL in
 *   Athena and writes the report to the stack output `riskReportUrl`); the command says so and
 *   prints how to fetch that report.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { renderReport } from "../../report/render";
import { formatRiskSummary } from "../../risk/summary";
import { runAction, type CommandResult } from "../action";
import type { CliContext } from "../context";
import { UsageError } from "../errors";
import { stackSettings } from "../findings";
import type { GlobalOptions } from "../globals";
import { loadRiskLocal, type RiskLocalModule } from "../riskLocal";

/** `risk`'s own options. */
export interface RiskOptions {
  readonly syncDir?: string;
  readonly out?: string;
  readonly config?: string;
  readonly historyDir?: string;
}

/** The stack output holding the account's latest report (README "Outputs"). */
export const RISK_REPORT_OUTPUT = "riskReportUrl";

/** What to do without `--sync-dir`: the account's report, and the offline alternative. */
export function athenaPathHelp(globals: GlobalOptions): string {
  const aws = [
    globals.profile ? `--profile ${globals.profile}` : "",
    globals.region ? `--region ${globals.region}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const awsOpts = aws ? ` ${aws}` : "";
  return [
    "No --sync-dir: the risk view runs in your account. The snapshot function runs the risk SQL",
    `in Athena on its schedule and writes the HTML report to the stack output ${RISK_REPORT_OUTPUT}`,
    "(s3://<data bucket>/risk-reports/latest.html, dated copies beside it).",
    "",
    "Fetch the latest report:",
    `  aws s3 cp${awsOpts} "$(pulumi stack output ${RISK_REPORT_OUTPUT})" risk-report.html`,
    "",
    "Or summarise offline from a copy of the sync data (needs DuckDB, a dev dependency):",
    `  aws s3 sync${awsOpts} s3://<data bucket>/<sync prefix> ./sync`,
    "  hybrid-fleet risk --sync-dir ./sync --out risk-report.html",
    "",
  ].join("\n");
}

/** The command's body; `load` is injectable so tests can play a machine without DuckDB. */
export async function risk(
  options: RiskOptions,
  globals: GlobalOptions,
  ctx: CliContext,
  load: () => Promise<RiskLocalModule> = () => loadRiskLocal(),
): Promise<CommandResult> {
  if (!options.syncDir) {
    if (options.out) {
      throw new UsageError(
        `--out needs --sync-dir (without it the report is the stack output ${RISK_REPORT_OUTPUT})`,
      );
    }
    return {
      text: athenaPathHelp(globals),
      json: { source: "athena", reportOutput: RISK_REPORT_OUTPUT, snapshot: null },
    };
  }
  if (!fs.existsSync(options.syncDir)) {
    throw new UsageError(`--sync-dir ${options.syncDir} does not exist`);
  }
  const now = ctx.now();
  const engine = await load();
  let settings = engine.defaultRiskSettings();
  if (options.config) {
    settings = stackSettings(engine, options.config, now);
  } else {
    settings = {
      ...settings,
      fleetTagKey: globals.fleetTagKey,
      modeTagKey: globals.modeTagKey,
      environmentTagKey: globals.environmentTagKey,
    };
  }
  for (const w of settings.warnings) ctx.io.stderr.write(`warning: ${w}\n`);
  let scan;
  try {
    scan = engine.scanSyncFolder(options.syncDir, { types: engine.SNAPSHOT_SYNC_TYPES });
  } catch (error) {
    if (error instanceof engine.SyncFolderError) throw new UsageError(error.message);
    throw error;
  }
  for (const u of scan.unreadable) {
    ctx.io.stderr.write(`warning: unreadable, left out: ${u.file}: ${u.problem}\n`);
  }
  const fleetName = globals.fleet ?? settings.fleetName;
  // Without --history-dir the trend starts today, in a folder thrown away afterwards.
  const historyDir =
    options.historyDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "hybrid-fleet-history-"));
  try {
    const snapshot = await engine.localSnapshot({
      scan,
      settings,
      ...(fleetName ? { fleetName } : {}),
      now,
      historyDir,
    });
    let text = `${formatRiskSummary(snapshot)}\n`;
    if (options.out) {
      fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
      fs.writeFileSync(options.out, renderReport(snapshot));
      text += `\nReport: ${path.resolve(options.out)}\n`;
    }
    return { text, json: { source: "sync-dir", report: options.out ?? null, snapshot } };
  } finally {
    if (!options.historyDir) fs.rmSync(historyDir, { recursive: true, force: true });
  }
}

/** Registers `risk`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("risk")
    .description(
      "the risk summary: offline over a sync folder copy, or where the account's report is",
    )
    .option(
      "--sync-dir <dir>",
      "local copy of the sync prefix (aws s3 sync s3://<bucket>/<prefix> DIR)",
    )
    .option("--out <file>", "also write the HTML report here (with --sync-dir)")
    .option("--config <file>", "stack config (Pulumi.<stack>.yaml): controls, register, tag keys")
    .option("--history-dir <dir>", "keep the daily history here (Parquet), for the trend")
    .action(runAction<RiskOptions>(ctx, (o, g, c) => risk(o, g, c)));
}
