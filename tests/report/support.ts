/**
 * Shared by the report's tests: fixture snapshots, an empty fleet, and the numbers the report
 * must show for a snapshot, worked out here independently of the renderer.
 */
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_SEVERITY_WEIGHTS, RiskSnapshot, SEVERITIES } from "../../risk/model";

const FIXTURES = path.join(__dirname, "..", "fixtures", "risk");

/** Loads `tests/fixtures/risk/<name>.json`. */
export function loadSnapshot(name: "snapshot" | "snapshot-hostile"): RiskSnapshot {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as RiskSnapshot;
}

/** Every hostile value in snapshot-hostile.json sets `window.__pwned` if it ever runs. */
export const HOSTILE_MARKER = "window.__pwned";

/** A fleet with no machines, no data, no controls, no history. */
export function emptySnapshot(): RiskSnapshot {
  return {
    fleet: "empty",
    capturedAt: "2026-11-30T10:00:00Z",
    dataFrom: null,
    dataTo: null,
    staleDays: 7,
    weights: DEFAULT_SEVERITY_WEIGHTS,
    totals: {
      machines: 0,
      reportMachines: 0,
      enforceMachines: 0,
      notSeen: 0,
      score: 0,
      open: 0,
      accepted: 0,
      acceptanceExpired: 0,
      openBySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<
        (typeof SEVERITIES)[number],
        number
      >,
    },
    controls: [],
    breakdown: [],
    topMachines: [],
    acceptances: [],
    notSeen: [],
    history: [],
    unreadableFiles: [],
  };
}

/** One number the report shows: `data-metric`, `data-key` (null when none) and its value. */
export type ShownMetric = readonly [metric: string, key: string | null, value: number];

/** Sorts metrics so two lists compare with deepEqual whatever their document order. */
export const sortMetrics = (m: readonly ShownMetric[]): ShownMetric[] =>
  [...m].sort((a, b) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });

/**
 * The numbers the report must show for a snapshot, read straight from the snapshot (the
 * environment × mode cells summed here from the breakdown rows).
 */
export function expectedMetrics(s: RiskSnapshot): ShownMetric[] {
  const t = s.totals;
  const out: ShownMetric[] = [
    ["totals.score", null, t.score],
    ["totals.machines", null, t.machines],
    ["totals.reportMachines", null, t.reportMachines],
    ["totals.enforceMachines", null, t.enforceMachines],
    ["totals.open", null, t.open],
    ["totals.acceptanceExpired", null, t.acceptanceExpired],
    ["totals.accepted", null, t.accepted],
    ["totals.notSeen", null, t.notSeen],
    ...SEVERITIES.map((v): ShownMetric => ["totals.openBySeverity", v, t.openBySeverity[v]]),
  ];
  for (const c of s.controls) {
    out.push(
      ["control.coveragePercent", c.control, c.coveragePercent],
      ["control.compliant", c.control, c.compliant],
      ["control.machines", c.control, c.machines],
      ["control.open", c.control, c.open],
      ["control.acceptanceExpired", c.control, c.acceptanceExpired],
      ["control.accepted", c.control, c.accepted],
      ["control.score", c.control, c.score],
    );
  }
  out.push(
    ...breakdownCellMetrics(s.breakdown.map((b) => ({ ...b, cell: `${b.environment}/${b.mode}` }))),
  );
  for (const m of s.topMachines)
    out.push(
      ["machine.score", m.resourceId, m.score],
      ["machine.open", m.resourceId, m.open],
      ["machine.acceptanceExpired", m.resourceId, m.acceptanceExpired],
      ["machine.accepted", m.resourceId, m.accepted],
    );
  // Each acceptance is listed once as accepted (active, expiring) and once as needing
  // attention (expiring, expired): expiring ones appear in both tables.
  for (const a of s.acceptances) {
    if (a.status !== "expired") out.push(["acceptance.findings", a.id, a.findings]);
    if (a.status !== "active") out.push(["acceptance.findings", a.id, a.findings]);
  }
  for (const n of s.notSeen)
    if (n.daysSinceSeen !== null) out.push(["notSeen.days", n.resourceId, n.daysSinceSeen]);
  for (const h of s.history) out.push(["history.score", h.capturedAt, h.score]);
  return sortMetrics(out);
}

/** Reads a shown number back: `1,234` → 1234, `37.5` → 37.5. */
export const shownNumber = (text: string): number => Number(text.replace(/,/g, ""));

/** One SQL result row (numbers as numbers from DuckDB, as strings from Athena). */
type SqlRow = Record<string, string | number | boolean | null>;

/**
 * The numbers the report must show, read straight from the snapshot SELECTs' rows (columns
 * of SNAPSHOT_COLUMNS), so a test can compare the page with the SQL and not only with the
 * assembled snapshot.
 */
export function expectedMetricsFromRows(rows: Record<string, readonly SqlRow[]>): ShownMetric[] {
  const n = (v: SqlRow[string]): number => Number(v);
  const s = (v: SqlRow[string]): string => String(v);
  const [t] = rows.totals;
  const out: ShownMetric[] = [
    ["totals.score", null, n(t.score)],
    ["totals.machines", null, n(t.machines)],
    ["totals.reportMachines", null, n(t.report_machines)],
    ["totals.enforceMachines", null, n(t.enforce_machines)],
    ["totals.open", null, n(t.open)],
    ["totals.acceptanceExpired", null, n(t.acceptance_expired)],
    ["totals.accepted", null, n(t.accepted)],
    ["totals.notSeen", null, n(t.not_seen)],
    ...SEVERITIES.map((v): ShownMetric => [
      "totals.openBySeverity",
      v,
      n(t[`open_${v.toLowerCase()}`]),
    ]),
  ];
  for (const c of rows.controls) {
    const k = s(c.control);
    out.push(
      ["control.coveragePercent", k, n(c.coverage_percent)],
      ["control.compliant", k, n(c.compliant)],
      ["control.machines", k, n(c.machines)],
      ["control.open", k, n(c.open)],
      ["control.acceptanceExpired", k, n(c.acceptance_expired)],
      ["control.accepted", k, n(c.accepted)],
      ["control.score", k, n(c.score)],
    );
  }
  out.push(
    ...breakdownCellMetrics(
      rows.breakdown.map((b) => ({
        cell: `${s(b.environment)}/${s(b.compliance_mode)}`,
        severity: s(b.severity),
        score: n(b.score),
        open: n(b.open),
        acceptanceExpired: n(b.acceptance_expired),
        accepted: n(b.accepted),
      })),
    ),
  );
  for (const m of rows.top_machines) {
    const k = s(m.resource_id);
    out.push(
      ["machine.score", k, n(m.score)],
      ["machine.open", k, n(m.open)],
      ["machine.acceptanceExpired", k, n(m.acceptance_expired)],
      ["machine.accepted", k, n(m.accepted)],
    );
  }
  for (const a of rows.acceptances) {
    if (a.status !== "expired") out.push(["acceptance.findings", s(a.id), n(a.findings)]);
    if (a.status !== "active") out.push(["acceptance.findings", s(a.id), n(a.findings)]);
  }
  for (const x of rows.not_seen)
    if (x.days_since_seen !== null)
      out.push(["notSeen.days", s(x.resource_id), n(x.days_since_seen)]);
  for (const h of rows.history) out.push(["history.score", s(h.captured_at), n(h.score)]);
  return sortMetrics(out);
}

/** One breakdown row, reduced to what the environment × mode table shows. */
interface BreakdownCellRow {
  readonly cell: string;
  readonly severity: string;
  readonly score: number;
  readonly open: number;
  readonly acceptanceExpired: number;
  readonly accepted: number;
}

/** The environment × mode table's numbers: breakdown rows summed per cell. */
function breakdownCellMetrics(rows: readonly BreakdownCellRow[]): ShownMetric[] {
  const names = ["score", "open", "openCritical", "openHigh", "acceptanceExpired", "accepted"];
  const cells = new Map<string, number[]>();
  for (const b of rows) {
    const c = cells.get(b.cell) ?? [0, 0, 0, 0, 0, 0];
    c[0] += b.score;
    c[1] += b.open;
    c[2] += b.severity === "CRITICAL" ? b.open : 0;
    c[3] += b.severity === "HIGH" ? b.open : 0;
    c[4] += b.acceptanceExpired;
    c[5] += b.accepted;
    cells.set(b.cell, c);
  }
  return [...cells].flatMap(([k, c]) =>
    names.map((name, i): ShownMetric => [`breakdown.${name}`, k, c[i]]),
  );
}
