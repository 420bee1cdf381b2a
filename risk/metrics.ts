/**
 * A risk snapshot as CloudWatch Embedded Metric Format (EMF) log lines: the snapshot function
 * prints them to stdout and CloudWatch Logs extracts the metrics, so the function needs no
 * `cloudwatch:PutMetricData` permission and no CloudWatch client in its bundle.
 *
 * Format: the EMF specification,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * (`_aws.Timestamp` in epoch milliseconds; `_aws.CloudWatchMetrics` = directives of
 * `{Namespace, Dimensions: DimensionSet[], Metrics: [{Name, Unit}]}` with at most 100 metric
 * definitions each; every dimension key and metric name a root member, dimension values
 * strings, metric values numbers). Dimension values also follow CloudWatch's `Dimension`
 * rules (1–1024 ASCII characters, no control characters, at least one non-blank),
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html.
 *
 * One line per dimension-value combination (a root member holds one value), three dimension
 * sets only ({@link FLEET_METRICS} per `[Fleet]`, {@link ENVIRONMENT_METRICS} per
 * `[Fleet, Environment]`, {@link CONTROL_METRICS} per `[Fleet, Control]`): every combination
 * is a billed custom metric, so the README counts them.
 */
import {
  CONTROL_METRICS,
  ENVIRONMENT_METRICS,
  FLEET_METRICS,
  METRIC_DIMENSIONS,
  RISK_METRIC_NAMESPACE,
  type RiskSnapshot,
} from "./model";

/** CloudWatch units the risk metrics use (a subset of MetricDatum's `Unit` values). */
export type RiskMetricUnit = "Count" | "Percent" | "None";

/** EMF: a metric directive holds at most this many metric definitions. */
export const EMF_MAX_METRICS_PER_DIRECTIVE = 100;

/** CloudWatch: a dimension value is at most this many characters. */
export const MAX_DIMENSION_VALUE_LENGTH = 1024;

/** Options of {@link riskMetricLines}. */
export interface RiskMetricOptions {
  /**
   * Fleet score change against the newest snapshot at least 24 h older, as a share
   * (0.25 = +25 %); null when there is no such snapshot or its score was 0 (then the
   * metric is left out: EMF metric values must be numbers, and "no baseline" is not 0).
   */
  readonly dayOverDay: number | null;
}

interface MetricValue {
  readonly name: string;
  readonly unit: RiskMetricUnit;
  readonly value: number;
}

/**
 * Makes a string a valid CloudWatch dimension value: characters outside printable ASCII
 * become `_`, it is cut to {@link MAX_DIMENSION_VALUE_LENGTH}, and a blank value becomes
 * `(none)`. Tag values may hold any Unicode, dimension values may not.
 */
export function dimensionValue(raw: string): string {
  const ascii = raw.replace(/[^\x20-\x7e]/g, "_").slice(0, MAX_DIMENSION_VALUE_LENGTH);
  return ascii.trim() === "" ? "(none)" : ascii;
}

/** One EMF line: the dimensions (name → value) and the metrics, in one directive. */
function emfLine(
  timestamp: number,
  dimensions: Readonly<Record<string, string>>,
  metrics: readonly MetricValue[],
): string {
  if (metrics.length > EMF_MAX_METRICS_PER_DIRECTIVE) {
    // Cannot happen with the model's metric lists; guards a future list growing past EMF's limit.
    throw new Error(
      `an EMF directive holds at most ${EMF_MAX_METRICS_PER_DIRECTIVE} metrics, got ${metrics.length}`,
    );
  }
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: RISK_METRIC_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
    ...dimensions,
  };
  for (const m of metrics) document[m.name] = m.value;
  return JSON.stringify(document);
}

/** Adds `value` under `key`, summing with what is there. */
function add<K>(map: Map<K, number>, key: K, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

/**
 * The snapshot's metrics as EMF JSON lines (one line per dimension-value combination): the
 * `[Fleet]` line first, then one `[Fleet, Environment]` line per environment, then one
 * `[Fleet, Control]` line per control, each sorted by dimension value.
 *
 * "Open" is the contract's `open`: every finding not accepted, acceptance-expired ones
 * included (they count in the score too; risk/sql.ts counts `state <> 'accepted'`). Environments
 * are those of the breakdown, the top machines and the machines not seen, so an environment
 * that has machines but no findings reports zeros rather than nothing.
 *
 * @example
 * for (const line of riskMetricLines(snapshot, { dayOverDay: 0.1 })) console.log(line);
 */
export function riskMetricLines(snapshot: RiskSnapshot, opts: RiskMetricOptions): string[] {
  const timestamp = Date.parse(snapshot.capturedAt);
  if (Number.isNaN(timestamp)) {
    throw new Error(`snapshot.capturedAt must be an ISO 8601 time, got "${snapshot.capturedAt}"`);
  }
  if (opts.dayOverDay !== null && !Number.isFinite(opts.dayOverDay)) {
    throw new Error(`dayOverDay must be a finite number or null, got ${opts.dayOverDay}`);
  }
  const fleet = dimensionValue(snapshot.fleet);
  const { totals } = snapshot;
  const count = (name: string, value: number): MetricValue => ({ name, unit: "Count", value });

  const fleetMetrics: MetricValue[] = [
    { name: FLEET_METRICS.score, unit: "None", value: totals.score },
    ...(opts.dayOverDay === null
      ? []
      : [{ name: FLEET_METRICS.scoreDayOverDay, unit: "None" as const, value: opts.dayOverDay }]),
    count(FLEET_METRICS.machines, totals.machines),
    count(FLEET_METRICS.reportMachines, totals.reportMachines),
    count(FLEET_METRICS.enforceMachines, totals.enforceMachines),
    count(FLEET_METRICS.notSeen, totals.notSeen),
    count(FLEET_METRICS.openFindings, totals.open),
    count(FLEET_METRICS.openCritical, totals.openBySeverity.CRITICAL),
    count(FLEET_METRICS.openHigh, totals.openBySeverity.HIGH),
    count(FLEET_METRICS.acceptedFindings, totals.accepted),
    count(
      FLEET_METRICS.expiredAcceptances,
      snapshot.acceptances.filter((a) => a.status === "expired" && a.findings > 0).length,
    ),
    count(
      FLEET_METRICS.expiringAcceptances,
      snapshot.acceptances.filter((a) => a.status === "expiring").length,
    ),
    count(FLEET_METRICS.snapshotSucceeded, 1),
  ];
  const lines = [emfLine(timestamp, { [METRIC_DIMENSIONS.fleet]: fleet }, fleetMetrics)];

  // Grouped by the cleaned value, so two tag values that clean to one never make two lines.
  const environments = new Set<string>();
  const score = new Map<string, number>();
  const critical = new Map<string, number>();
  const high = new Map<string, number>();
  for (const row of snapshot.breakdown) {
    const env = dimensionValue(row.environment);
    environments.add(env);
    add(score, env, row.score);
    if (row.severity === "CRITICAL") add(critical, env, row.open);
    if (row.severity === "HIGH") add(high, env, row.open);
  }
  for (const m of [...snapshot.topMachines, ...snapshot.notSeen]) {
    environments.add(dimensionValue(m.environment));
  }
  for (const env of [...environments].sort()) {
    lines.push(
      emfLine(
        timestamp,
        { [METRIC_DIMENSIONS.fleet]: fleet, [METRIC_DIMENSIONS.environment]: env },
        [
          { name: ENVIRONMENT_METRICS.score, unit: "None", value: score.get(env) ?? 0 },
          count(ENVIRONMENT_METRICS.openCritical, critical.get(env) ?? 0),
          count(ENVIRONMENT_METRICS.openHigh, high.get(env) ?? 0),
        ],
      ),
    );
  }

  const coverage = new Map<string, number>();
  const openByControl = new Map<string, number>();
  for (const c of snapshot.controls) {
    const control = dimensionValue(c.control);
    // One row per control in the model; should two clean to one name, the worse coverage wins.
    coverage.set(control, Math.min(coverage.get(control) ?? Infinity, c.coveragePercent));
    add(openByControl, control, c.open);
  }
  for (const control of [...coverage.keys()].sort()) {
    lines.push(
      emfLine(
        timestamp,
        { [METRIC_DIMENSIONS.fleet]: fleet, [METRIC_DIMENSIONS.control]: control },
        [
          { name: CONTROL_METRICS.coverage, unit: "Percent", value: coverage.get(control) ?? 0 },
          count(CONTROL_METRICS.openFindings, openByControl.get(control) ?? 0),
        ],
      ),
    );
  }
  return lines;
}
