/**
 * Runs a remediation with Run Command: SendCommand per batch (see {@link planBatches}), then
 * ListCommandInvocations (paged, with `Details` for response codes and output) until every
 * target is in a terminal state. The SSM client, the clock's sleep and the progress callback
 * are passed in, so tests drive it with aws-sdk-client-mock or the local fake SSM.
 */
import {
  ListCommandInvocationsCommand,
  SendCommandCommand,
  type CommandInvocation,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import {
  errorBudgetLeft,
  progressOf,
  targetResult,
  TERMINAL_STATUSES,
  type BatchPlan,
  type RemediationDocument,
  type RemediationTarget,
  type TargetResult,
} from "./remediation";

/** What to run where. */
export interface RunRemediationInput {
  readonly document: RemediationDocument;
  /** The machines, in the order the table lists them. */
  readonly targets: readonly RemediationTarget[];
  /** From {@link planBatches} over the targets' IDs. */
  readonly plan: BatchPlan;
  /** SendCommand's Comment (≤100 characters). @default none */
  readonly comment?: string;
}

/** Dependencies of {@link runRemediation}. */
export interface RunRemediationDeps {
  /** An SSM client (only `send` is used). */
  readonly ssm: Pick<SSMClient, "send">;
  /** Waits between polls. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Time between ListCommandInvocations rounds. @default 3000 */
  readonly pollIntervalMs?: number;
  /** Called with every target's row after each send and each poll. */
  readonly onProgress?: (results: readonly TargetResult[]) => void;
  /** Called as soon as a command is accepted, so its ID is known even if a later call fails. */
  readonly onCommandSent?: (commandId: string, instanceIds: readonly string[]) => void;
}

/** The outcome of a run. */
export interface RemediationRun {
  /** One row per target, in the targets' order. */
  readonly results: readonly TargetResult[];
  /** Every command sent, in sending order. */
  readonly commandIds: readonly string[];
}

/**
 * An AWS call failed after some commands were already running: they keep running in SSM, so
 * the error carries their IDs for the user to follow up (`aws ssm list-command-invocations`).
 */
export class RemediationInterruptedError extends Error {
  constructor(
    readonly commandIds: readonly string[],
    readonly cause: unknown,
  ) {
    super(
      `remediation interrupted after sending ${commandIds.length} command(s) (${commandIds.join(", ")}): ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = "RemediationInterruptedError";
  }
}

/** Every invocation of a command, through all pages. */
export async function listInvocations(
  ssm: Pick<SSMClient, "send">,
  commandId: string,
): Promise<CommandInvocation[]> {
  const out: CommandInvocation[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new ListCommandInvocationsCommand({
        CommandId: commandId,
        Details: true,
        MaxResults: 50,
        NextToken: nextToken,
      }),
    );
    out.push(...(page.CommandInvocations ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
}

/**
 * Sends the plan wave by wave and polls each wave until all its targets are terminal. A target
 * whose invocation is not listed yet counts as Pending (SSM lists invocations a moment after
 * SendCommand returns). Targets of waves not sent because the error budget ran out are NotSent.
 *
 * @throws RemediationInterruptedError when an AWS call fails after a command was sent; the
 *   AWS error itself when the very first SendCommand fails.
 */
export async function runRemediation(
  input: RunRemediationInput,
  deps: RunRemediationDeps,
): Promise<RemediationRun> {
  const interval = deps.pollIntervalMs ?? 3000;
  const commandOf = new Map<string, string>();
  const invocationOf = new Map<string, CommandInvocation>();
  const commandIds: string[] = [];
  const results = (): TargetResult[] =>
    input.targets.map((t) =>
      targetResult(t, invocationOf.get(t.instanceId), commandOf.get(t.instanceId)),
    );
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (commandIds.length === 0) throw err;
      throw new RemediationInterruptedError(commandIds, err);
    }
  };

  let first = true;
  for (const wave of input.plan.waves) {
    const sofar = progressOf(results().filter((r) => commandOf.has(r.instanceId)));
    if (!first && !errorBudgetLeft(input.plan.maxErrors, sofar.errors, input.targets.length)) {
      break;
    }
    first = false;
    const waveCommands: string[] = [];
    for (const batch of wave) {
      const sent = await guard(() =>
        deps.ssm.send(
          new SendCommandCommand({
            DocumentName: input.document.documentName,
            Parameters: input.document.parameters,
            InstanceIds: [...batch.instanceIds],
            MaxConcurrency: batch.maxConcurrency,
            MaxErrors: batch.maxErrors,
            Comment: input.comment,
          }),
        ),
      );
      const commandId = sent.Command?.CommandId;
      if (!commandId) {
        throw new RemediationInterruptedError(
          commandIds,
          new Error("SendCommand answered without a Command.CommandId"),
        );
      }
      commandIds.push(commandId);
      waveCommands.push(commandId);
      for (const id of batch.instanceIds) commandOf.set(id, commandId);
      deps.onCommandSent?.(commandId, batch.instanceIds);
    }
    deps.onProgress?.(results());
    const waveIds = new Set(wave.flatMap((b) => b.instanceIds));
    for (;;) {
      for (const commandId of waveCommands) {
        const invocations = await guard(() => listInvocations(deps.ssm, commandId));
        for (const inv of invocations) {
          if (inv.InstanceId && commandOf.get(inv.InstanceId) === commandId) {
            invocationOf.set(inv.InstanceId, inv);
          }
        }
      }
      const now = results();
      deps.onProgress?.(now);
      if (
        now.filter((r) => waveIds.has(r.instanceId)).every((r) => TERMINAL_STATUSES.has(r.status))
      )
        break;
      await deps.sleep(interval);
    }
  }
  return { results: results(), commandIds };
}
