/**
 * The pure alarm specs and the alert settings' validation: every alarm asserted exactly, and
 * every refusal with its exact message.
 */
import { strict as assert } from "node:assert";
import {
  RiskAlarmSpec,
  resolveRiskAlertSettings,
  riskAlarms,
} from "../../../components/risk/riskAlarms";
import { RiskAlertSettings } from "../../../risk/model";

const PREFIX = "HybridFleet-acme-prod-risk";

function alarmsFor(settings: RiskAlertSettings, minutes = 60): RiskAlarmSpec[] {
  return riskAlarms({
    ...resolveRiskAlertSettings(settings),
    fleet: "acme-prod",
    alarmNamePrefix: PREFIX,
    snapshotPeriodMinutes: minutes,
  });
}

describe("risk alarms (pure)", () => {
  it("defaults: CRITICAL in prod, +20 % score, expired acceptances, any machine not seen, silent pipeline", () => {
    const fleet = { Fleet: "acme-prod" };
    const value = {
      namespace: "HybridFleet/Risk",
      period: 3600,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "ignore",
    };
    assert.deepEqual(alarmsFor({}), [
      {
        ...value,
        key: "critical-prod",
        name: `${PREFIX}-critical-prod`,
        alarmDescription:
          "Open CRITICAL findings in environment prod of fleet acme-prod (any is too many).",
        metricName: "OpenCritical",
        dimensions: { Fleet: "acme-prod", Environment: "prod" },
        threshold: 0,
        treatMissingData: "notBreaching",
      },
      {
        ...value,
        key: "score-increase",
        name: `${PREFIX}-score-increase`,
        alarmDescription:
          "Fleet acme-prod's risk score rose by more than 20 % against the snapshot a day earlier.",
        metricName: "FleetScoreDayOverDay",
        dimensions: fleet,
        threshold: 0.2,
      },
      {
        ...value,
        key: "expired-acceptances",
        name: `${PREFIX}-expired-acceptances`,
        alarmDescription:
          "An accepted risk of fleet acme-prod is past its expiry and still matches findings: renew it or fix them.",
        metricName: "ExpiredAcceptances",
        dimensions: fleet,
        threshold: 0,
      },
      {
        ...value,
        key: "not-seen",
        name: `${PREFIX}-not-seen`,
        alarmDescription:
          "More than 0 machines of fleet acme-prod have sent no data within staleDays.",
        metricName: "MachinesNotSeen",
        dimensions: fleet,
        threshold: 0,
      },
      {
        key: "silent-pipeline",
        name: `${PREFIX}-silent-pipeline`,
        alarmDescription:
          "No successful risk snapshot of fleet acme-prod for two snapshot periods (120 minutes): the risk view is stale.",
        namespace: "HybridFleet/Risk",
        metricName: "SnapshotSucceeded",
        dimensions: fleet,
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      },
    ]);
  });

  it("one CRITICAL alarm per configured environment, thresholds and period from the settings", () => {
    const alarms = alarmsFor(
      { criticalEnvironments: ["prod", "pci zone"], scoreIncreaseShare: 0.5, notSeenThreshold: 3 },
      15,
    );
    assert.deepEqual(
      alarms.map((a) => [a.key, a.name, a.dimensions, a.threshold, a.period]),
      [
        [
          "critical-prod",
          `${PREFIX}-critical-prod`,
          { Fleet: "acme-prod", Environment: "prod" },
          0,
          900,
        ],
        [
          "critical-pci_zone",
          `${PREFIX}-critical-pci zone`,
          { Fleet: "acme-prod", Environment: "pci zone" },
          0,
          900,
        ],
        ["score-increase", `${PREFIX}-score-increase`, { Fleet: "acme-prod" }, 0.5, 900],
        ["expired-acceptances", `${PREFIX}-expired-acceptances`, { Fleet: "acme-prod" }, 0, 900],
        ["not-seen", `${PREFIX}-not-seen`, { Fleet: "acme-prod" }, 3, 900],
        ["silent-pipeline", `${PREFIX}-silent-pipeline`, { Fleet: "acme-prod" }, 1, 900],
      ],
    );
  });

  it("states the share as a plain percentage in the description (no float noise)", () => {
    const score = alarmsFor({ scoreIncreaseShare: 0.07 }).find((a) => a.key === "score-increase")!;
    assert.equal(
      score.alarmDescription,
      "Fleet acme-prod's risk score rose by more than 7 % against the snapshot a day earlier.",
    );
    assert.equal(score.threshold, 0.07);
  });

  it("stays within PutMetricAlarm's evaluation range for every accepted period (1–1440 min)", () => {
    for (const minutes of [1, 59, 60, 61, 720, 1440]) {
      for (const a of alarmsFor({}, minutes)) {
        const range = a.period * a.evaluationPeriods;
        const limit = a.period < 3600 ? 86_400 : 604_800;
        assert.ok(range <= limit, `${a.key} at ${minutes} min: ${range} s > ${limit} s`);
        assert.equal(a.period % 60, 0);
      }
    }
  });

  it("missing data: silent pipeline breaching, environment lines not breaching, fleet lines ignored", () => {
    // The snapshot writes the [Fleet] line every run, but an environment line only while the
    // environment has findings or listed machines (risk/metrics.ts): its absence means none.
    const expected: Record<string, string> = {
      "critical-prod": "notBreaching",
      "critical-dev": "notBreaching",
      "score-increase": "ignore",
      "expired-acceptances": "ignore",
      "not-seen": "ignore",
      "silent-pipeline": "breaching",
    };
    const alarms = alarmsFor({ criticalEnvironments: ["prod", "dev"] });
    assert.deepEqual(Object.fromEntries(alarms.map((a) => [a.key, a.treatMissingData])), expected);
  });

  it("cleans dimension values the way the snapshot's EMF lines do (printable ASCII, 1–1024)", () => {
    const alarms = riskAlarms({
      ...resolveRiskAlertSettings({ criticalEnvironments: ["prod-ü", "x".repeat(1030)] }),
      fleet: "Flotte-Zürich",
      alarmNamePrefix: PREFIX,
      snapshotPeriodMinutes: 60,
    });
    assert.deepEqual(alarms[0].dimensions, { Fleet: "Flotte-Z_rich", Environment: "prod-_" });
    assert.equal(alarms[0].name, `${PREFIX}-critical-prod-ü`);
    assert.equal(alarms[1].dimensions.Environment, "x".repeat(1024));
    assert.deepEqual(alarms[2].dimensions, { Fleet: "Flotte-Z_rich" });
  });

  it("refuses two environments that map to the same alarm key", () => {
    assert.throws(() => alarmsFor({ criticalEnvironments: ["pci zone", "pci_zone"] }), {
      message:
        'RiskAlerts: alerts.criticalEnvironments has two environments that map to alarm key "critical-pci_zone" (characters other than letters, digits, _ . - become _)',
    });
  });
});

describe("alert settings validation", () => {
  it("applies the defaults", () => {
    assert.deepEqual(resolveRiskAlertSettings(), {
      criticalEnvironments: ["prod"],
      scoreIncreaseShare: 0.2,
      notSeenThreshold: 0,
      emails: [],
      topicArn: undefined,
    });
  });

  it("accepts the boundaries and an existing topic ARN (GovCloud partition too)", () => {
    assert.equal(resolveRiskAlertSettings({ scoreIncreaseShare: 0 }).scoreIncreaseShare, 0);
    assert.equal(resolveRiskAlertSettings({ scoreIncreaseShare: 10 }).scoreIncreaseShare, 10);
    for (const arn of [
      "arn:aws:sns:ap-southeast-2:123456789012:alerts",
      "arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops_alerts-1",
    ]) {
      assert.equal(resolveRiskAlertSettings({ topicArn: arn }).topicArn, arn);
    }
    assert.deepEqual(resolveRiskAlertSettings({ emails: ["a.b+risk@example.co.nz"] }).emails, [
      "a.b+risk@example.co.nz",
    ]);
  });

  const refusals: [string, unknown, string][] = [
    [
      "a share above 10",
      { scoreIncreaseShare: 11 },
      "RiskAlerts: alerts.scoreIncreaseShare must be a number from 0 to 10 (a share: 0.2 alarms above +20 % day over day), got 11",
    ],
    [
      "a negative share",
      { scoreIncreaseShare: -0.1 },
      "RiskAlerts: alerts.scoreIncreaseShare must be a number from 0 to 10 (a share: 0.2 alarms above +20 % day over day), got -0.1",
    ],
    [
      "a share given as a string",
      { scoreIncreaseShare: "20%" },
      'RiskAlerts: alerts.scoreIncreaseShare must be a number from 0 to 10 (a share: 0.2 alarms above +20 % day over day), got "20%"',
    ],
    [
      "an email without a domain",
      { emails: ["secops@example.com", "secops"] },
      'RiskAlerts: alerts.emails[1] "secops" is not an email address (name@example.com)',
    ],
    [
      "two addresses pasted into one entry",
      { emails: ["a@example.com, b@example.com"] },
      'RiskAlerts: alerts.emails[0] "a@example.com, b@example.com" is not an email address (name@example.com)',
    ],
    [
      "the same address twice in different case",
      { emails: ["SecOps@example.com", "secops@example.com"] },
      'RiskAlerts: alerts.emails[1] "secops@example.com" is listed twice',
    ],
    [
      "a topic ARN of another service",
      { topicArn: "arn:aws:sqs:ap-southeast-2:123456789012:alerts" },
      'RiskAlerts: alerts.topicArn "arn:aws:sqs:ap-southeast-2:123456789012:alerts" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
    ],
    [
      "a topic name instead of an ARN",
      { topicArn: "alerts" },
      'RiskAlerts: alerts.topicArn "alerts" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
    ],
    [
      "emails together with a topic ARN",
      { topicArn: "arn:aws:sns:ap-southeast-2:123456789012:alerts", emails: ["a@example.com"] },
      "RiskAlerts: alerts.emails and alerts.topicArn are mutually exclusive: subscribe the addresses to that topic yourself",
    ],
    [
      "an empty environment",
      { criticalEnvironments: ["prod", ""] },
      'RiskAlerts: alerts.criticalEnvironments[1] must be a non-empty string, got ""',
    ],
    [
      "a blank environment",
      { criticalEnvironments: ["  "] },
      'RiskAlerts: alerts.criticalEnvironments[0] must be a non-empty string, got "  "',
    ],
    [
      "a non-string environment",
      { criticalEnvironments: [7] },
      "RiskAlerts: alerts.criticalEnvironments[0] must be a non-empty string, got 7",
    ],
    [
      "an environment listed twice",
      { criticalEnvironments: ["prod", "prod"] },
      'RiskAlerts: alerts.criticalEnvironments[1] "prod" is listed twice',
    ],
    [
      "a fractional not-seen threshold",
      { notSeenThreshold: 1.5 },
      "RiskAlerts: alerts.notSeenThreshold must be a whole number of machines ≥ 0, got 1.5",
    ],
  ];
  for (const [what, settings, message] of refusals) {
    it(`refuses ${what}`, () => {
      assert.throws(() => resolveRiskAlertSettings(settings as RiskAlertSettings), { message });
    });
  }
});
