/**
 * ops/runCommand.ts against the fake SSM with the real client (so the SDK's own retries run):
 * waves under a fleet-wide concurrency count, the error budget stopping further waves,
 * throttled calls retried to success, invocations not listed yet counted as Pending, and the
 * command IDs kept when a later call fails.
 */
import { strict as assert } from "node:assert";
import { SSMClient, type SSMClient as SSMClientType } from "@aws-sdk/client-ssm";
import { startFakeSsm, type FakeSsm } from "../../local/fakeSsm";
import {
  parseRateControl,
  planBatches,
  progressOf,
  remediationDocument,
  type TargetResult,
} from "../../ops/remediation";
import { RemediationInterruptedError, runRemediation } from "../../ops/runCommand";
import { LOCAL_CREDENTIALS, assertRealSsmClient, managedInstance } from "../local/support";

const targets = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    instanceId: managedInstance(i + 1).InstanceId,
    name: `host-${i + 1}`,
  }));
const noSleep = async () => undefined;

/** Retry tokens for {@link quickRetries}. */
const token = (count: number) => ({
  getRetryCount: () => count,
  getRetryDelay: () => 1,
  getRetryTokenCount: () => 0,
});

/**
 * The SDK's retry middleware decides what is retryable and classifies it; this strategy only
 * shortens the back-off to 1 ms (the standard one waits up to seconds per throttle) and
 * records the classification it was given.
 */
function quickRetries(maxAttempts: number, seen: string[]) {
  return {
    mode: "standard",
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (t: ReturnType<typeof token>, info: { errorType: string }) => {
      seen.push(info.errorType);
      if (t.getRetryCount() + 1 >= maxAttempts) throw new Error("out of attempts");
      return token(t.getRetryCount() + 1);
    },
    recordSuccess: () => undefined,
  };
}

describe("ops/runCommand", () => {
  let ssm: FakeSsm;
  let client: SSMClient;

  before(assertRealSsmClient);
  afterEach(async () => {
    client?.destroy();
    await ssm?.close();
  });

  async function start(
    options: Parameters<typeof startFakeSsm>[0],
    maxAttempts = 3,
    retryStrategy?: ReturnType<typeof quickRetries>,
  ) {
    ssm = await startFakeSsm({
      instances: Array.from({ length: 120 }, (_, i) => managedInstance(i + 1)),
      ...options,
    });
    client = new SSMClient({
      endpoint: ssm.url,
      region: ssm.region,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts,
      ...(retryStrategy ? { retryStrategy } : {}),
    });
  }

  function plan(n: number, concurrency: string, errors: string) {
    return planBatches(
      targets(n).map((t) => t.instanceId),
      parseRateControl(concurrency, "--max-concurrency"),
      parseRateControl(errors, "--max-errors"),
    );
  }

  it("sends wave after wave under a concurrency count, each batch running one at a time", async () => {
    await start({ defaultCommandOutcome: { status: "Success" } });
    const run = await runRemediation(
      {
        document: remediationDocument("patch", "acme"),
        targets: targets(120),
        plan: plan(120, "1", "0"),
      },
      { ssm: client, sleep: noSleep },
    );
    assert.equal(run.commandIds.length, 3);
    assert.deepEqual(
      ssm.commands.map((c) => [c.InstanceIds.length, c.MaxConcurrency, c.MaxErrors]),
      [
        [50, "1", "0"],
        [50, "1", "0"],
        [20, "1", "0"],
      ],
    );
    assert.deepEqual(progressOf(run.results).counts, { Success: 120 });
    // Wave 2 is sent only after wave 1's invocations were all read as terminal.
    const ops = ssm.requests.map((r) => r.operation);
    assert.ok(ops.indexOf("ListCommandInvocations") < ops.lastIndexOf("SendCommand"));
  });

  it("stops sending waves once the run's errors exceed MaxErrors; the rest are NotSent", async () => {
    await start({
      commandOutcomes: { [managedInstance(1).InstanceId]: { status: "Failed", output: "boom" } },
    });
    const run = await runRemediation(
      {
        document: remediationDocument("cis", "acme"),
        targets: targets(120),
        plan: plan(120, "1", "0"),
      },
      { ssm: client, sleep: noSleep },
    );
    assert.equal(ssm.commands.length, 1, "waves 2 and 3 are not sent");
    assert.deepEqual(progressOf(run.results).counts, { Failed: 1, Terminated: 49, NotSent: 70 });
    const first = run.results[0];
    assert.deepEqual(first, {
      name: "host-1",
      instanceId: managedInstance(1).InstanceId,
      status: "Failed",
      responseCode: 1,
      output: "boom",
      commandId: run.commandIds[0],
    });
  });

  it("rides out throttling through the SDK's retries", async () => {
    const classified: string[] = [];
    await start(
      {
        throttle: { rate: 0.5, operations: ["SendCommand", "ListCommandInvocations"] },
        seed: 13,
        defaultCommandOutcome: { status: "Success" },
      },
      8,
      quickRetries(8, classified),
    );
    const progress: TargetResult[][] = [];
    const run = await runRemediation(
      {
        document: remediationDocument("patch", "acme"),
        targets: targets(60),
        plan: plan(60, "10%", "0"),
      },
      {
        ssm: client,
        sleep: noSleep,
        onProgress: (r) => progress.push([...r]),
      },
    );
    assert.ok(ssm.stats().throttled > 0, "some calls were throttled");
    assert.equal(classified.length, ssm.stats().throttled, "every throttled call was retried");
    assert.ok(
      classified.every((c) => c === "THROTTLING"),
      classified.join(),
    );
    assert.deepEqual(progressOf(run.results).counts, { Success: 60 });
    assert.deepEqual(progressOf(progress[0]).counts, { Pending: 60 });
  });

  it("counts invocations SSM does not list yet as Pending and keeps polling", async () => {
    await start({});
    let listCalls = 0;
    // SSM lists invocations a moment after SendCommand: the first listing comes back empty.
    const lagging: Pick<SSMClientType, "send"> = {
      send: (async (command: { constructor: { name: string } }) => {
        if (command.constructor.name === "ListCommandInvocationsCommand" && listCalls++ === 0) {
          return { CommandInvocations: [] };
        }
        return client.send(command as never);
      }) as never,
    };
    const seen: string[] = [];
    const run = await runRemediation(
      {
        document: remediationDocument("patch", "acme"),
        targets: targets(2),
        plan: plan(2, "10%", "0"),
      },
      {
        ssm: lagging,
        sleep: noSleep,
        onProgress: (r) => seen.push(r.map((x) => x.status).join(",")),
      },
    );
    assert.deepEqual(seen, ["Pending,Pending", "Pending,Pending", "Success,Success"]);
    assert.equal(listCalls, 2);
    assert.deepEqual(progressOf(run.results).counts, { Success: 2 });
  });

  it("keeps the IDs of commands already sent when a later call fails", async () => {
    await start({}, 1);
    ssm.failNext(1, 500, "ListCommandInvocations");
    const err = await runRemediation(
      {
        document: remediationDocument("patch", "acme"),
        targets: targets(60),
        plan: plan(60, "10%", "0"),
      },
      { ssm: client, sleep: noSleep },
    ).then(
      () => assert.fail("expected a failure"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RemediationInterruptedError);
    assert.deepEqual(
      err.commandIds,
      ssm.commands.map((c) => c.CommandId),
    );
    assert.equal(err.commandIds.length, 2);
    assert.equal((err.cause as Error).name, "InternalServerError");
  });
});
