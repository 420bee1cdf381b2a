/**
 * The README's `hybrid-fleet remediate` example is real: every `$ hybrid-fleet …` command in
 * the block of section "Remediation before a migration" is run against the fake SSM with the
 * fleet and outcomes described there, and must print exactly what the README shows (the
 * command ID, a fresh UUID each run, aside) and exit with the `echo $?` shown.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { startFakeSsm, type FakeInstance, type FakeSsm } from "../../local/fakeSsm";
import { assertRealSsmClient } from "../local/support";
import { runHarness } from "./support/cliHarness";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The README's demo fleet: wave 3 of acme-prod; db-01 offline; web-01 a Windows host. */
function demoFleet(): FakeInstance[] {
  return ["app-01", "app-02", "db-01", "web-01", "web-02"].map((name, i) => ({
    InstanceId: `mi-0${String(i + 1).padStart(16, "a")}`,
    PingStatus: name === "db-01" ? "ConnectionLost" : "Online",
    ResourceType: "ManagedInstance",
    PlatformType: name === "web-01" ? "Windows" : "Linux",
    Name: name,
    Tags: [
      { Key: "HybridFleet", Value: "acme-prod" },
      { Key: "Wave", Value: "3" },
    ],
  }));
}

const OUTCOMES = {
  "mi-0aaaaaaaaaaaaaaa1": {
    status: "Success",
    output: "Antivirus: falcon-sensor running, definitions 3h old\n",
  },
  "mi-0aaaaaaaaaaaaaaa2": {
    status: "Success",
    output: "Installed falcon-sensor 7.18; service running\n",
  },
  "mi-0aaaaaaaaaaaaaaa3": { status: "Undeliverable" },
  "mi-0aaaaaaaaaaaaaaa4": {
    status: "Failed",
    responseCode: 1,
    output: "Installer hash mismatch: expected 9f2c..., got 04ab...\n",
  },
  "mi-0aaaaaaaaaaaaaaa5": {
    status: "Success",
    output: "Installed falcon-sensor 7.18; service running\n",
  },
} as const;

/** `$ command` followed by its output, for each command of the README block. */
function readmeRuns(): Array<{ command: string; output: string }> {
  const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
  const start = readme.indexOf("\n## Remediation before a migration: `hybrid-fleet remediate`\n");
  assert.ok(start >= 0, "README has no remediate section");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const block = /```text\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "the remediate section has no text block");
  return block[1]
    .split(/^\$ /m)
    .filter(Boolean)
    .map((chunk) => {
      const at = chunk.indexOf("\n");
      return { command: chunk.slice(0, at), output: chunk.slice(at + 1) };
    });
}

describe("README remediate example", () => {
  let ssm: FakeSsm;
  before(assertRealSsmClient);
  afterEach(() => ssm?.close());

  it("is exactly what the CLI prints for the fleet it describes", async () => {
    ssm = await startFakeSsm({ instances: demoFleet(), commandOutcomes: OUTCOMES });
    const credentials = { accessKeyId: "AKIALOCALTEST", secretAccessKey: "local-test" };
    const client = new SSMClient({ endpoint: ssm.url, region: ssm.region, credentials });
    const clients = {
      ssm: () => client,
      ec2: () => new EC2Client({ region: ssm.region, credentials }),
    };
    const runs = readmeRuns();
    assert.deepEqual(
      runs.map((r) => r.command.split(" ")[0]),
      ["hybrid-fleet", "hybrid-fleet", "echo"],
    );
    let lastCode = -1;
    for (const { command, output } of runs) {
      if (command === "echo $?") {
        assert.equal(output, `${lastCode}\n`);
        continue;
      }
      const argv = [...command.split(" ").slice(1), "--poll-interval", "0"];
      const r = await runHarness(argv, { clients });
      lastCode = r.code;
      // A blank line separates the commands in the README.
      const expected = output.replace(/\n+$/, "\n").replace(UUID, "<uuid>");
      assert.equal(r.stdout.replace(UUID, "<uuid>"), expected, command);
    }
    assert.equal(ssm.commands.length, 1, "the dry run sent nothing, the real run one command");
    client.destroy();
  });
});
