/**
 * Query rows → {@link RiskSnapshot}: the one place where the engines' value types meet the
 * model. DuckDB returns numbers and booleans; Athena's GetQueryResults returns every value as
 * a string (`"3"`, `"true"`, `"12.5"`) and NULL as a missing value. Anything that is neither
 * is an error naming the row and column, never a silent 0.
 */
import {
  FINDING_STATES,
  FindingState,
  RiskSnapshot,
  SEVERITIES,
  Severity,
  SeverityWeights,
  SnapshotAcceptance,
  SnapshotHistoryPoint,
  SnapshotMachine,
  SnapshotQueryKey,
  UnreadableFile,
} from "./model";

/** One result row; numbers may arrive as strings, booleans as `'true'`/`'false'`. */
export type Row = Record<string, string | number | boolean | null>;

/** What the snapshot knows besides its query rows. */
export interface SnapshotMeta {
  /** Fleet name, or `(all)`. */
  readonly fleet: string;
  /** ISO time of the snapshot (the `?` its queries ran with). */
  readonly capturedAt: string;
  readonly staleDays: number;
  readonly weights: SeverityWeights;
  /** Files the offline engine skipped. @default [] */
  readonly unreadableFiles?: readonly UnreadableFile[];
}

const ACCEPTANCE_STATUSES = ["active", "expiring", "expired"] as const;

function where(query: string, index: number, column: string): string {
  return `${query}[${index}].${column}`;
}

function num(row: Row, query: string, index: number, column: string): number {
  const v = row[column];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(v)) return Number(v);
  throw new Error(`${where(query, index, column)} must be a number, got ${JSON.stringify(v)}`);
}

function numOrNull(row: Row, query: string, index: number, column: string): number | null {
  return row[column] === null || row[column] === undefined ? null : num(row, query, index, column);
}

function str(row: Row, query: string, index: number, column: string): string {
  const v = row[column];
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw new Error(`${where(query, index, column)} must be a string, got ${JSON.stringify(v)}`);
}

function strOrNull(row: Row, query: string, index: number, column: string): string | null {
  return row[column] === null || row[column] === undefined ? null : str(row, query, index, column);
}

function bool(row: Row, query: string, index: number, column: string): boolean {
  const v = row[column];
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  throw new Error(`${where(query, index, column)} must be true or false, got ${JSON.stringify(v)}`);
}

/** A severity as the model knows it: anything else counts as `UNSPECIFIED`. */
export function normaliseSeverity(value: unknown): Severity {
  return (SEVERITIES as readonly unknown[]).includes(value) ? (value as Severity) : "UNSPECIFIED";
}

function oneOf<T extends string>(
  allowed: readonly T[],
  row: Row,
  query: string,
  index: number,
  column: string,
): T {
  const v = str(row, query, index, column);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new Error(`${where(query, index, column)} "${v}" must be one of ${allowed.join(", ")}`);
  }
  return v as T;
}

function instant(iso: string, field: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`${field} "${iso}" must be an ISO 8601 time`);
  return t;
}

/**
 * Builds the snapshot from the rows of every SELECT of `riskStatements` (keyed as
 * SNAPSHOT_COLUMNS) and the snapshot's own facts. Findings are attached to their top machine
 * in the order the query returned them (worst first). The history ends with this snapshot:
 * points at or after `capturedAt` are replaced by one point from this snapshot's totals, so
 * the trend is right whether the history was appended before or after the SELECTs ran.
 */
export function assembleSnapshot(
  rows: Record<SnapshotQueryKey, Row[]>,
  meta: SnapshotMeta,
): RiskSnapshot {
  const now = instant(meta.capturedAt, "capturedAt");
  if (rows.totals.length !== 1) {
    throw new Error(`totals must have exactly one row, got ${rows.totals.length}`);
  }
  const t = rows.totals[0];
  const tn = (c: string) => num(t, "totals", 0, c);
  const openBySeverity = Object.fromEntries(
    SEVERITIES.map((s) => [s, tn(`open_${s.toLowerCase()}`)]),
  ) as Record<Severity, number>;
  const totals = {
    machines: tn("machines"),
    reportMachines: tn("report_machines"),
    enforceMachines: tn("enforce_machines"),
    notSeen: tn("not_seen"),
    score: tn("score"),
    open: tn("open"),
    accepted: tn("accepted"),
    acceptanceExpired: tn("acceptance_expired"),
    openBySeverity,
  };

  const findingsOf = new Map<string, SnapshotMachine["findings"][number][]>();
  rows.top_machine_findings.forEach((r, i) => {
    const q = "top_machine_findings";
    const id = str(r, q, i, "resource_id");
    const acceptanceId = strOrNull(r, q, i, "acceptance_id");
    const list = findingsOf.get(id) ?? [];
    list.push({
      control: str(r, q, i, "control"),
      complianceType: str(r, q, i, "compliance_type"),
      findingId: str(r, q, i, "finding_id"),
      title: strOrNull(r, q, i, "title") ?? "",
      severity: normaliseSeverity(r.severity),
      state: oneOf<FindingState>(FINDING_STATES, r, q, i, "state"),
      ...(acceptanceId === null ? {} : { acceptanceId }),
    });
    findingsOf.set(id, list);
  });

  const topMachines: SnapshotMachine[] = rows.top_machines.map((r, i) => {
    const q = "top_machines";
    const resourceId = str(r, q, i, "resource_id");
    return {
      resourceId,
      name: str(r, q, i, "name"),
      environment: str(r, q, i, "environment"),
      mode: str(r, q, i, "compliance_mode"),
      lastSeen: strOrNull(r, q, i, "last_seen"),
      score: num(r, q, i, "score"),
      open: num(r, q, i, "open"),
      accepted: num(r, q, i, "accepted"),
      acceptanceExpired: num(r, q, i, "acceptance_expired"),
      findings: findingsOf.get(resourceId) ?? [],
    };
  });

  const acceptances: SnapshotAcceptance[] = rows.acceptances.map((r, i) => {
    const q = "acceptances";
    return {
      id: str(r, q, i, "id"),
      control: str(r, q, i, "control"),
      reason: str(r, q, i, "reason"),
      approver: str(r, q, i, "approver"),
      expiresAt: str(r, q, i, "expires_at"),
      status: oneOf(ACCEPTANCE_STATUSES, r, q, i, "status"),
      findings: num(r, q, i, "findings"),
    };
  });

  const past: SnapshotHistoryPoint[] = rows.history
    .map((r, i) => {
      const q = "history";
      return {
        capturedAt: str(r, q, i, "captured_at"),
        score: num(r, q, i, "score"),
        openCritical: num(r, q, i, "open_critical"),
        openHigh: num(r, q, i, "open_high"),
        machines: num(r, q, i, "machines"),
      };
    })
    .filter((p) => instant(p.capturedAt, "history.captured_at") < now)
    .sort((a, b) => Date.parse(a.capturedAt) - Date.parse(b.capturedAt));

  return {
    fleet: meta.fleet,
    capturedAt: meta.capturedAt,
    dataFrom: strOrNull(t, "totals", 0, "data_from"),
    dataTo: strOrNull(t, "totals", 0, "data_to"),
    staleDays: meta.staleDays,
    weights: meta.weights,
    totals,
    controls: rows.controls.map((r, i) => {
      const q = "controls";
      return {
        control: str(r, q, i, "control"),
        complianceType: str(r, q, i, "compliance_type"),
        mandatory: bool(r, q, i, "mandatory"),
        machines: num(r, q, i, "machines"),
        compliant: num(r, q, i, "compliant"),
        coveragePercent: num(r, q, i, "coverage_percent"),
        open: num(r, q, i, "open"),
        accepted: num(r, q, i, "accepted"),
        acceptanceExpired: num(r, q, i, "acceptance_expired"),
        score: num(r, q, i, "score"),
      };
    }),
    breakdown: rows.breakdown.map((r, i) => {
      const q = "breakdown";
      return {
        environment: str(r, q, i, "environment"),
        mode: str(r, q, i, "compliance_mode"),
        control: str(r, q, i, "control"),
        severity: normaliseSeverity(r.severity),
        open: num(r, q, i, "open"),
        accepted: num(r, q, i, "accepted"),
        acceptanceExpired: num(r, q, i, "acceptance_expired"),
        score: num(r, q, i, "score"),
      };
    }),
    topMachines,
    acceptances,
    notSeen: rows.not_seen.map((r, i) => {
      const q = "not_seen";
      return {
        resourceId: str(r, q, i, "resource_id"),
        name: str(r, q, i, "name"),
        environment: str(r, q, i, "environment"),
        mode: str(r, q, i, "compliance_mode"),
        lastSeen: strOrNull(r, q, i, "last_seen"),
        daysSinceSeen: numOrNull(r, q, i, "days_since_seen"),
      };
    }),
    history: [
      ...past,
      {
        capturedAt: meta.capturedAt,
        score: totals.score,
        openCritical: openBySeverity.CRITICAL,
        openHigh: openBySeverity.HIGH,
        machines: totals.machines,
      },
    ],
    unreadableFiles: [...(meta.unreadableFiles ?? [])],
  };
}
