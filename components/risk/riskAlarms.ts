/**
 * The risk alarms as plain specs: what each CloudWatch alarm watches, its threshold and how
 * it treats missing data. Pure, so tests assert every alarm exactly and previews are stable.
 */
import { ArgumentError } from "../shared/errors";
import { metricDimensionValue } from "./riskDashboard.body";
import {
  ENVIRONMENT_METRICS,
  FLEET_METRICS,
  METRIC_DIMENSIONS,
  RISK_METRIC_NAMESPACE,
  RiskAlertSettings,
} from "../../risk/model";

const COMPONENT = "RiskAlerts";

/** Alert settings with every default applied and checked. */
export interface ResolvedRiskAlertSettings {
  readonly criticalEnvironments: readonly string[];
  readonly scoreIncreaseShare: number;
  readonly notSeenThreshold: number;
  readonly emails: readonly string[];
  readonly topicArn?: string;
}

// Deliberately loose: SNS itself checks deliverability; this catches typos and pasted lists.
const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>".]+$/;
const TOPIC_ARN =
  /^arn:aws(-[a-z]+)*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/**
 * Applies the defaults of {@link RiskAlertSettings} (stack config `risk.alerts`) and validates
 * them, throwing an {@link ArgumentError} that names the field (`alerts.<key>`) and what is
 * allowed.
 */
export function resolveRiskAlertSettings(
  settings: RiskAlertSettings = {},
): ResolvedRiskAlertSettings {
  const envs = settings.criticalEnvironments ?? ["prod"];
  envs.forEach((env, i) => {
    if (typeof env !== "string" || env.trim().length === 0) {
      throw new ArgumentError(
        COMPONENT,
        "alerts.criticalEnvironments",
        `[${i}] must be a non-empty string, got ${JSON.stringify(env)}`,
      );
    }
    if (envs.indexOf(env) !== i) {
      throw new ArgumentError(
        COMPONENT,
        "alerts.criticalEnvironments",
        `[${i}] "${env}" is listed twice`,
      );
    }
  });
  const share = settings.scoreIncreaseShare ?? 0.2;
  if (typeof share !== "number" || !Number.isFinite(share) || share < 0 || share > 10) {
    throw new ArgumentError(
      COMPONENT,
      "alerts.scoreIncreaseShare",
      `must be a number from 0 to 10 (a share: 0.2 alarms above +20 % day over day), got ${JSON.stringify(share)}`,
    );
  }
  const notSeen = settings.notSeenThreshold ?? 0;
  if (!Number.isInteger(notSeen) || notSeen < 0) {
    throw new ArgumentError(
      COMPONENT,
      "alerts.notSeenThreshold",
      `must be a whole number of machines ≥ 0, got ${JSON.stringify(notSeen)}`,
    );
  }
  const emails = settings.emails ?? [];
  emails.forEach((email, i) => {
    if (typeof email !== "string" || !EMAIL.test(email)) {
      throw new ArgumentError(
        COMPONENT,
        "alerts.emails",
        `[${i}] ${JSON.stringify(email)} is not an email address (name@example.com)`,
      );
    }
    // Addresses are case-insensitive in practice: two spellings would get two subscriptions.
    if (emails.findIndex((e) => e.toLowerCase() === email.toLowerCase()) !== i) {
      throw new ArgumentError(COMPONENT, "alerts.emails", `[${i}] "${email}" is listed twice`);
    }
  });
  if (settings.topicArn !== undefined) {
    if (typeof settings.topicArn !== "string" || !TOPIC_ARN.test(settings.topicArn)) {
      throw new ArgumentError(
        COMPONENT,
        "alerts.topicArn",
        `${JSON.stringify(settings.topicArn)} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)`,
      );
    }
    if (emails.length > 0) {
      throw new ArgumentError(
        COMPONENT,
        "alerts.emails",
        "and alerts.topicArn are mutually exclusive: subscribe the addresses to that topic yourself",
      );
    }
  }
  return {
    criticalEnvironments: [...envs],
    scoreIncreaseShare: share,
    notSeenThreshold: notSeen,
    emails: [...emails],
    topicArn: settings.topicArn,
  };
}

/** Inputs of {@link riskAlarms}. */
export interface RiskAlarmInputs extends ResolvedRiskAlertSettings {
  /** Value of the `Fleet` dimension. */
  readonly fleet: string;
  /** Every alarm name starts with this (the topic and key policies match on it). */
  readonly alarmNamePrefix: string;
  /** Minutes between snapshots: each risk metric has one point per period. */
  readonly snapshotPeriodMinutes: number;
}

/** One alarm, in `aws.cloudwatch.MetricAlarm` argument names. */
export interface RiskAlarmSpec {
  /** Stable key (`critical-<env>`, `score-increase`, …): output key and resource name suffix. */
  readonly key: string;
  readonly name: string;
  readonly alarmDescription: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: "Maximum" | "Sum";
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: "GreaterThanThreshold" | "LessThanThreshold";
  readonly treatMissingData: "breaching" | "notBreaching" | "ignore";
}

/** Resource-name-safe form of an environment for the alarm key. */
function keyPart(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, "_");
}

/**
 * The risk alarms of one fleet:
 * - `critical-<env>`: open CRITICAL findings in that environment above 0;
 * - `score-increase`: fleet score up by more than `scoreIncreaseShare` day over day;
 * - `expired-acceptances`: an acceptance past its expiry still matches a finding;
 * - `not-seen`: more than `notSeenThreshold` machines not seen;
 * - `silent-pipeline`: no successful snapshot over two snapshot periods.
 *
 * Fleet-level alarms ignore missing data (keep their state): the snapshot writes the
 * `[Fleet]` line on every run, so missing data means a silent pipeline, which is the
 * silent-pipeline alarm's job, and an all-clear sent only because the data stopped would
 * mislead. Environment alarms treat missing data as not breaching: an environment's line is
 * only written while it has findings or listed machines. The silent-pipeline alarm treats
 * missing data as breaching, which is the point. Dimension values are cleaned as the
 * snapshot cleans them ({@link metricDimensionValue}).
 * Periods are the snapshot period; two of them stay within PutMetricAlarm's limit (period ×
 * evaluation periods ≤ 1 day below a one-hour period, ≤ 7 days from one hour,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)
 * for every period the component accepts (1–1440 minutes).
 */
export function riskAlarms(inputs: RiskAlarmInputs): RiskAlarmSpec[] {
  const period = inputs.snapshotPeriodMinutes * 60;
  const fleet = { [METRIC_DIMENSIONS.fleet]: metricDimensionValue(inputs.fleet) };
  const base = {
    namespace: RISK_METRIC_NAMESPACE,
    period,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  } as const;
  const alarms: RiskAlarmSpec[] = inputs.criticalEnvironments.map((env) => ({
    ...base,
    key: `critical-${keyPart(env)}`,
    name: `${inputs.alarmNamePrefix}-critical-${env}`,
    alarmDescription: `Open CRITICAL findings in environment ${env} of fleet ${inputs.fleet} (any is too many).`,
    metricName: ENVIRONMENT_METRICS.openCritical,
    dimensions: { ...fleet, [METRIC_DIMENSIONS.environment]: metricDimensionValue(env) },
    statistic: "Maximum",
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    // The snapshot writes an environment's line only while it has findings or listed
    // machines (risk/metrics.ts), so no line means no open CRITICAL finding there.
    treatMissingData: "notBreaching",
  }));
  alarms.push(
    {
      ...base,
      key: "score-increase",
      name: `${inputs.alarmNamePrefix}-score-increase`,
      alarmDescription: `Fleet ${inputs.fleet}'s risk score rose by more than ${Number((inputs.scoreIncreaseShare * 100).toFixed(6))} % against the snapshot a day earlier.`,
      metricName: FLEET_METRICS.scoreDayOverDay,
      dimensions: fleet,
      statistic: "Maximum",
      threshold: inputs.scoreIncreaseShare,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "ignore",
    },
    {
      ...base,
      key: "expired-acceptances",
      name: `${inputs.alarmNamePrefix}-expired-acceptances`,
      alarmDescription: `An accepted risk of fleet ${inputs.fleet} is past its expiry and still matches findings: renew it or fix them.`,
      metricName: FLEET_METRICS.expiredAcceptances,
      dimensions: fleet,
      statistic: "Maximum",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "ignore",
    },
    {
      ...base,
      key: "not-seen",
      name: `${inputs.alarmNamePrefix}-not-seen`,
      alarmDescription: `More than ${inputs.notSeenThreshold} machines of fleet ${inputs.fleet} have sent no data within staleDays.`,
      metricName: FLEET_METRICS.notSeen,
      dimensions: fleet,
      statistic: "Maximum",
      threshold: inputs.notSeenThreshold,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "ignore",
    },
    {
      ...base,
      key: "silent-pipeline",
      name: `${inputs.alarmNamePrefix}-silent-pipeline`,
      alarmDescription: `No successful risk snapshot of fleet ${inputs.fleet} for two snapshot periods (${2 * inputs.snapshotPeriodMinutes} minutes): the risk view is stale.`,
      metricName: FLEET_METRICS.snapshotSucceeded,
      dimensions: fleet,
      statistic: "Sum",
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    },
  );
  const keys = alarms.map((a) => a.key);
  const clash = keys.find((k, i) => keys.indexOf(k) !== i);
  if (clash !== undefined) {
    throw new ArgumentError(
      COMPONENT,
      "alerts.criticalEnvironments",
      `has two environments that map to alarm key "${clash}" (characters other than letters, digits, _ . - become _)`,
    );
  }
  return alarms;
}
