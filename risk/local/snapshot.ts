/**
 * One risk snapshot offline: the statements the snapshot Lambda runs in Athena
 * (`riskStatements`), run unchanged in DuckDB over a local sync folder, then assembled into
 * the {@link RiskSnapshot} the report renders.
 *
 * DuckDB plays the bucket through a scratch folder: `sync/` is a link to the user's sync
 * folder (so nothing is written into it), `risk-register/` holds the register objects the
 * stack would write (`registerFiles`), the work table (risk/stage.ts) is Parquet in
 * `risk-work/`, and the history table reads and appends Parquet files in the history folder
 * (`day=YYYY-MM-DD/`), as Athena's `INSERT INTO` does in S3.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BUILTIN_INVENTORY_TYPES,
  glueTableSpec,
  tableNameFor,
} from "../../components/sync/complianceSync.sql";
import { assembleSnapshot } from "../assemble";
import { SNAPSHOT_COLUMNS, type RiskSnapshot, type SnapshotQueryKey } from "../model";
import { registerFiles } from "../register";
import {
  RISK_PREFIXES,
  RISK_TABLE_NAMES,
  riskGlueTableSpecs,
  riskPrepareParts,
  riskStatements,
} from "../sql";
import { STAGED_SYNC_TYPES } from "../stage";
import type { RiskSqlContext } from "../sql";
import type { StackRiskSettings } from "./config";
import { SyncDuckdb, type Row } from "./duckdb";
import type { SyncScan } from "./scan";

/** The sync types the snapshot's statements read (and the scanner checks). */
export const SNAPSHOT_SYNC_TYPES: readonly string[] = STAGED_SYNC_TYPES;

/** The stand-in bucket, database and sync prefix inside the scratch folder. */
const BUCKET = "local";
const DATABASE = "risk_local";
const SYNC_PREFIX = "sync";

/** What one offline snapshot needs. */
export interface LocalSnapshotInput {
  /** The scan of the sync folder (its readable files and the unreadable ones). */
  readonly scan: SyncScan;
  /** Controls, register, weights, stale days, top list, tag keys. */
  readonly settings: StackRiskSettings;
  /** Only machines whose fleet tag has this value; undefined: every machine. */
  readonly fleetName?: string;
  /** The snapshot time. */
  readonly now: Date;
  /** Folder of the Parquet history, read for the trend and appended to by this snapshot. */
  readonly historyDir: string;
}

/** The snapshot time as the statements take it: ISO 8601 UTC, whole seconds. */
export function snapshotTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The risk SQL context of an offline run. */
export function localSqlContext(
  settings: StackRiskSettings,
  fleetName: string | undefined,
): RiskSqlContext {
  return {
    database: DATABASE,
    modeTagKey: settings.modeTagKey,
    environmentTagKey: settings.environmentTagKey,
    fleetTagKey: settings.fleetTagKey,
    ...(fleetName === undefined ? {} : { fleetName }),
    controls: settings.controls,
    weights: settings.weights,
    staleDays: settings.staleDays,
    topMachines: settings.topMachines,
    acceptancesTable: RISK_TABLE_NAMES.acceptances,
    scopesTable: RISK_TABLE_NAMES.scopes,
    historyTable: RISK_TABLE_NAMES.history,
  };
}

/**
 * Opens DuckDB over the scan (sync tables, register, history) in a scratch folder that
 * {@link LocalEngine.close} removes.
 */
export async function openLocalEngine(
  scan: SyncScan,
  settings: StackRiskSettings,
  historyDir: string,
): Promise<LocalEngine> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "risk-local-"));
  try {
    // A junction on Windows needs no privilege; elsewhere the type is ignored.
    fs.symlinkSync(scan.root, path.join(scratch, SYNC_PREFIX), "junction");
    for (const [key, body] of Object.entries(registerFiles(settings.acceptances))) {
      const file = path.join(scratch, RISK_PREFIXES.register, ...key.split("/"));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, body);
    }
    const location = {
      bucketName: BUCKET,
      prefix: SYNC_PREFIX,
      accountIds: scan.accountIds,
      regions: scan.regions,
    };
    const specs = [
      ...BUILTIN_INVENTORY_TYPES.filter((t) => SNAPSHOT_SYNC_TYPES.includes(t.typeName)).map((t) =>
        glueTableSpec(t, location),
      ),
      ...riskGlueTableSpecs({ bucketName: BUCKET }),
    ];
    const db = await SyncDuckdb.open(scratch, BUCKET, DATABASE, specs, {
      exclude: scan.unreadable.map((u) => path.join(SYNC_PREFIX, ...u.file.split("/"))),
      historyDir,
    });
    // Row order means nothing without ORDER BY, and keeping it costs memory and time. Past
    // its memory limit (DuckDB's default, 80% of RAM) DuckDB spills to the scratch folder.
    await db.exec("SET preserve_insertion_order = false");
    // Freed memory goes back to the system only past DuckDB's allocator thresholds (128 MiB
    // per thread, 512 MiB after a bulk free, by default), so each statement's peak sat on the
    // last one's leftovers: 50,000 machines peaked at 846 MiB, 530 MiB with these. The price
    // is about 0.1 s per statement (10,000 machines: 1 s over the nine); a bulk threshold of
    // 128 MB kept that but let 100,000 machines peak at 1,359 MiB instead of 938.
    // Settings: https://duckdb.org/docs/stable/configuration/overview
    await db.exec("SET allocator_flush_threshold = '8MB'");
    await db.exec("SET allocator_bulk_deallocation_flush_threshold = '8MB'");
    await db.exec("SET allocator_background_threads = true");
    await db.exec(
      `SET temp_directory = '${path.join(scratch, "duckdb-spill").replace(/'/g, "''")}'`,
    );
    return new LocalEngine(db, scratch);
  } catch (err) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
}

/** DuckDB over one sync folder, ready to run snapshots. */
export class LocalEngine {
  constructor(
    /** The DuckDB stand-in (exposed for the bench's bare scan). */
    readonly db: SyncDuckdb,
    private readonly scratch: string,
  ) {}

  /**
   * The snapshot's first step, as the function runs it: empties the work table, then copies
   * what the snapshot reads into it in one pass over the sync files. Returns the rows copied.
   *
   * The function runs `prepare`, one INSERT whose `UNION ALL` reads the four sync tables;
   * offline its branches run one after the other (`riskPrepareParts`), each appending its
   * own Parquet file, because DuckDB keeps some state for every file a scan reads until the
   * statement ends: this way it holds one table's files at a time, not all four.
   */
  async prepare(ctx: RiskSqlContext): Promise<number> {
    await this.db.clearTable(ctx.workTable ?? RISK_TABLE_NAMES.work);
    let rows = 0;
    for (const part of riskPrepareParts(ctx)) rows += await this.db.insertInto(part);
    return rows;
  }

  /** Each sync table's columns that the snapshot reads (table name → columns). */
  async usedColumns(ctx: RiskSqlContext): Promise<Map<string, string[]>> {
    const { prepare } = riskStatements(ctx);
    const out = new Map<string, string[]>();
    for (const type of SNAPSHOT_SYNC_TYPES) {
      const table = tableNameFor(type);
      const columns = await this.db.rows(
        "SELECT column_name FROM information_schema.columns " +
          `WHERE table_schema = '${DATABASE}' AND table_name = '${table}' ORDER BY ordinal_position`,
      );
      out.set(
        table,
        columns.map((c) => String(c.column_name)).filter((c) => new RegExp(`"${c}"`).test(prepare)),
      );
    }
    return out;
  }

  /** Appends the snapshot at `now` to the history (as the Lambda's INSERT INTO does). */
  async appendHistory(ctx: RiskSqlContext, now: Date): Promise<number> {
    return this.db.insertInto(riskStatements(ctx).appendHistory, [snapshotTime(now)]);
  }

  /** Runs every SELECT of the snapshot at `now`; rows by query key. */
  async selectRows(ctx: RiskSqlContext, now: Date): Promise<Record<SnapshotQueryKey, Row[]>> {
    const { selects } = riskStatements(ctx);
    const rows = {} as Record<SnapshotQueryKey, Row[]>;
    for (const key of Object.keys(SNAPSHOT_COLUMNS) as SnapshotQueryKey[]) {
      rows[key] = await this.db.rows(selects[key], [snapshotTime(now)]);
    }
    return rows;
  }

  /** The folder of the work table's Parquet files (inside the scratch folder). */
  get workFolder(): string {
    return path.join(this.scratch, RISK_PREFIXES.work);
  }

  /** Closes DuckDB and removes the scratch folder (never the sync or history folder). */
  close(): void {
    this.db.close();
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}

/**
 * Takes one snapshot: copies the sync data into the work table, appends the snapshot to the
 * history, then runs the SELECTs (so the trend ends
 * with this snapshot) and assembles the result with the scan's unreadable files.
 */
export async function localSnapshot(input: LocalSnapshotInput): Promise<RiskSnapshot> {
  const engine = await openLocalEngine(input.scan, input.settings, input.historyDir);
  try {
    const ctx = localSqlContext(input.settings, input.fleetName);
    await engine.prepare(ctx);
    await engine.appendHistory(ctx, input.now);
    const rows = await engine.selectRows(ctx, input.now);
    return assembleSnapshot(rows, {
      fleet: input.fleetName ?? "(all)",
      capturedAt: snapshotTime(input.now),
      staleDays: input.settings.staleDays,
      weights: input.settings.weights,
      unreadableFiles: input.scan.unreadable,
    });
  } finally {
    engine.close();
  }
}
