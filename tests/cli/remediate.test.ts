/**
 * `hybrid-fleet remediate` in-process with SSM mocked by aws-sdk-client-mock: batching past 50
 * machines, paging of DescribeInstanceInformation and ListCommandInvocations, partial failure
 * (Failed, timed out, Undeliverable) with the exact table, a refused confirmation, the dry run,
 * throttling, and usage errors. Exact commands and inputs are asserted.
 */
import * as assert from "node:assert/strict";
import {
  DescribeInstanceInformationCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  SSMClient,
  type CommandInvocation,
  type ListCommandInvocationsCommandInput,
  type SendCommandCommandInput,
} from "@aws-sdk/client-ssm";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { runHarness } from "./support/cliHarness";
import { machine, mockFleetSsm, type MockMachine } from "./support/mockFleet";

const ENV = { HYBRID_FLEET_NAME: "acme" };

/** Wave-3 machine `host-NNN` of fleet acme (a real node's record, tests/fixtures/cli). */
const host = (n: number): MockMachine =>
  machine({
    n,
    name: `host-${String(n).padStart(3, "0")}`,
    tags: { HybridFleet: "acme", Wave: "3" },
  });
const idOf = (m: MockMachine) => m.node.InstanceId!;

// Restored after each test: a mock left in place would stub SSMClient for every other test
// file mocha loads (tests/local/support.ts assertRealSsmClient).
let ssmMock: AwsClientStub<SSMClient> | undefined;

/** Serves `machines` (DescribeInstanceInformation pages, ListTagsForResource per node). */
function serveMachines(machines: readonly MockMachine[]): AwsClientStub<SSMClient> {
  ssmMock = mockFleetSsm(machines);
  return ssmMock;
}

type Outcome = Pick<CommandInvocation, "Status" | "StatusDetails"> & {
  code?: number;
  output?: string;
};
const OK: Outcome = { Status: "Success", StatusDetails: "Success", code: 0, output: "done" };

/**
 * SendCommand answers command IDs c-1, c-2, …; ListCommandInvocations answers InProgress for
 * every target on the first poll of a command, then `outcome(id)`, 25 per page.
 */
function serveCommands(outcome: (instanceId: string) => Outcome = () => OK) {
  const sent: SendCommandCommandInput[] = [];
  const listed: ListCommandInvocationsCommandInput[] = [];
  const polls = new Map<string, number>();
  ssmMock!.on(SendCommandCommand).callsFake((input) => {
    sent.push(input);
    const id = `00000000-0000-0000-0000-${String(sent.length).padStart(12, "0")}`;
    return { Command: { CommandId: id, InstanceIds: input.InstanceIds } };
  });
  ssmMock!.on(ListCommandInvocationsCommand).callsFake((input) => {
    listed.push(input);
    const index = Number(input.CommandId!.slice(-12)) - 1;
    const ids = sent[index].InstanceIds ?? [];
    const round = input.NextToken
      ? polls.get(input.CommandId!)!
      : (polls.get(input.CommandId!) ?? 0) + 1;
    polls.set(input.CommandId!, round);
    const start = Number(input.NextToken ?? 0);
    const page = ids.slice(start, start + 25);
    return {
      CommandInvocations: page.map((id): CommandInvocation => {
        const o: Outcome =
          round === 1 ? { Status: "InProgress", StatusDetails: "InProgress" } : outcome(id);
        return {
          CommandId: input.CommandId,
          InstanceId: id,
          Status: o.Status,
          StatusDetails: o.StatusDetails,
          CommandPlugins: [
            {
              Name: "main",
              Status: o.Status as never,
              ResponseCode: o.code ?? -1,
              Output: o.output ?? "",
            },
          ],
        };
      }),
      NextToken: start + 25 < ids.length ? String(start + 25) : undefined,
    };
  });
  return { sent, listed };
}

describe("hybrid-fleet remediate", () => {
  afterEach(() => {
    ssmMock?.restore();
    ssmMock = undefined;
  });

  it("sends 120 machines in batches of 50, 50 and 20, pages every listing, and exits 0 when all succeed", async () => {
    const machines = Array.from({ length: 120 }, (_, i) => host(i + 1));
    const mock = serveMachines(machines);
    const { sent, listed } = serveCommands();

    const r = await runHarness(
      ["remediate", "antivirus", "--tag", "Wave=3", "--yes", "--poll-interval", "0"],
      { env: ENV },
    );

    assert.equal(r.code, 0, r.stderr);
    // The shared fleet listing: fleet tag server-side, 50 a page, tags per node.
    assert.deepEqual(
      mock.commandCalls(DescribeInstanceInformationCommand).map((c) => c.args[0].input),
      [
        { Filters: [{ Key: "tag:HybridFleet", Values: ["acme"] }], MaxResults: 50 },
        {
          Filters: [{ Key: "tag:HybridFleet", Values: ["acme"] }],
          MaxResults: 50,
          NextToken: "page-50",
        },
        {
          Filters: [{ Key: "tag:HybridFleet", Values: ["acme"] }],
          MaxResults: 50,
          NextToken: "page-100",
        },
      ],
    );
    const ids = machines.map(idOf);
    assert.deepEqual(sent, [
      {
        DocumentName: "HybridFleet-acme-Antivirus",
        Parameters: { Mode: ["enforce"] },
        InstanceIds: ids.slice(0, 50),
        MaxConcurrency: "10%",
        MaxErrors: "0",
        Comment: "hybrid-fleet remediate antivirus",
      },
      {
        DocumentName: "HybridFleet-acme-Antivirus",
        Parameters: { Mode: ["enforce"] },
        InstanceIds: ids.slice(50, 100),
        MaxConcurrency: "10%",
        MaxErrors: "0",
        Comment: "hybrid-fleet remediate antivirus",
      },
      {
        DocumentName: "HybridFleet-acme-Antivirus",
        Parameters: { Mode: ["enforce"] },
        InstanceIds: ids.slice(100),
        MaxConcurrency: "10%",
        MaxErrors: "0",
        Comment: "hybrid-fleet remediate antivirus",
      },
    ]);
    // Two rounds per command (InProgress, then Success); 50 invocations take two pages of 25.
    const command1 = listed.filter((l) => l.CommandId === "00000000-0000-0000-0000-000000000001");
    assert.deepEqual(
      command1.map((l) => [l.NextToken, l.Details, l.MaxResults]),
      [
        [undefined, true, 50],
        ["25", true, 50],
        [undefined, true, 50],
        ["25", true, 50],
      ],
    );
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 1 + 120 + 3);
    assert.equal(lines[121], "");
    assert.equal(lines[122], "120 machines: Success 120");
    assert.equal(
      lines[123],
      "Command IDs: 00000000-0000-0000-0000-000000000001 00000000-0000-0000-0000-000000000002 00000000-0000-0000-0000-000000000003",
    );
    // Not a terminal: one plain progress line per change (after sending, then per polling round).
    assert.deepEqual(r.stderr.split("\n").filter(Boolean), [
      "0/120 done  Pending 120",
      "0/120 done  InProgress 120",
      "120/120 done  Success 120",
    ]);
  });

  it("prints the exact table for a partial failure and exits 1", async () => {
    serveMachines([host(1), host(2), host(3), host(4)]);
    const outcomes: Record<string, Outcome> = {
      [idOf(host(1))]: {
        Status: "Success",
        StatusDetails: "Success",
        code: 0,
        output: "Installed 12 updates\n",
      },
      [idOf(host(2))]: {
        Status: "Failed",
        StatusDetails: "Failed",
        code: 2,
        output: "clamd: service not found\n",
      },
      [idOf(host(3))]: {
        Status: "TimedOut",
        StatusDetails: "ExecutionTimedOut",
        code: 137,
      },
      [idOf(host(4))]: { Status: "Failed", StatusDetails: "Undeliverable" },
    };
    const { sent } = serveCommands((id) => outcomes[id]);

    const r = await runHarness(
      [
        "remediate",
        "patch",
        "--name",
        "host-*",
        "--yes",
        "--poll-interval",
        "0",
        "--max-errors",
        "2",
      ],
      { env: ENV },
    );

    assert.equal(r.code, 1);
    assert.deepEqual(
      sent.map((s) => [s.DocumentName, s.Parameters, s.MaxErrors]),
      [["AWS-RunPatchBaseline", { Operation: ["Install"], RebootOption: ["RebootIfNeeded"] }, "2"]],
    );
    assert.equal(
      r.stdout,
      [
        "NAME      INSTANCE ID           STATUS             CODE  OUTPUT",
        "host-001  mi-00000000000000001  Success               0  Installed 12 updates",
        "host-002  mi-00000000000000002  Failed                2  clamd: service not found",
        "host-003  mi-00000000000000003  ExecutionTimedOut   137  -",
        "host-004  mi-00000000000000004  Undeliverable        -1  -",
        "",
        "4 machines: Success 1  Failed 1  ExecutionTimedOut 1  Undeliverable 1",
        "Command ID: 00000000-0000-0000-0000-000000000001",
        "",
      ].join("\n"),
    );
  });

  it("asks before sending; answering n exits 4 and sends nothing", async () => {
    serveMachines([host(1), host(2)]);
    const { sent } = serveCommands();

    const r = await runHarness(["remediate", "cis", "--tag", "Wave=3"], {
      env: ENV,
      promptTTY: true,
      input: "n\n",
    });

    assert.equal(r.code, 4);
    assert.equal(sent.length, 0);
    assert.equal(ssmMock!.commandCalls(SendCommandCommand).length, 0);
    assert.equal(
      r.stdout,
      [
        "Document:   HybridFleet-acme-CIS",
        "Parameters: Mode=enforce",
        "Targets:    2 machines",
        "",
        "NAME      INSTANCE ID           PING    PLATFORM",
        "host-001  mi-00000000000000001  Online  Ubuntu",
        "host-002  mi-00000000000000002  Online  Ubuntu",
        "",
        "",
      ].join("\n"),
    );
    assert.equal(r.stderr, "Run HybridFleet-acme-CIS on 2 machines? [y/N] refused: nothing sent\n");
  });

  it("answering y on a terminal runs it, drawing the progress bar in place", async () => {
    serveMachines([host(1), host(2)]);
    serveCommands();

    const r = await runHarness(["remediate", "cis", "--tag", "Wave=3", "--poll-interval", "0"], {
      env: ENV,
      promptTTY: true,
      input: "y\n",
    });

    assert.equal(r.code, 0, r.stderr);
    const bars = r.stderr.split("\r\u001b[2K").slice(1);
    assert.deepEqual(bars, [
      "[--------------------] 0/2 done  Pending 2",
      "[--------------------] 0/2 done  InProgress 2",
      "[####################] 2/2 done  Success 2\n",
    ]);
  });

  it("refuses without a terminal and without --yes (exit 4), sending nothing", async () => {
    serveMachines([host(1)]);
    const { sent } = serveCommands();
    const r = await runHarness(["remediate", "cis", "--name", "host-001"], { env: ENV });
    assert.equal(r.code, 4);
    assert.equal(sent.length, 0);
    assert.equal(
      r.stderr,
      "refused: would run HybridFleet-acme-CIS on 1 machine(s), but there is no terminal to confirm on; pass --yes to run it\n",
    );
  });

  it("--dry-run lists the targets and the document, sends nothing, exits 0", async () => {
    serveMachines([host(7)]);
    const { sent } = serveCommands();
    const r = await runHarness(
      [
        "remediate",
        "agent-install",
        "--name",
        "HOST-00?",
        "--dry-run",
        "--parameters",
        "LinuxServiceName=falcon-sensor",
      ],
      { env: ENV },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sent.length, 0);
    assert.equal(
      r.stdout,
      [
        "Document:   HybridFleet-acme-AgentInstall",
        "Parameters: LinuxServiceName=falcon-sensor",
        "Targets:    1 machine",
        "",
        "NAME      INSTANCE ID           PING    PLATFORM",
        "host-007  mi-00000000000000007  Online  Ubuntu",
        "",
        "Dry run: nothing sent.",
        "",
      ].join("\n"),
    );
    const json = await runHarness(
      ["--json", "remediate", "cis", "--name", "host-007", "--dry-run", "--max-concurrency", "5"],
      { env: ENV },
    );
    assert.deepEqual(JSON.parse(json.stdout), {
      dryRun: true,
      document: "HybridFleet-acme-CIS",
      parameters: { Mode: ["enforce"] },
      targets: [{ name: "host-007", instanceId: "mi-00000000000000007", pingStatus: "Online" }],
      batches: [{ instanceIds: ["mi-00000000000000007"], maxConcurrency: "5", maxErrors: "0" }],
    });
  });

  it("prints one JSON document with every result and the command IDs", async () => {
    serveMachines([host(1)]);
    serveCommands();
    const r = await runHarness(
      ["--json", "remediate", "cis", "--name", "host-001", "--yes", "--poll-interval", "0"],
      { env: ENV },
    );
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.commandIds, ["00000000-0000-0000-0000-000000000001"]);
    assert.deepEqual(doc.results, [
      {
        name: "host-001",
        instanceId: "mi-00000000000000001",
        status: "Success",
        responseCode: 0,
        output: "done",
        commandId: "00000000-0000-0000-0000-000000000001",
      },
    ]);
  });

  it("exits 4 when the selection matches no fleet machine", async () => {
    serveMachines([]);
    const r = await runHarness(["remediate", "cis", "--tag", "Wave=9", "--yes"], { env: ENV });
    assert.equal(r.code, 4);
    assert.equal(r.stderr, "no machines of fleet acme match the selection: nothing sent\n");
  });

  describe("throttling", () => {
    const throttled = () =>
      Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400, attempts: 6 },
      });

    it("exits 3 when SendCommand is still throttled after the SDK's retries, naming it", async () => {
      serveMachines([host(1)]);
      ssmMock!.on(SendCommandCommand).rejects(throttled());
      const r = await runHarness(["remediate", "cis", "--name", "host-001", "--yes"], { env: ENV });
      assert.equal(r.code, 3);
      assert.equal(
        r.stderr,
        "AWS error: throttled after 6 attempts (ThrottlingException: Rate exceeded); retry later or narrow the selection\n",
      );
    });

    it("exits 3 when polling stays throttled, and names the command still running", async () => {
      serveMachines([host(1)]);
      serveCommands();
      ssmMock!.on(ListCommandInvocationsCommand).rejects(throttled());
      const r = await runHarness(
        ["remediate", "cis", "--name", "host-001", "--yes", "--poll-interval", "0"],
        {
          env: ENV,
        },
      );
      assert.equal(r.code, 3);
      assert.match(
        r.stderr,
        /AWS error: throttled after 6 attempts \(ThrottlingException: Rate exceeded; commands already sent keep running in SSM: 00000000-0000-0000-0000-000000000001 \(follow them with aws ssm list-command-invocations --command-id ID\)\); retry later/,
      );
    });
  });

  describe("usage errors (exit 2, nothing listed or sent)", () => {
    const cases: Array<[string, string[], Record<string, string>, string]> = [
      [
        "an unknown control",
        ["remediate", "inventory", "--name", "a"],
        ENV,
        'error: control must be one of patch, antivirus, cis, agent-install, got "inventory"\n',
      ],
      [
        "no selection",
        ["remediate", "cis"],
        ENV,
        "error: remediate needs --name PATTERN or --tag KEY=VALUE: it never runs on a whole fleet by default\n",
      ],
      [
        "a bad --max-concurrency",
        ["remediate", "cis", "--name", "a", "--max-concurrency", "0"],
        ENV,
        'error: --max-concurrency must be a count from 1 (e.g. 10) or a percentage 1%-100% (e.g. 10%), got "0"\n',
      ],
      [
        "a parameter the document lacks",
        ["remediate", "cis", "--name", "a", "--parameters", "Mod=enforce"],
        ENV,
        "error: --parameters Mod: HybridFleet-acme-CIS has no such parameter; it takes Mode, Severity, Scanner, CisProfile, ScapContent, InstallScanner, ResultFormat, LinuxScannerCommand, LinuxScannerArgs, LinuxRemediateArgs, LinuxResultFile, WindowsScannerCommand, WindowsScannerArgs, WindowsRemediateArgs, WindowsResultFile\n",
      ],
      [
        "a fleet document without a fleet",
        ["remediate", "antivirus", "--name", "a"],
        {},
        "error: antivirus runs the fleet's document HybridFleet-<fleet>-Antivirus: give --fleet NAME (or HYBRID_FLEET_NAME), or --document NAME\n",
      ],
      [
        "patch without a fleet",
        ["remediate", "patch", "--name", "a"],
        {},
        "error: --fleet is required (the value of the HybridFleet tag on the fleet's machines), or set HYBRID_FLEET_NAME\n",
      ],
      [
        "a bad --poll-interval",
        ["remediate", "cis", "--name", "a", "--poll-interval", "soon"],
        ENV,
        'error: --poll-interval must be seconds from 0 to 3600, got "soon"\n',
      ],
    ];
    for (const [what, argv, env, stderr] of cases) {
      it(what, async () => {
        const mock = serveMachines([host(1)]);
        const r = await runHarness(argv, { env });
        assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 2, stderr });
        assert.equal(mock.calls().length, 0);
      });
    }
  });
});
