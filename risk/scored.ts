/**
 * The snapshot's second step: the findings scored once.
 *
 * Every snapshot statement needs the same chain over the work table (risk/stage.ts): the live
 * fleet, capture times, fresh data per control, the findings, the acceptances that match them,
 * each finding's state and score, and each machine's last-seen time. Written as CTEs, each of
 * the eight SELECTs and the history INSERT computed that chain again (Trino inlines CTEs; so
 * does DuckDB across statements). So a snapshot computes it once (`score`, one `INSERT INTO`
 * with the snapshot time as its one `?`) into a second Parquet table, and the statements read
 * its rows in place of those CTEs ({@link scoredReads}).
 *
 * One table holds four kinds of rows (`kind`), each filling its own columns (NULL elsewhere):
 * - `finding`: every finding with its state, deciding acceptance and score (CTE
 *   `risk_findings`);
 * - `machine`: every live fleet machine, when it was last seen and whether that is too long
 *   ago, and the oldest and newest capture time read for it (`machine_seen`);
 * - `type`: every compliance type a fleet machine reports, and whether its data is fresh
 *   (`fleet_types`);
 * - `acceptance`: how many findings each acceptance matches (`acceptance_findings`).
 *
 * Each row carries the snapshot time it was scored for (`scored_at`), and the statements read
 * only the rows of their own snapshot time: rows left from another snapshot are never counted.
 *
 * The table lives beside the copy under the work prefix (`risk-work/scored/`, the copy in
 * `risk-work/copy/`): the function empties the whole prefix before each snapshot, under its
 * lock, so both tables are this snapshot's alone.
 */
import {
  type GlueColumnType,
  type GlueTableSpec,
  sqlString,
} from "../components/sync/complianceSync.sql";
import { type WorkTableLocation, workPrefixTable } from "./stage";

/** One column of the scored table. */
interface ScoredColumn {
  readonly name: string;
  readonly type: GlueColumnType;
}

const text = (name: string): ScoredColumn => ({ name, type: "string" });

/** Columns of the scored table, in order. */
export const SCORED_COLUMNS: readonly ScoredColumn[] = [
  text("kind"),
  text("scored_at"),
  text("accountid"),
  text("region"),
  text("resourceid"),
  text("name"),
  text("environment"),
  text("compliance_mode"),
  text("control"),
  text("compliance_type"),
  { name: "mandatory", type: "boolean" },
  text("finding_id"),
  text("title"),
  text("severity"),
  { name: "severity_rank", type: "bigint" },
  text("state"),
  text("acceptance_id"),
  { name: "score", type: "bigint" },
  text("last_seen"),
  { name: "not_seen", type: "boolean" },
  text("data_from"),
  text("data_to"),
  { name: "fresh", type: "boolean" },
  { name: "findings", type: "bigint" },
];

/** One kind of row: the CTE it copies, and which scored columns it fills from which of its columns. */
interface ScoredKind {
  readonly cte: string;
  /** Scored column → the CTE's column (the same name unless given). */
  readonly columns: Readonly<Record<string, string>>;
  /**
   * Time columns (ISO 8601 text) the CTE also carries parsed, as `<column>_at`: they are kept
   * as text and parsed again when read (a few per machine, not per finding).
   */
  readonly parsedTimes?: readonly string[];
}

const MACHINE = ["accountid", "region", "resourceid"];
const same = (names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.map((n) => [n, n]));

/** Columns of the `risk_findings` CTE (and of the view of that name), in order. */
export const RISK_FINDING_COLUMNS: readonly string[] = [
  ...MACHINE,
  "name",
  "environment",
  "compliance_mode",
  "control",
  "compliance_type",
  "mandatory",
  "finding_id",
  "title",
  "severity",
  "severity_rank",
  "state",
  "acceptance_id",
  "score",
];

/** The kinds of rows, by `kind` value. */
const KINDS: Readonly<Record<string, ScoredKind>> = {
  finding: { cte: "risk_findings", columns: same(RISK_FINDING_COLUMNS) },
  machine: {
    cte: "machine_seen",
    columns: same([
      ...MACHINE,
      "name",
      "environment",
      "compliance_mode",
      "last_seen",
      "not_seen",
      "data_from",
      "data_to",
    ]),
    // Ordering, days since seen and the data span compare these as times.
    parsedTimes: ["last_seen", "data_from", "data_to"],
  },
  type: {
    cte: "fleet_types",
    columns: { ...same(MACHINE), compliance_type: "compliancetype", fresh: "fresh" },
  },
  acceptance: {
    cte: "acceptance_findings",
    columns: same(["acceptance_id", "findings"]),
  },
};

/** The CTEs whose rows the scored table holds (and whose reads {@link scoredReads} gives). */
export const SCORED_CTES: readonly string[] = Object.values(KINDS).map((k) => k.cte);

const SQL_TYPE: Readonly<Record<GlueColumnType, string>> = {
  string: "varchar",
  bigint: "bigint",
  boolean: "boolean",
};

/**
 * The body of the scoring INSERT: one SELECT per kind over its CTE, joined by `UNION ALL`,
 * every scored column in order (cast to its type; NULL where the kind has none). `params` is
 * the CTE of the snapshot time (`now_text`).
 */
export function scoredSelect(): string {
  return Object.entries(KINDS)
    .map(([kind, k]) => {
      const values = SCORED_COLUMNS.map((c) => {
        if (c.name === "kind") return `${sqlString(kind)} AS kind`;
        if (c.name === "scored_at") return "p.now_text AS scored_at";
        const from = k.columns[c.name];
        if (from === undefined) return `CAST(NULL AS ${SQL_TYPE[c.type]}) AS ${c.name}`;
        return c.type === "bigint"
          ? `CAST(x.${from} AS bigint) AS ${c.name}`
          : `x.${from} AS ${c.name}`;
      });
      return `SELECT ${values.join(", ")}\nFROM ${k.cte} x\nCROSS JOIN params p`;
    })
    .join("\nUNION ALL\n");
}

/** `INSERT INTO <scored table> (<columns>)`. */
export function scoredInsert(scoredTable: string): string {
  return `INSERT INTO ${scoredTable} (${SCORED_COLUMNS.map((c) => c.name).join(", ")})`;
}

/**
 * The CTEs the statements read from the scored table (CTE name → its SQL), each one's columns
 * as the CTE computes them, only rows scored for this snapshot's time (`params`), with each
 * kind's `parsedTimes` parsed again from the text kept.
 */
export function scoredReads(scoredTable: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [kind, k] of Object.entries(KINDS)) {
    const columns = Object.entries(k.columns).map(([scored, cte]) =>
      scored === cte ? `s.${cte}` : `s.${scored} AS ${cte}`,
    );
    for (const t of k.parsedTimes ?? []) {
      columns.push(`from_iso8601_timestamp(s.${t}) AS ${t}_at`);
    }
    out[k.cte] = `SELECT ${columns.join(", ")}
FROM ${scoredTable} s
JOIN params p ON s.scored_at = p.now_text
WHERE s.kind = ${sqlString(kind)}`;
  }
  return out;
}

/** Folder of the scored table below the work prefix. */
export const SCORED_FOLDER = "scored";

/** The Glue table of the scored findings: Parquet (Snappy), unpartitioned, in `scored/`. */
export function scoredTableSpec(name: string, loc: WorkTableLocation): GlueTableSpec {
  return workPrefixTable(
    {
      name,
      description:
        "Risk snapshot scored table: one snapshot's findings, machines, compliance types and acceptance counts (rewritten by every snapshot)",
    },
    loc,
    SCORED_FOLDER,
    SCORED_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
  );
}
