/**
 * The risk dashboard's body, built by a pure function so that it can be snapshot-tested and
 * so previews never churn (same options, same JSON).
 *
 * Structure follows "Dashboard Body Structure and Syntax"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
 * a `widgets` array of `text`, `metric` and `alarm` widgets on a 24-column grid, each metric
 * widget with its own `region`, `period` and `stat`. Per-environment and per-control graphs use
 * metric SEARCH expressions
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html),
 * so environments and controls that appear later show up without a redeploy.
 */
import {
  CONTROL_METRICS,
  ENVIRONMENT_METRICS,
  EXPIRING_SOON_DAYS,
  FLEET_METRICS,
  METRIC_DIMENSIONS,
  RISK_METRIC_NAMESPACE,
} from "../../risk/model";

/** Options of {@link riskDashboardBody}. */
export interface RiskDashboardBodyOptions {
  /** Value of the `Fleet` dimension the snapshot publishes (the fleet name, or `(all)`). */
  readonly fleet: string;
  /** Region of the metrics (and of the console links). */
  readonly region: string;
  /**
   * Period of the graphs in seconds: the snapshot schedule's period, since every risk metric
   * gets one data point per snapshot.
   * @default 3600
   */
  readonly periodSeconds?: number;
  /**
   * Environments to graph one line each. When absent, a SEARCH over the
   * `[Fleet, Environment]` metrics finds them at view time.
   * @default undefined (SEARCH)
   */
  readonly environments?: readonly string[];
  /** Athena saved queries to link, as label → named query ID. @default {} */
  readonly savedQueries?: Readonly<Record<string, string>>;
  /** Athena workgroup of the saved queries (adds a link to its saved-query list). */
  readonly workgroupName?: string;
  /** Where the latest HTML report lives. */
  readonly report?: { readonly bucket: string; readonly key: string };
  /**
   * ARNs of the risk alarms, shown in an alarm status widget (at most 100).
   * @default undefined (no alarm widget)
   */
  readonly alarmArns?: readonly string[];
}

/** A CloudWatch dashboard body (the subset this package writes). */
export interface DashboardBody {
  readonly start: string;
  readonly periodOverride: "inherit" | "auto";
  readonly widgets: readonly DashboardWidget[];
}

/** One widget on the 24-column grid. */
export type DashboardWidget = MetricWidget | TextWidget | AlarmWidget;

interface Placement {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A markdown text widget. */
export interface TextWidget extends Placement {
  readonly type: "text";
  readonly properties: { readonly markdown: string };
}

/** An alarm status widget: the states of up to 100 alarms. */
export interface AlarmWidget extends Placement {
  readonly type: "alarm";
  readonly properties: {
    readonly title: string;
    readonly sortBy: "stateUpdatedTimestamp";
    readonly alarms: readonly string[];
  };
}

/** An alarm status widget shows at most this many alarms. */
const MAX_ALARMS_PER_WIDGET = 100;

/**
 * One entry of a metric widget's `metrics` array: a metric
 * (`[namespace, name, dimName, dimValue, ..., { label }]`) or an expression (`[{ expression,
 * id, label }]`).
 */
export type MetricEntry = readonly (string | MetricRenderOptions)[];

/** Rendering options that close a metric entry. */
export interface MetricRenderOptions {
  readonly label?: string;
  readonly id?: string;
  readonly expression?: string;
  readonly stat?: string;
}

/** A time-series metric widget. */
export interface MetricWidget extends Placement {
  readonly type: "metric";
  readonly properties: {
    readonly title: string;
    readonly region: string;
    readonly view: "timeSeries" | "singleValue";
    readonly stacked: boolean;
    readonly period: number;
    readonly stat: string;
    readonly metrics: readonly MetricEntry[];
    readonly yAxis: { readonly left: { readonly min: number; readonly max?: number } };
  };
}

const WIDTH = 24;

/** CloudWatch: a dimension value is at most this many characters. */
const MAX_DIMENSION_VALUE_LENGTH = 1024;

/**
 * The dimension value the snapshot publishes for a fleet or environment name: characters
 * outside printable ASCII become `_`, cut to 1024 characters, blank becomes `(none)`
 * (CloudWatch `Dimension` rules,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html).
 * Mirrors `dimensionValue` of risk/metrics.ts (the snapshot function's EMF lines), which
 * this branch does not have yet: graphs and alarms must name exactly what is published.
 */
export function metricDimensionValue(raw: string): string {
  const ascii = raw.replace(/[^\x20-\x7e]/g, "_").slice(0, MAX_DIMENSION_VALUE_LENGTH);
  return ascii.trim() === "" ? "(none)" : ascii;
}

/**
 * A dimension value inside a SEARCH term: double-quoted for an exact match. The whole
 * search string is single-quoted, so quotes and backslashes could end it early; fleet and
 * environment values are tag values, which cannot hold them, so they are refused instead
 * of escaped.
 */
function searchValue(field: string, value: string): string {
  if (value.length === 0 || /["'\\]/.test(value)) {
    throw new Error(
      `riskDashboardBody: ${field} "${value}" must be a non-empty tag value without quotes or backslashes`,
    );
  }
  return `"${value}"`;
}

/** SEARCH over one dimension set of the risk namespace for one metric of one fleet. */
export function riskSearchExpression(
  dimensions: readonly string[],
  metricName: string,
  fleet: string,
  stat: string,
  periodSeconds: number,
): string {
  // The namespace holds `/`, which the syntax asks to double-quote.
  const schema = `{"${RISK_METRIC_NAMESPACE}",${dimensions.join(",")}}`;
  const terms = `MetricName="${metricName}" ${METRIC_DIMENSIONS.fleet}=${searchValue("fleet", fleet)}`;
  return `SEARCH('${schema} ${terms}', '${stat}', ${periodSeconds})`;
}

/** A fleet-level metric entry. */
function fleetMetric(name: string, fleet: string, label: string): MetricEntry {
  return [RISK_METRIC_NAMESPACE, name, METRIC_DIMENSIONS.fleet, fleet, { label }];
}

/** Lines per environment: explicit metrics when the list is given, else one SEARCH. */
function perEnvironment(
  metricName: string,
  o: Required<Pick<RiskDashboardBodyOptions, "fleet" | "periodSeconds">> &
    Pick<RiskDashboardBodyOptions, "environments">,
  id: string,
): MetricEntry[] {
  if (o.environments !== undefined) {
    const envs = [...new Set(o.environments.map(metricDimensionValue))].sort();
    return envs.map((env) => {
      searchValue("environments[]", env);
      return [
        RISK_METRIC_NAMESPACE,
        metricName,
        METRIC_DIMENSIONS.fleet,
        o.fleet,
        METRIC_DIMENSIONS.environment,
        env,
        { label: env },
      ];
    });
  }
  return [
    [
      {
        expression: riskSearchExpression(
          [METRIC_DIMENSIONS.fleet, METRIC_DIMENSIONS.environment],
          metricName,
          o.fleet,
          "Maximum",
          o.periodSeconds,
        ),
        id,
        // Empty label: each line is named by its Environment dimension value.
        label: "",
      },
    ],
  ];
}

/** Lines per control: always a SEARCH (other compliance types appear as controls too). */
function perControl(metricName: string, fleet: string, periodSeconds: number, id: string) {
  return [
    [
      {
        expression: riskSearchExpression(
          [METRIC_DIMENSIONS.fleet, METRIC_DIMENSIONS.control],
          metricName,
          fleet,
          "Maximum",
          periodSeconds,
        ),
        id,
        label: "",
      },
    ],
  ] as MetricEntry[];
}

/** Console URL of one Athena saved (named) query, the form pulumi/examples links to. */
export function athenaSavedQueryUrl(region: string, namedQueryId: string): string {
  return `https://${region}.console.aws.amazon.com/athena/home?region=${region}#query/saved/${encodeURIComponent(namedQueryId)}`;
}

/** Console URL of a workgroup's saved-query list. */
export function athenaSavedQueriesUrl(region: string, workgroup: string): string {
  return `https://${region}.console.aws.amazon.com/athena/home?region=${region}#/query-editor/saved-queries?workgroup=${encodeURIComponent(workgroup)}`;
}

/** S3 console URL of one object. */
export function s3ObjectConsoleUrl(region: string, bucket: string, key: string): string {
  return `https://s3.console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${region}&prefix=${encodeURIComponent(key)}`;
}

/** Markdown link text: brackets would end the link early. */
function linkText(text: string): string {
  return text.replace(/([[\]\\])/g, "\\$1");
}

/** The markdown of the links widget. */
function linksMarkdown(o: RiskDashboardBodyOptions): string {
  const lines = [
    `# Risk of fleet ${linkText(o.fleet)}`,
    "",
    `Metrics in \`${RISK_METRIC_NAMESPACE}\`, one point per snapshot. Unknown is risk: a machine without fresh data for a control counts as a finding.`,
    "",
  ];
  if (o.report !== undefined) {
    lines.push(
      `**Latest report:** [${linkText(`s3://${o.report.bucket}/${o.report.key}`)}](${s3ObjectConsoleUrl(o.region, o.report.bucket, o.report.key)})`,
      "",
    );
  }
  const queries = Object.entries(o.savedQueries ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (queries.length > 0 || o.workgroupName !== undefined) {
    lines.push("**Athena saved queries:**", "");
    for (const [label, id] of queries) {
      lines.push(`- [${linkText(label)}](${athenaSavedQueryUrl(o.region, id)})`);
    }
    if (o.workgroupName !== undefined) {
      lines.push(
        `- [all saved queries of workgroup ${linkText(o.workgroupName)}](${athenaSavedQueriesUrl(o.region, o.workgroupName)})`,
      );
    }
  }
  return lines.join("\n");
}

/**
 * The risk dashboard: a links panel; the newest headline values; the risk alarms' states
 * (when `alarmArns` is given); then fleet score and open findings over time; open CRITICAL
 * and HIGH by environment; coverage and open findings per control; report vs enforce machines; machines
 * not seen; acceptances expiring within {@link EXPIRING_SOON_DAYS} days and expired.
 * Deterministic: the same options give the same object (environments and queries sorted).
 *
 * @example
 * const body = riskDashboardBody({ fleet: "acme-prod", region: "ap-southeast-2" });
 * new aws.cloudwatch.Dashboard("risk", { dashboardBody: JSON.stringify(body) });
 */
export function riskDashboardBody(options: RiskDashboardBodyOptions): DashboardBody {
  const periodSeconds = options.periodSeconds ?? 3600;
  if (!Number.isInteger(periodSeconds) || periodSeconds < 60 || periodSeconds % 60 !== 0) {
    throw new Error(
      `riskDashboardBody: periodSeconds must be a whole multiple of 60, got ${periodSeconds}`,
    );
  }
  const { region } = options;
  const fleet = metricDimensionValue(options.fleet);
  searchValue("fleet", fleet);
  const o = { fleet, periodSeconds, environments: options.environments };
  const alarms = [...new Set(options.alarmArns ?? [])].sort();
  if (alarms.length > MAX_ALARMS_PER_WIDGET) {
    throw new Error(
      `riskDashboardBody: alarmArns holds ${alarms.length} alarms; an alarm widget shows at most ${MAX_ALARMS_PER_WIDGET}`,
    );
  }

  const widgets: DashboardWidget[] = [];
  let y = 0;
  const markdown = linksMarkdown(options);
  // Tall enough for every line of the panel (a grid unit holds about one and a half lines).
  const textHeight = Math.max(3, Math.ceil(markdown.split("\n").length / 1.5));
  widgets.push({
    type: "text",
    x: 0,
    y,
    width: WIDTH,
    height: textHeight,
    properties: { markdown },
  });
  y += textHeight;

  const graph = (
    x: number,
    width: number,
    title: string,
    metrics: readonly MetricEntry[],
    yMax?: number,
    view: "timeSeries" | "singleValue" = "timeSeries",
  ): MetricWidget => ({
    type: "metric",
    x,
    y,
    width,
    height: view === "singleValue" ? 3 : 6,
    properties: {
      title,
      region,
      view,
      stacked: false,
      period: periodSeconds,
      stat: "Maximum",
      metrics,
      yAxis: { left: yMax === undefined ? { min: 0 } : { min: 0, max: yMax } },
    },
  });

  // The numbers a reader wants first: the newest point of each headline metric.
  widgets.push(
    graph(
      0,
      WIDTH,
      "Now",
      [
        fleetMetric(FLEET_METRICS.score, fleet, "Fleet score"),
        fleetMetric(FLEET_METRICS.openCritical, fleet, "Open CRITICAL"),
        fleetMetric(FLEET_METRICS.openHigh, fleet, "Open HIGH"),
        fleetMetric(FLEET_METRICS.notSeen, fleet, "Machines not seen"),
        fleetMetric(FLEET_METRICS.expiredAcceptances, fleet, "Expired acceptances"),
        fleetMetric(
          FLEET_METRICS.expiringAcceptances,
          fleet,
          `Acceptances expiring within ${EXPIRING_SOON_DAYS} days`,
        ),
      ],
      undefined,
      "singleValue",
    ),
  );
  y += 3;
  if (alarms.length > 0) {
    widgets.push({
      type: "alarm",
      x: 0,
      y,
      width: WIDTH,
      height: 2,
      properties: { title: "Risk alarms", sortBy: "stateUpdatedTimestamp", alarms },
    });
    y += 2;
  }
  widgets.push(
    graph(0, 12, "Fleet risk score (sum of open finding weights)", [
      fleetMetric(FLEET_METRICS.score, fleet, "Fleet score"),
    ]),
    graph(12, 12, "Open findings (fleet)", [
      fleetMetric(FLEET_METRICS.openCritical, fleet, "Open CRITICAL"),
      fleetMetric(FLEET_METRICS.openHigh, fleet, "Open HIGH"),
      fleetMetric(FLEET_METRICS.openFindings, fleet, "Open (all severities)"),
      fleetMetric(FLEET_METRICS.acceptedFindings, fleet, "Accepted"),
    ]),
  );
  y += 6;
  widgets.push(
    graph(
      0,
      12,
      "Open CRITICAL by environment",
      perEnvironment(ENVIRONMENT_METRICS.openCritical, o, "critical"),
    ),
    graph(
      12,
      12,
      "Open HIGH by environment",
      perEnvironment(ENVIRONMENT_METRICS.openHigh, o, "high"),
    ),
  );
  y += 6;
  widgets.push(
    graph(
      0,
      12,
      "Coverage per control (%)",
      perControl(CONTROL_METRICS.coverage, fleet, periodSeconds, "coverage"),
      100,
    ),
    graph(
      12,
      12,
      "Open findings per control",
      perControl(CONTROL_METRICS.openFindings, fleet, periodSeconds, "controlopen"),
    ),
  );
  y += 6;
  widgets.push(
    graph(0, 8, "Machines: report vs enforce", [
      fleetMetric(FLEET_METRICS.reportMachines, fleet, "Report mode"),
      fleetMetric(FLEET_METRICS.enforceMachines, fleet, "Enforce mode"),
      fleetMetric(FLEET_METRICS.machines, fleet, "All machines"),
    ]),
    graph(8, 8, "Machines not seen", [
      fleetMetric(FLEET_METRICS.notSeen, fleet, "Not seen within staleDays"),
    ]),
    graph(16, 8, "Acceptances", [
      fleetMetric(
        FLEET_METRICS.expiringAcceptances,
        fleet,
        `Expiring within ${EXPIRING_SOON_DAYS} days`,
      ),
      fleetMetric(FLEET_METRICS.expiredAcceptances, fleet, "Expired, still matching"),
    ]),
  );
  return { start: "-P14D", periodOverride: "inherit", widgets };
}
