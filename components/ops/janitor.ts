/**
 * Janitor: the scheduled function that tidies a fleet (functions/janitor): it deregisters
 * stale, superseded and EC2-gone hybrid nodes and deletes expired and spent activations, only
 * within the fleet tag, at most `maxActionsPerRun` per run, and only when `apply` is on (a dry
 * run logs and counts what it would do). Its HybridNodes metric feeds the tier alarm.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import {
  JANITOR_DIMENSIONS,
  JANITOR_METRICS,
  JANITOR_METRIC_NAMESPACE,
} from "../../functions/janitor/metrics";
import { DEFAULT_MAX_ACTIONS, DEFAULT_STALE_DAYS } from "../../ops/prunePlan";
import { formatPath, schemaProblems } from "../shared/argsSchema";
import { bundleFunction } from "../shared/bundle";
import { ArgumentError } from "../shared/errors";
import { bundledFunction } from "../shared/bundledFunction";
import { scheduleFunction } from "../shared/schedule";
import { dimensionValue } from "../../risk/metrics";
import { defaultAlarmNamePrefix } from "../risk/riskAlerts";
import { tierAlarmThreshold, STANDARD_TIER_HYBRID_NODE_LIMIT } from "./activationTier";
import { janitorPolicy } from "./janitor.policies";
import {
  DEFAULT_JANITOR_SCHEDULE,
  DEFAULT_TIER_ALARM_SHARE,
  JanitorArgsSchema,
} from "./janitor.schema";

/** Type token of {@link Janitor}. Never change it: it is part of every URN. */
export const JANITOR_TYPE = "ssm-hybrid-fleet:ops:Janitor";

const COMPONENT = "Janitor";

/**
 * Largest janitor bundle, bytes. Higher than the activation API's budget
 * (LAMBDA_BUNDLE_BUDGET_BYTES): the EC2 client's schema module alone is about 550 KB minified
 * (measured with esbuild's metafile), and a daily scheduled run has no caller waiting on its
 * cold start.
 */
export const JANITOR_BUNDLE_BUDGET_BYTES = 1024 * 1024;

/** Arguments of {@link Janitor}. */
export interface JanitorArgs {
  /** The fleet tag's value: only machines and activations carrying it are touched. */
  readonly fleetName: string;
  /** Key of the fleet tag. @default "HybridFleet" */
  readonly fleetTagKey?: string;
  /** Act (deregister, delete); false only logs and counts what it would do. @default false */
  readonly apply?: boolean;
  /** EventBridge schedule: rate(N hours|days) from 1 hour to 30 days, or a cron(…). @default "rate(1 day)" */
  readonly schedule?: string;
  /** Days a hybrid node may be ConnectionLost before it is deregistered (1-3650). @default 30 */
  readonly staleDays?: number;
  /** Most actions per run; the rest wait for the next run (0-10000). @default 50 */
  readonly maxActionsPerRun?: number;
  /**
   * Alarm when the account's hybrid nodes reach this share of `hybridNodeLimit`; false: no
   * alarm (the advanced tier has no limit). @default 0.8
   */
  readonly tierAlarmShare?: number | false;
  /** Hybrid nodes the tier allows per account and region. @default 1000 (standard tier) */
  readonly hybridNodeLimit?: number;
  /** SNS topic the tier alarm notifies (its policy must let this alarm publish). @default none */
  readonly alarmTopicArn?: pulumi.Input<string>;
  /** Alarm name prefix (the risk topic accepts `<prefix>-*`). @default "HybridFleet-<fleet>-risk" */
  readonly alarmNamePrefix?: string;
  /** Retention of the function's logs, days (a CloudWatch Logs value). @default 30 */
  readonly logRetentionDays?: number;
  /** Timeout of the function, seconds (30-900). @default 300 */
  readonly timeoutSeconds?: number;
  /** Tags for the taggable resources. @default {} */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** JanitorArgs' plain values with defaults applied and checked. */
export interface ResolvedJanitorSettings {
  readonly fleetTagKey: string;
  readonly apply: boolean;
  readonly schedule: string;
  readonly staleDays: number;
  readonly maxActionsPerRun: number;
  readonly tierAlarmShare: number | false;
  readonly hybridNodeLimit: number;
  readonly alarmNamePrefix: string;
  readonly logRetentionDays: number;
  readonly timeoutSeconds: number;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const MINUTES: Readonly<Record<string, number>> = { minute: 1, hour: 60, day: 1440 };

/**
 * What is wrong with a janitor schedule, or undefined. Rate from 1 hour to 30 days (more often
 * gains nothing: a node becomes stale in days; less often lets activations pile up), or any
 * six-field cron (EventBridge checks the rest:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
 */
export function janitorScheduleProblem(expression: string): string | undefined {
  const allowed = "must be rate(N hours|days) from 1 hour to 30 days, or cron(…) with six fields";
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2].replace(/s$/, "");
    if ((value === 1) !== (rate[2] === unit)) {
      return `${expression}: EventBridge wants the unit singular for 1 and plural otherwise (rate(1 day), rate(2 days))`;
    }
    const minutes = value * MINUTES[unit];
    if (minutes < 60 || minutes > 30 * 1440) return `${allowed}; got ${expression}`;
    return undefined;
  }
  const cron = /^cron\(([^()]+)\)$/.exec(expression);
  if (cron && cron[1].trim().split(/\s+/).length === 6) return undefined;
  return `${allowed}; got ${expression}`;
}

/**
 * Applies the defaults of {@link JanitorArgs} and validates every plain value; throws an
 * {@link ArgumentError} naming the field and what is allowed. Pure.
 */
export function resolveJanitorArgs(args: JanitorArgs): ResolvedJanitorSettings {
  const [first] = schemaProblems(JanitorArgsSchema, args);
  if (first) throw new ArgumentError(COMPONENT, formatPath(first.path), first.problem);
  const schedule = args.schedule ?? DEFAULT_JANITOR_SCHEDULE;
  const problem = janitorScheduleProblem(schedule);
  if (problem !== undefined) throw new ArgumentError(COMPONENT, "schedule", problem);
  return {
    fleetTagKey: args.fleetTagKey ?? "HybridFleet",
    apply: args.apply ?? false,
    schedule,
    staleDays: args.staleDays ?? DEFAULT_STALE_DAYS,
    maxActionsPerRun: args.maxActionsPerRun ?? DEFAULT_MAX_ACTIONS,
    tierAlarmShare: args.tierAlarmShare ?? DEFAULT_TIER_ALARM_SHARE,
    hybridNodeLimit: args.hybridNodeLimit ?? STANDARD_TIER_HYBRID_NODE_LIMIT,
    alarmNamePrefix: args.alarmNamePrefix ?? defaultAlarmNamePrefix(args.fleetName),
    logRetentionDays: args.logRetentionDays ?? 30,
    timeoutSeconds: args.timeoutSeconds ?? 300,
  };
}

/**
 * The function's environment: the names functions/janitor/config.ts reads (JANITOR_ENVIRONMENT;
 * not imported, so the compiled package does not ship the handler's config module; the
 * component test reads this back through loadJanitorConfig).
 */
export function janitorEnvironment(
  fleetName: string,
  s: ResolvedJanitorSettings,
): Record<string, string> {
  return {
    FLEET_NAME: fleetName,
    FLEET_TAG_KEY: s.fleetTagKey,
    JANITOR_STALE_DAYS: String(s.staleDays),
    JANITOR_MAX_ACTIONS: String(s.maxActionsPerRun),
    JANITOR_APPLY: s.apply ? "true" : "false",
  };
}

/**
 * The scheduled janitor of one fleet, with its least-privilege role (deregistration limited to
 * nodes tagged with the fleet), log group, schedule and tier alarm.
 *
 * @example
 * ```ts
 * const janitor = new Janitor("acme-janitor", {
 *   fleetName: "acme",
 *   apply: true, // after a few dry runs: read the log first
 *   staleDays: 45,
 * });
 * export const janitorLogs = janitor.logGroupName;
 * ```
 */
export class Janitor extends pulumi.ComponentResource {
  /** Name of the janitor function. */
  public readonly functionName: pulumi.Output<string>;
  /** ARN of the janitor function's role. */
  public readonly roleArn: pulumi.Output<string>;
  /** Name of the function's log group (its action lines and EMF metrics land there). */
  public readonly logGroupName: pulumi.Output<string>;
  /** Name of the EventBridge rule that runs it. */
  public readonly scheduleRuleName: pulumi.Output<string>;
  /** ARN of the tier alarm (absent with `tierAlarmShare: false`). */
  public readonly tierAlarmArn?: pulumi.Output<string>;
  /** Whether runs act (true) or are dry runs. */
  public readonly apply: boolean;

  constructor(name: string, args: JanitorArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so bad input leaves no half-built component.
    const s = resolveJanitorArgs(args);
    super(JANITOR_TYPE, name, {}, opts);
    const tags = args.tags ?? {};
    const parent = { parent: this };

    const identity = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent).partition;
    const region = aws.getRegionOutput({}, parent).region;

    const { logGroup, role, fn } = bundledFunction(
      {
        names: { logGroup: `${name}-logs`, role: `${name}-role`, function: `${name}-function` },
        logRetentionDays: s.logRetentionDays,
        roleDescription: `Janitor of fleet ${args.fleetName}`,
        trustSourceAccount: identity.accountId,
        policy: (logGroupArn) =>
          pulumi
            .output({ partition, region, accountId: identity.accountId, logGroupArn })
            .apply((v) =>
              JSON.stringify(
                janitorPolicy({ ...v, fleetTagKey: s.fleetTagKey, fleetName: args.fleetName }),
              ),
            ),
        function: {
          description: `Janitor of fleet ${args.fleetName} (${s.apply ? "acts" : "dry run"})`,
          code: new pulumi.asset.AssetArchive({
            "index.js": new pulumi.asset.StringAsset(bundleFunction("janitor")),
          }),
          memorySize: 256,
          timeout: s.timeoutSeconds,
          environment: { variables: janitorEnvironment(args.fleetName, s) },
        },
        tags,
      },
      this,
    );
    const rule = scheduleFunction(
      name,
      {
        fn,
        scheduleExpression: s.schedule,
        description: `Runs the janitor of fleet ${args.fleetName}`,
        tags,
      },
      this,
    );

    if (s.tierAlarmShare !== false) {
      const threshold = tierAlarmThreshold(s.hybridNodeLimit, s.tierAlarmShare);
      const alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-hybrid-node-tier`,
        {
          name: `${s.alarmNamePrefix}-hybrid-node-tier`,
          alarmDescription:
            `Hybrid nodes in this account and region reached ${threshold} ` +
            `(${Math.round(s.tierAlarmShare * 100)} % of the ${s.hybridNodeLimit} the activation tier allows): ` +
            "deregister nodes (the janitor, hybrid-fleet prune) or switch activationTier to advanced (charged per node-hour).",
          namespace: JANITOR_METRIC_NAMESPACE,
          metricName: JANITOR_METRICS.hybridNodes,
          dimensions: { [JANITOR_DIMENSIONS.fleet]: dimensionValue(args.fleetName) },
          statistic: "Maximum",
          // The janitor reports once per run (daily by default): a day's maximum.
          period: 86_400,
          evaluationPeriods: 1,
          threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          // No run, no figure: the function's own errors say why, not this alarm.
          treatMissingData: "missing",
          actionsEnabled: true,
          ...(args.alarmTopicArn === undefined
            ? {}
            : { alarmActions: [args.alarmTopicArn], okActions: [args.alarmTopicArn] }),
          tags,
        },
        parent,
      );
      this.tierAlarmArn = alarm.arn;
    }

    this.functionName = fn.name;
    this.roleArn = role.arn;
    this.logGroupName = logGroup.name;
    this.scheduleRuleName = rule.name;
    this.apply = s.apply;
    this.registerOutputs({
      functionName: this.functionName,
      roleArn: this.roleArn,
      logGroupName: this.logGroupName,
      scheduleRuleName: this.scheduleRuleName,
      tierAlarmArn: this.tierAlarmArn,
    });
  }
}
