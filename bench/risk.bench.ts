/**
 * The risk snapshot at fleet scale, in DuckDB over generated sample fleets (10k, 50k and 100k
 * machines × 30 compliance items; `RISK_BENCH_SIZES=1000,5000` to choose others):
 *
 * - time: the snapshot's statements (the one-pass copy into the work table, the scoring into
 *   the scored table, every SELECT, and the history INSERT) as a ratio to a bare scan of the same files in the same run: one
 *   SELECT per sync table that reads every line with the columns the snapshot uses (target
 *   ≤ 1.5×). Wall time and CPU time (user + system, every thread) are both printed: on a
 *   shared machine other work stretches wall time but hardly CPU time. Absolute times are
 *   context only;
 * - memory: the parent writes each fleet once; the bare scan and the snapshot then run in
 *   two child processes, one after the other over the same files (in the page cache), each
 *   reporting its own peak resident set (`maxRSS`); the snapshot's is the figure (target
 *   ≤ 1 GiB at 100k machines), with its RSS before DuckDB opened beside it;
 * - Athena cost: the bytes each statement would scan, per machine: the copy reads the JSON
 *   objects whole (no column pruning in JSON); the scoring reads the work table's Parquet,
 *   every other statement the scored table's, each counted once per statement and as the
 *   whole file, although Athena reads only the columns a statement names (Trino inlines CTEs,
 *   so the scoring may read its table more than once: its one column-pruned pass per use is
 *   not modelled). Athena bills $5 per TB scanned (https://aws.amazon.com/athena/pricing/).
 *
 * Not a prediction of Athena latency: Athena scans in parallel over many workers.
 */
import { execFileSync, spawn } from "node:child_process";
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

/** The generated fleet the children read (written once by the parent). */
interface Fleet {
  readonly root: string;
  readonly machines: number;
  readonly files: number;
  readonly bytes: number;
  readonly bytesByTable: Readonly<Record<string, number>>;
  readonly accountIds: readonly string[];
  readonly regions: readonly string[];
}

/** What the bare-scan child reports. */
interface BareResult {
  readonly bareScanMs: number;
  /** CPU time of every thread of the process (DuckDB's included) during the scan. */
  readonly bareScanCpuMs: number;
  readonly maxRssBytes: number;
}

/** What the snapshot child reports. */
interface SnapshotResult {
  /** The copy into the work table (the only pass over the sync files). */
  readonly prepareMs: number;
  /** Rows in the work table, and its Parquet bytes. */
  readonly workRows: number;
  readonly workBytes: number;
  /** The scoring into the scored table (the only pass over the work table), its rows and bytes. */
  readonly scoreMs: number;
  readonly scoredRows: number;
  readonly scoredBytes: number;
  readonly selectMs: Readonly<Record<string, number>>;
  readonly appendMs: number;
  /** CPU time of the copy, and of the whole snapshot (copy, scoring, SELECTs and INSERT). */
  readonly prepareCpuMs: number;
  readonly snapshotCpuMs: number;
  readonly rssBeforeDuckdbBytes: number;
  /** Peak RSS when the copy was done (the rest is the statements over the work table). */
  readonly maxRssAfterPrepareBytes: number;
  readonly maxRssBytes: number;
  /** Bytes Athena would scan per statement (tables it reads × their size). */
  readonly athenaBytes: Readonly<Record<string, number>>;
}

const NOW = new Date("2026-11-30T10:00:00Z");

function ms(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

/** User + system CPU time of the process since `since` (every thread: DuckDB runs in-process). */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
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

/** The engine over the fleet (the generator's own files: the scanner's check is not benched). */
async function engineOver(fleet: Fleet, historyDir: string) {
  const scan: SyncScan = {
    root: fleet.root,
    files: [],
    unreadable: [],
    types: [...SNAPSHOT_SYNC_TYPES],
    accountIds: fleet.accountIds,
    regions: fleet.regions,
    bytes: fleet.bytes,
  };
  const settings = { ...defaultRiskSettings(), ...sampleRiskConfig(NOW) };
  const engine = await openLocalEngine(scan, settings, historyDir);
  return { engine, ctx: localSqlContext(settings, "sample") };
}

/**
 * Child 1: the bare scan reads every line of every file once, with the columns the snapshot
 * uses: the least any engine must do to answer it.
 */
async function measureBareScan(fleet: Fleet): Promise<BareResult> {
  const history = fs.mkdtempSync(path.join(os.tmpdir(), "risk-bench-history-"));
  const { engine, ctx } = await engineOver(fleet, history);
  try {
    const bare = [...engine.usedColumns(ctx)].map(
      ([table, cols]) =>
        `SELECT count(*) AS n, ${cols.map((c) => `count("${c}")`).join(" + ")} AS v FROM ${ctx.database}.${table}`,
    );
    // The session the copy reads the sync files in, with its settings.
    const sync = await engine.openCopySession();
    try {
      const t = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      for (const sql of bare) await sync.rows(sql);
      return {
        bareScanMs: ms(t),
        bareScanCpuMs: cpuMs(cpu),
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      };
    } finally {
      sync.close();
    }
  } finally {
    engine.close();
    fs.rmSync(history, { recursive: true, force: true });
  }
}

/** Child 2: one snapshot, as `npm run risk` takes it: prepare, score, history INSERT, SELECTs. */
async function measureSnapshot(fleet: Fleet): Promise<SnapshotResult> {
  const history = fs.mkdtempSync(path.join(os.tmpdir(), "risk-bench-history-"));
  const rssBeforeDuckdbBytes = process.memoryUsage().rss;
  const { engine, ctx } = await engineOver(fleet, history);
  try {
    const statements = riskStatements(ctx);
    let t = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const workRows = await engine.prepare(ctx);
    const prepareMs = ms(t);
    const prepareCpuMs = cpuMs(cpu);
    const maxRssAfterPrepareBytes = process.resourceUsage().maxRSS * 1024;
    const workBytes = folderBytes(engine.workFolder);
    t = process.hrtime.bigint();
    const scoredRows = await engine.score(ctx, NOW);
    const scoreMs = ms(t);
    const scoredBytes = folderBytes(engine.scoredFolder);
    t = process.hrtime.bigint();
    await engine.appendHistory(ctx, NOW);
    const appendMs = ms(t);
    const selectMs: Record<string, number> = {};
    for (const key of Object.keys(SNAPSHOT_COLUMNS) as SnapshotQueryKey[]) {
      t = process.hrtime.bigint();
      await engine.db.rows(statements.selects[key], [snapshotTime(NOW)]);
      selectMs[key] = ms(t);
    }
    const snapshotCpuMs = cpuMs(cpu);
    const athenaBytes: Record<string, number> = {};
    const bytesOf: Record<string, number> = {
      ...fleet.bytesByTable,
      [RISK_TABLE_NAMES.work]: workBytes,
      [RISK_TABLE_NAMES.scored]: scoredBytes,
    };
    for (const [key, sql] of [
      ["prepare", statements.prepare],
      ["score", statements.score],
      ...Object.entries(statements.selects),
      ["appendHistory", statements.appendHistory],
    ]) {
      athenaBytes[key] = tablesRead(sql, ctx.database, Object.keys(bytesOf)).reduce(
        (n, table) => n + bytesOf[table],
        0,
      );
    }
    return {
      prepareMs,
      workRows,
      workBytes,
      scoreMs,
      scoredRows,
      scoredBytes,
      selectMs,
      appendMs,
      prepareCpuMs,
      snapshotCpuMs,
      rssBeforeDuckdbBytes,
      maxRssAfterPrepareBytes,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      athenaBytes,
    };
  } finally {
    engine.close();
    fs.rmSync(history, { recursive: true, force: true });
  }
}

/** Writes every dirty page to disk (`sync`); where there is no `sync` (Windows), nothing. */
function writeBack(): void {
  try {
    execFileSync("sync", { stdio: "ignore" });
  } catch {
    // No sync(1): the children may then share the machine with the write-back.
  }
}

function runChild<T>(kind: "bare" | "snapshot", fleetFile: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", __filename, `--${kind}`, fleetFile],
      { stdio: ["ignore", "pipe", "inherit"], cwd: path.join(__dirname, "..") },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`bench child ${kind} exited ${code}`));
      const line = out.trim().split("\n").pop() ?? "";
      resolve(JSON.parse(line) as T);
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
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "risk-bench-"));
    try {
      const t = process.hrtime.bigint();
      const written = writeSampleFleet(root, { machines: n, itemsPerMachine: ITEMS, now: NOW });
      const generateMs = ms(t);
      const fleet: Fleet = {
        root,
        machines: n,
        files: written.files,
        bytes: Object.values(written.bytesByType).reduce((a, b) => a + b, 0),
        bytesByTable: Object.fromEntries(
          Object.entries(written.bytesByType).map(([type, bytes]) => [tableNameFor(type), bytes]),
        ),
        accountIds: written.accountIds,
        regions: written.regions,
      };
      const fleetFile = path.join(root, "..", `${path.basename(root)}.json`);
      fs.writeFileSync(fleetFile, JSON.stringify(fleet));
      // The generator just wrote the files, so they are in the page cache for both children.
      // They go to disk first, so that neither child shares the machine with the kernel
      // writing them back.
      writeBack();
      const b = await runChild<BareResult>("bare", fleetFile);
      const r = await runChild<SnapshotResult>("snapshot", fleetFile);
      fs.rmSync(fleetFile, { force: true });
      report(fleet, generateMs, b, r);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
}

function report(fleet: Fleet, generateMs: number, b: BareResult, r: SnapshotResult): void {
  const n = fleet.machines;
  const selects = sum(r.selectMs);
  const snapshot = r.prepareMs + r.scoreMs + selects + r.appendMs;
  const athenaTotal = sum(r.athenaBytes);
  const x = (t: number) => `${(t / b.bareScanMs).toFixed(2)} x`;
  console.log(
    `\n${n} machines: ${fleet.files} files, ${(fleet.bytes / MIB).toFixed(0)} MiB ` +
      `(generated in ${(generateMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `  bare scan of the 4 sync tables   ${(b.bareScanMs / 1000).toFixed(2)} s = 1.00 ` +
      `(CPU ${(b.bareScanCpuMs / 1000).toFixed(2)} s; peak RSS ${(b.maxRssBytes / MIB).toFixed(0)} MiB)`,
  );
  console.log(
    `    ${"prepare (work table)".padEnd(22)} ${x(r.prepareMs)} ` +
      `(${r.workRows} rows, ${(r.workBytes / MIB).toFixed(1)} MiB Parquet)`,
  );
  console.log(
    `    ${"score (scored table)".padEnd(22)} ${x(r.scoreMs)} ` +
      `(${r.scoredRows} rows, ${(r.scoredBytes / MIB).toFixed(1)} MiB Parquet)`,
  );
  for (const [key, t] of Object.entries(r.selectMs)) console.log(`    ${key.padEnd(22)} ${x(t)}`);
  console.log(`    ${"appendHistory".padEnd(22)} ${x(r.appendMs)}`);
  const cpuX = (t: number) => `${(t / b.bareScanCpuMs).toFixed(2)} x`;
  console.log(
    `  snapshot total (prepare + score + 8 SELECTs + INSERT) ${x(snapshot)} bare scan ` +
      `(${(snapshot / 1000).toFixed(2)} s)`,
  );
  console.log(
    `  CPU time (all threads; steadier than wall time on a shared machine): snapshot ` +
      `${cpuX(r.snapshotCpuMs)} bare scan, prepare ${cpuX(r.prepareCpuMs)}`,
  );
  console.log(
    `  snapshot peak RSS ${(r.maxRssBytes / MIB).toFixed(0)} MiB ` +
      `(before DuckDB ${(r.rssBeforeDuckdbBytes / MIB).toFixed(0)} MiB, ` +
      `after prepare ${(r.maxRssAfterPrepareBytes / MIB).toFixed(0)} MiB)`,
  );
  console.log(
    `  Athena bytes scanned per machine per snapshot: ${(athenaTotal / n / 1024).toFixed(1)} KiB ` +
      `(the JSON once: ${(fleet.bytes / n / 1024).toFixed(1)} KiB; the rest reads the work and scored tables' Parquet, whole-file upper bound); ` +
      `$${((athenaTotal / 1e12) * 5 * 24 * 30).toFixed(2)} per month at hourly snapshots`,
  );
}

if (require.main === module && ["--bare", "--snapshot"].includes(process.argv[2])) {
  const fleet = JSON.parse(fs.readFileSync(process.argv[3], "utf8")) as Fleet;
  (process.argv[2] === "--bare" ? measureBareScan(fleet) : measureSnapshot(fleet)).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
