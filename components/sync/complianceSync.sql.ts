/**
 * Pure builders for the query side of {@link ComplianceSync}: Glue table definitions for the
 * Resource Data Sync layout (explicit columns, partition projection) and the Athena SQL of
 * every view and saved query.
 *
 * The SQL sticks to what both Athena (Trino) and DuckDB accept, so the tests run exactly the
 * text that is deployed. The only Trino functions used that DuckDB lacks are
 * `from_iso8601_timestamp`, `to_unixtime` and `regexp_like`; the tests define DuckDB macros
 * with those names and Trino's meaning, and parse every statement with a Trino grammar.
 *
 * Athena engine v3's functions are Trino's
 * (https://docs.aws.amazon.com/athena/latest/ug/functions-env3.html). Where the engines part,
 * the SQL says exactly what it means instead of relying on either:
 * - counts: `try_cast('3.0' AS integer)` is 3 in DuckDB and NULL in Trino (likewise `' 3 '`
 *   and `'1e2'`), so a count is cast only when it is plain digits ({@link countSql});
 * - percentages: `100.0 * a / b` is DECIMAL (rounded at scale 1) in Trino and DOUBLE in
 *   DuckDB, so the arithmetic is DOUBLE from the start;
 * - times: ISO strings do not sort as times (`…:00Z` > `…:00.123Z`), so the newest capture is
 *   chosen by its parsed timestamp (`max_by`), never by `max()` over the string.
 */

/** Partition columns of every sync table, in key order (`accountid=/region=/resourcetype=`). */
export const SYNC_PARTITION_KEYS = ["accountid", "region", "resourcetype"] as const;

/** The only `resourcetype=` value Resource Data Sync writes for managed nodes. */
export const RESOURCE_TYPE_PARTITION_VALUE = "ManagedInstanceInventory";

/** Metadata every sync line carries besides the type's own attributes (casing varies). */
export const SYNC_METADATA_COLUMNS = ["resourceid", "capturetime", "schemaversion"] as const;

/** An inventory type to catalogue: its type name and its attribute columns (lower case). */
export interface InventoryTypeSpec {
  /** Inventory type name as it appears in the key, e.g. `AWS:Tag`, `Custom:Antivirus`. */
  readonly typeName: string;
  /**
   * Attribute columns in lower case, without the metadata columns
   * ({@link SYNC_METADATA_COLUMNS}), which are appended to every table.
   */
  readonly columns: readonly string[];
}

/**
 * The built-in types the queries read, with the attributes AWS documents for them
 * (sysman-inventory-schema.md) cross-checked with the columns a Glue crawler inferred from real
 * sync data (aws-samples quicksight.yaml). `AWS:InstanceInformation` deliberately has no
 * `resourcetype` column: its `ResourceType` attribute collides with the partition of the same
 * name, which is what breaks crawled tables; the queries derive the machine type from the ID.
 */
export const BUILTIN_INVENTORY_TYPES: readonly InventoryTypeSpec[] = [
  {
    typeName: "AWS:ComplianceItem",
    columns: [
      "compliancetype",
      "executionid",
      "executiontype",
      "executiontime",
      "id",
      "title",
      "status",
      "severity",
      "documentname",
      "documentversion",
      "classification",
      "patchbaselineid",
      "patchseverity",
      "patchstate",
      "patchgroup",
      "installedtime",
      "installoverridelist",
      "detailedtext",
      "detailedlink",
      "cveids",
    ],
  },
  {
    typeName: "AWS:ComplianceSummary",
    columns: [
      "compliancetype",
      "patchgroup",
      "patchbaselineid",
      "status",
      "overallseverity",
      "executionid",
      "executiontype",
      "executiontime",
      "compliantcriticalcount",
      "complianthighcount",
      "compliantmediumcount",
      "compliantlowcount",
      "compliantinformationalcount",
      "compliantunspecifiedcount",
      "noncompliantcriticalcount",
      "noncomplianthighcount",
      "noncompliantmediumcount",
      "noncompliantlowcount",
      "noncompliantinformationalcount",
      "noncompliantunspecifiedcount",
    ],
  },
  {
    typeName: "AWS:InstanceInformation",
    columns: [
      "agenttype",
      "agentversion",
      "computername",
      "instanceid",
      "ipaddress",
      "platformname",
      "platformtype",
      "platformversion",
      "agentstatus",
      "instancestatus",
    ],
  },
  { typeName: "AWS:Tag", columns: ["key", "value"] },
  {
    typeName: "AWS:PatchSummary",
    columns: [
      "patchgroup",
      "baselineid",
      "snapshotid",
      "ownerinformation",
      "installedcount",
      "installedpendingrebootcount",
      "installedothercount",
      "installedrejectedcount",
      "notapplicablecount",
      "unreportednotapplicablecount",
      "missingcount",
      "failedcount",
      "operationtype",
      "operationstarttime",
      "operationendtime",
      "installoverridelist",
      "rebootoption",
      "lastnorebootinstalloperationtime",
      "executionid",
      "noncompliantseverity",
      "securitynoncompliantcount",
      "criticalnoncompliantcount",
      "othernoncompliantcount",
    ],
  },
];

const TYPE_NAME = /^(AWS|Custom):[A-Za-z0-9_]{1,100}$/;
const COLUMN_NAME = /^[a-z][a-z0-9_]{0,127}$/;
const RESERVED_COLUMNS = new Set<string>([...SYNC_PARTITION_KEYS, ...SYNC_METADATA_COLUMNS]);

/**
 * What is wrong with an inventory type spec, as the tail of a message that starts with the
 * field (`.typeName "X" must…`), or undefined when it is fine. Column names must be lower
 * case because the SerDe lower-cases JSON keys before matching them.
 */
export function inventoryTypeProblem(spec: InventoryTypeSpec): string | undefined {
  if (!TYPE_NAME.test(spec.typeName)) {
    return `.typeName "${spec.typeName}" must be AWS:<Name> or Custom:<Name> (letters, digits, _)`;
  }
  if (spec.columns.length === 0) return ".columns must list at least one attribute column";
  const seen = new Set<string>();
  for (const c of spec.columns) {
    if (!COLUMN_NAME.test(c)) {
      return `.columns "${c}" must be lower case: a letter, then letters, digits or _ (≤128)`;
    }
    if (RESERVED_COLUMNS.has(c)) {
      return (
        `.columns "${c}" is reserved (partitions accountid, region, resourcetype; ` +
        `metadata resourceid, capturetime, schemaversion are added automatically)`
      );
    }
    if (seen.has(c)) return `.columns "${c}" is listed twice`;
    seen.add(c);
  }
  return undefined;
}

/** Glue/Athena table name for an inventory type: `AWS:ComplianceItem` → `aws_complianceitem`. */
export function tableNameFor(typeName: string): string {
  return typeName.replace(":", "_").toLowerCase();
}

/** Where the sync writes and which partitions Athena should project. */
export interface SyncLocation {
  /** Bucket name. */
  readonly bucketName: string;
  /** Key prefix without leading or trailing `/`. */
  readonly prefix: string;
  /** Values of the `accountid=` partition (enum projection). */
  readonly accountIds: readonly string[];
  /** Values of the `region=` partition (enum projection). */
  readonly regions: readonly string[];
}

/** Glue column types the tables use (the sync's tables are all `string`). */
export type GlueColumnType = "string" | "bigint" | "boolean";

/** A Glue catalog table as the component passes it to `aws.glue.CatalogTable`. */
export interface GlueTableSpec {
  readonly name: string;
  readonly description: string;
  readonly tableType: "EXTERNAL_TABLE";
  readonly parameters: Readonly<Record<string, string>>;
  readonly partitionKeys: readonly { readonly name: string; readonly type: "string" }[];
  readonly storageDescriptor: {
    readonly location: string;
    readonly inputFormat: string;
    readonly outputFormat: string;
    readonly serDeInfo: {
      readonly name: string;
      readonly serializationLibrary: string;
      readonly parameters: Readonly<Record<string, string>>;
    };
    readonly columns: readonly { readonly name: string; readonly type: GlueColumnType }[];
  };
}

/** `s3://bucket/prefix/<Type>/`: the table location (the sync writes one folder per type). */
export function typeLocation(loc: SyncLocation, typeName: string): string {
  const prefix = loc.prefix === "" ? "" : `${loc.prefix}/`;
  return `s3://${loc.bucketName}/${prefix}${typeName}/`;
}

/** A record with its keys sorted, so previews don't churn. */
export function sortedRecord(entries: [string, string][]): Record<string, string> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Hive's Parquet SerDe: the risk tables Athena writes with `INSERT INTO` are Parquet. */
export const PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";

/** The parameters of an external Snappy-compressed Parquet table, with `extra` (projection). */
export function parquetTableParameters(extra: [string, string][] = []): Record<string, string> {
  return sortedRecord([
    ["EXTERNAL", "TRUE"],
    ["classification", "parquet"],
    ["parquet.compression", "SNAPPY"],
    ...extra,
  ]);
}

/** The storage descriptor of a Parquet table at `location` (`s3://…/`). */
export function parquetStorage(
  location: string,
  columns: GlueTableSpec["storageDescriptor"]["columns"],
): GlueTableSpec["storageDescriptor"] {
  return {
    location,
    inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    serDeInfo: {
      name: "ParquetHiveSerDe",
      serializationLibrary: PARQUET_SERDE,
      parameters: sortedRecord([["serialization.format", "1"]]),
    },
    columns,
  };
}

/**
 * The Glue table for one inventory type.
 *
 * - Every column is `string`: the crawler typed even the counts as strings on real data, and
 *   the JSON carries them as strings or numbers; the SQL casts them with {@link countSql}.
 * - `org.openx.data.jsonserde.JsonSerDe` with `case.insensitive = TRUE` (its default, set
 *   explicitly): the SerDe lower-cases JSON keys, so `ResourceId`, `resourceId` and
 *   `resourceid` all land in column `resourceid`. No `mapping.*` entries are needed; they are
 *   only required when `case.insensitive` is FALSE.
 * - Partition projection with `enum` types for `accountid` and `region` (an `injected` column
 *   would make Athena reject every fleet-wide query that lacks `WHERE accountid = '…'`), and
 *   `storage.location.template` matching the sync's key layout, so no `MSCK REPAIR`. Only the
 *   projected `…/resourcetype=…/` folders are read, so the `test.json` probe that the sync drops
 *   under `accountid=<id>/` is never parsed.
 */
export function glueTableSpec(type: InventoryTypeSpec, loc: SyncLocation): GlueTableSpec {
  const location = typeLocation(loc, type.typeName);
  const enumValues = (values: readonly string[]): string => [...new Set(values)].sort().join(",");
  return {
    name: tableNameFor(type.typeName),
    description: `Resource Data Sync ${type.typeName} (one line per item, newline-delimited JSON)`,
    tableType: "EXTERNAL_TABLE",
    parameters: sortedRecord([
      ["EXTERNAL", "TRUE"],
      ["classification", "json"],
      ["projection.enabled", "true"],
      ["projection.accountid.type", "enum"],
      ["projection.accountid.values", enumValues(loc.accountIds)],
      ["projection.region.type", "enum"],
      ["projection.region.values", enumValues(loc.regions)],
      ["projection.resourcetype.type", "enum"],
      ["projection.resourcetype.values", RESOURCE_TYPE_PARTITION_VALUE],
      [
        "storage.location.template",
        `${location}accountid=\${accountid}/region=\${region}/resourcetype=\${resourcetype}`,
      ],
    ]),
    partitionKeys: SYNC_PARTITION_KEYS.map((name) => ({ name, type: "string" as const })),
    storageDescriptor: {
      location,
      inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
      outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
      serDeInfo: {
        name: "OpenXJsonSerDe",
        serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
        parameters: sortedRecord([
          ["case.insensitive", "TRUE"],
          ["serialization.format", "1"],
        ]),
      },
      columns: [...type.columns, ...SYNC_METADATA_COLUMNS].map((name) => ({
        name,
        type: "string" as const,
      })),
    },
  };
}

/** Names and filters the SQL is built from. */
export interface SqlContext {
  /** Glue database holding the sync tables (validated `^[a-z0-9_]+$`). */
  readonly database: string;
  /** Tag key that carries the compliance mode (`report` / `enforce`). */
  readonly modeTagKey: string;
  /** Tag key that carries the environment. */
  readonly environmentTagKey: string;
  /** Tag key that marks machines managed by a fleet. */
  readonly fleetTagKey: string;
  /** When set, every view and query only sees machines whose fleet tag has this value. */
  readonly fleetName?: string;
  /**
   * Relations read in place of sync tables (type name → a parenthesised SELECT returning the
   * table's columns that the statements use). The risk snapshot reads its one-pass copy of the
   * sync tables this way (risk/stage.ts); views leave it unset and read the tables.
   */
  readonly readFrom?: Readonly<Record<string, string>>;
}

/** A view (deployed as its `CREATE OR REPLACE VIEW` statement) or a saved query. */
export interface ComplianceQuery {
  /** Stable key: names the Pulumi resource and, for views, the view. */
  readonly key: string;
  /** Saved-query name shown in the Athena console. */
  readonly title: string;
  /** What the query answers (≤1024 characters, Athena's limit). */
  readonly description: string;
  /** Full SQL text as saved in Athena. */
  readonly sql: string;
  /** Names of the `?` execution parameters, in order. */
  readonly parameters: readonly string[];
}

/** A SQL string literal with quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const DATABASE_NAME = /^[a-z0-9_]{1,255}$/;

/**
 * `<database>.<table of the type>`, after checking the database name; or the relation
 * `ctx.readFrom` names for the type.
 */
export function table(ctx: SqlContext, typeName: string): string {
  if (!DATABASE_NAME.test(ctx.database)) {
    throw new Error(`database "${ctx.database}" must match ^[a-z0-9_]{1,255}$`);
  }
  return ctx.readFrom?.[typeName] ?? `${ctx.database}.${tableNameFor(typeName)}`;
}

/** Rows that belong to one machine in the same account and region. */
export function sameMachine(a: string, b: string): string {
  return `${a}.accountid = ${b}.accountid AND ${a}.region = ${b}.region AND ${a}.resourceid = ${b}.resourceid`;
}

/**
 * One row per machine (from AWS:InstanceInformation) with its environment, mode and fleet
 * from AWS:Tag. Untagged environment or mode reads `(untagged)` so that gaps show up in the
 * fleet view instead of vanishing. Hybrid nodes are recognised by their `mi-` ID.
 */
export function instanceContextSql(ctx: SqlContext): string {
  const fleetFilter =
    ctx.fleetName === undefined ? "" : `\nWHERE t.fleet = ${sqlString(ctx.fleetName)}`;
  return `SELECT
  i.accountid,
  i.region,
  i.resourceid,
  CASE WHEN i.resourceid LIKE 'mi-%' THEN 'ManagedInstance' ELSE 'EC2Instance' END AS machine_type,
  i.computername,
  i.platformtype,
  i.platformname,
  i.platformversion,
  i.ipaddress,
  i.agentversion,
  i.instancestatus,
  coalesce(t.environment, '(untagged)') AS environment,
  coalesce(t.compliance_mode, '(untagged)') AS compliance_mode,
  t.fleet,
  i.capturetime
FROM ${table(ctx, "AWS:InstanceInformation")} i
LEFT JOIN (
  SELECT
    accountid,
    region,
    resourceid,
    max(CASE WHEN "key" = ${sqlString(ctx.environmentTagKey)} THEN "value" END) AS environment,
    max(CASE WHEN "key" = ${sqlString(ctx.modeTagKey)} THEN "value" END) AS compliance_mode,
    max(CASE WHEN "key" = ${sqlString(ctx.fleetTagKey)} THEN "value" END) AS fleet
  FROM ${table(ctx, "AWS:Tag")}
  GROUP BY accountid, region, resourceid
) t ON ${sameMachine("t", "i")}${fleetFilter}`;
}

function withContext(ctx: SqlContext, extraCtes: string[], body: string): string {
  const ctes = [...extraCtes, `instance_context AS (\n${indent(instanceContextSql(ctx))}\n)`];
  return `WITH ${ctes.join(",\n")}\n${body}`;
}

/** Indents every line by two spaces (SQL nested in a CTE or subquery). */
export function indent(sql: string): string {
  return sql
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}

/** The machine of instance context `c` is not terminated. */
export const LIVE = "coalesce(c.instancestatus, '') <> 'Terminated'";

/**
 * A count column (a string in the sync's tables) as an integer, 0 unless it is 1–9 plain
 * digits. Trino's and DuckDB's casts disagree on `'3.0'`, `' 3 '` and `'1e2'`; checking the
 * text first gives both engines the same answer (and no overflow error).
 */
export function countSql(column: string): string {
  return `coalesce(CASE WHEN regexp_like(${column}, '^[0-9]{1,9}$') THEN CAST(${column} AS integer) END, 0)`;
}

/**
 * Fleet compliance by control × mode × environment: for each compliance type (control), how
 * many live machines in each mode and environment are compliant, from AWS:ComplianceSummary,
 * with the critical and high non-compliant item counts. Terminated machines are left out.
 */
export function fleetComplianceSelect(ctx: SqlContext): string {
  const compliant = "sum(CASE WHEN s.status = 'COMPLIANT' THEN 1 ELSE 0 END)";
  return withContext(
    ctx,
    [],
    `SELECT
  s.compliancetype AS control,
  c.compliance_mode,
  c.environment,
  count(*) AS machines,
  ${compliant} AS compliant,
  sum(CASE WHEN s.status = 'NON_COMPLIANT' THEN 1 ELSE 0 END) AS non_compliant,
  round(100 * CAST(${compliant} AS double) / count(*), 1) AS compliant_pct,
  sum(${countSql("s.noncompliantcriticalcount")}) AS critical_items,
  sum(${countSql("s.noncomplianthighcount")}) AS high_items
FROM ${table(ctx, "AWS:ComplianceSummary")} s
JOIN instance_context c ON ${sameMachine("s", "c")}
WHERE ${LIVE}
GROUP BY s.compliancetype, c.compliance_mode, c.environment`,
  );
}

/**
 * Non-compliant machines with their findings: one row per NON_COMPLIANT item of a live
 * machine (AWS:ComplianceItem), with the machine's name, environment and mode, and a
 * severity rank (1 = CRITICAL … 6 = UNSPECIFIED or unknown) for sorting.
 */
export function noncompliantFindingsSelect(ctx: SqlContext): string {
  return withContext(
    ctx,
    [],
    `SELECT
  c.accountid,
  c.region,
  c.resourceid,
  c.computername,
  c.environment,
  c.compliance_mode,
  i.compliancetype AS control,
  i.id AS finding_id,
  i.title,
  i.severity,
  CASE i.severity
    WHEN 'CRITICAL' THEN 1
    WHEN 'HIGH' THEN 2
    WHEN 'MEDIUM' THEN 3
    WHEN 'LOW' THEN 4
    WHEN 'INFORMATIONAL' THEN 5
    ELSE 6
  END AS severity_rank,
  i.executiontime
FROM ${table(ctx, "AWS:ComplianceItem")} i
JOIN instance_context c ON ${sameMachine("i", "c")}
WHERE i.status = 'NON_COMPLIANT' AND ${LIVE}`,
  );
}

/**
 * One machine's full picture, parameter 1 = its resource ID (`mi-…` or `i-…`): identity and
 * tags-derived context, every tag, each compliance type's summary, every compliance item
 * (compliant or not) and the patch summary, as `section, item, detail, status, severity` rows.
 */
export function machinePictureSql(ctx: SqlContext): string {
  const attrs: [string, string][] = [
    ["ComputerName", "computername"],
    ["MachineType", "machine_type"],
    ["AccountId", "accountid"],
    ["Region", "region"],
    ["PlatformType", "platformtype"],
    ["PlatformName", "platformname"],
    ["PlatformVersion", "platformversion"],
    ["IpAddress", "ipaddress"],
    ["AgentVersion", "agentversion"],
    ["InstanceStatus", "instancestatus"],
    ["Environment", "environment"],
    ["ComplianceMode", "compliance_mode"],
    ["CaptureTime", "capturetime"],
  ];
  const patch: [string, string][] = [
    ["MissingCount", "missingcount"],
    ["FailedCount", "failedcount"],
    ["InstalledCount", "installedcount"],
    ["InstalledPendingRebootCount", "installedpendingrebootcount"],
    ["CriticalNonCompliantCount", "criticalnoncompliantcount"],
    ["OperationType", "operationtype"],
    ["OperationEndTime", "operationendtime"],
    ["BaselineId", "baselineid"],
  ];
  const nul = "CAST(NULL AS varchar)";
  const parts: string[] = [
    ...attrs.map(
      ([item, col], n) =>
        `SELECT 1 AS section_order, ${n + 1} AS item_order, 'instance' AS section, '${item}' AS item, ` +
        `CAST(m.${col} AS varchar) AS detail, ${nul} AS status, ${nul} AS severity FROM machine m`,
    ),
    `SELECT 2, 0, 'tag', g."key", g."value", ${nul}, ${nul}
FROM ${table(ctx, "AWS:Tag")} g JOIN machine m ON ${sameMachine("g", "m")}`,
    `SELECT 3, 0, 'compliance', s.compliancetype, s.executiontime, s.status, s.overallseverity
FROM ${table(ctx, "AWS:ComplianceSummary")} s JOIN machine m ON ${sameMachine("s", "m")}`,
    `SELECT 4, 0, 'finding', ci.compliancetype || ' ' || ci.id, ci.title, ci.status, ci.severity
FROM ${table(ctx, "AWS:ComplianceItem")} ci JOIN machine m ON ${sameMachine("ci", "m")}`,
    ...patch.map(
      ([item, col], n) =>
        `SELECT 5, ${n + 1}, 'patch', '${item}', p.${col}, ${nul}, ${nul}
FROM ${table(ctx, "AWS:PatchSummary")} p JOIN machine m ON ${sameMachine("p", "m")}`,
    ),
  ];
  return `WITH instance_context AS (
${indent(instanceContextSql(ctx))}
),
machine AS (
  SELECT * FROM instance_context WHERE resourceid = CAST(? AS varchar)
)
SELECT section, item, detail, status, severity
FROM (
${indent(parts.join("\nUNION ALL\n"))}
) picture
ORDER BY section_order, item_order, item`;
}

/**
 * Machines not seen for N days, parameter 1 = N: last seen is the newest `capturetime` of the
 * machine's AWS:InstanceInformation and AWS:ComplianceSummary lines (inventory that did not
 * change is not re-sent, but every compliance scan rewrites the summary). Terminated machines
 * are included, with their status, because their files linger until the lifecycle rule
 * removes them.
 */
export function notSeenSql(ctx: SqlContext): string {
  return withContext(
    ctx,
    [
      `params AS (\n  SELECT CAST(? AS integer) AS days\n)`,
      `seen AS (
  SELECT accountid, region, resourceid, capturetime FROM ${table(ctx, "AWS:InstanceInformation")}
  UNION ALL
  SELECT accountid, region, resourceid, capturetime FROM ${table(ctx, "AWS:ComplianceSummary")}
)`,
      `last_seen AS (
  SELECT
    accountid,
    region,
    resourceid,
    max_by(capturetime, from_iso8601_timestamp(capturetime)) AS last_seen,
    max(from_iso8601_timestamp(capturetime)) AS last_seen_at
  FROM seen
  WHERE capturetime IS NOT NULL
  GROUP BY accountid, region, resourceid
)`,
    ],
    `SELECT
  c.accountid,
  c.region,
  c.resourceid,
  c.computername,
  c.environment,
  c.compliance_mode,
  c.instancestatus,
  l.last_seen,
  CAST(floor((to_unixtime(current_timestamp) - to_unixtime(l.last_seen_at)) / 86400) AS integer) AS days_since_seen
FROM instance_context c
JOIN last_seen l ON ${sameMachine("l", "c")}
CROSS JOIN params p
WHERE to_unixtime(l.last_seen_at) < to_unixtime(current_timestamp) - p.days * 86400
ORDER BY days_since_seen DESC, c.resourceid`,
  );
}

/** `CREATE OR REPLACE VIEW <db>.<name> AS <select>`. */
export function createViewSql(ctx: SqlContext, viewName: string, select: string): string {
  return `CREATE OR REPLACE VIEW ${ctx.database}.${viewName} AS\n${select}`;
}

/**
 * The views, as the DDL saved in Athena. They are not created at deploy time: run each once
 * (Athena console → Saved queries) after the first `pulumi up`, and again after an upgrade.
 */
export function complianceViews(ctx: SqlContext): ComplianceQuery[] {
  return [
    {
      key: "instance_context",
      title: "view: instance_context",
      description:
        "Creates view instance_context: one row per machine with environment, compliance mode and fleet from its tags.",
      sql: createViewSql(ctx, "instance_context", instanceContextSql(ctx)),
      parameters: [],
    },
    {
      key: "fleet_compliance_by_control",
      title: "view: fleet_compliance_by_control",
      description:
        "Creates view fleet_compliance_by_control: machines, compliant, non-compliant and % per control x mode x environment.",
      sql: createViewSql(ctx, "fleet_compliance_by_control", fleetComplianceSelect(ctx)),
      parameters: [],
    },
    {
      key: "noncompliant_findings",
      title: "view: noncompliant_findings",
      description:
        "Creates view noncompliant_findings: every NON_COMPLIANT item of a live machine with its context.",
      sql: createViewSql(ctx, "noncompliant_findings", noncompliantFindingsSelect(ctx)),
      parameters: [],
    },
  ];
}

/** The saved queries: self-contained (they do not need the views to exist). */
export function savedQueries(ctx: SqlContext): ComplianceQuery[] {
  return [
    {
      key: "fleet-compliance",
      title: "Fleet compliance by control x mode x environment",
      description:
        "For each control (compliance type), mode and environment: live machines, compliant, non-compliant, % compliant, critical and high items.",
      sql: `${fleetComplianceSelect(ctx)}\nORDER BY control, compliance_mode, environment`,
      parameters: [],
    },
    {
      key: "noncompliant-machines",
      title: "Non-compliant machines with their findings",
      description:
        "Every NON_COMPLIANT finding of a live machine, worst severity first, grouped by machine.",
      sql: `${noncompliantFindingsSelect(ctx)}\nORDER BY severity_rank, resourceid, control, finding_id`,
      parameters: [],
    },
    {
      key: "machine-picture",
      title: "One machine's full picture",
      description:
        "Parameter 1: the machine's resource ID in quotes, e.g. 'mi-0123456789abcdef0'. Identity, tags, compliance summaries, every compliance item and the patch summary.",
      sql: machinePictureSql(ctx),
      parameters: ["resourceId"],
    },
    {
      key: "not-seen",
      title: "Machines not seen for N days",
      description:
        "Parameter 1: N (days). Machines whose newest inventory or compliance capture is older than N days, oldest first.",
      sql: notSeenSql(ctx),
      parameters: ["days"],
    },
  ];
}
