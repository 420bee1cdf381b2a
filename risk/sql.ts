/**
 * Pure builders of the risk SQL: the views saved in the Athena workgroup, the SELECTs one risk
 * snapshot runs ({@link riskStatements}), the `INSERT INTO` that appends the snapshot to the
 * history table, and the Glue tables of the acceptance register and the history.
 *
 * The SQL reuses the sync's builders (components/sync/complianceSync.sql.ts) and follows their
 * rules, so the same text runs in Athena (Trino) and in DuckDB (risk/local/duckdb.ts): DOUBLE
 * arithmetic for percentages, times compared as parsed timestamps (never as strings),
 * `regexp_like` for patterns. The model it computes is stated in risk/model.ts; the choices
 * the model leaves open are made here and documented on {@link riskStatements}.
 */
import {
  GlueTableSpec,
  LIVE,
  SqlContext,
  ComplianceQuery,
  createViewSql,
  indent,
  instanceContextSql,
  sameMachine,
  parquetStorage,
  parquetTableParameters,
  sortedRecord,
  sqlString,
  table,
} from "../components/sync/complianceSync.sql";
import {
  EXPIRING_SOON_DAYS,
  NO_DATA_FINDING_ID,
  RiskControl,
  SEVERITIES,
  SNAPSHOT_COLUMNS,
  SeverityWeights,
  SnapshotQueryKey,
  SnapshotStatements,
} from "./model";
import {
  RISK_FINDING_COLUMNS,
  SCORED_CTES,
  scoredInsert,
  scoredReads,
  scoredSelect,
  scoredTableSpec,
} from "./scored";
import { prepareSnapshotParts, prepareSnapshotSql, stagedReads, workTableSpec } from "./stage";

/** Default Glue table names of the register and the history. */
export const RISK_TABLE_NAMES = {
  acceptances: "risk_acceptances",
  scopes: "risk_acceptance_scopes",
  history: "risk_history",
  work: "risk_snapshot_work",
  scored: "risk_snapshot_scored",
} as const;

/** Default number of days of history the snapshot's trend reads. */
export const DEFAULT_RISK_HISTORY_DAYS = 90;

/** Tag whose value is a machine's name (else its computer name, else its resource ID). */
export const NAME_TAG_KEY = "Name";

/** Names, filters and model settings the risk SQL is built from. */
export interface RiskSqlContext extends SqlContext {
  /** Enabled controls, in config order. */
  readonly controls: readonly RiskControl[];
  /** Weight of one open finding per severity (non-negative integers). */
  readonly weights: SeverityWeights;
  /** Data older than this many days (before the snapshot time) is unknown. */
  readonly staleDays: number;
  /** Machines in the top list (and whose findings are listed). */
  readonly topMachines: number;
  /** Glue table of the register's acceptances. @default "risk_acceptances" */
  readonly acceptancesTable: string;
  /** Glue table of the register's scopes (names and tags). @default "risk_acceptance_scopes" */
  readonly scopesTable: string;
  /** Glue table of the history (Parquet, partitioned by day). @default "risk_history" */
  readonly historyTable: string;
  /** Days of history the trend reads. @default 90 */
  readonly historyDays?: number;
  /** Glue table of the snapshot's one-pass copy of the sync data (risk/stage.ts). @default "risk_snapshot_work" */
  readonly workTable?: string;
  /** Glue table of the snapshot's scored findings (risk/scored.ts). @default "risk_snapshot_scored" */
  readonly scoredTable?: string;
}

/** Columns of the acceptances table, in order (one NDJSON line per acceptance). */
export const ACCEPTANCE_COLUMNS = [
  "id",
  "control",
  "finding_pattern",
  "reason",
  "approver",
  "expires_at",
] as const;

/**
 * Columns of the scopes table, in order: one NDJSON line per name (`kind` `name`,
 * `match_value` = the name or resource ID) or per required tag (`kind` `tag`, `tag_key`,
 * `match_value` = the tag value) of an acceptance.
 */
export const SCOPE_COLUMNS = ["acceptance_id", "kind", "tag_key", "match_value"] as const;

/** Columns of the history table, in order (the partition `day` last). */
export const HISTORY_COLUMNS = [
  { name: "captured_at", type: "string" },
  { name: "environment", type: "string" },
  { name: "compliance_mode", type: "string" },
  { name: "control", type: "string" },
  { name: "severity", type: "string" },
  { name: "open", type: "bigint" },
  { name: "accepted", type: "bigint" },
  { name: "acceptance_expired", type: "bigint" },
  { name: "score", type: "bigint" },
  { name: "machines", type: "bigint" },
] as const;

/** Partition column of the history table: the snapshot's UTC day, `YYYY-MM-DD`. */
export const HISTORY_PARTITION_KEY = "day";

const TABLE_NAME = /^[a-z0-9_]{1,255}$/;

function riskTable(ctx: RiskSqlContext, name: string, field: string): string {
  if (!TABLE_NAME.test(name)) {
    throw new Error(`${field} "${name}" must match ^[a-z0-9_]{1,255}$`);
  }
  return `${ctx.database}.${name}`;
}

function checkInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${field} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/**
 * Checks the settings the SQL inlines; throws naming the field and what is allowed. Weights
 * are integers so that scores are exact in both engines (a `2.5` literal is DECIMAL in Trino
 * and DOUBLE in DuckDB).
 */
export function checkRiskSqlContext(ctx: RiskSqlContext): void {
  checkInteger("staleDays", ctx.staleDays, 1, 3650);
  checkInteger("topMachines", ctx.topMachines, 1, 10000);
  checkInteger("historyDays", ctx.historyDays ?? DEFAULT_RISK_HISTORY_DAYS, 1, 3650);
  for (const s of SEVERITIES) checkInteger(`weights.${s}`, ctx.weights[s], 0, 1_000_000);
  const seen = new Set<string>();
  for (const [n, c] of ctx.controls.entries()) {
    if (seen.has(c.name)) throw new Error(`controls[${n}].name "${c.name}" is listed twice`);
    seen.add(c.name);
    if (!(SEVERITIES as readonly string[]).includes(c.severity)) {
      throw new Error(
        `controls[${n}].severity "${c.severity}" must be one of ${SEVERITIES.join(", ")}`,
      );
    }
  }
  riskTable(ctx, ctx.acceptancesTable, "acceptancesTable");
  riskTable(ctx, ctx.scopesTable, "scopesTable");
  riskTable(ctx, ctx.historyTable, "historyTable");
  riskTable(ctx, workTableName(ctx), "workTable");
  riskTable(ctx, scoredTableName(ctx), "scoredTable");
}

function workTableName(ctx: RiskSqlContext): string {
  return ctx.workTable ?? RISK_TABLE_NAMES.work;
}

function scoredTableName(ctx: RiskSqlContext): string {
  return ctx.scoredTable ?? RISK_TABLE_NAMES.scored;
}

/** The context the snapshot statements are built in: sync tables read from the work table. */
function stagedContext(ctx: RiskSqlContext): RiskSqlContext {
  checkRiskSqlContext(ctx);
  return { ...ctx, readFrom: stagedReads(riskTable(ctx, workTableName(ctx), "workTable")) };
}

/** Where "now" comes from: the `?` snapshot time, or the query's `current_timestamp`. */
type Now = "parameter" | "current";

interface Cte {
  readonly deps: readonly string[];
  readonly sql: string;
}

const SEVERITY_LIST = SEVERITIES.map(sqlString).join(", ");

function severityRankSql(column: string): string {
  const whens = SEVERITIES.map((s, n) => `WHEN ${sqlString(s)} THEN ${n + 1}`).join(" ");
  return `CASE ${column} ${whens} ELSE ${SEVERITIES.length} END`;
}

function weightSql(ctx: RiskSqlContext, column: string): string {
  const whens = SEVERITIES.map((s) => `WHEN ${sqlString(s)} THEN ${ctx.weights[s]}`).join(" ");
  return `CASE ${column} ${whens} ELSE ${ctx.weights.UNSPECIFIED} END`;
}

/** Seconds since the epoch of a timestamp: comparisons in both engines are on these. */
function seconds(ts: string): string {
  return `to_unixtime(${ts})`;
}

function sumInt(expr: string): string {
  // DuckDB's sum of integers is HUGEINT, Trino's BIGINT: both return BIGINT this way.
  return `CAST(coalesce(sum(${expr}), 0) AS bigint)`;
}

function controlsValues(ctx: RiskSqlContext): string {
  const columns = "control, compliance_type, severity, mandatory, control_order, no_data_title";
  if (ctx.controls.length === 0) {
    return (
      "SELECT CAST(NULL AS varchar) AS control, CAST(NULL AS varchar) AS compliance_type, " +
      "CAST(NULL AS varchar) AS severity, false AS mandatory, 0 AS control_order, " +
      "CAST(NULL AS varchar) AS no_data_title WHERE false"
    );
  }
  const rows = ctx.controls.map(
    (c, n) =>
      `(${sqlString(c.name)}, ${sqlString(c.complianceType)}, ${sqlString(c.severity)}, ` +
      `${c.mandatory ? "true" : "false"}, ${n + 1}, ` +
      `${sqlString(`No ${c.complianceType} data within ${ctx.staleDays} days`)})`,
  );
  return `SELECT * FROM (VALUES\n  ${rows.join(",\n  ")}\n) AS k (${columns})`;
}

/**
 * The CTEs every risk statement draws from, in dependency order. Each statement includes
 * only what it needs (so the history SELECT does not read the sync tables).
 */
function riskCtes(ctx: RiskSqlContext, now: Now): Map<string, Cte> {
  checkRiskSqlContext(ctx);
  const t = (typeName: string) => table(ctx, typeName);
  const stale = ctx.staleDays * 86400;
  const ctes = new Map<string, Cte>();
  const add = (name: string, deps: string[], sql: string) => ctes.set(name, { deps, sql });

  add(
    "params",
    [],
    now === "parameter"
      ? `SELECT now_text, from_iso8601_timestamp(now_text) AS now_at
FROM (SELECT CAST(? AS varchar) AS now_text) x`
      : "SELECT current_timestamp AS now_at",
  );
  add("instance_context", [], instanceContextSql(ctx));
  add(
    "machine_tags",
    [],
    `SELECT accountid, region, resourceid, "key" AS tag_key, "value" AS tag_value
FROM ${t("AWS:Tag")}`,
  );
  // Live fleet machines: name = Name tag, else computer name, else resource ID.
  add(
    "fleet",
    ["instance_context", "machine_tags"],
    `SELECT
  c.accountid,
  c.region,
  c.resourceid,
  coalesce(nullif(n.name, ''), nullif(c.computername, ''), c.resourceid) AS name,
  c.environment,
  c.compliance_mode
FROM instance_context c
LEFT JOIN (
  SELECT accountid, region, resourceid, max(tag_value) AS name
  FROM machine_tags
  WHERE tag_key = ${sqlString(NAME_TAG_KEY)}
  GROUP BY accountid, region, resourceid
) n ON ${sameMachine("n", "c")}
WHERE ${LIVE}`,
  );
  // Every capture time read, by source: machines are last seen by their instance and
  // compliance summary lines (as the not-seen query), controls by their summaries and items.
  // Each time is parsed here, once, for every query below that compares them. Only the
  // newest and oldest times count, so an item time is kept once per machine, type and time,
  // not once per finding.
  add(
    "seen",
    [],
    `SELECT source, accountid, region, resourceid, compliancetype, capturetime, from_iso8601_timestamp(capturetime) AS captured_at
FROM (
  SELECT 'instance' AS source, accountid, region, resourceid, CAST(NULL AS varchar) AS compliancetype, capturetime
  FROM ${t("AWS:InstanceInformation")}
  UNION ALL
  SELECT 'summary', accountid, region, resourceid, compliancetype, capturetime
  FROM ${t("AWS:ComplianceSummary")}
  UNION ALL
  SELECT DISTINCT 'item', accountid, region, resourceid, compliancetype, capturetime
  FROM ${t("AWS:ComplianceItem")}
) x`,
  );
  add(
    "last_seen",
    ["seen"],
    `SELECT
  accountid,
  region,
  resourceid,
  max_by(capturetime, captured_at) AS last_seen,
  max(captured_at) AS last_seen_at
FROM seen
WHERE source <> 'item' AND capturetime IS NOT NULL
GROUP BY accountid, region, resourceid`,
  );
  // A machine's newest data of each compliance type.
  add(
    "type_seen",
    ["seen"],
    `SELECT accountid, region, resourceid, compliancetype, max(captured_at) AS seen_at
FROM seen
WHERE source <> 'instance' AND capturetime IS NOT NULL AND compliancetype IS NOT NULL
GROUP BY accountid, region, resourceid, compliancetype`,
  );
  // Fresh: captured at most staleDays before the snapshot time.
  const fresh = `${seconds("s.seen_at")} >= ${seconds("p.now_at")} - ${stale}`;
  add(
    "fresh_types",
    ["type_seen", "params"],
    `SELECT s.accountid, s.region, s.resourceid, s.compliancetype
FROM type_seen s
CROSS JOIN params p
WHERE ${fresh}`,
  );
  // The compliance types each fleet machine reports, and whether their data is fresh.
  add(
    "fleet_types",
    ["type_seen", "fleet", "params"],
    `SELECT s.accountid, s.region, s.resourceid, s.compliancetype, ${fresh} AS fresh
FROM type_seen s
JOIN fleet f ON ${sameMachine("s", "f")}
CROSS JOIN params p`,
  );
  add("controls", [], controlsValues(ctx));
  // NON_COMPLIANT items of fleet machines; items of a control whose data is stale are
  // disregarded (its no-data finding stands for them). Other types count whatever their age.
  add(
    "item_findings",
    ["fleet", "controls", "fresh_types"],
    `SELECT
  f.accountid,
  f.region,
  f.resourceid,
  f.name,
  f.environment,
  f.compliance_mode,
  coalesce(k.control, i.compliancetype) AS control,
  i.compliancetype AS compliance_type,
  coalesce(k.mandatory, false) AS mandatory,
  i.id AS finding_id,
  i.title,
  CASE WHEN i.severity IN (${SEVERITY_LIST}) THEN i.severity ELSE 'UNSPECIFIED' END AS severity
FROM ${t("AWS:ComplianceItem")} i
JOIN fleet f ON ${sameMachine("i", "f")}
LEFT JOIN controls k ON k.compliance_type = i.compliancetype
LEFT JOIN fresh_types r ON ${sameMachine("r", "i")} AND r.compliancetype = i.compliancetype
WHERE i.status = 'NON_COMPLIANT' AND (k.control IS NULL OR r.resourceid IS NOT NULL)`,
  );
  // Unknown is risk: one finding per fleet machine and enabled control without fresh data.
  add(
    "nodata_findings",
    ["fleet", "controls", "fresh_types"],
    `SELECT
  f.accountid,
  f.region,
  f.resourceid,
  f.name,
  f.environment,
  f.compliance_mode,
  k.control,
  k.compliance_type,
  k.mandatory,
  ${sqlString(NO_DATA_FINDING_ID)} AS finding_id,
  k.no_data_title AS title,
  k.severity
FROM fleet f
CROSS JOIN controls k
LEFT JOIN fresh_types r ON ${sameMachine("r", "f")} AND r.compliancetype = k.compliance_type
WHERE r.resourceid IS NULL`,
  );
  add(
    "findings",
    ["item_findings", "nodata_findings"],
    "SELECT * FROM item_findings\nUNION ALL\nSELECT * FROM nodata_findings",
  );
  add(
    "scopes",
    [],
    `SELECT acceptance_id, kind, tag_key, match_value
FROM ${riskTable(ctx, ctx.scopesTable, "scopesTable")}`,
  );
  // The register, with each acceptance's scope sizes and whether it has expired at "now"
  // (an acceptance stops counting at its expiresAt instant).
  add(
    "acceptance_rules",
    ["scopes", "params"],
    `SELECT
  a.id,
  a.control,
  coalesce(nullif(a.finding_pattern, ''), '.*') AS finding_pattern,
  a.reason,
  a.approver,
  a.expires_at,
  from_iso8601_timestamp(a.expires_at) AS expires,
  ${seconds("from_iso8601_timestamp(a.expires_at)")} <= ${seconds("p.now_at")} AS expired,
  coalesce(s.names, 0) AS names,
  coalesce(s.tags, 0) AS tags
FROM ${riskTable(ctx, ctx.acceptancesTable, "acceptancesTable")} a
CROSS JOIN params p
LEFT JOIN (
  SELECT
    acceptance_id,
    sum(CASE WHEN kind = 'name' THEN 1 ELSE 0 END) AS names,
    sum(CASE WHEN kind = 'tag' THEN 1 ELSE 0 END) AS tags
  FROM scopes
  GROUP BY acceptance_id
) s ON s.acceptance_id = a.id`,
  );
  // Names match the machine's name or its resource ID exactly.
  add(
    "name_hits",
    ["scopes", "fleet"],
    `SELECT DISTINCT s.acceptance_id, f.accountid, f.region, f.resourceid
FROM scopes s
JOIN fleet f ON s.kind = 'name' AND (s.match_value = f.name OR s.match_value = f.resourceid)`,
  );
  // Tags: how many of an acceptance's required tags a machine carries (all must match).
  add(
    "tag_hits",
    ["scopes", "machine_tags"],
    `SELECT s.acceptance_id, g.accountid, g.region, g.resourceid, count(*) AS tags
FROM scopes s
JOIN machine_tags g ON s.kind = 'tag' AND g.tag_key = s.tag_key AND g.tag_value = s.match_value
GROUP BY s.acceptance_id, g.accountid, g.region, g.resourceid`,
  );
  // Which finding IDs each acceptance's pattern matches (whole ID): the regular expression
  // runs once per distinct ID of the control, not once per finding, since a fleet repeats the
  // same IDs (KB numbers, CIS rules) on every machine, and a pattern that is a column is
  // compiled for every row it is tried on (50,000 machines: 2.5 s of each statement's 9 s).
  add(
    "pattern_hits",
    ["findings", "acceptance_rules"],
    `SELECT a.id AS acceptance_id, i.finding_id
FROM (SELECT DISTINCT control, finding_id FROM findings) i
JOIN acceptance_rules a ON a.control = i.control
WHERE regexp_like(i.finding_id, '^(?:' || a.finding_pattern || ')$')`,
  );
  // Acceptance × finding pairs: same control (never a mandated one), the pattern matches the
  // whole finding ID, and the machine is in scope.
  add(
    "matches",
    ["findings", "acceptance_rules", "pattern_hits", "name_hits", "tag_hits"],
    `SELECT
  f.accountid,
  f.region,
  f.resourceid,
  f.compliance_type,
  f.finding_id,
  a.id AS acceptance_id,
  a.expired
FROM findings f
JOIN acceptance_rules a ON a.control = f.control
JOIN pattern_hits h ON h.acceptance_id = a.id AND h.finding_id = f.finding_id
LEFT JOIN name_hits n ON n.acceptance_id = a.id AND ${sameMachine("n", "f")}
LEFT JOIN tag_hits g ON g.acceptance_id = a.id AND ${sameMachine("g", "f")}
WHERE NOT f.mandatory
  AND (a.names = 0 OR n.acceptance_id IS NOT NULL)
  AND a.tags = coalesce(g.tags, 0)`,
  );
  add(
    "acceptance_findings",
    ["matches"],
    `SELECT acceptance_id, count(*) AS findings
FROM matches
GROUP BY acceptance_id`,
  );
  add(
    "finding_state",
    ["matches"],
    `SELECT
  accountid,
  region,
  resourceid,
  compliance_type,
  finding_id,
  min(CASE WHEN NOT expired THEN acceptance_id END) AS active_id,
  min(CASE WHEN expired THEN acceptance_id END) AS expired_id
FROM matches
GROUP BY accountid, region, resourceid, compliance_type, finding_id`,
  );
  // Each finding with its state, the acceptance that decided it (lowest ID among the
  // unexpired ones, else among the expired ones) and what it adds to the score.
  add(
    "risk_findings",
    ["findings", "finding_state"],
    `SELECT
  f.accountid,
  f.region,
  f.resourceid,
  f.name,
  f.environment,
  f.compliance_mode,
  f.control,
  f.compliance_type,
  f.mandatory,
  f.finding_id,
  f.title,
  f.severity,
  ${severityRankSql("f.severity")} AS severity_rank,
  CASE
    WHEN s.active_id IS NOT NULL THEN 'accepted'
    WHEN s.expired_id IS NOT NULL THEN 'acceptance-expired'
    ELSE 'open'
  END AS state,
  coalesce(s.active_id, s.expired_id) AS acceptance_id,
  CASE WHEN s.active_id IS NOT NULL THEN 0 ELSE ${weightSql(ctx, "f.severity")} END AS score
FROM findings f
LEFT JOIN finding_state s ON ${sameMachine("s", "f")}
  AND s.compliance_type = f.compliance_type AND s.finding_id = f.finding_id`,
  );
  // The oldest and newest capture time read for each machine, from any source.
  add(
    "machine_span",
    ["seen"],
    `SELECT
  accountid,
  region,
  resourceid,
  min_by(capturetime, captured_at) AS data_from,
  min(captured_at) AS data_from_at,
  max_by(capturetime, captured_at) AS data_to,
  max(captured_at) AS data_to_at
FROM seen
WHERE capturetime IS NOT NULL
GROUP BY accountid, region, resourceid`,
  );
  // Each fleet machine with when it was last seen, whether that is too long ago, and the span
  // of the data read for it.
  add(
    "machine_seen",
    ["fleet", "last_seen", "machine_span", "params"],
    `SELECT
  f.accountid,
  f.region,
  f.resourceid,
  f.name,
  f.environment,
  f.compliance_mode,
  l.last_seen,
  l.last_seen_at,
  l.last_seen_at IS NULL OR ${seconds("l.last_seen_at")} < ${seconds("p.now_at")} - ${stale} AS not_seen,
  d.data_from,
  d.data_from_at,
  d.data_to,
  d.data_to_at
FROM fleet f
CROSS JOIN params p
LEFT JOIN last_seen l ON ${sameMachine("l", "f")}
LEFT JOIN machine_span d ON ${sameMachine("d", "f")}`,
  );
  add(
    "by_machine",
    ["machine_seen", "risk_findings"],
    `SELECT
  m.accountid,
  m.region,
  m.resourceid,
  m.name,
  m.environment,
  m.compliance_mode,
  m.last_seen,
  m.last_seen_at,
  m.not_seen,
  ${sumInt("r.score")} AS score,
  ${sumInt("CASE WHEN r.state <> 'accepted' THEN 1 ELSE 0 END")} AS open,
  ${sumInt("CASE WHEN r.state = 'accepted' THEN 1 ELSE 0 END")} AS accepted,
  ${sumInt("CASE WHEN r.state = 'acceptance-expired' THEN 1 ELSE 0 END")} AS acceptance_expired
FROM machine_seen m
LEFT JOIN risk_findings r ON ${sameMachine("r", "m")}
GROUP BY m.accountid, m.region, m.resourceid, m.name, m.environment, m.compliance_mode,
  m.last_seen, m.last_seen_at, m.not_seen`,
  );
  add(
    "ranked",
    ["by_machine"],
    `SELECT
  m.*,
  row_number() OVER (ORDER BY m.score DESC, m.open DESC, m.resourceid, m.accountid, m.region) AS machine_rank
FROM by_machine m`,
  );
  // Enabled controls in config order, then the other compliance types the fleet reports.
  add(
    "control_rows",
    ["controls", "fleet_types"],
    `SELECT control, compliance_type, mandatory, control_order FROM controls
UNION ALL
SELECT DISTINCT t.compliancetype, t.compliancetype, false, ${ctx.controls.length + 1}
FROM fleet_types t
LEFT JOIN controls k ON k.compliance_type = t.compliancetype
WHERE k.control IS NULL`,
  );
  add(
    "by_control",
    ["control_rows", "machine_seen", "fleet_types", "risk_findings"],
    `SELECT
  c.control,
  c.compliance_type,
  c.mandatory,
  c.control_order,
  m.machines,
  coalesce(g.compliant, 0) AS compliant,
  CASE
    WHEN m.machines = 0 THEN CAST(0 AS double)
    ELSE round(100 * CAST(coalesce(g.compliant, 0) AS double) / m.machines, 1)
  END AS coverage_percent,
  coalesce(x.open, 0) AS open,
  coalesce(x.accepted, 0) AS accepted,
  coalesce(x.acceptance_expired, 0) AS acceptance_expired,
  coalesce(x.score, 0) AS score
FROM control_rows c
CROSS JOIN (SELECT count(*) AS machines FROM machine_seen) m
LEFT JOIN (
  SELECT c2.control, count(*) AS compliant
  FROM control_rows c2
  JOIN fleet_types t ON t.compliancetype = c2.compliance_type AND t.fresh
  LEFT JOIN (
    SELECT DISTINCT accountid, region, resourceid, control
    FROM risk_findings
    WHERE state <> 'accepted'
  ) b ON ${sameMachine("b", "t")} AND b.control = c2.control
  WHERE b.resourceid IS NULL
  GROUP BY c2.control
) g ON g.control = c.control
LEFT JOIN (
  SELECT
    control,
    ${sumInt("CASE WHEN state <> 'accepted' THEN 1 ELSE 0 END")} AS open,
    ${sumInt("CASE WHEN state = 'accepted' THEN 1 ELSE 0 END")} AS accepted,
    ${sumInt("CASE WHEN state = 'acceptance-expired' THEN 1 ELSE 0 END")} AS acceptance_expired,
    ${sumInt("score")} AS score
  FROM risk_findings
  GROUP BY control
) x ON x.control = c.control`,
  );
  add(
    "fleet_totals",
    ["by_machine", "risk_findings", "machine_seen"],
    `SELECT
  m.machines,
  m.report_machines,
  m.enforce_machines,
  m.not_seen,
  m.score,
  m.open,
  m.accepted,
  m.acceptance_expired,
${SEVERITIES.map((s) => `  o.open_${s.toLowerCase()},`).join("\n")}
  d.data_from,
  d.data_to
FROM (
  SELECT
    count(*) AS machines,
    ${sumInt("CASE WHEN compliance_mode = 'report' THEN 1 ELSE 0 END")} AS report_machines,
    ${sumInt("CASE WHEN compliance_mode = 'enforce' THEN 1 ELSE 0 END")} AS enforce_machines,
    ${sumInt("CASE WHEN not_seen THEN 1 ELSE 0 END")} AS not_seen,
    ${sumInt("score")} AS score,
    ${sumInt("open")} AS open,
    ${sumInt("accepted")} AS accepted,
    ${sumInt("acceptance_expired")} AS acceptance_expired
  FROM by_machine
) m
CROSS JOIN (
  SELECT
${SEVERITIES.map(
  (s) =>
    `    ${sumInt(`CASE WHEN state <> 'accepted' AND severity = ${sqlString(s)} THEN 1 ELSE 0 END`)} AS open_${s.toLowerCase()}`,
).join(",\n")}
  FROM risk_findings
) o
CROSS JOIN (
  SELECT
    min_by(data_from, data_from_at) AS data_from,
    max_by(data_to, data_to_at) AS data_to
  FROM machine_seen
  WHERE data_from IS NOT NULL
) d`,
  );
  // History rows: per environment × mode a totals row (control and severity NULL, machines =
  // its machines), and per environment × mode × control × severity with findings a detail
  // row (machines = machines with such a finding).
  add(
    "history_rows",
    ["by_machine", "risk_findings"],
    `SELECT
  environment,
  compliance_mode,
  CAST(NULL AS varchar) AS control,
  CAST(NULL AS varchar) AS severity,
  ${sumInt("open")} AS open,
  ${sumInt("accepted")} AS accepted,
  ${sumInt("acceptance_expired")} AS acceptance_expired,
  ${sumInt("score")} AS score,
  CAST(count(*) AS bigint) AS machines
FROM by_machine
GROUP BY environment, compliance_mode
UNION ALL
SELECT
  environment,
  compliance_mode,
  control,
  severity,
  ${sumInt("CASE WHEN state <> 'accepted' THEN 1 ELSE 0 END")} AS open,
  ${sumInt("CASE WHEN state = 'accepted' THEN 1 ELSE 0 END")} AS accepted,
  ${sumInt("CASE WHEN state = 'acceptance-expired' THEN 1 ELSE 0 END")} AS acceptance_expired,
  ${sumInt("score")} AS score,
  CAST(count(DISTINCT accountid || '/' || region || '/' || resourceid) AS bigint) AS machines
FROM risk_findings
GROUP BY environment, compliance_mode, control, severity`,
  );
  return ctes;
}

/** `WITH <needed CTEs and what they depend on, in dependency order> <body>`. */
function withCtes(all: Map<string, Cte>, needed: readonly string[], body: string): string {
  const include = new Set<string>();
  const visit = (name: string): void => {
    if (include.has(name)) return;
    const cte = all.get(name);
    if (!cte) throw new Error(`no CTE ${name}`);
    include.add(name);
    cte.deps.forEach(visit);
  };
  needed.forEach(visit);
  const parts = [...all.entries()]
    .filter(([name]) => include.has(name))
    .map(([name, cte]) => `${name} AS (\n${indent(cte.sql)}\n)`);
  return `WITH ${parts.join(",\n")}\n${body}`;
}

/** The open-count columns of the totals, by severity (`open_critical`, …). */
function selectBodies(
  ctx: RiskSqlContext,
): Record<Exclude<SnapshotQueryKey, "history">, { needs: string[]; body: string }> {
  const top = ctx.topMachines;
  return {
    totals: {
      needs: ["fleet_totals"],
      body: `SELECT ${SNAPSHOT_COLUMNS.totals.join(", ")}\nFROM fleet_totals`,
    },
    controls: {
      needs: ["by_control"],
      body: `SELECT ${SNAPSHOT_COLUMNS.controls.join(", ")}
FROM by_control
ORDER BY control_order, control`,
    },
    breakdown: {
      needs: ["risk_findings"],
      body: `SELECT
  environment,
  compliance_mode,
  control,
  severity,
  ${sumInt("CASE WHEN state <> 'accepted' THEN 1 ELSE 0 END")} AS open,
  ${sumInt("CASE WHEN state = 'accepted' THEN 1 ELSE 0 END")} AS accepted,
  ${sumInt("CASE WHEN state = 'acceptance-expired' THEN 1 ELSE 0 END")} AS acceptance_expired,
  ${sumInt("score")} AS score
FROM risk_findings
GROUP BY environment, compliance_mode, control, severity, severity_rank
ORDER BY environment, compliance_mode, control, severity_rank`,
    },
    top_machines: {
      needs: ["ranked"],
      body: `SELECT
  resourceid AS resource_id,
  name,
  environment,
  compliance_mode,
  last_seen,
  score,
  open,
  accepted,
  acceptance_expired
FROM ranked
WHERE machine_rank <= ${top}
ORDER BY machine_rank`,
    },
    top_machine_findings: {
      needs: ["ranked", "risk_findings"],
      body: `SELECT
  r.resourceid AS resource_id,
  r.control,
  r.compliance_type,
  r.finding_id,
  r.title,
  r.severity,
  r.state,
  r.acceptance_id
FROM risk_findings r
JOIN ranked m ON ${sameMachine("m", "r")}
WHERE m.machine_rank <= ${top}
ORDER BY m.machine_rank, r.severity_rank, r.control, r.finding_id, r.state, r.title`,
    },
    acceptances: {
      needs: ["acceptance_rules", "acceptance_findings", "params"],
      body: `SELECT
  a.id,
  a.control,
  a.reason,
  a.approver,
  a.expires_at,
  CASE
    WHEN a.expired THEN 'expired'
    WHEN ${seconds("a.expires")} <= ${seconds("p.now_at")} + ${EXPIRING_SOON_DAYS * 86400} THEN 'expiring'
    ELSE 'active'
  END AS status,
  coalesce(x.findings, 0) AS findings
FROM acceptance_rules a
CROSS JOIN params p
LEFT JOIN acceptance_findings x ON x.acceptance_id = a.id
ORDER BY a.id`,
    },
    not_seen: {
      // Not the findings: the machines and when they were last seen are all it shows.
      needs: ["machine_seen", "params"],
      body: `SELECT
  m.resourceid AS resource_id,
  m.name,
  m.environment,
  m.compliance_mode,
  m.last_seen,
  CAST(floor((${seconds("p.now_at")} - ${seconds("m.last_seen_at")}) / 86400) AS integer) AS days_since_seen
FROM machine_seen m
CROSS JOIN params p
WHERE m.not_seen
ORDER BY m.last_seen_at ASC NULLS FIRST, m.resourceid, m.accountid, m.region`,
    },
  };
}

/**
 * The history trend: one row per past snapshot within `historyDays` of the snapshot time,
 * oldest first. Totals rows (control NULL) carry score and machines, detail rows the open
 * counts per severity. The `day >=` bound lets Athena prune partitions.
 */
function historySelect(ctx: RiskSqlContext): string {
  const days = ctx.historyDays ?? DEFAULT_RISK_HISTORY_DAYS;
  const openOf = (severity: string) =>
    sumInt(
      `CASE WHEN h.control IS NOT NULL AND h.severity = ${sqlString(severity)} THEN h.open ELSE 0 END`,
    );
  return `SELECT
  h.captured_at,
  ${sumInt("CASE WHEN h.control IS NULL THEN h.score ELSE 0 END")} AS score,
  ${openOf("CRITICAL")} AS open_critical,
  ${openOf("HIGH")} AS open_high,
  ${sumInt("CASE WHEN h.control IS NULL THEN h.machines ELSE 0 END")} AS machines
FROM ${riskTable(ctx, ctx.historyTable, "historyTable")} h
WHERE h.${HISTORY_PARTITION_KEY} >= CAST(CAST(from_iso8601_timestamp(CAST(? AS varchar)) - INTERVAL '${days}' DAY AS date) AS varchar)
GROUP BY h.captured_at
ORDER BY min(${seconds("from_iso8601_timestamp(h.captured_at)")}), h.captured_at`;
}

/**
 * The INSERT that appends one snapshot to the history (one `?`: the snapshot time, stored
 * as given in `captured_at`; `day` = its UTC date).
 *
 * Athena runs `INSERT INTO … SELECT` on Parquet tables (ParquetHiveSerDe is among the
 * supported formats), writing new files under the table location in Hive-style partition
 * folders (`day=2026-11-30/`), at most 100 partitions per statement (one here):
 * https://docs.aws.amazon.com/athena/latest/ug/insert-into.html. With partition projection
 * Athena computes the partitions from the table properties and needs none registered
 * (https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html), so the folder the
 * INSERT writes is read by the next query; the history table therefore keeps the default
 * `<location>/day=<value>/` layout (no `storage.location.template`). The docs do not say in
 * so many words that INSERT INTO writes into a projected table: UNVERIFIED beyond that.
 *
 * `ctes`: the CTEs it draws from ({@link statementCtes}).
 */
function appendHistorySql(ctx: RiskSqlContext, ctes: Map<string, Cte>): string {
  const columns = [...HISTORY_COLUMNS.map((c) => c.name), HISTORY_PARTITION_KEY];
  const body = `SELECT
  p.now_text AS captured_at,
  h.environment,
  h.compliance_mode,
  h.control,
  h.severity,
  h.open,
  h.accepted,
  h.acceptance_expired,
  h.score,
  h.machines,
  CAST(CAST(p.now_at AS date) AS varchar) AS ${HISTORY_PARTITION_KEY}
FROM history_rows h
CROSS JOIN params p`;
  return (
    `INSERT INTO ${riskTable(ctx, ctx.historyTable, "historyTable")} (${columns.join(", ")})\n` +
    withCtes(ctes, ["history_rows", "params"], body)
  );
}

/**
 * The CTEs of the snapshot's statements:
 * - `scoring`: the whole chain over the work table (the `score` INSERT computes it once);
 * - `reading`: the same, but the scored CTEs ({@link SCORED_CTES}) read the scored table, so
 *   the SELECTs and the history INSERT never compute the chain again (risk/scored.ts).
 *
 * `readSyncTables`: both are the chain over the sync tables themselves.
 */
function statementCtes(
  ctx: RiskSqlContext,
  readSyncTables: boolean,
): { scoring: Map<string, Cte>; reading: Map<string, Cte> } {
  if (readSyncTables) {
    const direct = riskCtes(ctx, "parameter");
    return { scoring: direct, reading: direct };
  }
  const scoring = riskCtes(stagedContext(ctx), "parameter");
  const reads = scoredReads(riskTable(ctx, scoredTableName(ctx), "scoredTable"));
  const reading = new Map(scoring);
  for (const name of SCORED_CTES) reading.set(name, { deps: ["params"], sql: reads[name] });
  return { scoring, reading };
}

/**
 * Everything one snapshot runs, in order: `prepare` (no `?`) copies what the snapshot reads
 * into the work table in one pass over the sync data (risk/stage.ts); `score` (one `?`)
 * computes the findings, their states and scores, and each machine's last-seen time from
 * that copy once, into the scored table (risk/scored.ts); then each SELECT and the history
 * INSERT read the scored table (and the register and history). Each SELECT has exactly one
 * `?` (the snapshot time, an ISO 8601 string) and returns the columns of
 * {@link SNAPSHOT_COLUMNS} in order.
 *
 * `readSyncTables: true` builds the statements over the sync tables themselves: the SELECTs
 * and the history INSERT read neither the work table nor the scored table, and every one scans
 * the sync data again. The snapshot never runs them; the tests hold the staged statements to
 * the same answers.
 *
 * Choices the model leaves open, made here:
 * - `open` counts every finding that counts against the score: `open` and
 *   `acceptance-expired` (the latter also counted on its own in `acceptance_expired`);
 * - a control's data time is the newest capture of its compliance type's summary and items;
 *   "stale" = captured more than `staleDays` × 86400 s before the snapshot time;
 * - compliance types that are not an enabled control count whatever their age (they have no
 *   no-data finding to stand for them) and are reported under their type name;
 * - several acceptances matching one finding: the lowest ID among the unexpired ones decides,
 *   else the lowest among the expired ones; an acceptance's `findings` counts every finding
 *   it matches (so two overlapping acceptances both count one finding);
 * - `status` `expiring` = expires within {@link EXPIRING_SOON_DAYS} days of the snapshot time;
 * - history: the {@link DEFAULT_RISK_HISTORY_DAYS} days before the snapshot (`historyDays`).
 */
export function riskStatements(
  ctx: RiskSqlContext,
  options: { readonly readSyncTables?: boolean } = {},
): SnapshotStatements {
  const { scoring, reading } = statementCtes(ctx, options.readSyncTables === true);
  const bodies = selectBodies(ctx);
  const selects = {} as Record<SnapshotQueryKey, string>;
  for (const key of Object.keys(SNAPSHOT_COLUMNS) as SnapshotQueryKey[]) {
    if (key === "history") {
      selects.history = historySelect(ctx);
      continue;
    }
    const { needs, body } = bodies[key];
    selects[key] = withCtes(reading, needs, body);
  }
  return {
    prepare: prepareSnapshotSql(ctx, riskTable(ctx, workTableName(ctx), "workTable")),
    score:
      `${scoredInsert(riskTable(ctx, scoredTableName(ctx), "scoredTable"))}\n` +
      withCtes(scoring, [...SCORED_CTES, "params"], scoredSelect()),
    selects,
    appendHistory: appendHistorySql(ctx, reading),
  };
}

/**
 * The snapshot's `prepare` as one `INSERT INTO` per sync table (risk/stage.ts
 * `prepareSnapshotParts`): the rows they write together are `prepare`'s. The offline engine
 * runs these; the function runs `prepare`, one Athena query.
 */
export function riskPrepareParts(ctx: RiskSqlContext): string[] {
  checkRiskSqlContext(ctx);
  return prepareSnapshotParts(ctx, riskTable(ctx, workTableName(ctx), "workTable"));
}

/**
 * The risk views, as the DDL saved in Athena (run once after `pulumi up`, like the
 * compliance views). They compute "now" with `current_timestamp`.
 */
export function riskViews(ctx: RiskSqlContext): ComplianceQuery[] {
  const ctes = riskCtes(ctx, "current");
  const view = (key: string, description: string, needs: string[], body: string) => ({
    key,
    title: `view: ${key}`,
    description,
    sql: createViewSql(ctx, key, withCtes(ctes, needs, body)),
    parameters: [],
  });
  return [
    view(
      "risk_findings",
      "Creates view risk_findings: every finding of a live fleet machine (NON_COMPLIANT items and no-data findings) with its state (open, accepted, acceptance-expired), the deciding acceptance and its score.",
      ["risk_findings"],
      `SELECT ${RISK_FINDING_COLUMNS.join(", ")}\nFROM risk_findings`,
    ),
    view(
      "risk_by_machine",
      "Creates view risk_by_machine: per live fleet machine its score, open (incl. acceptance-expired), accepted and acceptance-expired findings, last seen and whether it is not seen.",
      ["ranked"],
      `SELECT accountid, region, resourceid, name, environment, compliance_mode, last_seen, not_seen, score, open, accepted, acceptance_expired, machine_rank
FROM ranked`,
    ),
    view(
      "risk_by_control",
      "Creates view risk_by_control: per control (and other compliance type) machines, compliant, coverage %, open, accepted, acceptance-expired findings and score.",
      ["by_control"],
      `SELECT ${SNAPSHOT_COLUMNS.controls.join(", ")}, control_order\nFROM by_control`,
    ),
    view(
      "risk_fleet",
      "Creates view risk_fleet: one row of fleet totals: machines, report/enforce, not seen, score, open findings per severity, accepted, acceptance-expired, data time range.",
      ["fleet_totals"],
      `SELECT ${SNAPSHOT_COLUMNS.totals.join(", ")}\nFROM fleet_totals`,
    ),
  ];
}

/** Where the register and the history live in the bucket. */
export interface RiskTableLocation {
  /** Bucket name. */
  readonly bucketName: string;
  /** Key prefix of the register (no leading or trailing `/`). @default "risk-register" */
  readonly registerPrefix?: string;
  /** Key prefix of the history (no leading or trailing `/`). @default "risk-history" */
  readonly historyPrefix?: string;
  /**
   * Key prefix of the snapshot's work tables (no leading or trailing `/`): the copy in its
   * `copy/` folder, the scored findings in `scored/`. @default "risk-work"
   */
  readonly workPrefix?: string;
}

/** Default key prefixes of the register and the history. */
export const RISK_PREFIXES = {
  register: "risk-register",
  history: "risk-history",
  work: "risk-work",
} as const;

/** Folder of each register table below the register prefix (the keys of registerFiles). */
export const REGISTER_FOLDERS = { acceptances: "acceptances", scopes: "scopes" } as const;

function jsonTable(
  name: string,
  description: string,
  location: string,
  columns: readonly string[],
): GlueTableSpec {
  return {
    name,
    description,
    tableType: "EXTERNAL_TABLE",
    parameters: sortedRecord([
      ["EXTERNAL", "TRUE"],
      ["classification", "json"],
    ]),
    partitionKeys: [],
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
      columns: columns.map((c) => ({ name: c, type: "string" as const })),
    },
  };
}

/**
 * The Glue tables of the acceptance register (two unpartitioned NDJSON tables, see
 * `registerFiles` in risk/register.ts) and of the history (Parquet, partitioned by `day` with
 * date projection over the last three years, so no partition is ever registered), and the
 * snapshot's two work tables (Parquet, unpartitioned): the copy (risk/stage.ts) and the
 * scored findings (risk/scored.ts).
 */
export function riskGlueTableSpecs(
  loc: RiskTableLocation,
  names: {
    acceptancesTable: string;
    scopesTable: string;
    historyTable: string;
    workTable?: string;
    scoredTable?: string;
  } = {
    acceptancesTable: RISK_TABLE_NAMES.acceptances,
    scopesTable: RISK_TABLE_NAMES.scopes,
    historyTable: RISK_TABLE_NAMES.history,
  },
): GlueTableSpec[] {
  for (const [field, name] of Object.entries(names)) {
    if (!TABLE_NAME.test(name)) throw new Error(`${field} "${name}" must match ^[a-z0-9_]{1,255}$`);
  }
  const register = `s3://${loc.bucketName}/${loc.registerPrefix ?? RISK_PREFIXES.register}/`;
  const history = `s3://${loc.bucketName}/${loc.historyPrefix ?? RISK_PREFIXES.history}/`;
  const work = { bucketName: loc.bucketName, prefix: loc.workPrefix ?? RISK_PREFIXES.work };
  return [
    jsonTable(
      names.acceptancesTable,
      "Risk acceptance register: one line per acceptance (written by the stack from risk.acceptances)",
      `${register}${REGISTER_FOLDERS.acceptances}/`,
      ACCEPTANCE_COLUMNS,
    ),
    jsonTable(
      names.scopesTable,
      "Risk acceptance scopes: one line per name or required tag of an acceptance",
      `${register}${REGISTER_FOLDERS.scopes}/`,
      SCOPE_COLUMNS,
    ),
    {
      name: names.historyTable,
      description:
        "Risk history: one row per environment x mode (x control x severity) per snapshot",
      tableType: "EXTERNAL_TABLE",
      parameters: parquetTableParameters([
        ["projection.enabled", "true"],
        [`projection.${HISTORY_PARTITION_KEY}.type`, "date"],
        [`projection.${HISTORY_PARTITION_KEY}.format`, "yyyy-MM-dd"],
        [`projection.${HISTORY_PARTITION_KEY}.range`, "NOW-3YEARS,NOW"],
        [`projection.${HISTORY_PARTITION_KEY}.interval`, "1"],
        [`projection.${HISTORY_PARTITION_KEY}.interval.unit`, "DAYS"],
      ]),
      partitionKeys: [{ name: HISTORY_PARTITION_KEY, type: "string" }],
      storageDescriptor: parquetStorage(
        history,
        HISTORY_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
      ),
    },
    workTableSpec(names.workTable ?? RISK_TABLE_NAMES.work, work),
    scoredTableSpec(names.scoredTable ?? RISK_TABLE_NAMES.scored, work),
  ];
}
