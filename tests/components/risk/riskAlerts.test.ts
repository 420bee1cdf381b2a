/**
 * RiskAlerts under Pulumi's mocks: the children (key, topic, topic policy, subscriptions,
 * alarms) and every security-relevant input asserted exactly; with `topicArn`, no topic.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  ACCOUNT_ID,
  REGION,
  RecordedResource,
  allResources,
  installMocks,
  unwrap,
} from "../../support/pulumiMocks";

import { resolveRiskAlertSettings, riskAlarms } from "../../../components/risk/riskAlarms";

type Module = typeof import("../../../components/risk/riskAlerts");
let mod: Module;

const TYPE = "ssm-hybrid-fleet:risk:RiskAlerts";
const PREFIX = "HybridFleet-acme-prod-risk";
const urn = (type: string, name: string) => `urn:pulumi:dev::ssm-hybrid-fleet::${type}::${name}`;

// pulumiMocks records parents but not dependencies; capture them from the engine's request.
const dependencies = new Map<string, string[]>();
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
}
function installMocksCapturingDependencies(): void {
  installMocks();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource: (req: RegisterRequest, cb: unknown) => unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    dependencies.set(
      req.getName(),
      req
        .getDependenciesList()
        .map((u) => u.split("::").pop() as string)
        .sort(),
    );
    return register(req, cb);
  };
}

function childrenOf(name: string): Map<string, RecordedResource> {
  return new Map(
    allResources()
      .filter((r) => r.parent === urn(TYPE, name))
      .map((r) => [`${r.type}::${r.name}`, r]),
  );
}

function child(name: string, type: string, childName: string): RecordedResource {
  const found = childrenOf(name).get(`${type}::${childName}`);
  assert.ok(
    found,
    `missing ${type}::${childName}; have ${[...childrenOf(name).keys()].join(", ")}`,
  );
  return found;
}

async function build(
  name: string,
  args: import("../../../components/risk/riskAlerts").RiskAlertsArgs,
): Promise<import("../../../components/risk/riskAlerts").RiskAlerts> {
  const a = new mod.RiskAlerts(name, args);
  await unwrap(
    pulumi.all([a.topicArn, a.kmsKeyArn, ...Object.values(a.alarmArns)]).apply(() => true),
  );
  await new Promise((r) => setTimeout(r, 50));
  return a;
}

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC_ARN = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${name}`;

describe("RiskAlerts component (mocks)", () => {
  before(async () => {
    installMocksCapturingDependencies();
    mod = await import("../../../components/risk/riskAlerts");
  });

  describe("default: a new encrypted topic with email subscriptions", () => {
    let a: import("../../../components/risk/riskAlerts").RiskAlerts;
    before(async () => {
      a = await build("alerts", {
        fleet: "acme-prod",
        alerts: {
          criticalEnvironments: ["prod", "pci"],
          emails: ["SecOps@example.com", "risk-owner@example.com"],
        },
        tags: { Team: "secops" },
      });
    });

    it("creates exactly the key, topic, topic policy, subscriptions and alarms", () => {
      assert.deepEqual([...childrenOf("alerts").keys()].sort(), [
        `${ALARM}::alerts-critical-pci`,
        `${ALARM}::alerts-critical-prod`,
        `${ALARM}::alerts-expired-acceptances`,
        `${ALARM}::alerts-not-seen`,
        `${ALARM}::alerts-score-increase`,
        `${ALARM}::alerts-silent-pipeline`,
        "aws:kms/key:Key::alerts-key",
        "aws:sns/topic:Topic::alerts-topic",
        "aws:sns/topicPolicy:TopicPolicy::alerts-topic-policy",
        "aws:sns/topicSubscription:TopicSubscription::alerts-email-risk-owner@example.com",
        "aws:sns/topicSubscription:TopicSubscription::alerts-email-secops@example.com",
      ]);
    });

    it("encrypts the topic with a rotating customer managed key whose policy lets CloudWatch use it", () => {
      const key = child("alerts", "aws:kms/key:Key", "alerts-key");
      assert.equal(key.inputs.enableKeyRotation, true);
      assert.equal(key.inputs.deletionWindowInDays, 30);
      assert.deepEqual(key.inputs.tags, { Team: "secops" });
      assert.deepEqual(JSON.parse(key.inputs.policy), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersKey",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Sid: "CloudWatchAlarmsUseKey",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT_ID } },
          },
        ],
      });
      const topic = child("alerts", "aws:sns/topic:Topic", "alerts-topic");
      assert.equal(
        topic.inputs.kmsMasterKeyId,
        `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/alerts-key`,
      );
      assert.notEqual(topic.inputs.kmsMasterKeyId, "alias/aws/sns");
      assert.equal(topic.inputs.displayName, "Risk alerts of acme-prod");
    });

    it("lets only this account's risk alarms publish to the topic", () => {
      const policy = child("alerts", "aws:sns/topicPolicy:TopicPolicy", "alerts-topic-policy");
      assert.equal(policy.inputs.arn, TOPIC_ARN("alerts-topic"));
      assert.deepEqual(JSON.parse(policy.inputs.policy), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: TOPIC_ARN("alerts-topic"),
            Condition: {
              StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
              ArnLike: {
                "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${ACCOUNT_ID}:alarm:${PREFIX}-*`,
              },
            },
          },
        ],
      });
    });

    it("subscribes each address by email, keyed by the address", () => {
      const sub = child(
        "alerts",
        "aws:sns/topicSubscription:TopicSubscription",
        "alerts-email-secops@example.com",
      );
      assert.deepEqual(
        { topic: sub.inputs.topic, protocol: sub.inputs.protocol, endpoint: sub.inputs.endpoint },
        { topic: TOPIC_ARN("alerts-topic"), protocol: "email", endpoint: "SecOps@example.com" },
      );
    });

    it("creates each alarm exactly as specified, acting on the topic for ALARM and OK", () => {
      const alarm = child("alerts", ALARM, "alerts-critical-pci");
      const { tags, ...inputs } = alarm.inputs;
      assert.deepEqual(tags, { Team: "secops" });
      assert.deepEqual(inputs, {
        name: `${PREFIX}-critical-pci`,
        alarmDescription:
          "Open CRITICAL findings in environment pci of fleet acme-prod (any is too many).",
        namespace: "HybridFleet/Risk",
        metricName: "OpenCritical",
        dimensions: { Fleet: "acme-prod", Environment: "pci" },
        statistic: "Maximum",
        period: 3600,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        actionsEnabled: true,
        alarmActions: [TOPIC_ARN("alerts-topic")],
        okActions: [TOPIC_ARN("alerts-topic")],
      });
      const silent = child("alerts", ALARM, "alerts-silent-pipeline").inputs;
      assert.deepEqual(
        [
          silent.metricName,
          silent.statistic,
          silent.period,
          silent.evaluationPeriods,
          silent.datapointsToAlarm,
          silent.threshold,
          silent.comparisonOperator,
          silent.treatMissingData,
        ],
        ["SnapshotSucceeded", "Sum", 3600, 2, 2, 1, "LessThanThreshold", "breaching"],
      );
      for (const r of [...childrenOf("alerts").values()].filter((c) => c.type === ALARM)) {
        assert.deepEqual(r.inputs.alarmActions, [TOPIC_ARN("alerts-topic")], r.name);
        assert.deepEqual(r.inputs.okActions, [TOPIC_ARN("alerts-topic")], r.name);
        assert.ok(r.inputs.name.startsWith(`${PREFIX}-`), r.name);
        // The first state change must find the topic policy in place.
        assert.ok(dependencies.get(r.name)?.includes("alerts-topic-policy"), r.name);
      }
    });

    it("creates every alarm exactly from its spec (one resource per spec, nothing else)", () => {
      const specs = riskAlarms({
        ...resolveRiskAlertSettings({
          criticalEnvironments: ["prod", "pci"],
          emails: ["SecOps@example.com", "risk-owner@example.com"],
        }),
        fleet: "acme-prod",
        alarmNamePrefix: PREFIX,
        snapshotPeriodMinutes: 60,
      });
      const alarms = [...childrenOf("alerts").values()].filter((c) => c.type === ALARM);
      assert.equal(alarms.length, specs.length);
      for (const spec of specs) {
        const { key, ...fields } = spec;
        assert.deepEqual(child("alerts", ALARM, `alerts-${key}`).inputs, {
          ...fields,
          actionsEnabled: true,
          alarmActions: [TOPIC_ARN("alerts-topic")],
          okActions: [TOPIC_ARN("alerts-topic")],
          tags: { Team: "secops" },
        });
      }
    });

    it("outputs the topic ARN, the key ARN and every alarm ARN by key", async () => {
      assert.equal(await unwrap(a.topicArn), TOPIC_ARN("alerts-topic"));
      assert.equal(await unwrap(a.kmsKeyArn), `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/alerts-key`);
      assert.deepEqual(Object.keys(a.alarmArns).sort(), [
        "critical-pci",
        "critical-prod",
        "expired-acceptances",
        "not-seen",
        "score-increase",
        "silent-pipeline",
      ]);
      // The mock names each ARN after the alarm's name: each output is its own alarm's ARN.
      assert.match(await unwrap(a.alarmArns["not-seen"]), new RegExp(`:${PREFIX}-not-seen$`));
      assert.equal(await unwrap(a.alarmNames["score-increase"]), `${PREFIX}-score-increase`);
    });
  });

  describe("with an existing topic ARN", () => {
    const EXISTING = "arn:aws:sns:ap-southeast-2:210987654321:central-alerts";
    let a: import("../../../components/risk/riskAlerts").RiskAlerts;
    before(async () => {
      a = await build("shared", {
        fleet: "acme-dev",
        alerts: { topicArn: EXISTING, criticalEnvironments: [] },
        snapshotPeriodMinutes: 240,
      });
    });

    it("creates no topic, key, policy or subscription: only the alarms, acting on that topic", () => {
      assert.deepEqual([...childrenOf("shared").keys()].sort(), [
        `${ALARM}::shared-expired-acceptances`,
        `${ALARM}::shared-not-seen`,
        `${ALARM}::shared-score-increase`,
        `${ALARM}::shared-silent-pipeline`,
      ]);
      for (const r of childrenOf("shared").values()) {
        assert.deepEqual(r.inputs.alarmActions, [EXISTING]);
        assert.deepEqual(r.inputs.okActions, [EXISTING]);
        assert.equal(r.inputs.period, 14_400);
        assert.ok(r.inputs.name.startsWith("HybridFleet-acme-dev-risk-"), r.inputs.name);
      }
    });

    it("outputs that topic and no key", async () => {
      assert.equal(await unwrap(a.topicArn), EXISTING);
      assert.equal(await unwrap(a.kmsKeyArn), undefined);
    });
  });

  const refusals: [
    string,
    Partial<import("../../../components/risk/riskAlerts").RiskAlertsArgs>,
    string,
  ][] = [
    ["an empty fleet", { fleet: "" }, 'RiskAlerts: fleet must be a non-empty fleet name, got ""'],
    [
      "a snapshot period beyond a day",
      { snapshotPeriodMinutes: 1441 },
      "RiskAlerts: snapshotPeriodMinutes must be a whole number of minutes from 1 to 1440, got 1441",
    ],
    [
      "a wildcard in the alarm name prefix (it would widen the topic policy)",
      { alarmNamePrefix: "risk-*" },
      'RiskAlerts: alarmNamePrefix "risk-*" must be 1–128 characters of letters, digits, _ . -',
    ],
    [
      "an environment that makes an alarm name longer than 255",
      { alerts: { criticalEnvironments: ["e".repeat(250)] } },
      `RiskAlerts: alerts.criticalEnvironments makes alarm name "HybridFleet-acme-risk-critical-${"e".repeat(250)}" longer than 255 characters: shorten the environment or alarmNamePrefix`,
    ],
    [
      "a bad email (settings are validated by the component too)",
      { alerts: { emails: ["nobody"] } },
      'RiskAlerts: alerts.emails[0] "nobody" is not an email address (name@example.com)',
    ],
  ];
  for (const [what, change, message] of refusals) {
    it(`refuses ${what} before creating anything`, () => {
      const before = allResources().length;
      assert.throws(() => new mod.RiskAlerts("bad", { fleet: "acme", ...change }), { message });
      assert.equal(allResources().length, before);
    });
  }

  it("warns when alerts would reach nobody or no environment's CRITICAL findings alarm", () => {
    const warnings = (alerts: import("../../../risk/model").RiskAlertSettings) =>
      mod.riskAlertsWarnings(mod.resolveRiskAlertsArgs({ fleet: "acme", alerts }));
    assert.deepEqual(warnings({ emails: ["a@example.com"] }), []);
    assert.deepEqual(warnings({ topicArn: "arn:aws:sns:ap-southeast-2:123456789012:t" }), []);
    assert.deepEqual(warnings({}), [
      "RiskAlerts: alerts.emails is empty: the alarms publish to a new topic nobody is subscribed to; add addresses or subscribe to the topicArn output",
    ]);
    assert.deepEqual(warnings({ criticalEnvironments: [], emails: ["a@example.com"] }), [
      "RiskAlerts: alerts.criticalEnvironments is empty: open CRITICAL findings alarm in no environment",
    ]);
  });

  it("fits the default prefix for a fleet name with other characters", () => {
    assert.match(mod.defaultAlarmNamePrefix("(all)"), /^HybridFleet--all--risk-[0-9a-f]{8}$/);
    assert.equal(mod.defaultAlarmNamePrefix("x".repeat(300)).length, 128);
  });
});
