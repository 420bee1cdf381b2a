/**
 * The risk dashboard body: its snapshot (a committed expected JSON), its shape against the
 * documented dashboard body structure, and the parts a reader relies on (SEARCH per
 * environment and control, every risk metric graphed, console links, determinism).
 *
 * Refresh the snapshot after an intended change:
 *   UPDATE_SNAPSHOTS=1 npx mocha tests/components/risk/riskDashboard.body.test.ts
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import * as prettier from "prettier";
import {
  DashboardBody,
  MetricWidget,
  RiskDashboardBodyOptions,
  riskDashboardBody,
  riskSearchExpression,
} from "../../../components/risk/riskDashboard.body";
import { CONTROL_METRICS, ENVIRONMENT_METRICS, FLEET_METRICS } from "../../../risk/model";

const SNAPSHOT = path.join(__dirname, "riskDashboard.expected.json");

/** The options the snapshot is taken with: a fleet with the sync's saved queries and a report. */
const OPTIONS: RiskDashboardBodyOptions = {
  fleet: "acme-prod",
  region: "ap-southeast-2",
  periodSeconds: 3600,
  savedQueries: {
    "fleet-compliance": "5e5b129a-1f6f-4981-8a66-63b475b65681",
    "noncompliant-machines": "ac1de368-a1c2-45d7-8d13-34f98db96c8c",
    "not-seen": "e394800e-a35e-44b3-b8ca-8b47b0f74469",
  },
  workgroupName: "HybridFleet-acme-prod",
  report: { bucket: "fleet-data-1234", key: "reports/latest.html" },
  alarmArns: [
    "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:HybridFleet-acme-prod-risk-silent-pipeline",
    "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:HybridFleet-acme-prod-risk-critical-prod",
  ],
};

function snapshotCases(): Record<string, DashboardBody> {
  return {
    search: riskDashboardBody(OPTIONS),
    explicitEnvironments: riskDashboardBody({
      ...OPTIONS,
      environments: ["prod", "dev"],
      periodSeconds: 900,
    }),
    bare: riskDashboardBody({ fleet: "(all)", region: "us-east-1" }),
  };
}

/**
 * The documented shape ("Dashboard Body Structure and Syntax",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
 * 0–500 widgets on a 24-column grid; x 0–23, width 1–24, height 1–1000; metric widgets carry
 * `metrics` and `region`, each metric an array `[Namespace, MetricName, DimName, DimValue, …,
 * {rendering}]` or `[{expression, id}]`; text widgets carry `markdown`; `periodOverride` is
 * `auto` or `inherit`; a metric period is 1, 5, 10, 30 or a multiple of 60.
 */
const BODY_SCHEMA = {
  type: "object",
  required: ["widgets"],
  additionalProperties: false,
  properties: {
    start: { type: "string", pattern: "^-P" },
    end: { type: "string" },
    periodOverride: { enum: ["auto", "inherit"] },
    widgets: {
      type: "array",
      maxItems: 500,
      items: {
        type: "object",
        required: ["type", "x", "y", "width", "height", "properties"],
        additionalProperties: false,
        properties: {
          type: { enum: ["metric", "text", "alarm"] },
          x: { type: "integer", minimum: 0, maximum: 23 },
          y: { type: "integer", minimum: 0 },
          width: { type: "integer", minimum: 1, maximum: 24 },
          height: { type: "integer", minimum: 1, maximum: 1000 },
          properties: { type: "object" },
        },
        allOf: [
          {
            if: { properties: { type: { const: "text" } } },
            then: {
              properties: {
                properties: {
                  type: "object",
                  required: ["markdown"],
                  additionalProperties: false,
                  properties: { markdown: { type: "string", minLength: 1 } },
                },
              },
            },
          },
          {
            if: { properties: { type: { const: "alarm" } } },
            then: {
              properties: {
                properties: {
                  type: "object",
                  required: ["alarms"],
                  additionalProperties: false,
                  properties: {
                    title: { type: "string" },
                    alarms: {
                      type: "array",
                      minItems: 1,
                      maxItems: 100,
                      items: { type: "string", pattern: "^arn:aws[a-z-]*:cloudwatch:" },
                    },
                    sortBy: { enum: ["default", "stateUpdatedTimestamp", "timestamp"] },
                  },
                },
              },
            },
          },
          {
            if: { properties: { type: { const: "metric" } } },
            then: {
              properties: {
                properties: {
                  type: "object",
                  required: ["metrics", "region"],
                  additionalProperties: false,
                  properties: {
                    title: { type: "string" },
                    region: { type: "string", pattern: "^[a-z]{2}(-[a-z]+)+-\\d+$" },
                    view: { enum: ["timeSeries", "singleValue", "gauge", "bar", "pie", "table"] },
                    stacked: { type: "boolean" },
                    stat: { type: "string" },
                    period: {
                      anyOf: [{ enum: [1, 5, 10, 30] }, { type: "integer", multipleOf: 60 }],
                    },
                    yAxis: { type: "object" },
                    metrics: {
                      type: "array",
                      minItems: 1,
                      items: {
                        type: "array",
                        minItems: 1,
                        items: {
                          anyOf: [
                            { type: "string" },
                            {
                              type: "object",
                              additionalProperties: false,
                              properties: {
                                expression: { type: "string" },
                                id: { type: "string", pattern: "^[a-z][A-Za-z0-9_]*$" },
                                label: { type: "string" },
                                stat: { type: "string" },
                              },
                            },
                          ],
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
  },
};

/** The metric widgets of a body. */
function metricWidgets(body: DashboardBody): MetricWidget[] {
  return body.widgets.filter((w): w is MetricWidget => w.type === "metric");
}

/** Every metric name a body graphs directly or searches for. */
function graphedMetricNames(body: DashboardBody): Set<string> {
  const names = new Set<string>();
  for (const w of metricWidgets(body)) {
    for (const entry of w.properties.metrics) {
      const first = entry[0];
      if (typeof first === "string") names.add(entry[1] as string);
      else if (first.expression) names.add(/MetricName="([^"]+)"/.exec(first.expression)![1]);
    }
  }
  return names;
}

/** Problems the JSON schema cannot express: grid overflow, overlaps, odd dimension pairs. */
function layoutProblems(body: DashboardBody): string[] {
  const problems: string[] = [];
  body.widgets.forEach((w, i) => {
    if (w.x + w.width > 24) problems.push(`widget ${i} overflows the 24-column grid`);
    body.widgets.slice(0, i).forEach((v, j) => {
      const apart =
        w.x >= v.x + v.width ||
        v.x >= w.x + w.width ||
        w.y >= v.y + v.height ||
        v.y >= w.y + w.height;
      if (!apart) problems.push(`widgets ${j} and ${i} overlap`);
    });
    if (w.type !== "metric") return;
    const ids = new Set<string>();
    for (const entry of w.properties.metrics) {
      const strings = entry.filter((e) => typeof e === "string");
      if (strings.length > 0 && (strings.length < 2 || strings.length % 2 !== 0)) {
        problems.push(`widget ${i}: ${JSON.stringify(entry)} is not [ns, name, (dim, value)*]`);
      }
      for (const o of entry.filter((e) => typeof e !== "string")) {
        if (o.id !== undefined) {
          if (ids.has(o.id)) problems.push(`widget ${i}: id ${o.id} twice`);
          ids.add(o.id);
        }
      }
    }
  });
  return problems;
}

describe("riskDashboardBody (pure)", () => {
  it("equals the committed snapshot (UPDATE_SNAPSHOTS=1 refreshes it)", async () => {
    const actual = snapshotCases();
    if (process.env.UPDATE_SNAPSHOTS === "1") {
      const text = await prettier.format(JSON.stringify(actual), { parser: "json" });
      fs.writeFileSync(SNAPSHOT, text);
    }
    const expected = JSON.parse(fs.readFileSync(SNAPSHOT, "utf8"));
    assert.deepEqual(actual, expected);
  });

  it("matches the documented dashboard body structure, laid out without overlaps", () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(BODY_SCHEMA);
    for (const [name, body] of Object.entries(snapshotCases())) {
      // Through JSON, as PutDashboard receives it.
      const sent = JSON.parse(JSON.stringify(body));
      assert.ok(validate(sent), `${name}: ${JSON.stringify(validate.errors, null, 1)}`);
      assert.deepEqual(layoutProblems(body), [], name);
    }
  });

  it("refuses a malformed body in the shape check (the check can fail)", () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(BODY_SCHEMA);
    const body = JSON.parse(JSON.stringify(riskDashboardBody(OPTIONS)));
    body.widgets[1].properties.metrics[0] = [{ expression: "x", id: "Upper" }];
    assert.equal(validate(body), false);
    const overlapping = riskDashboardBody(OPTIONS);
    const moved = {
      ...overlapping,
      widgets: [...overlapping.widgets, { ...overlapping.widgets[1] }],
    };
    assert.match(layoutProblems(moved).join("\n"), /overlap/);
  });

  it("graphs every fleet, environment and control metric the issue asks for", () => {
    const names = graphedMetricNames(riskDashboardBody(OPTIONS));
    for (const metric of [
      FLEET_METRICS.score,
      FLEET_METRICS.openCritical,
      FLEET_METRICS.openHigh,
      FLEET_METRICS.reportMachines,
      FLEET_METRICS.enforceMachines,
      FLEET_METRICS.notSeen,
      FLEET_METRICS.expiringAcceptances,
      FLEET_METRICS.expiredAcceptances,
      ENVIRONMENT_METRICS.openCritical,
      ENVIRONMENT_METRICS.openHigh,
      CONTROL_METRICS.coverage,
      CONTROL_METRICS.openFindings,
    ]) {
      assert.ok(names.has(metric), `${metric} is not graphed; graphed: ${[...names].join(", ")}`);
    }
  });

  it("finds environments and controls with SEARCH when no list is given", () => {
    const byTitle = new Map(
      metricWidgets(riskDashboardBody(OPTIONS)).map((w) => [w.properties.title, w]),
    );
    assert.deepEqual(byTitle.get("Open CRITICAL by environment")!.properties.metrics, [
      [
        {
          expression:
            'SEARCH(\'{"HybridFleet/Risk",Fleet,Environment} MetricName="OpenCritical" Fleet="acme-prod"\', \'Maximum\', 3600)',
          id: "critical",
          label: "",
        },
      ],
    ]);
    assert.deepEqual(byTitle.get("Coverage per control (%)")!.properties.metrics, [
      [
        {
          expression:
            'SEARCH(\'{"HybridFleet/Risk",Fleet,Control} MetricName="CoveragePercent" Fleet="acme-prod"\', \'Maximum\', 3600)',
          id: "coverage",
          label: "",
        },
      ],
    ]);
    assert.deepEqual(byTitle.get("Coverage per control (%)")!.properties.yAxis, {
      left: { min: 0, max: 100 },
    });
  });

  it("graphs one line per listed environment, sorted, with the period given", () => {
    const body = riskDashboardBody({
      ...OPTIONS,
      environments: ["prod", "dev"],
      periodSeconds: 900,
    });
    const high = metricWidgets(body).find(
      (w) => w.properties.title === "Open HIGH by environment",
    )!;
    assert.equal(high.properties.period, 900);
    assert.deepEqual(high.properties.metrics, [
      [
        "HybridFleet/Risk",
        "OpenHigh",
        "Fleet",
        "acme-prod",
        "Environment",
        "dev",
        { label: "dev" },
      ],
      [
        "HybridFleet/Risk",
        "OpenHigh",
        "Fleet",
        "acme-prod",
        "Environment",
        "prod",
        { label: "prod" },
      ],
    ]);
  });

  it("links the saved queries by named-query ID, the workgroup's list and the latest report", () => {
    const [text] = riskDashboardBody(OPTIONS).widgets;
    assert.equal(text.type, "text");
    const md = (text as { properties: { markdown: string } }).properties.markdown;
    assert.equal(
      md,
      [
        "# Risk of fleet acme-prod",
        "",
        "Metrics in `HybridFleet/Risk`, one point per snapshot. Unknown is risk: a machine without fresh data for a control counts as a finding.",
        "",
        "**Latest report:** [s3://fleet-data-1234/reports/latest.html](https://s3.console.aws.amazon.com/s3/object/fleet-data-1234?region=ap-southeast-2&prefix=reports%2Flatest.html)",
        "",
        "**Athena saved queries:**",
        "",
        "- [fleet-compliance](https://ap-southeast-2.console.aws.amazon.com/athena/home?region=ap-southeast-2#query/saved/5e5b129a-1f6f-4981-8a66-63b475b65681)",
        "- [noncompliant-machines](https://ap-southeast-2.console.aws.amazon.com/athena/home?region=ap-southeast-2#query/saved/ac1de368-a1c2-45d7-8d13-34f98db96c8c)",
        "- [not-seen](https://ap-southeast-2.console.aws.amazon.com/athena/home?region=ap-southeast-2#query/saved/e394800e-a35e-44b3-b8ca-8b47b0f74469)",
        "- [all saved queries of workgroup HybridFleet-acme-prod](https://ap-southeast-2.console.aws.amazon.com/athena/home?region=ap-southeast-2#/query-editor/saved-queries?workgroup=HybridFleet-acme-prod)",
      ].join("\n"),
    );
  });

  it("is deterministic: query order and environment order do not change the body", () => {
    const reversed = Object.fromEntries(Object.entries(OPTIONS.savedQueries!).reverse());
    assert.deepEqual(
      JSON.stringify(
        riskDashboardBody({ ...OPTIONS, savedQueries: reversed, environments: ["b", "a"] }),
      ),
      JSON.stringify(riskDashboardBody({ ...OPTIONS, environments: ["a", "b"] })),
    );
  });

  it("escapes brackets in link texts so a label cannot break its link", () => {
    const body = riskDashboardBody({ ...OPTIONS, savedQueries: { "a]b": "id-1" } });
    const md = (body.widgets[0] as { properties: { markdown: string } }).properties.markdown;
    assert.match(
      md,
      /- \[a\\\]b\]\(https:\/\/ap-southeast-2\.console\.aws\.amazon\.com\/athena\/home\?region=ap-southeast-2#query\/saved\/id-1\)/,
    );
  });

  const refusals: [string, Partial<RiskDashboardBodyOptions>, string][] = [
    [
      "a fleet with a quote (it would end the SEARCH string)",
      { fleet: "acme'prod" },
      'riskDashboardBody: fleet "acme\'prod" must be a non-empty tag value without quotes or backslashes',
    ],
    [
      "an environment with a double quote",
      { environments: ['pr"od'] },
      'riskDashboardBody: environments[] "pr"od" must be a non-empty tag value without quotes or backslashes',
    ],
    [
      "a period that is not a multiple of 60",
      { periodSeconds: 90 },
      "riskDashboardBody: periodSeconds must be a whole multiple of 60, got 90",
    ],
  ];
  for (const [what, change, message] of refusals) {
    it(`refuses ${what}`, () => {
      assert.throws(() => riskDashboardBody({ ...OPTIONS, ...change }), { message });
    });
  }

  it("names fleet and environments by the dimension values the snapshot publishes", () => {
    const body = riskDashboardBody({
      ...OPTIONS,
      fleet: "Flotte-Zürich",
      environments: ["prod-ü", "prod-é", "  "],
    });
    const widgets = metricWidgets(body);
    const score = widgets.find((w) => w.properties.title.startsWith("Fleet risk score"))!;
    assert.deepEqual(score.properties.metrics, [
      ["HybridFleet/Risk", "FleetScore", "Fleet", "Flotte-Z_rich", { label: "Fleet score" }],
    ]);
    const critical = widgets.find((w) => w.properties.title === "Open CRITICAL by environment")!;
    // Two names that clean to one value are one line; a blank one is "(none)".
    assert.deepEqual(
      critical.properties.metrics.map((m) => m[5]),
      ["(none)", "prod-_"],
    );
    const coverage = widgets.find((w) => w.properties.title === "Coverage per control (%)")!;
    assert.match(
      (coverage.properties.metrics[0][0] as { expression: string }).expression,
      / Fleet="Flotte-Z_rich"'/,
    );
  });

  it("opens with the current values and the risk alarms' states", () => {
    const body = riskDashboardBody(OPTIONS);
    const now = body.widgets[1] as MetricWidget;
    assert.equal(now.type, "metric");
    assert.equal(now.properties.view, "singleValue");
    assert.deepEqual(
      now.properties.metrics.map((m) => m[1]),
      [
        "FleetScore",
        "OpenCritical",
        "OpenHigh",
        "MachinesNotSeen",
        "ExpiredAcceptances",
        "AcceptancesExpiringSoon",
      ],
    );
    assert.deepEqual(body.widgets[2], {
      type: "alarm",
      x: 0,
      y: now.y + now.height,
      width: 24,
      height: 2,
      properties: {
        title: "Risk alarms",
        sortBy: "stateUpdatedTimestamp",
        alarms: [
          "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:HybridFleet-acme-prod-risk-critical-prod",
          "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:HybridFleet-acme-prod-risk-silent-pipeline",
        ],
      },
    });
    // Without alarm ARNs there is no alarm widget (an empty one is refused by PutDashboard).
    const bare = riskDashboardBody({ ...OPTIONS, alarmArns: undefined });
    assert.ok(bare.widgets.every((w) => w.type !== "alarm"));
  });

  it("refuses more than 100 alarms (the alarm widget's limit)", () => {
    const alarmArns = Array.from({ length: 101 }, (_, i) => `arn:aws:cloudwatch:r:1:alarm:a${i}`);
    assert.throws(() => riskDashboardBody({ ...OPTIONS, alarmArns }), {
      message: "riskDashboardBody: alarmArns holds 101 alarms; an alarm widget shows at most 100",
    });
  });

  it("builds the SEARCH expression from the model's names", () => {
    assert.equal(
      riskSearchExpression(["Fleet", "Control"], "OpenFindings", "(all)", "Maximum", 300),
      'SEARCH(\'{"HybridFleet/Risk",Fleet,Control} MetricName="OpenFindings" Fleet="(all)"\', \'Maximum\', 300)',
    );
  });
});
