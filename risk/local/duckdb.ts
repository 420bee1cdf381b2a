/**
 * DuckDB stand-in for the Glue catalog: turns the GlueTableSpecs that the component deploys
 * into DuckDB views over a local sync folder, so the tests run the deployed SQL unchanged.
 *
 * What each piece plays:
 * - partition projection: the `storage.location.template` and the `projection.*.values`
 *   enums of each spec are expanded into the exact folders Athena would read; nothing else
 *   is read (so the `test.json` probe is skipped exactly as in Athena);
 * - hive partitions: DuckDB's `hive_partitioning` reads `accountid=/region=/resourcetype=`
 *   from those paths, as strings;
 * - the OpenX SerDe: each line is read as a JSON object; with `case.insensitive = TRUE` (the
 *   default) each column takes the value of the key whose lower-cased name equals it, with
 *   FALSE only the exact key or the `mapping.<column>` key; numbers come back as text, as in
 *   a `string` column;
 * - Trino functions DuckDB lacks: `from_iso8601_timestamp`, `to_unixtime` and `regexp_like`
 *   as macros with Trino's meaning;
 * - Athena's session: time zone UTC (DuckDB would take the machine's), so a time without a
 *   zone means the same in both.
 */
import * as fs from "node:fs";
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import {
  PARQUET_SERDE,
  type GlueColumnType,
  type GlueTableSpec,
} from "../../components/sync/complianceSync.sql";

/**
 * Trino's `from_iso8601_timestamp`: ISO 8601 only (`T` between date and time, optional
 * seconds, fraction and zone; a missing zone is the session's), an error for anything else.
 * DuckDB's own cast would also take `2026-03-01 10:00:00` and other forms Athena rejects.
 */
const FROM_ISO8601_TIMESTAMP = `CREATE MACRO from_iso8601_timestamp(s) AS CASE
  WHEN s IS NULL THEN NULL
  -- Seconds present, or a date alone (what SSM writes): cast as it is. The risk statements
  -- parse every capture time, so the rewrite below is kept for the rare time without seconds.
  WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?)?')
    THEN CAST(s AS TIMESTAMP WITH TIME ZONE)
  WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?')
    -- DuckDB's cast needs the seconds that ISO 8601 lets a time leave out.
    THEN CAST(regexp_replace(s, '^(.{10}T[0-9]{2}:[0-9]{2})(Z|[+-]|$)', '\\1:00\\2') AS TIMESTAMP WITH TIME ZONE)
  ELSE error('from_iso8601_timestamp: not an ISO 8601 timestamp: "' || s || '"')
END`;

/** A row with BigInts turned into numbers, so expected rows can be written plainly. */
export type Row = Record<string, string | number | boolean | null>;

function plain(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") {
    return value;
  }
  return String(value);
}

/** The projected folders of one table, as Athena computes them from the spec. */
export function projectedLocations(spec: GlueTableSpec): string[] {
  const template = spec.parameters["storage.location.template"];
  let locations = [template];
  for (const key of spec.partitionKeys.map((k) => k.name)) {
    if (spec.parameters[`projection.${key}.type`] !== "enum") {
      throw new Error(`harness only emulates enum projection, ${key} is not enum`);
    }
    const values = spec.parameters[`projection.${key}.values`].split(",");
    locations = locations.flatMap((l) => values.map((v) => l.split(`\${${key}}`).join(v)));
  }
  return locations;
}

/** Options of {@link SyncDuckdb.open}. */
export interface SyncDuckdbOptions {
  /**
   * Files to leave out (absolute, or relative to `root`): the offline CLI's scanner names the
   * malformed ones, which would otherwise fail the whole query.
   */
  readonly exclude?: readonly string[];
  /**
   * Folder of the Parquet history table (`<historyDir>/day=YYYY-MM-DD/*.parquet`).
   * @default the table location mapped below `root`
   */
  readonly historyDir?: string;
  /**
   * Folder of the unpartitioned Parquet tables' files (the snapshot's work tables), one
   * subfolder per table (`<workDir>/<table name>/`), so a read-only `root` (a committed
   * fixture) is never written to.
   * @default each table's location mapped below `root`
   */
  readonly workDir?: string;
}

const OPENX_JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe";

/** DuckDB's type for a Glue column type. */
const DUCKDB_TYPE: Readonly<Record<GlueColumnType, string>> = {
  string: "VARCHAR",
  bigint: "BIGINT",
  boolean: "BOOLEAN",
};

/** `CAST("<column>" AS <its DuckDB type>) AS "<column>"`. */
function typedColumn(c: { readonly name: string; readonly type: GlueColumnType }): string {
  return `CAST("${c.name}" AS ${DUCKDB_TYPE[c.type]}) AS "${c.name}"`;
}

function sqlPath(p: string): string {
  return `'${p.replace(/'/g, "''")}'`;
}

/**
 * An in-memory DuckDB with the sync tables defined over `root` (which plays `s3://bucket/`):
 * the partitioned sync tables and unpartitioned JSON tables (the risk register) through the
 * OpenX SerDe emulation, and Parquet tables partitioned by `day` (the risk history) read from
 * `<historyDir>/day=*\/*.parquet`.
 */
export class SyncDuckdb {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly root: string,
    private readonly bucketName: string,
    private readonly database: string,
    private readonly specs: readonly GlueTableSpec[],
    private readonly options: SyncDuckdbOptions,
  ) {}

  /** Opens DuckDB and defines the database schema and one view per table spec. */
  static async open(
    root: string,
    bucketName: string,
    database: string,
    specs: readonly GlueTableSpec[],
    options: SyncDuckdbOptions = {},
  ): Promise<SyncDuckdb> {
    const instance = await DuckDBInstance.create(":memory:");
    const db = new SyncDuckdb(
      instance,
      await instance.connect(),
      root,
      bucketName,
      database,
      specs,
      options,
    );
    await db.exec(`CREATE SCHEMA ${database}`);
    await db.exec("SET TimeZone = 'UTC'");
    await db.exec(FROM_ISO8601_TIMESTAMP);
    // Trino's regexp_like, like DuckDB's regexp_matches, matches anywhere in the string.
    await db.exec("CREATE MACRO regexp_like(s, pattern) AS regexp_matches(s, pattern)");
    await db.exec("CREATE MACRO to_unixtime(t) AS epoch(t)");
    await db.exec(
      `CREATE MACRO ci_get(j, name) AS json_extract_string(j, '$."' || list_filter(json_keys(j), k -> lower(k) = name)[1] || '"')`,
    );
    for (const spec of specs) await db.defineTable(spec);
    return db;
  }

  /** The local folder that plays an `s3://bucket/…` location. */
  private localFolder(location: string): string {
    const bucketUrl = `s3://${this.bucketName}/`;
    if (!location.startsWith(bucketUrl)) throw new Error(`${location} is not in ${bucketUrl}`);
    return path.join(this.root, ...location.slice(bucketUrl.length).split("/"));
  }

  private async defineTable(spec: GlueTableSpec): Promise<void> {
    const library = spec.storageDescriptor.serDeInfo.serializationLibrary;
    if (library === PARQUET_SERDE) return this.defineParquetTable(spec);
    if (library !== OPENX_JSON_SERDE) {
      throw new Error(`harness only emulates the OpenX JSON SerDe and Parquet, not ${library}`);
    }
    return this.defineJsonTable(spec);
  }

  private emptyView(spec: GlueTableSpec): Promise<void> {
    const nulls = [
      ...spec.storageDescriptor.columns.map(
        (c) => `CAST(NULL AS ${DUCKDB_TYPE[c.type]}) AS "${c.name}"`,
      ),
      ...spec.partitionKeys.map((k) => `CAST(NULL AS VARCHAR) AS "${k.name}"`),
    ];
    return this.exec(
      `CREATE OR REPLACE VIEW ${this.database}.${spec.name} AS SELECT ${nulls.join(", ")} WHERE false`,
    );
  }

  /** The folders a JSON table reads (its projected partitions, or its location). */
  private jsonFolders(spec: GlueTableSpec): string[] {
    const partitioned = spec.partitionKeys.length > 0;
    return (partitioned ? projectedLocations(spec) : [spec.storageDescriptor.location]).map((l) =>
      this.localFolder(l),
    );
  }

  private async defineJsonTable(spec: GlueTableSpec): Promise<void> {
    const partitioned = spec.partitionKeys.length > 0;
    const folders = this.jsonFolders(spec);
    const excluded = new Set((this.options.exclude ?? []).map((f) => path.resolve(this.root, f)));
    // A folder without excluded files is read by glob (one short path however many machines);
    // one with excluded files by its remaining files, named.
    const sources: string[] = [];
    for (const folder of folders) {
      if (!fs.existsSync(folder)) continue;
      const files = fs.readdirSync(folder).filter((n) => n.endsWith(".json"));
      const kept = files.filter((n) => !excluded.has(path.resolve(folder, n)));
      if (kept.length === 0) continue;
      if (kept.length === files.length) sources.push(sqlPath(path.join(folder, "*.json")));
      else sources.push(...kept.map((n) => sqlPath(path.join(folder, n))));
    }
    if (sources.length === 0) return this.emptyView(spec);
    const columns = spec.storageDescriptor.columns.map((c) => c.name);
    const partitions = spec.partitionKeys.map((k) => k.name);
    const serde = spec.storageDescriptor.serDeInfo;
    // OpenX: case.insensitive defaults to TRUE (keys lower-cased); when FALSE a column only
    // finds the key spelled exactly like it, or like its mapping.<column>.
    const insensitive = (serde.parameters["case.insensitive"] ?? "TRUE").toUpperCase() === "TRUE";
    const value = (c: string) =>
      insensitive
        ? `ci_get(json, '${c}')`
        : `json_extract_string(json, '$."${serde.parameters[`mapping.${c}`] ?? c}"')`;
    const select = [
      ...columns.map((c) => `${value(c)} AS "${c}"`),
      ...partitions.map((p) => `"${p}"`),
    ];
    await this.exec(
      `CREATE OR REPLACE VIEW ${this.database}.${spec.name} AS SELECT ${select.join(", ")} FROM read_json_objects([${sources.join(", ")}], ` +
        `format = 'newline_delimited', hive_partitioning = ${partitioned}, hive_types_autocast = false)`,
    );
  }

  /** The folder of a Parquet table, unless set apart (`historyDir`, `workDir`). */
  private parquetFolder(spec: GlueTableSpec): string {
    const folder = this.localFolder(spec.storageDescriptor.location);
    if (spec.partitionKeys.length > 0) return this.options.historyDir ?? folder;
    return this.options.workDir === undefined ? folder : path.join(this.options.workDir, spec.name);
  }

  /** The local folder of a Parquet table's files. */
  tableFolder(name: string): string {
    return this.parquetFolder(this.parquetSpec(name));
  }

  /** The Parquet files a table reads: `day=*\/*.parquet` when partitioned, else `*.parquet`. */
  private parquetGlob(spec: GlueTableSpec): { glob: string; hasFiles: boolean } {
    const folder = this.parquetFolder(spec);
    const partitioned = spec.partitionKeys.length > 0;
    const parquet = (dir: string) =>
      fs.existsSync(dir) && fs.readdirSync(dir).some((n) => n.endsWith(".parquet"));
    const hasFiles = partitioned
      ? fs.existsSync(folder) &&
        fs
          .readdirSync(folder)
          .filter((d) => d.startsWith("day="))
          .some((d) => parquet(path.join(folder, d)))
      : parquet(folder);
    const glob = partitioned
      ? path.join(folder, "day=*", "*.parquet")
      : path.join(folder, "*.parquet");
    return { glob, hasFiles };
  }

  private async defineParquetTable(spec: GlueTableSpec): Promise<void> {
    const partitions = spec.partitionKeys.map((k) => k.name).join(",");
    if (partitions !== "" && partitions !== "day") {
      throw new Error(
        `harness only emulates Parquet tables unpartitioned or partitioned by day, not ${spec.name}`,
      );
    }
    const { glob, hasFiles } = this.parquetGlob(spec);
    if (!hasFiles) return this.emptyView(spec);
    const columns = spec.storageDescriptor.columns.map(typedColumn);
    if (partitions === "day") columns.push("CAST(day AS VARCHAR) AS day");
    await this.exec(
      `CREATE OR REPLACE VIEW ${this.database}.${spec.name} AS SELECT ${columns.join(", ")} ` +
        `FROM read_parquet(${sqlPath(glob)}, hive_partitioning = ${partitions !== ""}, hive_types_autocast = false)`,
    );
  }

  /**
   * Reads a Parquet table's folder again, so files another session wrote there are seen
   * (a view over a folder with no files reads as empty until then).
   */
  async refreshTable(name: string): Promise<void> {
    await this.defineParquetTable(this.parquetSpec(name));
  }

  private parquetSpec(name: string): GlueTableSpec {
    const spec = this.specs.find((s) => s.name === name);
    if (!spec || spec.storageDescriptor.serDeInfo.serializationLibrary !== PARQUET_SERDE) {
      throw new Error(`no Parquet table ${name}`);
    }
    return spec;
  }

  /**
   * Removes a Parquet table's files (the snapshot function empties the work table's prefix
   * this way before each snapshot); the table then reads as empty.
   */
  async clearTable(name: string): Promise<void> {
    const spec = this.parquetSpec(name);
    fs.rmSync(this.parquetFolder(spec), { recursive: true, force: true });
    await this.defineParquetTable(spec);
  }

  /**
   * The offline `INSERT INTO <db>.<table> (columns) <query>` into a Parquet table: runs the
   * INSERT's own query with `params` and writes its rows as new Parquet files in the table's
   * folder (into `day=<value>/` folders when partitioned by day), as Athena writes new files
   * under the table location; then the table sees them. Returns the rows written.
   */
  async insertInto(insertSql: string, params: (string | number)[] = []): Promise<number> {
    const m = /^INSERT INTO ([a-z0-9_]+)\.([a-z0-9_]+) \(([^)]*)\)\n([\s\S]+)$/.exec(insertSql);
    if (!m)
      throw new Error(
        "insertInto takes INSERT INTO <db>.<table> (<columns>), a newline, then the query",
      );
    const [, database, name, columnList, query] = m;
    const spec = this.specs.find((s) => s.name === name);
    if (
      database !== this.database ||
      !spec ||
      spec.storageDescriptor.serDeInfo.serializationLibrary !== PARQUET_SERDE
    ) {
      throw new Error(`no Parquet table ${database}.${name}`);
    }
    const expected = [...spec.storageDescriptor.columns, ...spec.partitionKeys].map((c) => c.name);
    const columns = columnList.split(",").map((c) => c.trim());
    if (columns.join(",") !== expected.join(",")) {
      throw new Error(
        `INSERT columns ${columns.join(", ")} are not the table's ${expected.join(", ")}`,
      );
    }
    // Like Athena, by position into the table's columns and types; straight from the query
    // into Parquet, so a large INSERT streams instead of being held in memory.
    const typed = [...spec.storageDescriptor.columns, ...spec.partitionKeys].map(typedColumn);
    const select = `SELECT ${typed.join(", ")} FROM (${query}) AS q(${columns.map((c) => `"${c}"`).join(", ")})`;
    const folder = this.parquetFolder(spec);
    fs.mkdirSync(folder, { recursive: true });
    const target =
      spec.partitionKeys.length > 0
        ? `${sqlPath(folder)} (FORMAT PARQUET, PARTITION_BY (day), APPEND, FILENAME_PATTERN 'insert_{uuid}')`
        : `${sqlPath(path.join(folder, `insert_${randomUUID()}.parquet`))} (FORMAT PARQUET)`;
    const [{ Count: n }] = await this.rows(`COPY (${select}) TO ${target}`, params);
    await this.defineParquetTable(spec);
    return Number(n);
  }

  /** Runs a statement that returns nothing useful. */
  async exec(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Runs a query with `?` parameters and returns its rows with plain values. */
  async rows(sql: string, params: (string | number)[] = []): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, params.length ? params : undefined);
    return reader.getRowObjectsJS().map((r) => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) out[k] = plain(v);
      return out;
    });
  }

  /**
   * Closes the connection and the database. Closing the database flushes DuckDB's allocator
   * (its DatabaseInstance destructor), so what it held goes back to the system: after the
   * snapshot's copy at 50,000 machines, about 600 MiB became about 240 MiB.
   */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
