/**
 * Carries out a prune plan (ops/prunePlan.ts): the janitor and `hybrid-fleet prune --apply`
 * both run it. One action at a time, in the plan's order: the account's SSM quota is shared
 * with everything else, and the SDK's retry strategy already backs off on throttling.
 *
 * An action whose target is already gone counts as done: DeregisterManagedInstance answers
 * `InvalidInstanceId` for a node that is no longer registered, DeleteActivation answers
 * `InvalidActivation`/`InvalidActivationId` for one that no longer exists
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeregisterManagedInstance.html,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteActivation.html),
 * so a second run, or a run racing another, does no harm. Any other error fails that action
 * only; the rest still run.
 */
import {
  DeleteActivationCommand,
  DeregisterManagedInstanceCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import type { PruneAction, PrunePlan } from "./prunePlan";

/** What became of one action. */
export type PruneOutcome = "done" | "already-gone" | "failed" | "dry-run";

/** One action's result. */
export interface PruneResult {
  readonly action: PruneAction;
  readonly outcome: PruneOutcome;
  /** `Name: message` of the error, for `failed`. */
  readonly error?: string;
}

const GONE: Readonly<Record<PruneAction["type"], ReadonlySet<string>>> = {
  deregister: new Set(["InvalidInstanceId"]),
  "delete-activation": new Set(["InvalidActivation", "InvalidActivationId"]),
};

/** Runs one action. */
async function run(ssm: Pick<SSMClient, "send">, action: PruneAction): Promise<PruneResult> {
  try {
    if (action.type === "deregister") {
      await ssm.send(new DeregisterManagedInstanceCommand({ InstanceId: action.target }));
    } else {
      await ssm.send(new DeleteActivationCommand({ ActivationId: action.target }));
    }
    return { action, outcome: "done" };
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (GONE[action.type].has(e?.name ?? "")) return { action, outcome: "already-gone" };
    return {
      action,
      outcome: "failed",
      error: `${e?.name ?? "Error"}: ${e?.message ?? String(err)}`.slice(0, 500),
    };
  }
}

/**
 * Executes the plan's actions (never the deferred ones). With `apply: false` nothing is sent
 * and every action reports `dry-run`. `onResult` sees each result as it happens (the janitor
 * logs it, the CLI prints it).
 */
export async function executePrune(
  ssm: Pick<SSMClient, "send">,
  plan: PrunePlan,
  opts: { readonly apply: boolean; readonly onResult?: (result: PruneResult) => void },
): Promise<PruneResult[]> {
  const results: PruneResult[] = [];
  for (const action of plan.actions) {
    const result: PruneResult = opts.apply
      ? await run(ssm, action)
      : { action, outcome: "dry-run" };
    results.push(result);
    opts.onResult?.(result);
  }
  return results;
}

/** Whether a result means the target is gone now (this run's doing or not). */
export function isTaken(result: PruneResult): boolean {
  return result.outcome === "done" || result.outcome === "already-gone";
}
