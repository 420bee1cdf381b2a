/**
 * RiskDashboard: the CloudWatch dashboard of a fleet's risk metrics (namespace
 * `HybridFleet/Risk`), with links to the Athena saved queries and the latest HTML report.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ArgumentError } from "../shared/errors";
import { NameRule, physicalName } from "../shared/physicalNames";
import { riskDashboardBody } from "./riskDashboard.body";

/** Type token of {@link RiskDashboard}. Never change it: it is part of every URN. */
export const RISK_DASHBOARD_TYPE = "ssm-hybrid-fleet:risk:RiskDashboard";

const COMPONENT = "RiskDashboard";

/**
 * Dashboard names: at most 255 characters of `A-Z a-z 0-9 - _` (PutDashboard
 * `DashboardName`,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html).
 */
export const DASHBOARD_NAME_RULE: NameRule = {
  maxLength: 255,
  invalid: /[^A-Za-z0-9_-]/g,
  separator: "-",
  lowercase: false,
};

const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Default dashboard name of a fleet: `HybridFleet-<fleet>-risk`, fitted to the rule. */
export function defaultDashboardName(fleet: string): string {
  return physicalName(`HybridFleet-${fleet}-risk`, DASHBOARD_NAME_RULE);
}

/** Console URL of a dashboard. */
export function dashboardConsoleUrl(region: string, dashboardName: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
}

/** Arguments of {@link RiskDashboard}. */
export interface RiskDashboardArgs {
  /** Value of the `Fleet` dimension the snapshot publishes: the fleet name, or `(all)`. */
  readonly fleet: string;
  /**
   * Dashboard name (unique per account and region).
   * @default `HybridFleet-<fleet>-risk` fitted to `[A-Za-z0-9_-]{1,255}` (see {@link defaultDashboardName})
   */
  readonly dashboardName?: string;
  /**
   * Minutes between snapshots (the snapshot schedule): the graphs' period.
   * @default 60
   */
  readonly snapshotPeriodMinutes?: number;
  /**
   * Environments to graph, one line each. When absent, the graphs find every environment
   * with a metric SEARCH, so no list is needed at deploy time.
   * @default undefined (SEARCH)
   */
  readonly environments?: readonly string[];
  /**
   * Athena saved queries to link from the dashboard, as label → named query ID (e.g.
   * ComplianceSync's `namedQueryIds`).
   * @default {}
   */
  readonly savedQueries?: Record<string, pulumi.Input<string>>;
  /**
   * Athena workgroup of the saved queries, for a link to its saved-query list.
   * @default undefined (no link)
   */
  readonly workgroupName?: pulumi.Input<string>;
  /**
   * Bucket holding the HTML report.
   * @default undefined (no report link)
   */
  readonly reportBucketName?: pulumi.Input<string>;
  /**
   * ARNs of the risk alarms to show in an alarm status widget, by key (e.g. RiskAlerts'
   * `alarmArns`); at most 100.
   * @default {} (no alarm widget)
   */
  readonly alarmArns?: Record<string, pulumi.Input<string>>;
  /**
   * Key of the latest report in that bucket.
   * @default "reports/latest.html"
   */
  readonly reportKey?: string;
}

/** RiskDashboardArgs' plain values with defaults applied. */
export interface ResolvedRiskDashboardSettings {
  readonly fleet: string;
  readonly dashboardName: string;
  readonly periodSeconds: number;
  readonly environments?: readonly string[];
  readonly reportKey: string;
}

/**
 * Applies the defaults of {@link RiskDashboardArgs} and checks every plain value, throwing an
 * {@link ArgumentError} that names the field and what is allowed.
 */
export function resolveRiskDashboardArgs(args: RiskDashboardArgs): ResolvedRiskDashboardSettings {
  if (typeof args.fleet !== "string" || args.fleet.length === 0 || /["'\\]/.test(args.fleet)) {
    throw new ArgumentError(
      COMPONENT,
      "fleet",
      `must be a non-empty fleet name without quotes or backslashes, got ${JSON.stringify(args.fleet)}`,
    );
  }
  const dashboardName = args.dashboardName ?? defaultDashboardName(args.fleet);
  if (!DASHBOARD_NAME.test(dashboardName)) {
    throw new ArgumentError(
      COMPONENT,
      "dashboardName",
      `"${dashboardName}" must be 1–255 characters of A-Z a-z 0-9 - _`,
    );
  }
  const minutes = args.snapshotPeriodMinutes ?? 60;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
    throw new ArgumentError(
      COMPONENT,
      "snapshotPeriodMinutes",
      `must be a whole number of minutes from 1 to 1440, got ${minutes}`,
    );
  }
  args.environments?.forEach((env, i) => {
    if (typeof env !== "string" || env.length === 0 || /["'\\]/.test(env)) {
      throw new ArgumentError(
        COMPONENT,
        "environments",
        `[${i}] must be a non-empty environment name without quotes or backslashes, got ${JSON.stringify(env)}`,
      );
    }
  });
  const reportKey = args.reportKey ?? "reports/latest.html";
  if (reportKey.length === 0 || reportKey.startsWith("/")) {
    throw new ArgumentError(
      COMPONENT,
      "reportKey",
      `"${reportKey}" must be a non-empty S3 key without a leading /`,
    );
  }
  return {
    fleet: args.fleet,
    dashboardName,
    periodSeconds: minutes * 60,
    environments: args.environments === undefined ? undefined : [...args.environments],
    reportKey,
  };
}

/**
 * The risk dashboard of one fleet: fleet score over time, open CRITICAL and HIGH by
 * environment, coverage and open findings per control, report vs enforce machines, machines
 * not seen, acceptances expiring and expired, and links to the saved queries and the latest
 * report. The body comes from {@link riskDashboardBody}.
 *
 * @example
 * const dashboard = new RiskDashboard("risk-dashboard", {
 *   fleet: "acme-prod",
 *   savedQueries: sync.namedQueryIds,
 *   workgroupName: sync.workgroupName,
 *   reportBucketName: sync.bucketName,
 * });
 * export const dashboardUrl = dashboard.dashboardUrl;
 */
export class RiskDashboard extends pulumi.ComponentResource {
  /** Dashboard name. */
  public readonly dashboardName: pulumi.Output<string>;
  /** Dashboard ARN. */
  public readonly dashboardArn: pulumi.Output<string>;
  /** Console URL of the dashboard, in the stack's region. */
  public readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: RiskDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so bad input leaves no half-built component.
    const s = resolveRiskDashboardArgs(args);
    super(RISK_DASHBOARD_TYPE, name, {}, opts);

    const region = aws.getRegionOutput({}, { parent: this }).region;
    const queryEntries = Object.entries(args.savedQueries ?? {});
    const savedQueries = pulumi
      .all(queryEntries.map(([, id]) => pulumi.output(id)))
      .apply((ids) => Object.fromEntries(queryEntries.map(([label], i) => [label, ids[i]])));
    const alarmArns = pulumi.all(Object.values(args.alarmArns ?? {}).map((a) => pulumi.output(a)));
    const body = pulumi
      .all([
        region,
        savedQueries,
        pulumi.output(args.workgroupName),
        pulumi.output(args.reportBucketName),
        alarmArns,
      ])
      .apply(([r, queries, workgroup, bucket, alarms]) =>
        JSON.stringify(
          riskDashboardBody({
            fleet: s.fleet,
            region: r,
            periodSeconds: s.periodSeconds,
            environments: s.environments,
            savedQueries: queries,
            workgroupName: workgroup,
            report: bucket === undefined ? undefined : { bucket, key: s.reportKey },
            alarmArns: alarms,
          }),
        ),
      );

    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: s.dashboardName, dashboardBody: body },
      { parent: this },
    );

    this.dashboardName = dashboard.dashboardName;
    this.dashboardArn = dashboard.dashboardArn;
    this.dashboardUrl = pulumi
      .all([region, dashboard.dashboardName])
      .apply(([r, n]) => dashboardConsoleUrl(r, n));
    this.registerOutputs({
      dashboardName: this.dashboardName,
      dashboardArn: this.dashboardArn,
      dashboardUrl: this.dashboardUrl,
    });
  }
}
