/**
 * The janitor's metrics as CloudWatch Embedded Metric Format lines (the same format and rules
 * as risk/metrics.ts: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
 * so the function needs no `cloudwatch:PutMetricData`.
 *
 * Namespace `HybridFleet/Janitor`, not `HybridFleet/Risk`: these are operational counts, and
 * the risk namespace's metric list is what the risk dashboard and README's metric count
 * describe. Two dimension sets:
 * - `[Fleet]`: ActionsPlanned, ActionsTaken, ActionsFailed, ActionsDeferred, FleetHybridNodes
 *   and HybridNodes (every hybrid node in the account and region, the standard tier's limit
 *   counts them all; the tier alarm watches it);
 * - `[Fleet, Kind]`, one line per kind: ActionsPlanned, ActionsTaken.
 */
import { dimensionValue } from "../../risk/metrics";
import { PRUNE_KINDS, type PruneKind, type PrunePlan } from "../../ops/prunePlan";
import { isTaken, type PruneResult } from "../../ops/pruneExecute";

/** CloudWatch namespace of the janitor's metrics. */
export const JANITOR_METRIC_NAMESPACE = "HybridFleet/Janitor";

/** The janitor's metric names. */
export const JANITOR_METRICS = {
  actionsPlanned: "ActionsPlanned",
  actionsTaken: "ActionsTaken",
  actionsFailed: "ActionsFailed",
  actionsDeferred: "ActionsDeferred",
  fleetHybridNodes: "FleetHybridNodes",
  hybridNodes: "HybridNodes",
} as const;

/** Dimension names. */
export const JANITOR_DIMENSIONS = { fleet: "Fleet", kind: "Kind" } as const;

/** What one run measured. */
export interface JanitorRunFigures {
  readonly fleet: string;
  readonly at: Date;
  readonly plan: PrunePlan;
  readonly results: readonly PruneResult[];
  readonly accountHybridNodes: number;
}

function line(
  timestamp: number,
  dimensions: Record<string, string>,
  metrics: Record<string, number>,
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: JANITOR_METRIC_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: "Count" })),
        },
      ],
    },
    ...dimensions,
    ...metrics,
  });
}

/** The run's EMF lines: the `[Fleet]` line, then one `[Fleet, Kind]` line per kind. */
export function janitorMetricLines(run: JanitorRunFigures): string[] {
  const timestamp = run.at.getTime();
  const fleet = dimensionValue(run.fleet);
  const taken = run.results.filter(isTaken);
  const count = (list: readonly { kind: PruneKind }[], kind: PruneKind) =>
    list.filter((a) => a.kind === kind).length;
  const lines = [
    line(
      timestamp,
      { [JANITOR_DIMENSIONS.fleet]: fleet },
      {
        [JANITOR_METRICS.actionsPlanned]: run.plan.actions.length,
        [JANITOR_METRICS.actionsTaken]: taken.length,
        [JANITOR_METRICS.actionsFailed]: run.results.filter((r) => r.outcome === "failed").length,
        [JANITOR_METRICS.actionsDeferred]: run.plan.deferred.length,
        [JANITOR_METRICS.fleetHybridNodes]: run.plan.fleetHybridNodes,
        [JANITOR_METRICS.hybridNodes]: run.accountHybridNodes,
      },
    ),
  ];
  for (const kind of PRUNE_KINDS) {
    lines.push(
      line(
        timestamp,
        { [JANITOR_DIMENSIONS.fleet]: fleet, [JANITOR_DIMENSIONS.kind]: kind },
        {
          [JANITOR_METRICS.actionsPlanned]: count(run.plan.actions, kind),
          [JANITOR_METRICS.actionsTaken]: count(
            taken.map((r) => r.action),
            kind,
          ),
        },
      ),
    );
  }
  return lines;
}
