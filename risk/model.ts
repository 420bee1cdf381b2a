/**
 * The risk model's contract: the names, defaults and shapes that the risk SQL, the snapshot
 * function, the offline `npm run risk`, the HTML report, the dashboard and the alarms share.
 * Pure data and types only (no Pulumi, no AWS SDK), so handlers and the report can import it.
 *
 * The model (the README's "Risk view" section states it for users):
 * - A **finding** is a NON_COMPLIANT compliance item of a live fleet machine (any compliance
 *   type: `Patch`, `Association`, `Custom:Antivirus`, `Custom:CIS`, any other custom type).
 * - **Unknown is risk**: for every enabled control, a fleet machine whose newest data of that
 *   control's compliance type was captured more than `staleDays` before the snapshot (or never)
 *   gets one synthetic finding {@link NO_DATA_FINDING_ID} at that control's severity; its stale
 *   items are then disregarded (not counted twice).
 * - A finding's **state**: `accepted` when an unexpired acceptance matches it and its control
 *   is not mandated; `acceptance-expired` when only expired acceptances match (counts as open,
 *   flagged); otherwise `open`.
 * - **Score** of a machine = sum of the severity weights of its `open` and
 *   `acceptance-expired` findings. Fleet score = sum over machines.
 * - **Coverage** of a control = machines with fresh data for it and no open or
 *   acceptance-expired finding of it / fleet machines (accepted findings do not count against).
 */

/** Severities of compliance items, worst first (SSM's list). */
export const SEVERITIES = [
  "CRITICAL",
  "HIGH",
  "MEDIUM",
  "LOW",
  "INFORMATIONAL",
  "UNSPECIFIED",
] as const;
/** One compliance severity. Items with another or no severity count as `UNSPECIFIED`. */
export type Severity = (typeof SEVERITIES)[number];

/** Weight of one open finding per severity. */
export type SeverityWeights = Readonly<Record<Severity, number>>;

/** Default weights (Security Hub / CVSS-like steps; informational findings carry no risk). */
export const DEFAULT_SEVERITY_WEIGHTS: SeverityWeights = {
  CRITICAL: 10,
  HIGH: 5,
  MEDIUM: 2,
  LOW: 1,
  INFORMATIONAL: 0,
  UNSPECIFIED: 1,
};

/** Finding states. */
export const FINDING_STATES = ["open", "accepted", "acceptance-expired"] as const;
/** One finding state. */
export type FindingState = (typeof FINDING_STATES)[number];

/** Finding ID of the synthetic "no data for this control within staleDays" finding. */
export const NO_DATA_FINDING_ID = "no-data";

/** Default: data older than this many days is unknown (and unknown is risk). */
export const DEFAULT_RISK_STALE_DAYS = 7;
/** Default and hard ceiling: an acceptance may run at most this many days from now. */
export const DEFAULT_MAX_ACCEPTANCE_DAYS = 365;
/** Acceptances expiring within this many days are reported as expiring soon. */
export const EXPIRING_SOON_DAYS = 30;
/** Default number of machines in the report's and the summary's top list. */
export const DEFAULT_TOP_MACHINES = 20;

/** Control names of the fleet (stack config `controls`) and the compliance type each writes. */
export const CONTROL_COMPLIANCE_TYPES = {
  patch: "Patch",
  antivirus: "Custom:Antivirus",
  cis: "Custom:CIS",
} as const;
/** A control name. */
export type RiskControlName = keyof typeof CONTROL_COMPLIANCE_TYPES;

/**
 * One control as the risk SQL sees it. Built from the stack's `controls` (only enabled ones):
 * their severity is the association's `severity` setting.
 */
export interface RiskControl {
  /** Control name (`patch`, `antivirus`, `cis`). */
  readonly name: RiskControlName;
  /** Compliance type its items carry. */
  readonly complianceType: string;
  /** Severity of its synthetic no-data finding. */
  readonly severity: Severity;
  /** Mandated: enforced everywhere and never accepted. */
  readonly mandatory: boolean;
}

/**
 * An accepted risk, as written in stack config (`risk.acceptances`). Every field is required
 * except the scope and the finding pattern. Validated before anything is created: unknown
 * control, mandated control, no approver, expiry beyond `maxAcceptanceDays` are errors; an
 * expiry in the past is a warning (the acceptance then reports as `acceptance-expired`).
 */
export interface Acceptance {
  /** Stable ID (letters, digits, `-`, `_`, `.`; unique in the register). */
  readonly id: string;
  /** The control whose findings it accepts: a control name (`patch`, `antivirus`, `cis`). */
  readonly control: RiskControlName;
  /**
   * Regular expression over the finding ID (the compliance item ID, e.g. a KB, a CVE-bearing
   * patch title ID, a CIS rule ID, or `no-data`), matched in full. Default: every finding.
   */
  readonly findingPattern?: string;
  /** Machine names (Name tag, else computer name) or resource IDs it covers. Default: all. */
  readonly names?: readonly string[];
  /** Tags a machine must all carry for the acceptance to cover it. Default: none required. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Why the business accepts it. */
  readonly reason: string;
  /** Who approved it (a person or a change record). */
  readonly approver: string;
  /** ISO 8601 instant the acceptance stops counting (`2027-03-31T00:00:00Z`). */
  readonly expiresAt: string;
}

/** Alert settings (stack config `risk.alerts`). */
export interface RiskAlertSettings {
  /** Environments in which any open CRITICAL finding alarms. @default ["prod"] */
  readonly criticalEnvironments?: readonly string[];
  /** Alarm when the fleet score rises by more than this share day over day. @default 0.2 */
  readonly scoreIncreaseShare?: number;
  /** Alarm when more than this many machines are not seen. @default 0 */
  readonly notSeenThreshold?: number;
  /** Email addresses subscribed to the alert topic (each confirms by email). @default [] */
  readonly emails?: readonly string[];
  /** An existing SNS topic ARN to alert instead of creating one. @default undefined */
  readonly topicArn?: string;
}

/** CloudWatch namespace of every risk metric. */
export const RISK_METRIC_NAMESPACE = "HybridFleet/Risk";

/**
 * Risk metrics, all published by the snapshot as EMF log lines. Three dimension sets only,
 * to keep the metric count (and its monthly cost) small:
 * - `[Fleet]`: every fleet-level metric;
 * - `[Fleet, Environment]`: {@link ENVIRONMENT_METRICS};
 * - `[Fleet, Control]`: {@link CONTROL_METRICS}.
 */
export const FLEET_METRICS = {
  /** Fleet risk score (sum of open weights). */
  score: "FleetScore",
  /** Fleet score change against the newest snapshot at least 24 h older, as a share (0.25 = +25 %). */
  scoreDayOverDay: "FleetScoreDayOverDay",
  /** Live fleet machines. */
  machines: "Machines",
  /** Machines in report mode. */
  reportMachines: "ReportMachines",
  /** Machines in enforce mode. */
  enforceMachines: "EnforceMachines",
  /** Machines not seen within staleDays. */
  notSeen: "MachinesNotSeen",
  /** Open (incl. acceptance-expired) findings. */
  openFindings: "OpenFindings",
  /** Open CRITICAL findings. */
  openCritical: "OpenCritical",
  /** Open HIGH findings. */
  openHigh: "OpenHigh",
  /** Accepted findings. */
  acceptedFindings: "AcceptedFindings",
  /** Acceptances past their expiry that still match a finding. */
  expiredAcceptances: "ExpiredAcceptances",
  /** Acceptances expiring within {@link EXPIRING_SOON_DAYS}. */
  expiringAcceptances: "AcceptancesExpiringSoon",
  /** 1 per successful snapshot: its absence is the silent-pipeline alarm. */
  snapshotSucceeded: "SnapshotSucceeded",
} as const;

/** Metrics per `[Fleet, Environment]`. */
export const ENVIRONMENT_METRICS = {
  score: "Score",
  openCritical: "OpenCritical",
  openHigh: "OpenHigh",
} as const;

/** Metrics per `[Fleet, Control]` (Control = control name or other compliance type). */
export const CONTROL_METRICS = {
  /** Coverage in percent (0–100). */
  coverage: "CoveragePercent",
  openFindings: "OpenFindings",
} as const;

/** Metric dimension names. */
export const METRIC_DIMENSIONS = {
  fleet: "Fleet",
  environment: "Environment",
  control: "Control",
} as const;

/** One finding of a machine, as the report's drill-down lists it. */
export interface SnapshotFinding {
  /** Control name, or the compliance type for types that are no control. */
  readonly control: string;
  readonly complianceType: string;
  readonly findingId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly state: FindingState;
  /** The acceptance that matched (accepted or acceptance-expired). */
  readonly acceptanceId?: string;
}

/** One machine with its risk. */
export interface SnapshotMachine {
  readonly resourceId: string;
  /** Name tag, else computer name, else resource ID. */
  readonly name: string;
  readonly environment: string;
  /** `report`, `enforce` or `(untagged)`. */
  readonly mode: string;
  /** ISO time of its newest capture, or null when never seen. */
  readonly lastSeen: string | null;
  readonly score: number;
  readonly open: number;
  readonly accepted: number;
  readonly acceptanceExpired: number;
  /** Worst-first findings (the report's drill-down). */
  readonly findings: readonly SnapshotFinding[];
}

/** One control's coverage and findings. */
export interface SnapshotControl {
  readonly control: string;
  readonly complianceType: string;
  readonly mandatory: boolean;
  readonly machines: number;
  readonly compliant: number;
  /** compliant / machines × 100, one decimal; 0 when there are no machines. */
  readonly coveragePercent: number;
  readonly open: number;
  readonly accepted: number;
  readonly acceptanceExpired: number;
  readonly score: number;
}

/** One cell of the environment × mode × control × severity breakdown. */
export interface SnapshotBreakdownRow {
  readonly environment: string;
  readonly mode: string;
  readonly control: string;
  readonly severity: Severity;
  readonly open: number;
  readonly accepted: number;
  readonly acceptanceExpired: number;
  readonly score: number;
}

/** One acceptance from the register with what it matched at snapshot time. */
export interface SnapshotAcceptance {
  readonly id: string;
  readonly control: string;
  readonly reason: string;
  readonly approver: string;
  readonly expiresAt: string;
  /** `active`, `expiring` (within {@link EXPIRING_SOON_DAYS}) or `expired`. */
  readonly status: "active" | "expiring" | "expired";
  /** Findings it matched (accepted, or acceptance-expired once expired). */
  readonly findings: number;
}

/** A machine not seen within staleDays. */
export interface SnapshotNotSeen {
  readonly resourceId: string;
  readonly name: string;
  readonly environment: string;
  readonly mode: string;
  readonly lastSeen: string | null;
  readonly daysSinceSeen: number | null;
}

/** One point of the score trend (from the history table). */
export interface SnapshotHistoryPoint {
  /** ISO time of that snapshot. */
  readonly capturedAt: string;
  readonly score: number;
  readonly openCritical: number;
  readonly openHigh: number;
  readonly machines: number;
}

/** A sync file the engine could not read (offline engine; the Lambda sees none). */
export interface UnreadableFile {
  /** Path relative to the sync folder. */
  readonly file: string;
  /** What was wrong (`line 3: Unexpected end of JSON input`). */
  readonly problem: string;
}

/** Everything one risk snapshot knows: what the report renders and the metrics carry. */
export interface RiskSnapshot {
  /** Fleet name (the fleet tag value), or `(all)` when not filtered. */
  readonly fleet: string;
  /** ISO time the snapshot was taken (its "now"). */
  readonly capturedAt: string;
  /** Oldest and newest capture time of the data it read (null when there was none). */
  readonly dataFrom: string | null;
  readonly dataTo: string | null;
  readonly staleDays: number;
  readonly weights: SeverityWeights;
  readonly totals: {
    readonly machines: number;
    readonly reportMachines: number;
    readonly enforceMachines: number;
    readonly notSeen: number;
    readonly score: number;
    readonly open: number;
    readonly accepted: number;
    readonly acceptanceExpired: number;
    /** Open (incl. acceptance-expired) findings per severity. */
    readonly openBySeverity: Readonly<Record<Severity, number>>;
  };
  readonly controls: readonly SnapshotControl[];
  readonly breakdown: readonly SnapshotBreakdownRow[];
  /** Top machines by score (ties: more open findings, then resource ID). */
  readonly topMachines: readonly SnapshotMachine[];
  readonly acceptances: readonly SnapshotAcceptance[];
  readonly notSeen: readonly SnapshotNotSeen[];
  /** Oldest first; the last point is this snapshot. */
  readonly history: readonly SnapshotHistoryPoint[];
  /** Files skipped because they could not be read (named, never silently dropped). */
  readonly unreadableFiles: readonly UnreadableFile[];
}

/**
 * The SELECTs one snapshot runs, by key. Each has exactly one `?` execution parameter: the
 * snapshot time as an ISO 8601 string (Athena `ExecutionParameters: ["'2026-11-30T10:00:00Z'"]`,
 * DuckDB `rows(sql, ["2026-11-30T10:00:00Z"])`), and returns exactly the columns listed in
 * {@link SNAPSHOT_COLUMNS}, in that order. Counts may arrive as numbers (DuckDB) or strings
 * (Athena's GetQueryResults); {@link RiskSnapshot} assembly converts them.
 */
export const SNAPSHOT_COLUMNS = {
  /** One row: fleet totals and the data's time range. */
  totals: [
    "machines",
    "report_machines",
    "enforce_machines",
    "not_seen",
    "score",
    "open",
    "accepted",
    "acceptance_expired",
    "open_critical",
    "open_high",
    "open_medium",
    "open_low",
    "open_informational",
    "open_unspecified",
    "data_from",
    "data_to",
  ],
  /** One row per control (enabled controls first in config order, then other types by name). */
  controls: [
    "control",
    "compliance_type",
    "mandatory",
    "machines",
    "compliant",
    "coverage_percent",
    "open",
    "accepted",
    "acceptance_expired",
    "score",
  ],
  /** One row per environment × mode × control × severity that has at least one finding. */
  breakdown: [
    "environment",
    "compliance_mode",
    "control",
    "severity",
    "open",
    "accepted",
    "acceptance_expired",
    "score",
  ],
  /** Top machines by score: score DESC, open DESC, resource_id ASC; LIMIT topMachines. */
  top_machines: [
    "resource_id",
    "name",
    "environment",
    "compliance_mode",
    "last_seen",
    "score",
    "open",
    "accepted",
    "acceptance_expired",
  ],
  /** Every finding of the top machines (same LIMIT), worst severity first. */
  top_machine_findings: [
    "resource_id",
    "control",
    "compliance_type",
    "finding_id",
    "title",
    "severity",
    "state",
    "acceptance_id",
  ],
  /** One row per acceptance in the register. */
  acceptances: ["id", "control", "reason", "approver", "expires_at", "status", "findings"],
  /** Machines not seen within staleDays, longest first. */
  not_seen: [
    "resource_id",
    "name",
    "environment",
    "compliance_mode",
    "last_seen",
    "days_since_seen",
  ],
  /** The score trend from the history table, oldest first (one row per past snapshot). */
  history: ["captured_at", "score", "open_critical", "open_high", "machines"],
} as const;

/** Keys of the snapshot's SELECTs. */
export type SnapshotQueryKey = keyof typeof SNAPSHOT_COLUMNS;

/**
 * Everything the snapshot function runs, built at deploy time by the risk SQL builders and
 * shipped in the function's code package as `risk-statements.json` (the Lambda imports no
 * SQL builder): the `INSERT INTO` that copies what the snapshot reads into the work table,
 * the `INSERT INTO` that scores the findings from it, the SELECTs, and the `INSERT INTO` that
 * appends this snapshot to the history table (the last three with one `?`: the snapshot time).
 */
export interface SnapshotStatements {
  /** Copies what the snapshot reads into the work table (no `?`); runs first. */
  readonly prepare: string;
  /**
   * Scores the findings once, from the work table into the scored table (one `?`: the
   * snapshot time); runs second, and every statement below reads what it wrote.
   */
  readonly score: string;
  readonly selects: Readonly<Record<SnapshotQueryKey, string>>;
  readonly appendHistory: string;
}
