/**
 * `npm run risk -- [options]`: the risk view offline. Runs the snapshot Lambda's SQL in
 * DuckDB over a local copy of the sync prefix (`aws s3 sync s3://<bucket>/<prefix> DIR`), prints
 * a terminal summary and writes the same HTML report the Lambda writes to S3. Without
 * `--sync-dir` it generates a sample fleet (with a few days of history) in a temporary
 * folder, so a newcomer sees a report in one command.
 *
 * Exit codes: 0 done (unreadable sync files are named, not fatal); 2 bad arguments, a
 * missing or empty sync folder, or an invalid stack file; 1 anything else (a bug or a DuckDB
 * failure), with its message.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStrictFlags } from "../../local/flags";
import { renderReport } from "../../report/render";
import type { RiskSnapshot } from "../model";
import { formatRiskSummary } from "../summary";
import {
  StackFileError,
  defaultRiskSettings,
  riskSettingsFromStackFile,
  type StackRiskSettings,
} from "./config";
import { SAMPLE_FLEET_NAME, sampleRiskConfig, writeSampleFleet } from "./sampleFleet";
import { SyncFolderError, scanSyncFolder } from "./scan";
import { SNAPSHOT_SYNC_TYPES, localSnapshot, localSqlContext, openLocalEngine } from "./snapshot";

/** The command line as the user typed it is wrong: say what, and exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parsed options of `npm run risk`. */
export interface RiskCliOptions {
  readonly syncDir?: string;
  readonly historyDir?: string;
  readonly out: string;
  readonly fleet?: string;
  readonly staleDays?: number;
  readonly now?: Date;
  readonly config?: string;
  readonly help: boolean;
}

/** Machines in the generated sample fleet. */
export const SAMPLE_MACHINES = 200;
/** Days of history the sample fleet comes with (one snapshot per day before today). */
export const SAMPLE_HISTORY_DAYS = 4;
/** Where the report goes without `--out`. */
export const DEFAULT_REPORT_FILE = "risk-report.html";

export const USAGE = `usage: npm run risk -- [--sync-dir DIR] [--history-dir DIR] [--out FILE] [--fleet NAME]
                       [--stale-days N] [--now ISO] [--config Pulumi.<stack>.yaml]

  --sync-dir DIR      local copy of the sync prefix (aws s3 sync s3://<bucket>/<prefix> DIR),
                      the folder holding AWS:<Type>/ folders. Default: a generated sample fleet
  --history-dir DIR   Parquet history (day=YYYY-MM-DD/): read for the trend, this snapshot is
                      appended. Default: a temporary folder
  --out FILE          HTML report to write. Default: ${DEFAULT_REPORT_FILE}
  --fleet NAME        only machines whose fleet tag has this value. Default: the sample's
                      fleet, else the stack file's fleetName, else every machine
  --stale-days N      data older than N days is unknown, and counts as risk (1-90).
                      Default: the stack file's risk.staleDays, else 7
  --now ISO           snapshot time, an ISO 8601 instant with a zone. Default: now
  --config FILE       stack file with controls and risk settings (acceptances, weights)
  --help              this text

exit codes: 0 done, 2 bad arguments or input, 1 failure`;

/** An ISO 8601 instant with a zone (what the statements' `?` and the model's times are). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses the arguments after `npm run risk --`; throws {@link UsageError}. */
export function parseRiskArgs(argv: readonly string[]): RiskCliOptions {
  const values = parseStrictFlags(
    argv,
    {
      "sync-dir": { type: "string" },
      "history-dir": { type: "string" },
      out: { type: "string" },
      fleet: { type: "string" },
      "stale-days": { type: "string" },
      now: { type: "string" },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    (message) => new UsageError(message),
  );
  const text = (name: string): string | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.trim() === "") {
      throw new UsageError(`--${name} needs a value`);
    }
    return v;
  };
  const staleText = text("stale-days");
  let staleDays: number | undefined;
  if (staleText !== undefined) {
    staleDays = Number(staleText);
    if (!/^[0-9]+$/.test(staleText) || staleDays < 1 || staleDays > 90) {
      throw new UsageError(
        `--stale-days must be a whole number of days from 1 to 90; got "${staleText}"`,
      );
    }
  }
  const nowText = text("now");
  let now: Date | undefined;
  if (nowText !== undefined) {
    now = new Date(nowText);
    if (!INSTANT.test(nowText) || Number.isNaN(now.getTime())) {
      throw new UsageError(
        `--now must be an ISO 8601 instant with a zone, e.g. 2026-11-30T10:00:00Z; got "${nowText}"`,
      );
    }
  }
  return {
    syncDir: text("sync-dir"),
    historyDir: text("history-dir"),
    out: text("out") ?? DEFAULT_REPORT_FILE,
    fleet: text("fleet"),
    staleDays,
    now,
    config: text("config"),
    help: values.help === true,
  };
}

/** Where the CLI writes and what time it is (tests pass their own). */
export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly clock: () => Date;
}

const DAY_MS = 86_400_000;

function hasHistory(dir: string): boolean {
  return fs.existsSync(dir) && fs.readdirSync(dir).some((d) => d.startsWith("day="));
}

/**
 * Writes the sample fleet as it was on each of the {@link SAMPLE_HISTORY_DAYS} days before
 * `now` and appends a snapshot of each to the history, then writes today's state.
 */
async function writeSampleWithHistory(
  syncDir: string,
  historyDir: string,
  settings: StackRiskSettings,
  fleetName: string | undefined,
  now: Date,
): Promise<void> {
  const ctx = localSqlContext(settings, fleetName);
  if (!hasHistory(historyDir)) {
    for (let daysAgo = SAMPLE_HISTORY_DAYS; daysAgo >= 1; daysAgo--) {
      writeSampleFleet(syncDir, { machines: SAMPLE_MACHINES, now, daysAgo });
      const scan = scanSyncFolder(syncDir, { types: SNAPSHOT_SYNC_TYPES });
      const engine = await openLocalEngine(scan, settings, historyDir);
      try {
        const at = new Date(now.getTime() - daysAgo * DAY_MS);
        await engine.prepare(ctx);
        await engine.score(ctx, at);
        await engine.appendHistory(ctx, at);
      } finally {
        engine.close();
      }
    }
  }
  writeSampleFleet(syncDir, { machines: SAMPLE_MACHINES, now });
}

/** Runs `npm run risk` with `argv`; resolves to the exit code. */
export async function runRiskCli(argv: readonly string[], io: CliIo): Promise<number> {
  const temps: string[] = [];
  const temp = (label: string): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `risk-${label}-`));
    temps.push(d);
    return d;
  };
  try {
    const options = parseRiskArgs(argv);
    if (options.help) {
      io.stdout(USAGE);
      return 0;
    }
    const now = options.now ?? io.clock();
    const sample = options.syncDir === undefined;
    let settings: StackRiskSettings;
    if (options.config !== undefined) {
      if (!fs.existsSync(options.config)) {
        throw new UsageError(`--config ${options.config} does not exist`);
      }
      settings = riskSettingsFromStackFile(
        fs.readFileSync(options.config, "utf8"),
        options.config,
        now,
      );
    } else if (sample) {
      settings = { ...defaultRiskSettings(), ...sampleRiskConfig(now) };
    } else {
      settings = defaultRiskSettings();
    }
    if (options.staleDays !== undefined) settings = { ...settings, staleDays: options.staleDays };
    for (const w of settings.warnings) io.stderr(`warning: ${w}`);
    // The sample's machines carry the sample's fleet tag, whatever a stack file names.
    const fleetName = options.fleet ?? (sample ? SAMPLE_FLEET_NAME : settings.fleetName);
    const historyDir = options.historyDir ?? temp("history");

    let syncDir: string;
    if (sample) {
      syncDir = temp("sample");
      io.stderr(
        `No --sync-dir: generating a sample fleet of ${SAMPLE_MACHINES} machines with ` +
          `${SAMPLE_HISTORY_DAYS} days of history in ${syncDir}`,
      );
      await writeSampleWithHistory(syncDir, historyDir, settings, fleetName, now);
    } else {
      syncDir = options.syncDir as string;
    }
    const scan = scanSyncFolder(syncDir, { types: SNAPSHOT_SYNC_TYPES });
    for (const u of scan.unreadable)
      io.stderr(`warning: unreadable, left out: ${u.file}: ${u.problem}`);
    const snapshot: RiskSnapshot = await localSnapshot({
      scan,
      settings,
      ...(fleetName === undefined ? {} : { fleetName }),
      now,
      historyDir,
    });
    io.stdout(formatRiskSummary(snapshot));
    fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    fs.writeFileSync(options.out, renderReport(snapshot));
    io.stdout("");
    io.stdout(`Report: ${path.resolve(options.out)}`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`risk: ${err.message}`);
      io.stderr(USAGE);
      return 2;
    }
    if (err instanceof SyncFolderError || err instanceof StackFileError) {
      io.stderr(`risk: ${err.message}`);
      return 2;
    }
    io.stderr(`risk: failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runRiskCli(process.argv.slice(2), {
    stdout: (l) => process.stdout.write(`${l}\n`),
    stderr: (l) => process.stderr.write(`${l}\n`),
    clock: () => new Date(),
  }).then((code) => {
    process.exitCode = code;
  });
}
