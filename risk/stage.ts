/**
 * The snapshot's one pass over the sync data.
 *
 * Every snapshot SELECT needs the same machines, tags, capture times and NON_COMPLIANT items.
 * Read straight from the sync tables, each of the eight SELECTs and the history INSERT would
 * parse every JSON object again: Athena bills each pass (it reads JSON whole, with no column
 * pruning), and the offline engine spends its time there. So a snapshot first copies what the
 * statements use into one Parquet work table (`prepare`, one scan of each sync table), and
 * the statements read that copy (`stagedReads`) with the same CTEs as the views: the scoring
 * step (risk/scored.ts) reads it once, the SELECTs read what that step wrote.
 *
 * What the copy keeps, per sync table:
 * - `AWS:Tag`, `AWS:InstanceInformation`, `AWS:ComplianceSummary`: every row, only the
 *   columns the statements name;
 * - `AWS:ComplianceItem`: the NON_COMPLIANT items (the findings), and one row per machine,
 *   compliance type and capture time for the rest (the statements only ask the other items
 *   when their type was captured). COMPLIANT items are most of a fleet's items and tell
 *   nothing else.
 *
 * The work table is unpartitioned and holds one snapshot at a time: the snapshot function
 * empties the work prefix (this table's `copy/` folder and the scored table's `scored/`)
 * before `prepare` (functions/riskSnapshot), under a lock so two snapshots never share it. Athena runs `INSERT INTO … SELECT` into Parquet tables and writes new files
 * under the table location: https://docs.aws.amazon.com/athena/latest/ug/insert-into.html
 */
import {
  type GlueTableSpec,
  type SqlContext,
  indent,
  parquetStorage,
  parquetTableParameters,
  sqlString,
  table,
} from "../components/sync/complianceSync.sql";

/** One sync table's share of the work table: its rows' `source` and column mapping. */
interface StagedTable {
  /** The sync type read. */
  readonly typeName: string;
  /** The work table's `source` value for its rows. */
  readonly source: string;
  /** Work column → the sync table's column, as the statements name it. */
  readonly columns: Readonly<Record<string, string>>;
}

const MACHINE = { accountid: "accountid", region: "region", resourceid: "resourceid" };

/** The sync tables the snapshot reads, and the columns it uses of each. */
const STAGED: readonly StagedTable[] = [
  {
    typeName: "AWS:Tag",
    source: "tag",
    columns: { ...MACHINE, tag_key: "key", tag_value: "value" },
  },
  {
    typeName: "AWS:InstanceInformation",
    source: "instance",
    columns: {
      ...MACHINE,
      computername: "computername",
      platformtype: "platformtype",
      platformname: "platformname",
      platformversion: "platformversion",
      ipaddress: "ipaddress",
      agentversion: "agentversion",
      instancestatus: "instancestatus",
      capturetime: "capturetime",
    },
  },
  {
    typeName: "AWS:ComplianceSummary",
    source: "summary",
    columns: { ...MACHINE, compliancetype: "compliancetype", capturetime: "capturetime" },
  },
  {
    typeName: "AWS:ComplianceItem",
    source: "item",
    columns: {
      ...MACHINE,
      compliancetype: "compliancetype",
      capturetime: "capturetime",
      id: "id",
      title: "title",
      severity: "severity",
      status: "status",
    },
  },
];

/** Columns of the work table, in order (all `string`). */
export const WORK_COLUMNS: readonly string[] = [
  "source",
  ...new Set(STAGED.flatMap((s) => Object.keys(s.columns))),
];

/** The sync types the snapshot reads. */
export const STAGED_SYNC_TYPES: readonly string[] = STAGED.map((s) => s.typeName);

function quoted(column: string): string {
  return `"${column}"`;
}

/** One sync table's rows as work-table rows (every work column, NULL where it has none). */
function stageSelect(staged: StagedTable, from: string): string {
  const values = WORK_COLUMNS.map((c) => {
    if (c === "source") return `${sqlString(staged.source)} AS source`;
    const column = staged.columns[c];
    return column === undefined ? `CAST(NULL AS varchar) AS ${c}` : `${quoted(column)} AS ${c}`;
  });
  return `SELECT ${values.join(", ")}\nFROM ${from}`;
}

/**
 * The items worth keeping: every NON_COMPLIANT item, and the others folded into one row per
 * machine, compliance type and capture time (ID, title, severity and status NULL). Folding
 * groups on the text as read, so it needs no timestamp parsing. An item is one per machine,
 * type and ID, as SSM stores it (PutComplianceItems replaces a type's items by ID), so the
 * GROUP BY never folds two findings.
 */
function keptItems(ctx: SqlContext): string {
  const item = STAGED.find((s) => s.typeName === "AWS:ComplianceItem");
  if (!item) throw new Error("AWS:ComplianceItem is not staged");
  const kept = ["accountid", "region", "resourceid", "compliancetype", "capturetime"];
  const finding = ["id", "title", "severity", "status"];
  const columns = [
    ...kept.map(quoted),
    ...finding.map((c) => `CASE WHEN status = 'NON_COMPLIANT' THEN ${quoted(c)} END AS ${c}`),
  ];
  return `(
  SELECT ${[...kept, ...finding].join(", ")}
  FROM (
    SELECT ${columns.join(", ")}
    FROM ${table({ ...ctx, readFrom: undefined }, item.typeName)}
  ) x
  GROUP BY ${[...kept, ...finding].join(", ")}
) i`;
}

/** The work table's INSERT header: `INSERT INTO <work table> (<columns>)`. */
function workInsert(workTable: string): string {
  return `INSERT INTO ${workTable} (${WORK_COLUMNS.join(", ")})`;
}

/** Each sync table's rows as work-table rows, one SELECT per staged table. */
function stageSelects(ctx: SqlContext): string[] {
  const direct = { ...ctx, readFrom: undefined };
  return STAGED.map((s) =>
    stageSelect(
      s,
      s.typeName === "AWS:ComplianceItem" ? keptItems(ctx) : table(direct, s.typeName),
    ),
  );
}

/**
 * The `INSERT INTO <work table>` that copies what the snapshot reads (no `?`): one scan of
 * each sync table, the tables' SELECTs joined by `UNION ALL`, so Athena runs one query. Run
 * after the work table's files are removed.
 */
export function prepareSnapshotSql(ctx: SqlContext, workTable: string): string {
  return `${workInsert(workTable)}\n${stageSelects(ctx).join("\nUNION ALL\n")}`;
}

/**
 * The same copy as one `INSERT INTO <work table>` per sync table: together they write exactly
 * the rows of {@link prepareSnapshotSql}, whose `UNION ALL` branches they are. The offline
 * engine runs these, because DuckDB keeps some state for every file a scan reads until its
 * statement ends: one table per statement holds one table's files at a time, not all four.
 */
export function prepareSnapshotParts(ctx: SqlContext, workTable: string): string[] {
  return stageSelects(ctx).map((select) => `${workInsert(workTable)}\n${select}`);
}

/**
 * The relations the statements read in place of the sync tables (`SqlContext.readFrom`):
 * each type's rows of the work table, under the sync table's column names.
 */
export function stagedReads(workTable: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of STAGED) {
    const columns = Object.entries(s.columns).map(([work, sync]) => `${work} AS ${quoted(sync)}`);
    out[s.typeName] =
      `(\n${indent(`SELECT ${columns.join(", ")}\nFROM ${workTable}\nWHERE source = ${sqlString(s.source)}`)}\n)`;
  }
  return out;
}

/** Where the work table lives. */
export interface WorkTableLocation {
  /** Bucket name. */
  readonly bucketName: string;
  /**
   * The work prefix (no leading or trailing `/`); the function empties it before each
   * snapshot. The copy is its `copy/` folder, the scored table (risk/scored.ts) its `scored/`:
   * sibling folders, so neither table's location holds the other's files.
   */
  readonly prefix: string;
}

/** Folder of the work table below the work prefix. */
export const WORK_COPY_FOLDER = "copy";

/**
 * A Glue table in a folder below the work prefix: Parquet (Snappy), unpartitioned, rewritten
 * by every snapshot (the copy here, the scored table in risk/scored.ts).
 */
export function workPrefixTable(
  table: Pick<GlueTableSpec, "name" | "description">,
  loc: WorkTableLocation,
  folder: string,
  columns: GlueTableSpec["storageDescriptor"]["columns"],
): GlueTableSpec {
  return {
    ...table,
    tableType: "EXTERNAL_TABLE",
    parameters: parquetTableParameters(),
    partitionKeys: [],
    storageDescriptor: parquetStorage(`s3://${loc.bucketName}/${loc.prefix}/${folder}/`, columns),
  };
}

/** The Glue table of the work copy: Parquet (Snappy), unpartitioned. */
export function workTableSpec(name: string, loc: WorkTableLocation): GlueTableSpec {
  return workPrefixTable(
    {
      name,
      description:
        "Risk snapshot work table: one snapshot's copy of the sync data it reads (rewritten by every snapshot)",
    },
    loc,
    WORK_COPY_FOLDER,
    WORK_COLUMNS.map((c) => ({ name: c, type: "string" as const })),
  );
}
