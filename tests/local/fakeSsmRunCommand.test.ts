/**
 * Run Command in the fake SSM, through the real SSMClient: SendCommand's validation (SSM's
 * shapes and patterns, documents and their parameters, unknown instances), scripted outcomes
 * over time on an injected clock, MaxConcurrency and MaxErrors, and ListCommandInvocations'
 * paging, Details and filters.
 */
import { strict as assert } from "node:assert";
import {
  InvalidDocument,
  InvalidInstanceId,
  InvalidParameters,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  SSMClient,
  type CommandInvocation,
  type SendCommandCommandInput,
} from "@aws-sdk/client-ssm";
import { startFakeSsm, type FakeSsm } from "../../local/fakeSsm";
import { listInvocations } from "../../ops/runCommand";
import { LOCAL_CREDENTIALS, assertRealSsmClient, managedInstance, rejection } from "./support";

const id = (n: number) => managedInstance(n).InstanceId;

describe("fakeSsm Run Command with the real SSMClient", () => {
  let ssm: FakeSsm;
  let client: SSMClient;
  let clock: number;

  before(assertRealSsmClient);

  async function start(options: Parameters<typeof startFakeSsm>[0] = {}): Promise<void> {
    clock = 1_000_000;
    ssm = await startFakeSsm({
      instances: Array.from({ length: 60 }, (_, i) => managedInstance(i + 1)),
      now: () => clock,
      ...options,
    });
    client = new SSMClient({
      endpoint: ssm.url,
      region: ssm.region,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
  }

  afterEach(async () => {
    client?.destroy();
    await ssm?.close();
  });

  const send = (input: Partial<SendCommandCommandInput>) =>
    client.send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", ...input }));

  const statuses = async (commandId: string): Promise<Record<string, string>> =>
    Object.fromEntries(
      (await listInvocations(client, commandId)).map((i: CommandInvocation) => [
        i.InstanceId!,
        i.StatusDetails!,
      ]),
    );

  it("runs scripted outcomes over time: Pending, InProgress, then terminal with code and output", async () => {
    await start({
      commandOutcomes: {
        [id(1)]: { status: "Success", delayMs: 1000, output: "patched" },
        [id(2)]: { status: "Failed", delayMs: 2000, output: "x".repeat(3000) },
        [id(3)]: { status: "Undeliverable" },
      },
    });
    const sent = await send({ InstanceIds: [id(1), id(2), id(3)], MaxErrors: "2" });
    const commandId = sent.Command!.CommandId!;
    assert.match(commandId, /^[0-9a-f-]{36}$/);
    assert.equal(sent.Command!.Status, "Pending");
    assert.equal(sent.Command!.TargetCount, 3);

    assert.deepEqual(await statuses(commandId), {
      [id(1)]: "InProgress",
      [id(2)]: "InProgress",
      [id(3)]: "Undeliverable",
    });
    clock += 1000;
    assert.deepEqual(await statuses(commandId), {
      [id(1)]: "Success",
      [id(2)]: "InProgress",
      [id(3)]: "Undeliverable",
    });
    clock += 1000;
    const done = await listInvocations(client, commandId);
    const byId = new Map(done.map((i) => [i.InstanceId, i]));
    assert.equal(byId.get(id(2))!.Status, "Failed");
    assert.equal(byId.get(id(2))!.InstanceName, "host-2.corp.example");
    const plugin = byId.get(id(2))!.CommandPlugins![0];
    assert.equal(plugin.ResponseCode, 1);
    assert.equal(plugin.Output!.length, 2500, "SSM keeps the first 2,500 characters");
    assert.equal(byId.get(id(1))!.CommandPlugins![0].Output, "patched");
    assert.equal(byId.get(id(3))!.CommandPlugins![0].ResponseCode, -1);
    assert.deepEqual(
      ssm.commands.map((c) => [c.DocumentName, c.MaxConcurrency, c.MaxErrors]),
      [["AWS-RunShellScript", "50", "2"]],
    );
  });

  it("runs at most MaxConcurrency at once and terminates the rest once errors exceed MaxErrors", async () => {
    await start({ defaultCommandOutcome: { status: "Failed", delayMs: 100 } });
    const sent = await send({
      InstanceIds: [1, 2, 3, 4, 5, 6].map(id),
      MaxConcurrency: "2",
      MaxErrors: "1",
    });
    const commandId = sent.Command!.CommandId!;
    const at0 = await statuses(commandId);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => at0[id(n)]),
      ["InProgress", "InProgress", "Pending", "Pending", "Pending", "Pending"],
    );
    clock += 100; // 1 and 2 failed: 2 errors > MaxErrors 1, so nothing more starts.
    const at100 = await statuses(commandId);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => at100[id(n)]),
      ["Failed", "Failed", "Terminated", "Terminated", "Terminated", "Terminated"],
    );
  });

  it("resolves a percentage MaxConcurrency against the command's targets (rounding up)", async () => {
    await start({ defaultCommandOutcome: { status: "Success", delayMs: 10 } });
    const sent = await send({ InstanceIds: [1, 2, 3, 4, 5].map(id), MaxConcurrency: "30%" });
    const at0 = Object.values(await statuses(sent.Command!.CommandId!));
    assert.deepEqual(
      [at0.filter((s) => s === "InProgress").length, at0.filter((s) => s === "Pending").length],
      [2, 3],
    );
  });

  it("pages ListCommandInvocations with MaxResults and NextToken, and leaves plugins out without Details", async () => {
    await start();
    const sent = await send({ InstanceIds: Array.from({ length: 50 }, (_, i) => id(i + 1)) });
    const first = await client.send(
      new ListCommandInvocationsCommand({ CommandId: sent.Command!.CommandId, MaxResults: 20 }),
    );
    assert.equal(first.CommandInvocations!.length, 20);
    assert.deepEqual(first.CommandInvocations![0].CommandPlugins, []);
    assert.ok(first.NextToken);
    const all = await listInvocations(client, sent.Command!.CommandId!);
    assert.equal(all.length, 50);
    assert.equal(new Set(all.map((i) => i.InstanceId)).size, 50);
    const failed = await client.send(
      new ListCommandInvocationsCommand({
        CommandId: sent.Command!.CommandId,
        Filters: [{ key: "Status", value: "Failed" }],
      }),
    );
    assert.deepEqual(failed.CommandInvocations, []);
    const unknown = await client.send(
      new ListCommandInvocationsCommand({ CommandId: "11111111-2222-3333-4444-555555555555" }),
    );
    assert.deepEqual(unknown.CommandInvocations, []);
  });

  it("validates SendCommand like SSM: 50 IDs at most, ID and rate-control patterns, comment length", async () => {
    await start();
    const tooMany = await rejection(
      send({ InstanceIds: Array.from({ length: 51 }, (_, i) => id(i + 1)) }),
    );
    assert.equal(tooMany.name, "ValidationException");
    assert.match(
      tooMany.message,
      /'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50/,
    );
    const bad = await rejection(
      send({
        InstanceIds: ["web-1"],
        MaxConcurrency: "0",
        MaxErrors: "101%",
        Comment: "c".repeat(101),
      }),
    );
    assert.equal(bad.name, "ValidationException");
    assert.match(bad.message, /^4 validation errors detected: /);
    assert.match(
      bad.message,
      /Value 'web-1' at 'instanceIds.1.member' failed to satisfy constraint/,
    );
    assert.match(
      bad.message,
      /Value '0' at 'maxConcurrency' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    assert.match(bad.message, /Value '101%' at 'maxErrors'/);
    assert.match(
      bad.message,
      /at 'comment' failed to satisfy constraint: Member must have length less than or equal to 100/,
    );
    const unknown = await rejection(send({ InstanceIds: [id(99)] }));
    assert.ok(unknown instanceof InvalidInstanceId);
    assert.match(unknown.message, /mi-00000000000000063/);
    assert.equal(ssm.commands.length, 0);
  });

  it("checks documents and their parameters when the fake is told which exist", async () => {
    await start({
      documents: {
        "HybridFleet-acme-CIS": {
          parameters: {
            Mode: { default: "report", allowedValues: ["report", "enforce"] },
            Profile: {},
          },
        },
      },
    });
    const missing = await rejection(
      send({ DocumentName: "HybridFleet-acme-AV", InstanceIds: [id(1)] }),
    );
    assert.ok(missing instanceof InvalidDocument);
    const cases: Array<[Record<string, string[]>, RegExp]> = [
      [
        { Mode: ["fix"], Profile: ["p"] },
        /Parameter "Mode" has a value that is not allowed: "fix"/,
      ],
      [{ Mode: ["enforce"] }, /Parameter "Profile" is required/],
      [{ Profile: ["p"], constructor: ["x"] }, /Parameter "constructor" is not defined/],
    ];
    for (const [Parameters, message] of cases) {
      const err = await rejection(
        send({ DocumentName: "HybridFleet-acme-CIS", InstanceIds: [id(1)], Parameters }),
      );
      assert.ok(err instanceof InvalidParameters, err.name);
      assert.match(err.message, message);
    }
    const ok = await send({
      DocumentName: "HybridFleet-acme-CIS",
      InstanceIds: [id(1)],
      Parameters: { Mode: ["enforce"], Profile: ["cis_level1_server"] },
    });
    assert.ok(ok.Command?.CommandId);
    assert.deepEqual(ssm.commands[0].Parameters, {
      Mode: ["enforce"],
      Profile: ["cis_level1_server"],
    });
  });

  it("refuses the ExecutionStage filter and bad CommandIds on ListCommandInvocations", async () => {
    await start();
    const stage = await rejection(
      client.send(
        new ListCommandInvocationsCommand({
          Filters: [{ key: "ExecutionStage", value: "Executing" }],
        }),
      ),
    );
    assert.equal(stage.name, "InvalidFilterKey");
    const shortId = await rejection(
      client.send(new ListCommandInvocationsCommand({ CommandId: "abc" })),
    );
    assert.equal(shortId.name, "ValidationException");
  });

  it("lets a test re-script an instance between commands", async () => {
    await start();
    ssm.setCommandOutcome(id(1), { status: "ExecutionTimedOut" });
    const first = await send({ InstanceIds: [id(1)], MaxErrors: "1" });
    ssm.setCommandOutcome(id(1), undefined);
    const second = await send({ InstanceIds: [id(1)] });
    assert.deepEqual(await statuses(first.Command!.CommandId!), { [id(1)]: "ExecutionTimedOut" });
    assert.deepEqual(await statuses(second.Command!.CommandId!), { [id(1)]: "Success" });
  });
});
