/**
 * RiskAlerts: CloudWatch alarms on a fleet's risk metrics, acting on an SNS topic (created,
 * encrypted with its own KMS key, with email subscriptions; or an existing one).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ArgumentError } from "../shared/errors";
import { NameRule, physicalName } from "../shared/physicalNames";
import { RiskAlertSettings } from "../../risk/model";
import {
  ResolvedRiskAlertSettings,
  RiskAlarmSpec,
  resolveRiskAlertSettings,
  riskAlarms,
} from "./riskAlarms";
import { alertKeyPolicy, alertTopicPolicy } from "./riskAlerts.policies";

/** Type token of {@link RiskAlerts}. Never change it: it is part of every URN. */
export const RISK_ALERTS_TYPE = "ssm-hybrid-fleet:risk:RiskAlerts";

const COMPONENT = "RiskAlerts";

/**
 * Alarm name prefixes: letters, digits and `_ . -` only, because the prefix also goes into the
 * `ArnLike` patterns of the topic policy, where `*` and `?` would be wildcards; short enough
 * that `<prefix>-critical-<env>` stays within the 255 characters of an alarm name
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 */
export const ALARM_PREFIX_RULE: NameRule = {
  maxLength: 128,
  invalid: /[^A-Za-z0-9_.-]/g,
  separator: "-",
  lowercase: false,
};

const ALARM_PREFIX = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_ALARM_NAME = 255;

/** Default alarm name prefix of a fleet: `HybridFleet-<fleet>-risk`, fitted to the rule. */
export function defaultAlarmNamePrefix(fleet: string): string {
  return physicalName(`HybridFleet-${fleet}-risk`, ALARM_PREFIX_RULE);
}

/** Arguments of {@link RiskAlerts}. */
export interface RiskAlertsArgs {
  /** Value of the `Fleet` dimension the snapshot publishes: the fleet name, or `(all)`. */
  readonly fleet: string;
  /**
   * What to alarm on and whom to tell (stack config `risk.alerts`): environments whose open
   * CRITICAL findings alarm, the day-over-day score share, the not-seen threshold, email
   * addresses, or an existing topic ARN.
   * @default {} (criticalEnvironments ["prod"], scoreIncreaseShare 0.2, notSeenThreshold 0, a new topic without subscriptions)
   */
  readonly alerts?: RiskAlertSettings;
  /**
   * Minutes between snapshots (the snapshot schedule): the alarms' period; the silent-pipeline
   * alarm fires after two periods without a successful snapshot.
   * @default 60
   */
  readonly snapshotPeriodMinutes?: number;
  /**
   * Start of every alarm name (the topic policy admits only alarms with this prefix).
   * @default `HybridFleet-<fleet>-risk` fitted to `[A-Za-z0-9_.-]{1,128}`
   */
  readonly alarmNamePrefix?: string;
  /**
   * Tags for the taggable resources.
   * @default {}
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** RiskAlertsArgs with defaults applied and every plain value checked. */
export interface ResolvedRiskAlertsSettings extends ResolvedRiskAlertSettings {
  readonly fleet: string;
  readonly alarmNamePrefix: string;
  readonly snapshotPeriodMinutes: number;
  readonly alarms: readonly RiskAlarmSpec[];
}

/**
 * Applies the defaults of {@link RiskAlertsArgs}, validates every plain value and builds the
 * alarm specs, throwing an {@link ArgumentError} that names the field and what is allowed.
 */
export function resolveRiskAlertsArgs(args: RiskAlertsArgs): ResolvedRiskAlertsSettings {
  if (typeof args.fleet !== "string" || args.fleet.length === 0) {
    throw new ArgumentError(
      COMPONENT,
      "fleet",
      `must be a non-empty fleet name, got ${JSON.stringify(args.fleet)}`,
    );
  }
  const alerts = resolveRiskAlertSettings(args.alerts);
  const minutes = args.snapshotPeriodMinutes ?? 60;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
    throw new ArgumentError(
      COMPONENT,
      "snapshotPeriodMinutes",
      `must be a whole number of minutes from 1 to 1440, got ${minutes}`,
    );
  }
  const alarmNamePrefix = args.alarmNamePrefix ?? defaultAlarmNamePrefix(args.fleet);
  if (!ALARM_PREFIX.test(alarmNamePrefix)) {
    throw new ArgumentError(
      COMPONENT,
      "alarmNamePrefix",
      `"${alarmNamePrefix}" must be 1–128 characters of letters, digits, _ . -`,
    );
  }
  const alarms = riskAlarms({
    ...alerts,
    fleet: args.fleet,
    alarmNamePrefix,
    snapshotPeriodMinutes: minutes,
  });
  const long = alarms.find((a) => a.name.length > MAX_ALARM_NAME);
  if (long !== undefined) {
    throw new ArgumentError(
      COMPONENT,
      "alerts.criticalEnvironments",
      `makes alarm name "${long.name}" longer than ${MAX_ALARM_NAME} characters: shorten the environment or alarmNamePrefix`,
    );
  }
  return { ...alerts, fleet: args.fleet, alarmNamePrefix, snapshotPeriodMinutes: minutes, alarms };
}

/**
 * Warnings for settings that are allowed but probably not meant; the component logs each
 * with `pulumi.log.warn`.
 */
export function riskAlertsWarnings(s: ResolvedRiskAlertsSettings): string[] {
  const warnings: string[] = [];
  if (s.topicArn === undefined && s.emails.length === 0) {
    warnings.push(
      "RiskAlerts: alerts.emails is empty: the alarms publish to a new topic nobody is subscribed to; add addresses or subscribe to the topicArn output",
    );
  }
  if (s.criticalEnvironments.length === 0) {
    warnings.push(
      "RiskAlerts: alerts.criticalEnvironments is empty: open CRITICAL findings alarm in no environment",
    );
  }
  return warnings;
}

/**
 * Alarms on a fleet's risk metrics (see {@link riskAlarms}): open CRITICAL findings in each
 * critical environment, a day-over-day score rise, expired acceptances, machines not seen,
 * and a silent pipeline. Alarm and OK actions go to an SNS topic: by default one created
 * here, encrypted with a customer managed KMS key that lets CloudWatch use it, with a policy
 * that lets only this account's alarms publish, and one email subscription per address
 * (each address confirms by email); with `alerts.topicArn`, that topic instead (its owner
 * must let CloudWatch publish, and let CloudWatch use its key if it is encrypted).
 *
 * @example
 * const alerts = new RiskAlerts("risk-alerts", {
 *   fleet: "acme-prod",
 *   alerts: { criticalEnvironments: ["prod"], emails: ["secops@example.com"] },
 * });
 * export const alertTopicArn = alerts.topicArn;
 */
export class RiskAlerts extends pulumi.ComponentResource {
  /** ARN of the topic the alarms act on (created, or `alerts.topicArn`). */
  public readonly topicArn: pulumi.Output<string>;
  /** ARN of the created topic's KMS key; undefined with `alerts.topicArn`. */
  public readonly kmsKeyArn: pulumi.Output<string | undefined>;
  /** Alarm ARNs by alarm key (`critical-prod`, `score-increase`, `expired-acceptances`, `not-seen`, `silent-pipeline`). */
  public readonly alarmArns: Record<string, pulumi.Output<string>>;
  /** Alarm names by alarm key. */
  public readonly alarmNames: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: RiskAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so bad input leaves no half-built component.
    const s = resolveRiskAlertsArgs(args);
    super(RISK_ALERTS_TYPE, name, {}, opts);
    for (const w of riskAlertsWarnings(s)) pulumi.log.warn(w, this);
    const tags = args.tags ?? {};

    let topicArn: pulumi.Output<string>;
    let keyArn: pulumi.Output<string> | undefined;
    const alarmDeps: pulumi.Resource[] = [];
    if (s.topicArn !== undefined) {
      topicArn = pulumi.output(s.topicArn);
    } else {
      const identity = aws.getCallerIdentityOutput({}, { parent: this });
      const partition = aws.getPartitionOutput({}, { parent: this }).partition;
      const region = aws.getRegionOutput({}, { parent: this }).region;
      const key = new aws.kms.Key(
        `${name}-key`,
        {
          description: `Encrypts ${name}'s risk alert topic (CloudWatch alarms may use it)`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: pulumi
            .all([partition, identity.accountId])
            .apply(([p, acct]) =>
              JSON.stringify(alertKeyPolicy({ partition: p, accountId: acct })),
            ),
          tags,
        },
        { parent: this },
      );
      keyArn = key.arn;
      const topic = new aws.sns.Topic(
        `${name}-topic`,
        { displayName: `Risk alerts of ${s.fleet}`.slice(0, 100), kmsMasterKeyId: key.arn, tags },
        { parent: this },
      );
      const topicPolicy = new aws.sns.TopicPolicy(
        `${name}-topic-policy`,
        {
          arn: topic.arn,
          policy: pulumi
            .all([partition, region, identity.accountId, topic.arn])
            .apply(([p, r, acct, arn]) =>
              JSON.stringify(
                alertTopicPolicy({
                  partition: p,
                  region: r,
                  accountId: acct,
                  topicArn: arn,
                  alarmNamePrefix: s.alarmNamePrefix,
                }),
              ),
            ),
        },
        { parent: this },
      );
      alarmDeps.push(topicPolicy);
      for (const email of s.emails) {
        new aws.sns.TopicSubscription(
          `${name}-email-${email.toLowerCase()}`,
          { topic: topic.arn, protocol: "email", endpoint: email },
          { parent: this },
        );
      }
      topicArn = topic.arn;
    }

    const alarmArns: Record<string, pulumi.Output<string>> = {};
    const alarmNames: Record<string, pulumi.Output<string>> = {};
    for (const a of s.alarms) {
      const alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-${a.key}`,
        {
          name: a.name,
          alarmDescription: a.alarmDescription,
          namespace: a.namespace,
          metricName: a.metricName,
          dimensions: { ...a.dimensions },
          statistic: a.statistic,
          period: a.period,
          evaluationPeriods: a.evaluationPeriods,
          datapointsToAlarm: a.datapointsToAlarm,
          threshold: a.threshold,
          comparisonOperator: a.comparisonOperator,
          treatMissingData: a.treatMissingData,
          actionsEnabled: true,
          alarmActions: [topicArn],
          okActions: [topicArn],
          tags,
        },
        // The first state change must find the topic policy in place.
        { parent: this, dependsOn: alarmDeps },
      );
      alarmArns[a.key] = alarm.arn;
      alarmNames[a.key] = alarm.name;
    }

    this.topicArn = topicArn;
    this.kmsKeyArn = keyArn
      ? keyArn.apply((k) => k as string | undefined)
      : pulumi.output(undefined);
    this.alarmArns = alarmArns;
    this.alarmNames = alarmNames;
    this.registerOutputs({
      topicArn: this.topicArn,
      kmsKeyArn: this.kmsKeyArn,
      alarmArns: this.alarmArns,
      alarmNames: this.alarmNames,
    });
  }
}
