import * as assert from "node:assert/strict";
import { dimensionValue, riskMetricLines } from "../../risk/metrics";
import {
  CONTROL_METRICS,
  ENVIRONMENT_METRICS,
  FLEET_METRICS,
  RISK_METRIC_NAMESPACE,
  type RiskSnapshot,
} from "../../risk/model";
import { emfProblems } from "./emfValidator";
import { SAMPLE_SNAPSHOT } from "./sampleSnapshot";

const TIMESTAMP = Date.parse("2026-11-30T10:00:00Z");

/** The directive of a line, asserting there is exactly one. */
function directive(doc: Record<string, unknown>) {
  const metrics = (doc._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics;
  assert.equal(metrics.length, 1);
  return metrics[0] as {
    Namespace: string;
    Dimensions: string[][];
    Metrics: { Name: string; Unit: string }[];
  };
}

describe("EMF validator (written from the spec)", () => {
  const valid = {
    _aws: {
      Timestamp: 1574109732004,
      CloudWatchMetrics: [
        {
          Namespace: "lambda-function-metrics",
          Dimensions: [["functionVersion"]],
          Metrics: [{ Name: "time", Unit: "Milliseconds" }],
        },
      ],
    },
    functionVersion: "$LATEST",
    time: 100,
    requestId: "989ffbf8-9ace-4817-a57c-e4dd734019ee",
  };
  const variant = (patch: (doc: typeof valid & Record<string, unknown>) => void) => {
    const doc = structuredClone(valid) as typeof valid & Record<string, unknown>;
    patch(doc);
    return JSON.stringify(doc);
  };

  it("accepts the spec's own example", () => {
    assert.deepEqual(emfProblems(JSON.stringify(valid)), []);
  });

  const cases: [string, string, string][] = [
    ["text after the object", JSON.stringify(valid) + " x", "line is not one JSON value"],
    ["no _aws", JSON.stringify({ time: 1 }), "_aws must be an object"],
    [
      "a timestamp in seconds as a string",
      variant((d) => ((d._aws as Record<string, unknown>).Timestamp = "1574109732")),
      "_aws.Timestamp must be an integer of epoch milliseconds",
    ],
    [
      "a numeric dimension value",
      variant((d) => ((d as Record<string, unknown>).functionVersion = 7)),
      "dimension target functionVersion must be a string member of the root",
    ],
    [
      "a non-ASCII dimension value",
      variant((d) => (d.functionVersion = "prød")),
      "dimension value of functionVersion must hold printable ASCII characters only",
    ],
    [
      "a missing metric target",
      variant((d) => delete (d as Record<string, unknown>).time),
      "metric target time must be a number member of the root",
    ],
    [
      "a null metric value (JSON.stringify of NaN)",
      variant((d) => ((d as Record<string, unknown>).time = null)),
      "metric target time must be a number member of the root",
    ],
    [
      "an unknown unit",
      variant((d) => (d._aws.CloudWatchMetrics[0].Metrics[0].Unit = "Points")),
      "_aws.CloudWatchMetrics[0].Metrics[0].Unit Points is not a CloudWatch unit",
    ],
    [
      "101 metrics in one directive",
      variant((d) => {
        d._aws.CloudWatchMetrics[0].Metrics = Array.from({ length: 101 }, (_, i) => {
          (d as Record<string, unknown>)[`m${i}`] = i;
          return { Name: `m${i}`, Unit: "Count" };
        });
      }),
      "_aws.CloudWatchMetrics[0].Metrics holds more than 100 MetricDefinitions",
    ],
    [
      "ten dimension keys",
      variant((d) => {
        d._aws.CloudWatchMetrics[0].Dimensions = [
          Array.from({ length: 10 }, (_, i) => {
            (d as Record<string, unknown>)[`d${i}`] = "x";
            return `d${i}`;
          }),
        ];
      }),
      "_aws.CloudWatchMetrics[0].Dimensions[0] holds more than 9 dimension keys",
    ],
    [
      "an empty Dimensions array",
      variant((d) => (d._aws.CloudWatchMetrics[0].Dimensions = [])),
      "_aws.CloudWatchMetrics[0].Dimensions must be a non-empty array of DimensionSets",
    ],
    [
      "a member the spec does not define in a directive",
      variant((d) => ((d._aws.CloudWatchMetrics[0] as Record<string, unknown>).Extra = 1)),
      "_aws.CloudWatchMetrics[0] has a member the spec does not define: Extra",
    ],
  ];
  for (const [what, line, problem] of cases) {
    it(`refuses ${what}`, () => {
      assert.ok(
        emfProblems(line).some((p) => p.startsWith(problem)),
        JSON.stringify(emfProblems(line)),
      );
    });
  }
});

describe("riskMetricLines", () => {
  it("writes valid EMF lines only", () => {
    const lines = riskMetricLines(SAMPLE_SNAPSHOT, { dayOverDay: 0.1 });
    assert.equal(lines.length, 1 + 3 + 4);
    for (const line of lines) assert.deepEqual(emfProblems(line), [], line);
  });

  it("puts every fleet metric on the [Fleet] line with its exact value and unit", () => {
    const [line] = riskMetricLines(SAMPLE_SNAPSHOT, { dayOverDay: 0.1 });
    const doc = JSON.parse(line);
    assert.deepEqual(doc._aws.Timestamp, TIMESTAMP);
    const d = directive(doc);
    assert.equal(d.Namespace, RISK_METRIC_NAMESPACE);
    assert.deepEqual(d.Dimensions, [["Fleet"]]);
    assert.equal(doc.Fleet, "acme");
    const expected: Record<string, [number, string]> = {
      [FLEET_METRICS.score]: [33, "None"],
      [FLEET_METRICS.scoreDayOverDay]: [0.1, "None"],
      [FLEET_METRICS.machines]: [4, "Count"],
      [FLEET_METRICS.reportMachines]: [2, "Count"],
      [FLEET_METRICS.enforceMachines]: [1, "Count"],
      [FLEET_METRICS.notSeen]: [1, "Count"],
      // open includes the acceptance-expired one
      [FLEET_METRICS.openFindings]: [6, "Count"],
      [FLEET_METRICS.openCritical]: [2, "Count"],
      [FLEET_METRICS.openHigh]: [2, "Count"],
      [FLEET_METRICS.acceptedFindings]: [2, "Count"],
      // patch-old matches a finding; patch-gone matches none
      [FLEET_METRICS.expiredAcceptances]: [1, "Count"],
      [FLEET_METRICS.expiringAcceptances]: [1, "Count"],
      [FLEET_METRICS.snapshotSucceeded]: [1, "Count"],
    };
    assert.deepEqual(
      Object.fromEntries(d.Metrics.map((m) => [m.Name, [doc[m.Name], m.Unit]])),
      expected,
    );
    assert.equal(d.Metrics.length, Object.keys(FLEET_METRICS).length);
  });

  it("leaves the day-over-day metric out when there is no baseline", () => {
    const [line] = riskMetricLines(SAMPLE_SNAPSHOT, { dayOverDay: null });
    const doc = JSON.parse(line);
    assert.ok(!directive(doc).Metrics.some((m) => m.Name === FLEET_METRICS.scoreDayOverDay));
    assert.ok(!(FLEET_METRICS.scoreDayOverDay in doc));
    assert.deepEqual(emfProblems(line), []);
  });

  it("sums the breakdown per environment, zeros for an environment without findings", () => {
    const snapshot: RiskSnapshot = {
      ...SAMPLE_SNAPSHOT,
      topMachines: [
        ...SAMPLE_SNAPSHOT.topMachines,
        { ...SAMPLE_SNAPSHOT.topMachines[0], resourceId: "mi-1", environment: "test", score: 0 },
      ],
    };
    const lines = riskMetricLines(snapshot, { dayOverDay: null }).map((l) => JSON.parse(l));
    const envLines = lines.filter((doc) => "Environment" in doc);
    const byEnv = Object.fromEntries(
      envLines.map((doc) => {
        const d = directive(doc);
        assert.deepEqual(d.Dimensions, [["Fleet", "Environment"]]);
        assert.deepEqual(
          d.Metrics.map((m) => [m.Name, m.Unit]),
          [
            [ENVIRONMENT_METRICS.score, "None"],
            [ENVIRONMENT_METRICS.openCritical, "Count"],
            [ENVIRONMENT_METRICS.openHigh, "Count"],
          ],
        );
        return [doc.Environment, [doc.Fleet, doc.Score, doc.OpenCritical, doc.OpenHigh]];
      }),
    );
    assert.deepEqual(Object.keys(byEnv), ["(untagged)", "dev", "prod", "test"]);
    assert.deepEqual(byEnv, {
      "(untagged)": ["acme", 1, 0, 0],
      dev: ["acme", 7, 0, 1],
      // CRITICAL: 2 open, one of them acceptance-expired
      prod: ["acme", 25, 2, 1],
      test: ["acme", 0, 0, 0],
    });
  });

  it("writes coverage and open findings per control", () => {
    const lines = riskMetricLines(SAMPLE_SNAPSHOT, { dayOverDay: null }).map((l) => JSON.parse(l));
    const controlLines = lines.filter((doc) => "Control" in doc);
    assert.deepEqual(
      controlLines.map((doc) => {
        const d = directive(doc);
        assert.deepEqual(d.Dimensions, [["Fleet", "Control"]]);
        assert.deepEqual(
          d.Metrics.map((m) => [m.Name, m.Unit]),
          [
            [CONTROL_METRICS.coverage, "Percent"],
            [CONTROL_METRICS.openFindings, "Count"],
          ],
        );
        return [doc.Control, doc.CoveragePercent, doc.OpenFindings];
      }),
      [
        ["Association", 66.7, 1],
        ["antivirus", 75, 1],
        ["cis", 75, 0],
        // 4 open, one of them acceptance-expired
        ["patch", 25, 4],
      ],
    );
  });

  it("cleans tag values into valid dimension values and merges what cleans alike", () => {
    const snapshot: RiskSnapshot = {
      ...SAMPLE_SNAPSHOT,
      fleet: "flotte-é",
      breakdown: [
        { ...SAMPLE_SNAPSHOT.breakdown[0], environment: "prød" },
        { ...SAMPLE_SNAPSHOT.breakdown[1], environment: "prüd" },
        { ...SAMPLE_SNAPSHOT.breakdown[2], environment: "  " },
      ],
      topMachines: [],
      notSeen: [],
    };
    const lines = riskMetricLines(snapshot, { dayOverDay: null });
    for (const line of lines) assert.deepEqual(emfProblems(line), [], line);
    const envs = lines
      .map((l) => JSON.parse(l))
      .filter((doc) => "Environment" in doc)
      .map((doc) => [doc.Fleet, doc.Environment, doc.Score]);
    assert.deepEqual(envs, [
      ["flotte-_", "(none)", 5],
      ["flotte-_", "pr_d", 25],
    ]);
  });

  it("dimensionValue keeps printable ASCII, cuts at 1024, names the blank", () => {
    assert.equal(dimensionValue("prod-eu"), "prod-eu");
    assert.equal(dimensionValue("a\tb\u00e9"), "a_b_");
    assert.equal(dimensionValue("x".repeat(2000)).length, 1024);
    assert.equal(dimensionValue(""), "(none)");
    assert.equal(dimensionValue("   "), "(none)");
  });

  it("refuses a snapshot time that is no ISO time and a non-finite day-over-day", () => {
    assert.throws(
      () => riskMetricLines({ ...SAMPLE_SNAPSHOT, capturedAt: "yesterday" }, { dayOverDay: 0 }),
      /snapshot.capturedAt must be an ISO 8601 time, got "yesterday"/,
    );
    assert.throws(
      () => riskMetricLines(SAMPLE_SNAPSHOT, { dayOverDay: Infinity }),
      /dayOverDay must be a finite number or null, got Infinity/,
    );
  });
});
