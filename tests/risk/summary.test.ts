/**
 * The terminal summary: every figure of the snapshot it promises (score, machines, severity
 * counts, coverage per control, top machines, acceptances expired and expiring, unreadable
 * files) appears, laid out exactly.
 */
import { strict as assert } from "node:assert";
import { DEFAULT_SEVERITY_WEIGHTS, type RiskSnapshot } from "../../risk/model";
import { formatRiskSummary, formatTable } from "../../risk/summary";

const SNAPSHOT: RiskSnapshot = {
  fleet: "acme",
  capturedAt: "2026-11-30T10:00:00Z",
  dataFrom: "2026-11-01T08:00:00Z",
  dataTo: "2026-11-30T09:00:00Z",
  staleDays: 7,
  weights: DEFAULT_SEVERITY_WEIGHTS,
  totals: {
    machines: 4,
    reportMachines: 2,
    enforceMachines: 1,
    notSeen: 1,
    score: 27,
    open: 5,
    accepted: 1,
    acceptanceExpired: 1,
    openBySeverity: {
      CRITICAL: 1,
      HIGH: 2,
      MEDIUM: 0,
      LOW: 2,
      INFORMATIONAL: 0,
      UNSPECIFIED: 0,
    },
  },
  controls: [
    {
      control: "patch",
      complianceType: "Patch",
      mandatory: false,
      machines: 4,
      compliant: 1,
      coveragePercent: 25,
      open: 3,
      accepted: 1,
      acceptanceExpired: 1,
      score: 20,
    },
    {
      control: "antivirus",
      complianceType: "Custom:Antivirus",
      mandatory: true,
      machines: 4,
      compliant: 3,
      coveragePercent: 75,
      open: 1,
      accepted: 0,
      acceptanceExpired: 0,
      score: 5,
    },
  ],
  breakdown: [],
  topMachines: [
    {
      resourceId: "mi-0000000000000000a",
      name: "web-01",
      environment: "prod",
      mode: "report",
      lastSeen: "2026-11-30T09:00:00Z",
      score: 20,
      open: 3,
      accepted: 1,
      acceptanceExpired: 1,
      findings: [],
    },
    {
      resourceId: "mi-0000000000000000b",
      name: "kiosk-01",
      environment: "dev",
      mode: "(untagged)",
      lastSeen: null,
      score: 7,
      open: 2,
      accepted: 0,
      acceptanceExpired: 0,
      findings: [],
    },
  ],
  acceptances: [
    {
      id: "ok",
      control: "cis",
      reason: "r",
      approver: "a",
      expiresAt: "2027-06-01T00:00:00Z",
      status: "active",
      findings: 0,
    },
    {
      id: "old-kb",
      control: "patch",
      reason: "vendor",
      approver: "CHG-1",
      expiresAt: "2026-11-01T00:00:00Z",
      status: "expired",
      findings: 1,
    },
    {
      id: "soon",
      control: "patch",
      reason: "migration",
      approver: "CHG-2",
      expiresAt: "2026-12-10T00:00:00Z",
      status: "expiring",
      findings: 2,
    },
  ],
  notSeen: [],
  history: [],
  unreadableFiles: [
    {
      file: "AWS:ComplianceItem/accountid=1/region=r/resourcetype=ManagedInstanceInventory/x.json",
      problem: "line 2: truncated (no newline at the end): Unexpected end of JSON input",
    },
  ],
};

describe("risk summary (terminal)", () => {
  it("lays out every figure of the snapshot", () => {
    assert.equal(
      formatRiskSummary(SNAPSHOT),
      [
        "Risk snapshot of fleet acme at 2026-11-30T10:00:00Z (data captured 2026-11-01T08:00:00Z to 2026-11-30T09:00:00Z)",
        "Machines: 4 (report 2, enforce 1, mode untagged 1); not seen for 7 days: 1",
        "Fleet score: 27",
        "Findings: open 5 (CRITICAL 1, HIGH 2, LOW 2), accepted 1, acceptance expired 1",
        "",
        "Coverage per control",
        "  control              machines  compliant  coverage  open  accepted  expired  score",
        "  patch                       4          1  25.0 %       3         1        1     20",
        "  antivirus  mandated         4          3  75.0 %       1         0        0      5",
        "",
        "Top machines (2 of 4)",
        "  machine   environment  mode        score  open  accepted  last seen",
        "  web-01    prod         report         20     3         1  2026-11-30T09:00:00Z",
        "  kiosk-01  dev          (untagged)      7     2         0  never",
        "",
        "Acceptances: 3, expired 1, expiring within 30 days 1",
        "  expired   old-kb (patch) expires 2026-11-01T00:00:00Z, approved by CHG-1, 1 finding",
        "  expiring  soon (patch) expires 2026-12-10T00:00:00Z, approved by CHG-2, 2 findings",
        "",
        "Unreadable files: 1 (left out of this snapshot)",
        "  AWS:ComplianceItem/accountid=1/region=r/resourcetype=ManagedInstanceInventory/x.json: line 2: truncated (no newline at the end): Unexpected end of JSON input",
      ].join("\n"),
    );
  });

  it("limits the top list and says when there is nothing to list", () => {
    const empty: RiskSnapshot = {
      ...SNAPSHOT,
      dataFrom: null,
      dataTo: null,
      totals: { ...SNAPSHOT.totals, machines: 0, reportMachines: 0, enforceMachines: 0 },
      controls: [],
      topMachines: [],
      acceptances: [],
      unreadableFiles: [],
    };
    const text = formatRiskSummary(empty);
    assert.match(text, /^Risk snapshot of fleet acme at 2026-11-30T10:00:00Z \(no data\)$/m);
    assert.match(text, /^Machines: 0 \(report 0, enforce 0\); not seen/m);
    assert.match(text, /^Coverage per control\n {2}\(no controls\)$/m);
    assert.match(text, /^Top machines \(0 of 0\)\n {2}\(none\)$/m);
    assert.match(text, /^Unreadable files: none$/m);
    const one = formatRiskSummary(SNAPSHOT, { topMachines: 1 });
    assert.match(one, /^Top machines \(1 of 4\)$/m);
    assert.doesNotMatch(one, /kiosk-01/);
  });

  it("formatTable right-aligns numeric columns only", () => {
    assert.deepEqual(
      formatTable(
        ["a", "n"],
        [
          ["x", 1],
          ["yy", 100],
        ],
      ),
      ["a     n", "x     1", "yy  100"],
    );
  });
});
