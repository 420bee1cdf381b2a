/**
 * The risk snapshot at fleet scale, in DuckDB over generated sample fleets (10k, 50k and 100k
 * machines × 30 compliance items; `RISK_BENCH_SIZES=1000,5000` to choose others):
 *
 * - time: the snapshot's statements (the one-pass copy into the work table, every SELECT,
 *   and the history INSERT) as a ratio to a bare scan of the same files in the same process:
 *   one SELECT per sync table that reads every line with the columns the snapshot uses
 *   (target ≤ 1.5×). Absolute times are context only;
 * - memory: each size runs in its own child process and reports its peak resident set
 *   (`maxRSS`), with the RSS before DuckDB opened (Node and the generator) beside it, so the
 *   difference is DuckDB's (target ≤ 1 GiB at 100k machines);
 * - Athena cost: the bytes each statement would scan, per machine: the copy reads the JSON
 *   objects whole (no column pruning in JSON); every other statement reads the work table's
 *   Parquet, counted here as the whole file although Athena reads only the columns a statement
 *   names (an upper bound). Athena bills $5 per TB scanned (https://aws.amazon.com/athena/pricing/).
 *
 * Not a prediction of Athena latency: Athena scans in parallel over many workers.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { tableNameFor } from "../components/sync/complianceSync.sql";
import { SNAPSHOT_COLUMNS, type SnapshotQueryKey } from "../risk/model";
import { sampleRiskConfig, writeSampleFleet } from "../risk/local/sampleFleet";
import { defaultRiskSettings } from "../risk/local/config";
import type { SyncScan } from "../risk/local/scan";
import {
  SNAPSHOT_SYNC_TYPES,
  localSqlContext,
  openLocalEngine,
  snapshotTime,
} from "../risk/local/snapshot";
import { RISK_TABLE_NAMES, riskStatements } from "../risk/sql";

/** One line for `npm run bench`. */
export const title =
  "risk snapshot in DuckDB over generated fleets x 30 items: time vs a bare scan, peak memory, Athena bytes per machine";

const ITEMS = 30;
const DEFAULT_SIZES = [10_000, 50_000, 100_000];
const MIB = 1024 * 1024;

/** What one child reports. */
interface SizeResult {
  readonly machines: number;
  readonly files: number;
  readonly bytes: number;
  readonly generateMs: number;
  readonly bareScanMs: number;
  /** The copy into the work table (the only pass over the sync files). */
  readonly prepareMs: number;
  /** Rows in the work table, and its Parquet bytes. */
  readonly workRows: number;
  readonly workBytes: number;
  readonly selectMs: Readonly<Record<string, number>>;
  readonly appendMs: number;
  readonly rssBeforeDuckdbBytes: number;
  readonly maxRssBytes: number;
  /** Bytes Athena would scan per statement (tables it reads × their size). */
  readonly athenaBytes: Readonly<Record<string, number>>;
}

function ms(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

/** The tables a statement reads, from its text. */
function tablesRead(sql: string, database: string, tables: readonly string[]): string[] {
  return tables.filter((name) => new RegExp(`\\b${database}\\.${name}\\b`).test(sql));
}

/** Bytes of the Parquet files in a folder. */
function folderBytes(folder: string): number {
  if (!fs.existsSync(folder)) return 0;
  return fs.readdirSync(folder).reduce((n, f) => n + fs.statSync(path.join(folder, f)).size, 0);
}

/** The child: generates one fleet, measures, prints one JSON line. */
async function measure(machines: number): Promise<SizeResult> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "risk-bench-"));
  const history = fs.mkdtempSync(path.join(os.tmpdir(), "risk-bench-history-"));
  try {
    const now = new Date("2026-11-30T10:00:00Z");
    let t = process.hrtime.bigint();
    const written = writeSampleFleet(root, { machines, itemsPerMachine: ITEMS, now });
    const generateMs = ms(t);
    const bytesByTable: Record<string, number> = {};
    for (const [type, bytes] of Object.entries(written.bytesByType)) {
      bytesByTable[tableNameFor(type)] = bytes;
    }
    // The files are the generator's own, so the scanner's check is not part of the bench.
    const scan: SyncScan = {
      root,
      files: [],
      unreadable: [],
      types: [...SNAPSHOT_SYNC_TYPES],
      accountIds: written.accountIds,
      regions: written.regions,
      bytes: Object.values(written.bytesByType).reduce((a, b) => a + b, 0),
    };
    const settings = { ...defaultRiskSettings(), ...sampleRiskConfig(now) };
    const rssBeforeDuckdbBytes = process.memoryUsage().rss;
    const engine = await openLocalEngine(scan, settings, history);
    try {
      const ctx = localSqlContext(settings, "sample");
      const statements = riskStatements(ctx);
      // The bare scan reads every line of every file once, with the columns the statements
      // use: the least any engine must do to answer the snapshot.
      const bare = [...(await engine.usedColumns(ctx))].map(
        ([table, cols]) =>
          `SELECT count(*) AS n, ${cols.map((c) => `count("${c}")`).join(" + ")} AS v FROM ${ctx.database}.${table}`,
      );
      const bareScan = async () => {
        for (const sql of bare) await engine.db.rows(sql);
      };
      // The generator just wrote the files, so they are in the page cache for both sides.
      t = process.hrtime.bigint();
      await bareScan();
      const bareScanMs = ms(t);
      t = process.hrtime.bigint();
      const workRows = await engine.prepare(ctx);
      const prepareMs = ms(t);
      const workBytes = folderBytes(engine.workFolder);
      t = process.hrtime.bigint();
      await engine.appendHistory(ctx, now);
      const appendMs = ms(t);
      const selectMs: Record<string, number> = {};
      for (const key of Object.keys(SNAPSHOT_COLUMNS) as SnapshotQueryKey[]) {
        t = process.hrtime.bigint();
        await engine.db.rows(statements.selects[key], [snapshotTime(now)]);
        selectMs[key] = ms(t);
      }
      const athenaBytes: Record<string, number> = {};
      const bytesOf: Record<string, number> = {
        ...bytesByTable,
        [RISK_TABLE_NAMES.work]: workBytes,
      };
      for (const [key, sql] of [
        ["prepare", statements.prepare],
        ...Object.entries(statements.selects),
        ["appendHistory", statements.appendHistory],
      ]) {
        athenaBytes[key] = tablesRead(sql, ctx.database, Object.keys(bytesOf)).reduce(
          (n, table) => n + bytesOf[table],
          0,
        );
      }
      return {
        machines,
        files: written.files,
        bytes: scan.bytes,
        generateMs,
        bareScanMs,
        prepareMs,
        workRows,
        workBytes,
        selectMs,
        appendMs,
        rssBeforeDuckdbBytes,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        athenaBytes,
      };
    } finally {
      engine.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(history, { recursive: true, force: true });
  }
}

function runChild(machines: number): Promise<SizeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", __filename, "--child", String(machines)],
      { stdio: ["ignore", "pipe", "inherit"], cwd: path.join(__dirname, "..") },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`bench child for ${machines} exited ${code}`));
      const line = out.trim().split("\n").pop() ?? "";
      resolve(JSON.parse(line) as SizeResult);
    });
  });
}

/** Sizes from `RISK_BENCH_SIZES` (comma-separated machine counts). */
export function benchSizes(env: string | undefined): number[] {
  if (env === undefined || env.trim() === "") return DEFAULT_SIZES;
  return env.split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`RISK_BENCH_SIZES must be whole numbers ≥ 1, comma-separated; got "${s}"`);
    }
    return n;
  });
}

function sum(values: Readonly<Record<string, number>>): number {
  return Object.values(values).reduce((a, b) => a + b, 0);
}

/** Runs each size in its own child process and prints the figures. */
export async function run(): Promise<void> {
  const sizes = benchSizes(process.env.RISK_BENCH_SIZES);
  console.log(
    `${ITEMS} items per machine; DuckDB threads = ${os.cpus().length} cores; targets: ` +
      "snapshot <= 1.5 x bare scan, peak RSS <= 1 GiB at 100k machines",
  );
  for (const n of sizes) {
    const r = await runChild(n);
    const selects = sum(r.selectMs);
    const snapshot = r.prepareMs + selects + r.appendMs;
    const athenaTotal = sum(r.athenaBytes);
    console.log(
      `\n${n} machines: ${r.files} files, ${(r.bytes / MIB).toFixed(0)} MiB ` +
        `(generated in ${(r.generateMs / 1000).toFixed(1)} s)`,
    );
    console.log(`  bare scan of the 4 sync tables   ${(r.bareScanMs / 1000).toFixed(2)} s = 1.00`);
    console.log(
      `    ${"prepare (work table)".padEnd(22)} ${(r.prepareMs / r.bareScanMs).toFixed(2)} x ` +
        `(${r.workRows} rows, ${(r.workBytes / MIB).toFixed(1)} MiB Parquet)`,
    );
    for (const [key, t] of Object.entries(r.selectMs)) {
      console.log(`    ${key.padEnd(22)} ${(t / r.bareScanMs).toFixed(2)} x`);
    }
    console.log(`    ${"appendHistory".padEnd(22)} ${(r.appendMs / r.bareScanMs).toFixed(2)} x`);
    console.log(
      `  snapshot total (prepare + 8 SELECTs + INSERT) ${(snapshot / r.bareScanMs).toFixed(2)} x bare scan ` +
        `(${(snapshot / 1000).toFixed(2)} s)`,
    );
    console.log(
      `  peak RSS ${(r.maxRssBytes / MIB).toFixed(0)} MiB ` +
        `(before DuckDB ${(r.rssBeforeDuckdbBytes / MIB).toFixed(0)} MiB)`,
    );
    console.log(
      `  Athena bytes scanned per machine per snapshot: ${(athenaTotal / n / 1024).toFixed(1)} KiB ` +
        `(the JSON once: ${(r.bytes / n / 1024).toFixed(1)} KiB; the rest reads the work table's Parquet, whole-file upper bound); ` +
        `$${((athenaTotal / 1e12) * 5 * 24 * 30).toFixed(2)} per month at hourly snapshots`,
    );
  }
}

if (require.main === module && process.argv[2] === "--child") {
  measure(Number(process.argv[3])).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
