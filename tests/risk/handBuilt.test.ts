/**
 * The proof of the risk SQL: a sync folder written by hand in the exact Resource Data Sync
 * layout (tests/fixtures/risk/handbuilt/, README there), every number of every snapshot
 * SELECT worked out by hand below, then compared with what the deployed SQL returns in DuckDB,
 * and with the RiskSnapshot assembled from those rows.
 *
 * Snapshot time NOW = 2026-11-30T12:00:00Z; staleDays 7 (fresh = captured at or after
 * 2026-11-23T12:00:00Z). Controls: patch (HIGH, not mandated), antivirus (CRITICAL, mandated),
 * cis (MEDIUM, not mandated). Weights: CRITICAL 10, HIGH 5, MEDIUM 2, LOW 1, INFORMATIONAL 0,
 * UNSPECIFIED 1. Fleet tag HybridFleet = acme.
 *
 * The machines (all account 111122223333; M6 in us-east-1, the rest ap-southeast-2):
 * | #  | resource ID          | name (why)              | env  | mode    | keys          | compliance captured |
 * |----|----------------------|-------------------------|------|---------|---------------|---------------------|
 * | M1 | mi-0a1b2c3d4e5f60001 | web-01 (Name tag)       | prod | report  | camelCase     | 11-30T10:00:00Z     |
 * | M2 | i-0123456789abcdef0  | app-01 (computer name)  | prod | enforce | PascalCase    | 11-30T09:00:00Z (inventory 11-20) |
 * | M3 | mi-0a1b2c3d4e5f60003 | db-dev-01 (Name tag)    | dev  | report  | lower case    | 11-29T12:00:00Z     |
 * | M4 | mi-0a1b2c3d4e5f60004 | legacy-01 (Name tag, computer name legacy-host) | prod | report | PascalCase | 11-10T12:00:00Z: silent, 20 days |
 * | M5 | mi-0a1b2c3d4e5f60005 | old-01: Terminated, left out                                            |
 * | M6 | mi-0a1b2c3d4e5f60006 | kiosk-01 (Name tag)     | dev  | enforce | Pascal and lower mixed line by line | 11-30T11:00:00.500Z (inventory 11-30T11:00:00Z) |
 * | M7 | mi-0a1b2c3d4e5f60007 | other-01: fleet "other", left out                                       |
 *
 * Findings of the fleet (M1 M2 M3 M4 M6), with the register of acceptances.ts:
 * - M1: Patch KB1 CRITICAL open (10); CIS 1.1.1 HIGH accepted by cis-cramfs (0);
 *   CIS 5.2.1 LOW open: cis-cramfs's pattern 1\.1\..* does not match it (1). Antivirus
 *   compliant. tag-miss (needs Team=web too) does not apply. Score 11, open 2, accepted 1.
 * - M2: Patch KB3 HIGH acceptance-expired by patch-old (name app-01 = computer name, tag
 *   Environment=prod; expired 11-01) (5); Antivirus Defender HIGH open: av-waiver names the
 *   mandated control and never applies (5); no CIS data at all: no-data MEDIUM (2); an
 *   Association item with severity "Important": UNSPECIFIED (1), control "Association".
 *   Score 13, open 4 (incl. 1 acceptance-expired), accepted 0, acceptance-expired 1.
 * - M3: Patch KB1 MEDIUM accepted by dev-kb (by resource ID; expiring 12-15) (0); Patch KB10
 *   LOW open: dev-kb's pattern KB1 is matched in full, not as a prefix (1); CIS 1.1.1 HIGH
 *   open: cis-cramfs only names web-01 (5). Score 6, open 2, accepted 1.
 * - M4: everything 20 days old, so stale: its Patch item glibc is disregarded; no-data Patch
 *   HIGH acceptance-expired by patch-old (pattern: every finding, incl. no-data) (5);
 *   no-data Antivirus CRITICAL (10); no-data CIS MEDIUM (2). Score 17, open 3,
 *   acceptance-expired 1. Not seen for floor(20.0) = 20 days.
 * - M6: all compliant and fresh. Score 0.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assembleSnapshot } from "../../risk/assemble";
import { SyncDuckdb, Row } from "../../risk/local/duckdb";
import {
  DEFAULT_SEVERITY_WEIGHTS,
  RiskSnapshot,
  SNAPSHOT_COLUMNS,
  SnapshotQueryKey,
} from "../../risk/model";
import { registerFiles } from "../../risk/register";
import { HANDBUILT_ACCEPTANCES } from "../fixtures/risk/handbuilt/acceptances";
import {
  HANDBUILT_CONTEXT,
  HANDBUILT_DIR,
  HANDBUILT_NOW,
  HANDBUILT_YESTERDAY,
  openHandBuilt,
} from "../fixtures/risk/handbuilt/deployment";

const FIXTURE = HANDBUILT_DIR;
const NOW = HANDBUILT_NOW;
const YESTERDAY = HANDBUILT_YESTERDAY;
const CTX = HANDBUILT_CONTEXT;

const M1 = "mi-0a1b2c3d4e5f60001";
const M2 = "i-0123456789abcdef0";
const M4 = "mi-0a1b2c3d4e5f60004";
const ASSOCIATION_ID = "a1b2c3d4-0000-4000-8000-000000000001";

// ---- Expected rows, by hand -------------------------------------------------------------

const TOTALS: Row[] = [
  {
    machines: 5, // M1 M2 M3 M4 M6 (M5 terminated, M7 other fleet)
    report_machines: 3, // M1 M3 M4
    enforce_machines: 2, // M2 M6
    not_seen: 1, // M4
    score: 47, // 11 + 13 + 6 + 17 + 0
    open: 11, // 2 + 4 + 2 + 3 + 0 (acceptance-expired included)
    accepted: 2, // M1 1.1.1, M3 KB1
    acceptance_expired: 2, // M2 KB3, M4 no-data Patch
    open_critical: 2, // M1 KB1, M4 no-data Antivirus
    open_high: 4, // M2 KB3, M2 Defender, M3 1.1.1, M4 no-data Patch
    open_medium: 2, // M2 no-data CIS, M4 no-data CIS
    open_low: 2, // M1 5.2.1, M3 KB10
    open_informational: 0,
    open_unspecified: 1, // M2 Association ("Important")
    // 2×10 + 4×5 + 2×2 + 2×1 + 1×1 = 47, as the score.
    data_from: "2026-11-10T12:00:00Z", // M4
    // M6's compliance at …11:00:00.500Z is later than its inventory at …11:00:00Z although
    // the string sorts lower ("." < "Z").
    data_to: "2026-11-30T11:00:00.500Z",
  },
];

const CONTROLS: Row[] = [
  // Patch: fresh data on M1 M2 M3 M6; counted findings on M1 (KB1), M2 (KB3), M3 (KB10),
  // M4 (no-data) -> compliant M6 only: 1/5 = 20.0 %. Open KB1 + KB3 + KB10 + no-data = 4,
  // accepted M3 KB1, expired KB3 + M4 no-data; score 10 + 5 + 1 + 5 = 21.
  {
    control: "patch",
    compliance_type: "Patch",
    mandatory: false,
    machines: 5,
    compliant: 1,
    coverage_percent: 20,
    open: 4,
    accepted: 1,
    acceptance_expired: 2,
    score: 21,
  },
  // Antivirus: fresh on M1 M2 M3 M6; counted M2 Defender, M4 no-data -> compliant M1 M3 M6 =
  // 3/5 = 60.0 %; open 2, score 5 + 10 = 15.
  {
    control: "antivirus",
    compliance_type: "Custom:Antivirus",
    mandatory: true,
    machines: 5,
    compliant: 3,
    coverage_percent: 60,
    open: 2,
    accepted: 0,
    acceptance_expired: 0,
    score: 15,
  },
  // CIS: fresh on M1 M3 M6; counted M1 5.2.1, M2 no-data, M3 1.1.1, M4 no-data ->
  // compliant M6 = 1/5 = 20.0 %; open 4, accepted M1 1.1.1; score 1 + 2 + 5 + 2 = 10.
  {
    control: "cis",
    compliance_type: "Custom:CIS",
    mandatory: false,
    machines: 5,
    compliant: 1,
    coverage_percent: 20,
    open: 4,
    accepted: 1,
    acceptance_expired: 0,
    score: 10,
  },
  // Association: no control; fresh on M2 with an open finding -> 0/5; open 1, score 1.
  {
    control: "Association",
    compliance_type: "Association",
    mandatory: false,
    machines: 5,
    compliant: 0,
    coverage_percent: 0,
    open: 1,
    accepted: 0,
    acceptance_expired: 0,
    score: 1,
  },
  // 21 + 15 + 10 + 1 = 47, the fleet score.
];

function cell(
  environment: string,
  mode: string,
  control: string,
  severity: string,
  open: number,
  accepted: number,
  expired: number,
  score: number,
): Row {
  return {
    environment,
    compliance_mode: mode,
    control,
    severity,
    open,
    accepted,
    acceptance_expired: expired,
    score,
  };
}

// Ordered by environment, mode, control (binary: "Association" < "antivirus"), worst first.
const BREAKDOWN: Row[] = [
  cell("dev", "report", "cis", "HIGH", 1, 0, 0, 5), // M3 1.1.1
  cell("dev", "report", "patch", "MEDIUM", 0, 1, 0, 0), // M3 KB1 accepted
  cell("dev", "report", "patch", "LOW", 1, 0, 0, 1), // M3 KB10
  cell("prod", "enforce", "Association", "UNSPECIFIED", 1, 0, 0, 1), // M2
  cell("prod", "enforce", "antivirus", "HIGH", 1, 0, 0, 5), // M2 Defender
  cell("prod", "enforce", "cis", "MEDIUM", 1, 0, 0, 2), // M2 no-data
  cell("prod", "enforce", "patch", "HIGH", 1, 0, 1, 5), // M2 KB3 expired
  cell("prod", "report", "antivirus", "CRITICAL", 1, 0, 0, 10), // M4 no-data
  cell("prod", "report", "cis", "HIGH", 0, 1, 0, 0), // M1 1.1.1 accepted
  cell("prod", "report", "cis", "MEDIUM", 1, 0, 0, 2), // M4 no-data
  cell("prod", "report", "cis", "LOW", 1, 0, 0, 1), // M1 5.2.1
  cell("prod", "report", "patch", "CRITICAL", 1, 0, 0, 10), // M1 KB1
  cell("prod", "report", "patch", "HIGH", 1, 0, 1, 5), // M4 no-data expired
  // dev/enforce (M6) has no finding, so no row. Scores: 5+1+1+5+2+5+10+2+1+10+5 = 47.
];

// Top 3 by score: M4 17, M2 13, M1 11 (M3 6 and M6 0 are left out).
const TOP_MACHINES: Row[] = [
  {
    resource_id: M4,
    name: "legacy-01",
    environment: "prod",
    compliance_mode: "report",
    last_seen: "2026-11-10T12:00:00Z",
    score: 17,
    open: 3,
    accepted: 0,
    acceptance_expired: 1,
  },
  {
    resource_id: M2,
    name: "app-01",
    environment: "prod",
    compliance_mode: "enforce",
    last_seen: "2026-11-30T09:00:00Z", // its summary; its inventory is from 11-20
    score: 13,
    open: 4,
    accepted: 0,
    acceptance_expired: 1,
  },
  {
    resource_id: M1,
    name: "web-01",
    environment: "prod",
    compliance_mode: "report",
    last_seen: "2026-11-30T10:00:00Z",
    score: 11,
    open: 2,
    accepted: 1,
    acceptance_expired: 0,
  },
];

function finding(
  resourceId: string,
  control: string,
  complianceType: string,
  findingId: string,
  title: string,
  severity: string,
  state: string,
  acceptanceId: string | null,
): Row {
  return {
    resource_id: resourceId,
    control,
    compliance_type: complianceType,
    finding_id: findingId,
    title,
    severity,
    state,
    acceptance_id: acceptanceId,
  };
}

// By machine rank, then worst severity, then control.
const TOP_MACHINE_FINDINGS: Row[] = [
  finding(
    M4,
    "antivirus",
    "Custom:Antivirus",
    "no-data",
    "No Custom:Antivirus data within 7 days",
    "CRITICAL",
    "open",
    null,
  ),
  finding(
    M4,
    "patch",
    "Patch",
    "no-data",
    "No Patch data within 7 days",
    "HIGH",
    "acceptance-expired",
    "patch-old",
  ),
  finding(
    M4,
    "cis",
    "Custom:CIS",
    "no-data",
    "No Custom:CIS data within 7 days",
    "MEDIUM",
    "open",
    null,
  ),
  finding(
    M2,
    "antivirus",
    "Custom:Antivirus",
    "Defender",
    "Defender signatures older than 7 days",
    "HIGH",
    "open",
    null,
  ),
  finding(
    M2,
    "patch",
    "Patch",
    "KB3",
    "2026-11 Security Update",
    "HIGH",
    "acceptance-expired",
    "patch-old",
  ),
  finding(
    M2,
    "cis",
    "Custom:CIS",
    "no-data",
    "No Custom:CIS data within 7 days",
    "MEDIUM",
    "open",
    null,
  ),
  finding(
    M2,
    "Association",
    "Association",
    ASSOCIATION_ID,
    "AWS-GatherSoftwareInventory",
    "UNSPECIFIED",
    "open",
    null,
  ),
  finding(M1, "patch", "Patch", "KB1", "2026-11 Cumulative Update", "CRITICAL", "open", null),
  finding(
    M1,
    "cis",
    "Custom:CIS",
    "1.1.1",
    "Ensure mounting of cramfs is disabled",
    "HIGH",
    "accepted",
    "cis-cramfs",
  ),
  finding(
    M1,
    "cis",
    "Custom:CIS",
    "5.2.1",
    "Ensure permissions on sshd_config",
    "LOW",
    "open",
    null,
  ),
];

function acceptance(
  id: string,
  control: string,
  expiresAt: string,
  status: string,
  findings: number,
): Row {
  const a = HANDBUILT_ACCEPTANCES.find((x) => x.id === id);
  assert.ok(a, id);
  return {
    id,
    control,
    reason: a.reason,
    approver: a.approver,
    expires_at: expiresAt,
    status,
    findings,
  };
}

const ACCEPTANCES: Row[] = [
  acceptance("av-waiver", "antivirus", "2027-06-01T00:00:00Z", "active", 0), // mandated: never applies
  acceptance("cis-cramfs", "cis", "2027-06-01T00:00:00Z", "active", 1), // M1 1.1.1
  acceptance("dev-kb", "patch", "2026-12-15T00:00:00Z", "expiring", 1), // 14.5 days left; M3 KB1
  acceptance("patch-old", "patch", "2026-11-01T00:00:00Z", "expired", 2), // M2 KB3, M4 no-data
  acceptance("tag-miss", "cis", "2027-06-01T00:00:00Z", "active", 0), // nobody has Team=web
];

const NOT_SEEN: Row[] = [
  {
    resource_id: M4,
    name: "legacy-01",
    environment: "prod",
    compliance_mode: "report",
    last_seen: "2026-11-10T12:00:00Z",
    days_since_seen: 20, // 11-10T12:00 -> 11-30T12:00
  },
];

// Two snapshots appended, yesterday and now. Yesterday nothing differed: every capture but
// M3's (11-29T12:00, exactly the snapshot time: fresh) lies after it (future captures count
// as fresh), M4 was 19 days old (stale), dev-kb was expiring and patch-old expired.
const HISTORY: Row[] = [
  { captured_at: YESTERDAY, score: 47, open_critical: 2, open_high: 4, machines: 5 },
  { captured_at: NOW, score: 47, open_critical: 2, open_high: 4, machines: 5 },
];

const EXPECTED: Record<SnapshotQueryKey, Row[]> = {
  totals: TOTALS,
  controls: CONTROLS,
  breakdown: BREAKDOWN,
  top_machines: TOP_MACHINES,
  top_machine_findings: TOP_MACHINE_FINDINGS,
  acceptances: ACCEPTANCES,
  not_seen: NOT_SEEN,
  history: HISTORY,
};

describe("risk SQL over the hand-built sync folder (DuckDB)", function () {
  this.timeout(60_000);
  let scratch: string;
  let db: SyncDuckdb;
  const actual = {} as Record<SnapshotQueryKey, Row[]>;

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "risk-handbuilt-"));
    const opened = await openHandBuilt(scratch);
    db = opened.db;
    Object.assign(actual, opened.rows);
  });

  after(() => {
    db?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("the register objects in the folder are what registerFiles writes for acceptances.ts", () => {
    for (const [key, body] of Object.entries(registerFiles(HANDBUILT_ACCEPTANCES))) {
      assert.equal(fs.readFileSync(path.join(FIXTURE, "risk-register", key), "utf8"), body, key);
    }
  });

  for (const key of Object.keys(SNAPSHOT_COLUMNS) as SnapshotQueryKey[]) {
    it(`${key}: every row and column as worked out by hand`, () => {
      for (const row of actual[key]) {
        assert.deepEqual(Object.keys(row), [...SNAPSHOT_COLUMNS[key]], "columns in order");
      }
      assert.deepEqual(actual[key], EXPECTED[key]);
    });
  }

  it("appendHistory wrote one day= partition per snapshot day, Athena's layout", () => {
    assert.deepEqual(fs.readdirSync(path.join(scratch, "history")).sort(), [
      "day=2026-11-29",
      "day=2026-11-30",
    ]);
  });

  it("the history holds per environment x mode totals rows and detail rows", async () => {
    const rows = await db.rows(
      `SELECT environment, compliance_mode, machines, score, open FROM ${CTX.database}.risk_history
       WHERE captured_at = ? AND control IS NULL ORDER BY environment, compliance_mode`,
      [NOW],
    );
    assert.deepEqual(rows, [
      { environment: "dev", compliance_mode: "enforce", machines: 1, score: 0, open: 0 }, // M6
      { environment: "dev", compliance_mode: "report", machines: 1, score: 6, open: 2 }, // M3
      { environment: "prod", compliance_mode: "enforce", machines: 1, score: 13, open: 4 }, // M2
      { environment: "prod", compliance_mode: "report", machines: 2, score: 28, open: 5 }, // M1+M4
    ]);
  });

  it("assembles the RiskSnapshot the report renders", () => {
    const snapshot = assembleSnapshot(actual, {
      fleet: "acme",
      capturedAt: NOW,
      staleDays: 7,
      weights: DEFAULT_SEVERITY_WEIGHTS,
    });
    const expected: RiskSnapshot = {
      fleet: "acme",
      capturedAt: NOW,
      dataFrom: "2026-11-10T12:00:00Z",
      dataTo: "2026-11-30T11:00:00.500Z",
      staleDays: 7,
      weights: DEFAULT_SEVERITY_WEIGHTS,
      totals: {
        machines: 5,
        reportMachines: 3,
        enforceMachines: 2,
        notSeen: 1,
        score: 47,
        open: 11,
        accepted: 2,
        acceptanceExpired: 2,
        openBySeverity: {
          CRITICAL: 2,
          HIGH: 4,
          MEDIUM: 2,
          LOW: 2,
          INFORMATIONAL: 0,
          UNSPECIFIED: 1,
        },
      },
      controls: CONTROLS.map((c) => ({
        control: c.control as string,
        complianceType: c.compliance_type as string,
        mandatory: c.mandatory as boolean,
        machines: 5,
        compliant: c.compliant as number,
        coveragePercent: c.coverage_percent as number,
        open: c.open as number,
        accepted: c.accepted as number,
        acceptanceExpired: c.acceptance_expired as number,
        score: c.score as number,
      })),
      breakdown: BREAKDOWN.map((b) => ({
        environment: b.environment as string,
        mode: b.compliance_mode as string,
        control: b.control as string,
        severity: b.severity as "HIGH",
        open: b.open as number,
        accepted: b.accepted as number,
        acceptanceExpired: b.acceptance_expired as number,
        score: b.score as number,
      })),
      topMachines: [
        {
          resourceId: M4,
          name: "legacy-01",
          environment: "prod",
          mode: "report",
          lastSeen: "2026-11-10T12:00:00Z",
          score: 17,
          open: 3,
          accepted: 0,
          acceptanceExpired: 1,
          findings: [
            {
              control: "antivirus",
              complianceType: "Custom:Antivirus",
              findingId: "no-data",
              title: "No Custom:Antivirus data within 7 days",
              severity: "CRITICAL",
              state: "open",
            },
            {
              control: "patch",
              complianceType: "Patch",
              findingId: "no-data",
              title: "No Patch data within 7 days",
              severity: "HIGH",
              state: "acceptance-expired",
              acceptanceId: "patch-old",
            },
            {
              control: "cis",
              complianceType: "Custom:CIS",
              findingId: "no-data",
              title: "No Custom:CIS data within 7 days",
              severity: "MEDIUM",
              state: "open",
            },
          ],
        },
        {
          resourceId: M2,
          name: "app-01",
          environment: "prod",
          mode: "enforce",
          lastSeen: "2026-11-30T09:00:00Z",
          score: 13,
          open: 4,
          accepted: 0,
          acceptanceExpired: 1,
          findings: [
            {
              control: "antivirus",
              complianceType: "Custom:Antivirus",
              findingId: "Defender",
              title: "Defender signatures older than 7 days",
              severity: "HIGH",
              state: "open",
            },
            {
              control: "patch",
              complianceType: "Patch",
              findingId: "KB3",
              title: "2026-11 Security Update",
              severity: "HIGH",
              state: "acceptance-expired",
              acceptanceId: "patch-old",
            },
            {
              control: "cis",
              complianceType: "Custom:CIS",
              findingId: "no-data",
              title: "No Custom:CIS data within 7 days",
              severity: "MEDIUM",
              state: "open",
            },
            {
              control: "Association",
              complianceType: "Association",
              findingId: ASSOCIATION_ID,
              title: "AWS-GatherSoftwareInventory",
              severity: "UNSPECIFIED",
              state: "open",
            },
          ],
        },
        {
          resourceId: M1,
          name: "web-01",
          environment: "prod",
          mode: "report",
          lastSeen: "2026-11-30T10:00:00Z",
          score: 11,
          open: 2,
          accepted: 1,
          acceptanceExpired: 0,
          findings: [
            {
              control: "patch",
              complianceType: "Patch",
              findingId: "KB1",
              title: "2026-11 Cumulative Update",
              severity: "CRITICAL",
              state: "open",
            },
            {
              control: "cis",
              complianceType: "Custom:CIS",
              findingId: "1.1.1",
              title: "Ensure mounting of cramfs is disabled",
              severity: "HIGH",
              state: "accepted",
              acceptanceId: "cis-cramfs",
            },
            {
              control: "cis",
              complianceType: "Custom:CIS",
              findingId: "5.2.1",
              title: "Ensure permissions on sshd_config",
              severity: "LOW",
              state: "open",
            },
          ],
        },
      ],
      acceptances: ACCEPTANCES.map((a) => ({
        id: a.id as string,
        control: a.control as string,
        reason: a.reason as string,
        approver: a.approver as string,
        expiresAt: a.expires_at as string,
        status: a.status as "active",
        findings: a.findings as number,
      })),
      notSeen: [
        {
          resourceId: M4,
          name: "legacy-01",
          environment: "prod",
          mode: "report",
          lastSeen: "2026-11-10T12:00:00Z",
          daysSinceSeen: 20,
        },
      ],
      // Yesterday's point from the history; the last point is this snapshot's totals.
      history: [
        { capturedAt: YESTERDAY, score: 47, openCritical: 2, openHigh: 4, machines: 5 },
        { capturedAt: NOW, score: 47, openCritical: 2, openHigh: 4, machines: 5 },
      ],
      unreadableFiles: [],
    };
    assert.deepEqual(snapshot, expected);
  });
});
