/**
 * Janitor under Pulumi's mock runtime: every child and its security-relevant inputs, the
 * environment the handler reads (round-tripped through its own config loader), the tier alarm,
 * validation before anything is created; then HybridFleet's wiring (janitor on by default, off
 * with `false`, the activation tier setting, the synth-time tier warnings).
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  ACCOUNT_ID,
  REGION,
  allResources,
  installMocks,
  resourceNamed,
  resourcesOfType,
  unwrap,
} from "../../support/pulumiMocks";
import { loadJanitorConfig } from "../../../functions/janitor/config";
import { janitorPolicy } from "../../../components/ops/janitor.policies";
import {
  janitorScheduleProblem,
  resolveJanitorArgs,
  type JanitorArgs,
} from "../../../components/ops/janitor";
import { tierAlarmThreshold, tierWarnings } from "../../../components/ops/activationTier";

const settle = () => new Promise((r) => setTimeout(r, 50));

async function build(args: Partial<JanitorArgs> = {}) {
  installMocks();
  const { Janitor } = await import("../../../components/ops/janitor");
  const janitor = new Janitor("fleet-janitor", {
    fleetName: "acme",
    tags: { HybridFleet: "acme" },
    ...args,
  });
  await unwrap(janitor.functionName);
  await settle();
  return janitor;
}

describe("Janitor component", () => {
  it("creates exactly its children, all parented to it", async () => {
    await build();
    const children = allResources()
      .filter((r) => r.custom)
      .map((r) => `${r.type}::${r.name}`)
      .sort();
    assert.deepEqual(children, [
      "aws:cloudwatch/eventRule:EventRule::fleet-janitor-schedule",
      "aws:cloudwatch/eventTarget:EventTarget::fleet-janitor-schedule",
      "aws:cloudwatch/logGroup:LogGroup::fleet-janitor-logs",
      "aws:cloudwatch/metricAlarm:MetricAlarm::fleet-janitor-hybrid-node-tier",
      "aws:iam/role:Role::fleet-janitor-role",
      "aws:iam/rolePolicy:RolePolicy::fleet-janitor-role",
      "aws:lambda/function:Function::fleet-janitor-function",
      "aws:lambda/permission:Permission::fleet-janitor-schedule",
    ]);
    for (const r of allResources().filter((x) => x.custom)) {
      assert.match(r.parent ?? "", /ssm-hybrid-fleet:ops:Janitor::fleet-janitor$/, r.name);
    }
  });

  it("defaults: a daily dry run, staleDays 30, 50 actions, the handler's config reads it back", async () => {
    await build();
    const fn = resourceNamed("fleet-janitor-function", "aws:lambda/function:Function");
    assert.deepEqual(fn.inputs.environment.variables, {
      FLEET_NAME: "acme",
      FLEET_TAG_KEY: "HybridFleet",
      JANITOR_STALE_DAYS: "30",
      JANITOR_MAX_ACTIONS: "50",
      JANITOR_APPLY: "false",
    });
    assert.deepEqual(loadJanitorConfig(fn.inputs.environment.variables), {
      fleetName: "acme",
      fleetTagKey: "HybridFleet",
      staleDays: 30,
      maxActions: 50,
      apply: false,
    });
    assert.equal(fn.inputs.runtime, "nodejs22.x");
    assert.equal(fn.inputs.handler, "index.handler");
    assert.equal(
      resourceNamed("fleet-janitor-schedule", "aws:cloudwatch/eventRule:EventRule").inputs
        .scheduleExpression,
      "rate(1 day)",
    );
  });

  it("apply, schedule, staleDays and the cap reach the function", async () => {
    await build({
      apply: true,
      schedule: "rate(12 hours)",
      staleDays: 45,
      maxActionsPerRun: 10,
      fleetTagKey: "Fleet",
    });
    const env = resourceNamed("fleet-janitor-function", "aws:lambda/function:Function").inputs
      .environment.variables;
    assert.deepEqual(loadJanitorConfig(env), {
      fleetName: "acme",
      fleetTagKey: "Fleet",
      staleDays: 45,
      maxActions: 10,
      apply: true,
    });
  });

  it("the role: trusted by Lambda for this account, exactly janitorPolicy", async () => {
    await build();
    const role = resourceNamed("fleet-janitor-role", "aws:iam/role:Role");
    const trust = JSON.parse(role.inputs.assumeRolePolicy);
    assert.deepEqual(trust.Statement[0].Principal, { Service: "lambda.amazonaws.com" });
    assert.deepEqual(trust.Statement[0].Condition, {
      StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
    });
    const policy = resourceNamed("fleet-janitor-role", "aws:iam/rolePolicy:RolePolicy");
    const logGroup = resourceNamed("fleet-janitor-logs", "aws:cloudwatch/logGroup:LogGroup");
    assert.ok(logGroup);
    assert.deepEqual(
      JSON.parse(policy.inputs.policy),
      janitorPolicy({
        partition: "aws",
        region: REGION,
        accountId: ACCOUNT_ID,
        fleetTagKey: "HybridFleet",
        fleetName: "acme",
        logGroupArn: JSON.parse(policy.inputs.policy).Statement[3].Resource.replace(/:\*$/, ""),
      }),
    );
    assert.match(JSON.parse(policy.inputs.policy).Statement[3].Resource, /fleet-janitor-logs:\*$/);
  });

  it("only its schedule rule may invoke it", async () => {
    await build();
    const p = resourceNamed("fleet-janitor-schedule", "aws:lambda/permission:Permission");
    assert.equal(p.inputs.principal, "events.amazonaws.com");
    assert.equal(p.inputs.action, "lambda:InvokeFunction");
    assert.match(p.inputs.sourceArn, /fleet-janitor-schedule/);
  });

  it("the tier alarm: HybridNodes >= 800 of 1000, on the janitor's metric, to the topic", async () => {
    await build({ alarmTopicArn: "arn:aws:sns:ap-southeast-2:123456789012:alerts" });
    const alarm = resourceNamed(
      "fleet-janitor-hybrid-node-tier",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
    ).inputs;
    assert.deepEqual(
      {
        name: alarm.name,
        namespace: alarm.namespace,
        metricName: alarm.metricName,
        dimensions: alarm.dimensions,
        statistic: alarm.statistic,
        period: alarm.period,
        threshold: alarm.threshold,
        comparisonOperator: alarm.comparisonOperator,
        alarmActions: alarm.alarmActions,
      },
      {
        name: "HybridFleet-acme-risk-hybrid-node-tier",
        namespace: "HybridFleet/Janitor",
        metricName: "HybridNodes",
        dimensions: { Fleet: "acme" },
        statistic: "Maximum",
        period: 86400,
        threshold: 800,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        alarmActions: ["arn:aws:sns:ap-southeast-2:123456789012:alerts"],
      },
    );
  });

  it("tierAlarmShare 0.5 alarms at 500; false creates no alarm", async () => {
    await build({ tierAlarmShare: 0.5 });
    assert.equal(
      resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm")[0].inputs.threshold,
      500,
    );
    const j = await build({ tierAlarmShare: false });
    assert.equal(resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm").length, 0);
    assert.equal(j.tierAlarmArn, undefined);
  });

  describe("validation, before anything is created", () => {
    const bad: Array<[Partial<JanitorArgs>, string]> = [
      [{ staleDays: 0 }, "Janitor: staleDays must be a whole number from 1 to 3650; got 0"],
      [
        { maxActionsPerRun: 20_000 },
        "Janitor: maxActionsPerRun must be a whole number from 0 to 10000; got 20000",
      ],
      [
        { schedule: "rate(5 minutes)" },
        "Janitor: schedule must be rate(N hours|days) from 1 hour to 30 days, or cron(…) with six fields; got rate(5 minutes)",
      ],
      [
        { tierAlarmShare: 1.5 },
        "Janitor: tierAlarmShare must be a number more than 0 and at most 1; got 1.5",
      ],
      [{ fleetName: "" }, 'Janitor: fleetName must be the fleet tag\'s value (not empty); got ""'],
    ];
    for (const [over, message] of bad) {
      it(`refuses ${JSON.stringify(over)}`, async () => {
        installMocks();
        const { Janitor } = await import("../../../components/ops/janitor");
        assert.throws(
          () => new Janitor("j", { fleetName: "acme", ...over }),
          (err: Error) => {
            assert.equal(err.name, "ArgumentError");
            assert.equal(err.message, message);
            return true;
          },
        );
        await settle();
        assert.deepEqual(allResources(), []);
      });
    }
  });

  const schedules: Array<[string, string | undefined]> = [
    ["rate(1 day)", undefined],
    ["rate(1 hour)", undefined],
    ["rate(30 days)", undefined],
    ["cron(0 3 * * ? *)", undefined],
    [
      "rate(59 minutes)",
      "must be rate(N hours|days) from 1 hour to 30 days, or cron(…) with six fields; got rate(59 minutes)",
    ],
    [
      "rate(31 days)",
      "must be rate(N hours|days) from 1 hour to 30 days, or cron(…) with six fields; got rate(31 days)",
    ],
    [
      "rate(1 days)",
      "rate(1 days): EventBridge wants the unit singular for 1 and plural otherwise (rate(1 day), rate(2 days))",
    ],
    [
      "cron(0 3 * * ?)",
      "must be rate(N hours|days) from 1 hour to 30 days, or cron(…) with six fields; got cron(0 3 * * ?)",
    ],
  ];
  for (const [expression, problem] of schedules) {
    it(`schedule: ${problem === undefined ? "accepts" : "refuses"} ${expression}`, () => {
      assert.equal(janitorScheduleProblem(expression), problem);
    });
  }

  it("resolveJanitorArgs: defaults", () => {
    assert.deepEqual(resolveJanitorArgs({ fleetName: "acme" }), {
      fleetTagKey: "HybridFleet",
      apply: false,
      schedule: "rate(1 day)",
      staleDays: 30,
      maxActionsPerRun: 50,
      tierAlarmShare: 0.8,
      hybridNodeLimit: 1000,
      alarmNamePrefix: "HybridFleet-acme-risk",
      logRetentionDays: 30,
      timeoutSeconds: 300,
    });
  });
});

describe("tier awareness", () => {
  it("tierAlarmThreshold rounds up and never goes below 1", () => {
    assert.equal(tierAlarmThreshold(1000, 0.8), 800);
    assert.equal(tierAlarmThreshold(1000, 0.333), 333);
    assert.equal(tierAlarmThreshold(1000, 0.3335), 334);
    assert.equal(tierAlarmThreshold(1000, 0.0001), 1);
  });

  const cases: Array<[Parameters<typeof tierWarnings>[0], string[]]> = [
    [{ activationTier: "unmanaged", expectedHybridNodes: 0, tierAlarmShare: 0.8 }, []],
    [{ activationTier: "unmanaged", expectedHybridNodes: 799, tierAlarmShare: 0.8 }, []],
    [
      { activationTier: "unmanaged", expectedHybridNodes: 800, tierAlarmShare: 0.8 },
      [
        "expectedHybridNodes is 800, at or above the tier alarm's threshold (800 of 1000 on the standard tier (assumed)): the alarm will fire as the fleet fills up. Plan for activationTier: advanced, or raise tierAlarmShare.",
      ],
    ],
    [
      { activationTier: "standard", expectedHybridNodes: 1500, tierAlarmShare: 0.8 },
      [
        "expectedHybridNodes is 1500, more than the 1000 hybrid nodes the standard tier allows per account and region: registrations beyond it fail. Set activationTier: advanced (charged per advanced node and hour; see README, Costs), or spread the fleet over accounts or regions.",
      ],
    ],
    [{ activationTier: "advanced", expectedHybridNodes: 5000, tierAlarmShare: 0.8 }, []],
  ];
  for (const [plan, warnings] of cases) {
    it(`warns ${warnings.length === 0 ? "nothing" : "once"} for ${JSON.stringify(plan)}`, () => {
      assert.deepEqual(tierWarnings(plan), warnings);
    });
  }
});

describe("HybridFleet: janitor and tier", () => {
  async function fleet(extra: Record<string, unknown>) {
    installMocks();
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    pulumi.log.warn = ((m: string) => {
      warnings.push(m);
      return Promise.resolve();
    }) as typeof pulumi.log.warn;
    try {
      const { HybridFleet } = await import("../../../components/hybridFleet");
      const f = new HybridFleet("fleet", { fleetName: "acme", environment: "dev", ...extra });
      await unwrap(f.activationApi.apiUrl);
      await settle();
      return { f, warnings };
    } finally {
      pulumi.log.warn = original;
    }
  }

  it("has a dry-run janitor by default, its alarm on the risk topic, and no tier setting", async () => {
    const { f } = await fleet({});
    assert.ok(f.janitor);
    const fn = resourceNamed("fleet-janitor-function", "aws:lambda/function:Function");
    assert.equal(fn.inputs.environment.variables.JANITOR_APPLY, "false");
    const alarm = resourceNamed(
      "fleet-janitor-hybrid-node-tier",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
    );
    assert.deepEqual(alarm.inputs.alarmActions, [await unwrap(f.riskAlerts!.topicArn)]);
    assert.equal(resourcesOfType("aws:ssm/serviceSetting:ServiceSetting").length, 0);
  });

  it("janitor: false leaves it out", async () => {
    const { f } = await fleet({ janitor: false });
    assert.equal(f.janitor, undefined);
    assert.equal(
      resourcesOfType("aws:lambda/function:Function").filter((r) => r.name.includes("janitor"))
        .length,
      0,
    );
  });

  it("activationTier advanced sets the account setting and drops the tier alarm", async () => {
    await fleet({ activationTier: "advanced" });
    const [setting] = resourcesOfType("aws:ssm/serviceSetting:ServiceSetting");
    assert.deepEqual(setting.inputs, {
      settingId: "/ssm/managed-instance/activation-tier",
      settingValue: "advanced",
    });
    assert.equal(
      resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((r) =>
        r.name.includes("tier"),
      ).length,
      0,
    );
  });

  it("warns at synth when expectedHybridNodes passes the standard tier", async () => {
    const { warnings } = await fleet({ expectedHybridNodes: 1200 });
    assert.deepEqual(
      warnings.filter((w) => w.includes("expectedHybridNodes")),
      [
        `HybridFleet: ${tierWarnings({ activationTier: "unmanaged", expectedHybridNodes: 1200, tierAlarmShare: 0.8 })[0]}`,
      ],
    );
  });
});

describe("stack config: janitor and tier keys", () => {
  it("passes janitor, activationTier, tierAlarmShare and expectedHybridNodes to HybridFleet", async () => {
    const { loadFleetArgs } = await import("../../../config/stackConfig");
    const args = loadFleetArgs(
      {
        janitor: { apply: true, staleDays: 14, maxActionsPerRun: 5 },
        activationTier: "standard",
        tierAlarmShare: 0.9,
        expectedHybridNodes: 300,
      },
      { project: "ssm-hybrid-fleet", stack: "dev" },
    );
    assert.deepEqual(args.janitor, {
      apply: true,
      schedule: "rate(1 day)",
      staleDays: 14,
      maxActionsPerRun: 5,
    });
    assert.deepEqual(
      [args.activationTier, args.tierAlarmShare, args.expectedHybridNodes],
      ["standard", 0.9, 300],
    );
  });

  it("janitor.enabled false turns it off; activationTier unmanaged (the default) leaves the setting alone", async () => {
    const { loadFleetArgs } = await import("../../../config/stackConfig");
    const args = loadFleetArgs(
      { janitor: { enabled: false } },
      { project: "ssm-hybrid-fleet", stack: "dev" },
    );
    assert.equal(args.janitor, false);
    assert.equal(args.activationTier, undefined);
  });

  const bad: Array<[Record<string, unknown>, string]> = [
    [
      { janitor: { schedule: "rate(5 minutes)" } },
      "ssm-hybrid-fleet:janitor.schedule: must be rate(N hours|days) from 1 hour to 30 days, or cron(…) with six fields; got rate(5 minutes)",
    ],
    [
      { activationTier: "premium" },
      'ssm-hybrid-fleet:activationTier: must be one of unmanaged, standard, advanced; got "premium"',
    ],
    [
      { tierAlarmShare: 0 },
      "ssm-hybrid-fleet:tierAlarmShare: must be a number more than 0 and at most 1; got 0",
    ],
  ];
  for (const [values, message] of bad) {
    it(`names the config key: ${JSON.stringify(values)}`, async () => {
      const { loadFleetArgs } = await import("../../../config/stackConfig");
      assert.throws(() => loadFleetArgs(values, { project: "ssm-hybrid-fleet", stack: "dev" }), {
        name: "ConfigError",
        message,
      });
    });
  }
});
