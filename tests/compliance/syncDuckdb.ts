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
import * as path from "node:path";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { GlueTableSpec } from "../../components/sync/complianceSync.sql";

/**
 * Trino's `from_iso8601_timestamp`: ISO 8601 only (`T` between date and time, optional
 * seconds, fraction and zone; a missing zone is the session's), an error for anything else.
 * DuckDB's own cast would also take `2026-03-01 10:00:00` and other forms Athena rejects.
 */
const FROM_ISO8601_TIMESTAMP = `CREATE MACRO from_iso8601_timestamp(s) AS CASE
  WHEN s IS NULL THEN NULL
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

/** An in-memory DuckDB with the sync tables defined over `root` (which plays `s3://bucket/`). */
export class SyncDuckdb {
  private constructor(private readonly connection: DuckDBConnection) {}

  /** Opens DuckDB and defines the database schema and one view per table spec. */
  static async open(
    root: string,
    bucketName: string,
    database: string,
    specs: readonly GlueTableSpec[],
  ): Promise<SyncDuckdb> {
    const instance = await DuckDBInstance.create(":memory:");
    const db = new SyncDuckdb(await instance.connect());
    await db.exec(`CREATE SCHEMA ${database}`);
    await db.exec("SET TimeZone = 'UTC'");
    await db.exec(FROM_ISO8601_TIMESTAMP);
    // Trino's regexp_like, like DuckDB's regexp_matches, matches anywhere in the string.
    await db.exec("CREATE MACRO regexp_like(s, pattern) AS regexp_matches(s, pattern)");
    await db.exec("CREATE MACRO to_unixtime(t) AS epoch(t)");
    await db.exec(
      `CREATE MACRO ci_get(j, name) AS json_extract_string(j, '$."' || list_filter(json_keys(j), k -> lower(k) = name)[1] || '"')`,
    );
    for (const spec of specs) await db.defineTable(root, bucketName, database, spec);
    return db;
  }

  private async defineTable(
    root: string,
    bucketName: string,
    database: string,
    spec: GlueTableSpec,
  ): Promise<void> {
    const bucketUrl = `s3://${bucketName}/`;
    const folders = projectedLocations(spec).map((l) => {
      if (!l.startsWith(bucketUrl)) throw new Error(`${l} is not in ${bucketUrl}`);
      return path.join(root, ...l.slice(bucketUrl.length).split("/"));
    });
    const existing = folders.filter(
      (f) => fs.existsSync(f) && fs.readdirSync(f).some((n) => n.endsWith(".json")),
    );
    const columns = spec.storageDescriptor.columns.map((c) => c.name);
    const partitions = spec.partitionKeys.map((k) => k.name);
    const name = `${database}.${spec.name}`;
    if (existing.length === 0) {
      const nulls = [...columns, ...partitions].map((c) => `CAST(NULL AS VARCHAR) AS "${c}"`);
      await this.exec(`CREATE VIEW ${name} AS SELECT ${nulls.join(", ")} WHERE false`);
      return;
    }
    const globs = existing.map((f) => `'${path.join(f, "*.json").replace(/'/g, "''")}'`);
    const serde = spec.storageDescriptor.serDeInfo;
    if (serde.serializationLibrary !== "org.openx.data.jsonserde.JsonSerDe") {
      throw new Error(
        `harness only emulates the OpenX JSON SerDe, not ${serde.serializationLibrary}`,
      );
    }
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
      `CREATE VIEW ${name} AS SELECT ${select.join(", ")} FROM read_json_objects([${globs.join(", ")}], ` +
        `format = 'newline_delimited', hive_partitioning = true, hive_types_autocast = false)`,
    );
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

  /** Closes the connection. */
  close(): void {
    this.connection.closeSync();
  }
}
