/**
 * The janitor's logic: gather (ops/pruneInputs), plan (ops/prunePlan), execute unless it is a
 * dry run (ops/pruneExecute), log every action as one JSON line, print the EMF metric lines.
 * Dependencies (SSM and EC2 clients, clock, log sink) come in as arguments so tests pass fakes;
 * `index.ts` wires the real ones.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Context } from "aws-lambda";
import { gatherPruneInputs } from "../../ops/pruneInputs";
import { planPrune } from "../../ops/prunePlan";
import { executePrune, isTaken, type PruneResult } from "../../ops/pruneExecute";
import type { JanitorConfig } from "./config";
import { janitorMetricLines } from "./metrics";

/** Where lines go: `console.log` in Lambda, a collector in tests. */
export type LogSink = (line: string) => void;

/** The handler's dependencies. */
export interface JanitorDependencies {
  readonly ssm: Pick<SSMClient, "send">;
  readonly ec2: Pick<EC2Client, "send">;
  readonly config: JanitorConfig;
  readonly clock?: () => Date;
  readonly log?: LogSink;
}

/** What a run returns (and logs as its last line). */
export interface JanitorResult {
  readonly apply: boolean;
  readonly planned: number;
  readonly taken: number;
  readonly failed: number;
  readonly deferred: number;
  readonly capped: boolean;
  readonly fleetHybridNodes: number;
  readonly accountHybridNodes: number;
}

/** The handler's signature (EventBridge scheduled event; the event's content is not used). */
export type JanitorHandler = (
  event?: unknown,
  context?: Pick<Context, "awsRequestId">,
) => Promise<JanitorResult>;

/**
 * Creates the scheduled handler. A failed action does not fail the run (the next run tries
 * again, and the metric shows it); a failure to list the fleet does, so Lambda's error metric
 * and retries see it.
 */
export function createJanitorHandler(deps: JanitorDependencies): JanitorHandler {
  const clock = deps.clock ?? (() => new Date());
  const sink = deps.log ?? ((l: string) => console.log(l));
  const { config } = deps;
  return async (_event, context) => {
    const requestId = context?.awsRequestId;
    const write = (level: string, message: string, fields: Record<string, unknown>) =>
      sink(
        JSON.stringify({
          level,
          message,
          timestamp: clock().toISOString(),
          service: "janitor",
          ...(requestId ? { requestId } : {}),
          fleet: config.fleetName,
          ...fields,
        }),
      );
    const now = clock();
    const inputs = await gatherPruneInputs(deps, config, now);
    const plan = planPrune(inputs, {
      fleetTagKey: config.fleetTagKey,
      fleetName: config.fleetName,
      staleDays: config.staleDays,
      maxActions: config.maxActions,
    });
    if (plan.capped) {
      write("WARN", "more actions than maxActions: the rest are left for the next run", {
        maxActions: plan.maxActions,
        deferred: plan.deferred.length,
      });
    }
    const logResult = (r: PruneResult) =>
      write(r.outcome === "failed" ? "ERROR" : "INFO", `${r.action.type} ${r.outcome}`, {
        action: r.action.type,
        kind: r.action.kind,
        target: r.action.target,
        ...(r.action.name !== undefined ? { name: r.action.name } : {}),
        reason: r.action.reason,
        outcome: r.outcome,
        ...(r.error !== undefined ? { error: r.error } : {}),
      });
    const results = await executePrune(deps.ssm, plan, {
      apply: config.apply,
      onResult: logResult,
    });
    for (const emf of janitorMetricLines({
      fleet: config.fleetName,
      at: now,
      plan,
      results,
      accountHybridNodes: inputs.accountHybridNodes,
    })) {
      sink(emf);
    }
    const result: JanitorResult = {
      apply: config.apply,
      planned: plan.actions.length,
      taken: results.filter(isTaken).length,
      failed: results.filter((r) => r.outcome === "failed").length,
      deferred: plan.deferred.length,
      capped: plan.capped,
      fleetHybridNodes: plan.fleetHybridNodes,
      accountHybridNodes: inputs.accountHybridNodes,
    };
    write("INFO", config.apply ? "janitor run done" : "janitor dry run done", { ...result });
    return result;
  };
}
