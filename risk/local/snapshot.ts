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
  type GlueTableSpec,
  glueTableSpec,
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
import { SyncDuckdb, type Row, type SyncDuckdbOptions } from "./duckdb";
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

/** Options of {@link openLocalEngine}. */
export interface LocalEngineOptions {
  /**
   * Above this many work rows the statements hand freed memory back at once.
   * @default FLUSH_ABOVE_WORK_ROWS
   */
  readonly flushAboveWorkRows?: number;
}

/** What a {@link LocalEngine} opens its DuckDB sessions over. */
interface EngineTables {
  /** The scratch folder that plays the bucket. */
  readonly scratch: string;
  /** The sync tables' specs (read by the copy only). */
  readonly sync: readonly GlueTableSpec[];
  /** The risk tables' specs: register, history and the work table. */
  readonly risk: readonly GlueTableSpec[];
  /** Unreadable sync files to leave out, and the history folder. */
  readonly options: SyncDuckdbOptions;
}

/**
 * Opens DuckDB over the scan (sync tables, register, history) in a scratch folder that
 * {@link LocalEngine.close} removes: the statements' session, and the copy's (see
 * {@link openSession}).
 */
export async function openLocalEngine(
  scan: SyncScan,
  settings: StackRiskSettings,
  historyDir: string,
  options: LocalEngineOptions = {},
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
    const tables: EngineTables = {
      scratch,
      sync: BUILTIN_INVENTORY_TYPES.filter((t) => SNAPSHOT_SYNC_TYPES.includes(t.typeName)).map(
        (t) => glueTableSpec(t, location),
      ),
      risk: riskGlueTableSpecs({ bucketName: BUCKET }),
      options: {
        exclude: scan.unreadable.map((u) => path.join(SYNC_PREFIX, ...u.file.split("/"))),
        historyDir,
      },
    };
    const db = await openSession(tables, "statements");
    try {
      const flushAbove = options.flushAboveWorkRows ?? FLUSH_ABOVE_WORK_ROWS;
      return new LocalEngine(tables, db, flushAbove, await openSession(tables, "copy"));
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
}

/**
 * One DuckDB session of the engine:
 * - `copy`: every table; the copy into the work table reads the sync files (so do the
 *   bench's bare scan and the statements built with `readSyncTables`);
 * - `statements`: the risk tables only (register, history, work table): the statements over
 *   the copy never read a sync file, and this session never lists one.
 *
 * The copy runs in its own session, closed before the statements run, because what DuckDB
 * gathers while reading many small files (per-file scan state, read buffers) otherwise stays
 * with the process: 50,000 machines held about 600 MiB after the copy in one session, about
 * 240 MiB once the copy's session was closed.
 */
async function openSession(tables: EngineTables, kind: "copy" | "statements"): Promise<SyncDuckdb> {
  const specs = kind === "copy" ? [...tables.sync, ...tables.risk] : tables.risk;
  const db = await SyncDuckdb.open(tables.scratch, BUCKET, DATABASE, specs, tables.options);
  try {
    // Row order means nothing without ORDER BY, and keeping it costs memory and time. Past
    // its memory limit (DuckDB's default, 80% of RAM) DuckDB spills to the scratch folder.
    await db.exec("SET preserve_insertion_order = false");
    await db.exec(
      `SET temp_directory = '${path.join(tables.scratch, "duckdb-spill").replace(/'/g, "''")}'`,
    );
    // The copy's peak is the snapshot's at scale (per-file state of many small files):
    // flushing as it goes kept 50,000 machines at 530 MiB instead of 846 MiB.
    if (kind === "copy") await handBackMemory(db, true);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Above this many rows in the work table the statements hand freed memory back at once.
 *
 * Their working set grows with the copy, about 500 bytes per work row: 50,000 machines
 * (815,000 rows) took about 420 MiB, 100,000 machines peaked at 1,140 MiB keeping freed
 * memory, about 910 MiB flushing. Flushing costs each statement about 0.1–0.2 s of fresh page
 * faults, whatever the fleet size: 10,000 machines (163,000 rows) took 1.86× the bare scan
 * flushing and 1.52× keeping it (`npm run bench -- risk`), with a peak under 400 MiB either
 * way. So small copies keep it (DuckDB's default) and large ones flush. (Measured before the
 * scoring step, when nine statements each computed the findings chain; the memory limit below
 * now bounds the statements too.)
 */
export const FLUSH_ABOVE_WORK_ROWS = 500_000;

/** Bytes of DuckDB memory the statements session may use per work row (see below). */
const STATEMENTS_BYTES_PER_WORK_ROW = 320;
/** The least DuckDB memory the statements session may use, in MiB. */
const STATEMENTS_MEMORY_FLOOR_MIB = 512;

/**
 * DuckDB's memory limit in the statements session after a copy of `rows` work rows, in MiB:
 * 320 bytes per work row, at least 512 MiB. Past it DuckDB spills to the scratch folder
 * instead of growing (https://duckdb.org/docs/stable/configuration/overview, `memory_limit`;
 * its default is 80 % of RAM).
 *
 * The scoring holds the whole findings chain at once, so its peak grows with the copy: at
 * 100,000 machines (1.63 million work rows) it took the process to 1,017 MiB without a limit,
 * above the copy's own peak (about 840 MiB). With 512 MiB it stayed under the copy's peak and
 * took 4.5 s instead of 6.2 s; 256 MiB (about 160 bytes per work row) also ran, and 128 MiB
 * failed with DuckDB's out-of-memory error. So the limit grows with the copy, at twice the
 * smallest measured limit that ran (fleets above 100,000 machines were not measured).
 */
export function statementsMemoryLimitMiB(rows: number): number {
  return Math.max(
    STATEMENTS_MEMORY_FLOOR_MIB,
    Math.ceil((rows * STATEMENTS_BYTES_PER_WORK_ROW) / (1024 * 1024)),
  );
}

/**
 * Whether DuckDB hands freed memory back to the system at once (flush thresholds of 8 MB,
 * purged by background threads) or keeps it for its next allocations (its defaults: 128 MB
 * per thread, 512 MB after a bulk free), in which case a statement's peak sits on what the
 * last one freed. Settings: https://duckdb.org/docs/stable/configuration/overview
 */
async function handBackMemory(db: SyncDuckdb, eager: boolean): Promise<void> {
  for (const setting of [
    "allocator_flush_threshold",
    "allocator_bulk_deallocation_flush_threshold",
  ]) {
    await db.exec(eager ? `SET ${setting} = '8MB'` : `RESET ${setting}`);
  }
  await db.exec(
    eager ? "SET allocator_background_threads = true" : "RESET allocator_background_threads",
  );
}

/** DuckDB over one sync folder, ready to run snapshots. */
export class LocalEngine {
  /** The snapshot time the scored table was last written for ({@link score}). */
  private scoredAt?: string;

  constructor(
    private readonly tables: EngineTables,
    /**
     * The session the snapshot's statements run in: the risk tables only (register, history,
     * work table), no sync table.
     */
    readonly db: SyncDuckdb,
    private readonly flushAboveWorkRows: number,
    /**
     * The copy's session: opened with the engine, so that listing the sync files is part of
     * opening; the copy closes it.
     */
    private copySession?: SyncDuckdb,
  ) {}

  /**
   * A new session over every table, sync tables included; the caller closes it. The copy
   * runs in one; so do statements that read the sync tables themselves.
   */
  openCopySession(): Promise<SyncDuckdb> {
    return openSession(this.tables, "copy");
  }

  /**
   * The snapshot's first step, as the function runs it: empties the work table, then copies
   * what the snapshot reads into it in one pass over the sync files. Returns the rows copied.
   *
   * The function runs `prepare`, one INSERT whose `UNION ALL` reads the four sync tables;
   * offline its branches run one after the other (`riskPrepareParts`), each appending its
   * own Parquet file, because DuckDB keeps some state for every file a scan reads until the
   * statement ends: this way it holds one table's files at a time, not all four. The copy
   * runs in a session of its own ({@link openCopySession}), closed when it is done.
   *
   * The scored table is emptied too (the function empties the whole work prefix): run
   * {@link score} next. The statements session's memory is then set for the copy's size
   * (allocator flush, {@link FLUSH_ABOVE_WORK_ROWS}; limit, {@link statementsMemoryLimitMiB}).
   */
  async prepare(ctx: RiskSqlContext): Promise<number> {
    const work = ctx.workTable ?? RISK_TABLE_NAMES.work;
    this.scoredAt = undefined;
    await this.db.clearTable(ctx.scoredTable ?? RISK_TABLE_NAMES.scored);
    const copy = this.copySession ?? (await this.openCopySession());
    this.copySession = undefined;
    let rows = 0;
    try {
      await copy.clearTable(work);
      for (const part of riskPrepareParts(ctx)) rows += await copy.insertInto(part);
    } finally {
      copy.close();
    }
    await this.db.refreshTable(work);
    await handBackMemory(this.db, rows > this.flushAboveWorkRows);
    await this.db.exec(`SET memory_limit = '${statementsMemoryLimitMiB(rows)}MiB'`);
    return rows;
  }

  /** Each sync table's columns that the snapshot reads (table name → columns, in table order). */
  usedColumns(ctx: RiskSqlContext): Map<string, string[]> {
    const { prepare } = riskStatements(ctx);
    const out = new Map<string, string[]>();
    for (const spec of this.tables.sync) {
      const columns = [...spec.storageDescriptor.columns, ...spec.partitionKeys].map((c) => c.name);
      out.set(
        spec.name,
        columns.filter((c) => new RegExp(`"${c}"`).test(prepare)),
      );
    }
    return out;
  }

  /**
   * The snapshot's second step, after {@link prepare}: scores the findings at `now` from the
   * work table into the scored table (risk/scored.ts), which the history INSERT and the
   * SELECTs at `now` read. Returns the rows written.
   */
  async score(ctx: RiskSqlContext, now: Date): Promise<number> {
    const at = snapshotTime(now);
    const rows = await this.db.insertInto(riskStatements(ctx).score, [at]);
    this.scoredAt = at;
    return rows;
  }

  /** The statements at `now` read the scored table: it must have been scored at `now`. */
  private checkScored(now: Date, step: string): void {
    const at = snapshotTime(now);
    if (this.scoredAt !== at) {
      throw new Error(
        `${step} at ${at} reads the findings scored at that time: run prepare, then score(ctx, ${at}) first` +
          (this.scoredAt === undefined ? "" : ` (they were scored at ${this.scoredAt})`),
      );
    }
  }

  /** Appends the snapshot at `now` to the history (as the Lambda's INSERT INTO does). */
  async appendHistory(ctx: RiskSqlContext, now: Date): Promise<number> {
    this.checkScored(now, "appendHistory");
    return this.db.insertInto(riskStatements(ctx).appendHistory, [snapshotTime(now)]);
  }

  /** Runs every SELECT of the snapshot at `now`; rows by query key. */
  async selectRows(ctx: RiskSqlContext, now: Date): Promise<Record<SnapshotQueryKey, Row[]>> {
    this.checkScored(now, "selectRows");
    const { selects } = riskStatements(ctx);
    const rows = {} as Record<SnapshotQueryKey, Row[]>;
    for (const key of Object.keys(SNAPSHOT_COLUMNS) as SnapshotQueryKey[]) {
      rows[key] = await this.db.rows(selects[key], [snapshotTime(now)]);
    }
    return rows;
  }

  /** The folder of the work table's Parquet files (inside the scratch folder). */
  get workFolder(): string {
    return this.db.tableFolder(RISK_TABLE_NAMES.work);
  }

  /** The folder of the scored table's Parquet files (inside the scratch folder). */
  get scoredFolder(): string {
    return this.db.tableFolder(RISK_TABLE_NAMES.scored);
  }

  /** Closes DuckDB and removes the scratch folder (never the sync or history folder). */
  close(): void {
    this.copySession?.close();
    this.db.close();
    fs.rmSync(this.tables.scratch, { recursive: true, force: true });
  }
}

/**
 * Takes one snapshot: copies the sync data into the work table, scores the findings from it,
 * appends the snapshot to the history, then runs the SELECTs (so the trend ends
 * with this snapshot) and assembles the result with the scan's unreadable files.
 */
export async function localSnapshot(input: LocalSnapshotInput): Promise<RiskSnapshot> {
  const engine = await openLocalEngine(input.scan, input.settings, input.historyDir);
  try {
    const ctx = localSqlContext(input.settings, input.fleetName);
    await engine.prepare(ctx);
    await engine.score(ctx, input.now);
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
