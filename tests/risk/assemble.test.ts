/**
 * assembleSnapshot with rows as Athena's GetQueryResults delivers them (every value a string,
 * NULL missing) and with the errors it raises for values that are neither.
 */
import { strict as assert } from "node:assert";
import { Row, assembleSnapshot } from "../../risk/assemble";
import { DEFAULT_SEVERITY_WEIGHTS, SnapshotQueryKey } from "../../risk/model";

const META = {
  fleet: "acme",
  capturedAt: "2026-11-30T12:00:00Z",
  staleDays: 7,
  weights: DEFAULT_SEVERITY_WEIGHTS,
};

function athenaRows(): Record<SnapshotQueryKey, Row[]> {
  return {
    totals: [
      {
        machines: "2",
        report_machines: "1",
        enforce_machines: "1",
        not_seen: "0",
        score: "15",
        open: "2",
        accepted: "1",
        acceptance_expired: "0",
        open_critical: "1",
        open_high: "1",
        open_medium: "0",
        open_low: "0",
        open_informational: "0",
        open_unspecified: "0",
        data_from: "2026-11-29T10:00:00Z",
        data_to: "2026-11-30T10:00:00Z",
      },
    ],
    controls: [
      {
        control: "patch",
        compliance_type: "Patch",
        mandatory: "false",
        machines: "2",
        compliant: "1",
        coverage_percent: "50.0",
        open: "1",
        accepted: "1",
        acceptance_expired: "0",
        score: "10",
      },
    ],
    breakdown: [
      {
        environment: "prod",
        compliance_mode: "report",
        control: "patch",
        severity: "Important",
        open: "1",
        accepted: "0",
        acceptance_expired: "0",
        score: "1",
      },
    ],
    top_machines: [
      {
        resource_id: "mi-1",
        name: "web-01",
        environment: "prod",
        compliance_mode: "report",
        last_seen: "2026-11-30T10:00:00Z",
        score: "15",
        open: "2",
        accepted: "1",
        acceptance_expired: "0",
      },
    ],
    top_machine_findings: [
      {
        resource_id: "mi-1",
        control: "patch",
        compliance_type: "Patch",
        finding_id: "KB1",
        title: "t",
        severity: "CRITICAL",
        state: "open",
        acceptance_id: null,
      },
      {
        resource_id: "mi-1",
        control: "cis",
        compliance_type: "Custom:CIS",
        finding_id: "1.1",
        title: "c",
        severity: "HIGH",
        state: "accepted",
        acceptance_id: "acc",
      },
      {
        resource_id: "mi-other",
        control: "patch",
        compliance_type: "Patch",
        finding_id: "KB2",
        title: "x",
        severity: "LOW",
        state: "open",
        acceptance_id: null,
      },
    ],
    acceptances: [
      {
        id: "acc",
        control: "cis",
        reason: "r",
        approver: "a",
        expires_at: "2026-12-15T00:00:00Z",
        status: "expiring",
        findings: "1",
      },
    ],
    not_seen: [
      {
        resource_id: "mi-2",
        name: "db-01",
        environment: "dev",
        compliance_mode: "enforce",
        last_seen: null,
        days_since_seen: null,
      },
    ],
    history: [
      // Out of order, and one point at the snapshot time (appended before the SELECTs ran).
      {
        captured_at: "2026-11-30T12:00:00Z",
        score: "15",
        open_critical: "1",
        open_high: "1",
        machines: "2",
      },
      {
        captured_at: "2026-11-28T12:00:00Z",
        score: "20",
        open_critical: "2",
        open_high: "0",
        machines: "2",
      },
      {
        captured_at: "2026-11-29T12:00:00Z",
        score: "18",
        open_critical: "1",
        open_high: "2",
        machines: "2",
      },
    ],
  };
}

describe("assembleSnapshot", () => {
  it("reads Athena's strings: numbers, booleans, NULLs, odd severities", () => {
    const s = assembleSnapshot(athenaRows(), META);
    assert.deepEqual(s.totals.openBySeverity, {
      CRITICAL: 1,
      HIGH: 1,
      MEDIUM: 0,
      LOW: 0,
      INFORMATIONAL: 0,
      UNSPECIFIED: 0,
    });
    assert.equal(s.controls[0].mandatory, false);
    assert.equal(s.controls[0].coveragePercent, 50);
    assert.equal(s.breakdown[0].severity, "UNSPECIFIED");
    assert.deepEqual(s.notSeen, [
      {
        resourceId: "mi-2",
        name: "db-01",
        environment: "dev",
        mode: "enforce",
        lastSeen: null,
        daysSinceSeen: null,
      },
    ]);
    assert.deepEqual(s.acceptances[0].status, "expiring");
    assert.deepEqual(s.unreadableFiles, []);
  });

  it("attaches findings to their top machine in query order, acceptanceId only when set", () => {
    const s = assembleSnapshot(athenaRows(), META);
    assert.deepEqual(s.topMachines[0].findings, [
      {
        control: "patch",
        complianceType: "Patch",
        findingId: "KB1",
        title: "t",
        severity: "CRITICAL",
        state: "open",
      },
      {
        control: "cis",
        complianceType: "Custom:CIS",
        findingId: "1.1",
        title: "c",
        severity: "HIGH",
        state: "accepted",
        acceptanceId: "acc",
      },
    ]);
  });

  it("orders the history by time and ends it with this snapshot's totals", () => {
    assert.deepEqual(assembleSnapshot(athenaRows(), META).history, [
      { capturedAt: "2026-11-28T12:00:00Z", score: 20, openCritical: 2, openHigh: 0, machines: 2 },
      { capturedAt: "2026-11-29T12:00:00Z", score: 18, openCritical: 1, openHigh: 2, machines: 2 },
      { capturedAt: "2026-11-30T12:00:00Z", score: 15, openCritical: 1, openHigh: 1, machines: 2 },
    ]);
  });

  it("passes the unreadable files through", () => {
    const files = [{ file: "AWS:Tag/x.json", problem: "line 3: Unexpected end of JSON input" }];
    assert.deepEqual(
      assembleSnapshot(athenaRows(), { ...META, unreadableFiles: files }).unreadableFiles,
      files,
    );
  });

  for (const [label, change, message] of [
    [
      "a count that is no number",
      (r: Record<SnapshotQueryKey, Row[]>) => (r.controls[0].open = "3.0x"),
      /^controls\[0\]\.open must be a number, got "3\.0x"$/,
    ],
    [
      "a boolean that is neither",
      (r: Record<SnapshotQueryKey, Row[]>) => (r.controls[0].mandatory = "yes"),
      /^controls\[0\]\.mandatory must be true or false, got "yes"$/,
    ],
    [
      "an unknown finding state",
      (r: Record<SnapshotQueryKey, Row[]>) => (r.top_machine_findings[1].state = "waived"),
      /^top_machine_findings\[1\]\.state "waived" must be one of open, accepted, acceptance-expired$/,
    ],
    [
      "no totals row",
      (r: Record<SnapshotQueryKey, Row[]>) => (r.totals = []),
      /^totals must have exactly one row, got 0$/,
    ],
  ] as const) {
    it(`refuses ${label}, naming the row and column`, () => {
      const rows = athenaRows();
      change(rows);
      assert.throws(
        () => assembleSnapshot(rows, META),
        (e: Error) => message.test(e.message),
      );
    });
  }
});
