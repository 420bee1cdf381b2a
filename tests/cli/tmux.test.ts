/**
 * The terminal test: the real `hybrid-fleet` binary (cli/index.ts under ts-node) runs in a
 * detached tmux session on a real pseudo-terminal, pointed at the local fake SSM through the
 * SDK's standard `AWS_ENDPOINT_URL_SSM` variable with dummy credentials; the test reads the
 * screen with `tmux capture-pane -p` and types with `tmux send-keys`:
 * - the confirmation prompt appears; answering `n` exits 4 and nothing is sent;
 * - answering `y` shows the progress bar advancing, then the final table; exit code 1
 *   because one machine fails.
 * tmux is installed by .ci/run; when it is missing the test fails (it never skips), since a
 * missing tool is something to install, not a pass.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { startFakeSsm, type FakeInstance, type FakeSsm } from "../../local/fakeSsm";

const ROOT = path.resolve(__dirname, "../..");
/** A tmux server of our own (`-L`), so nothing touches the user's sessions. */
const SOCKET = `hybrid-fleet-test-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
}

function tmuxAvailable(): string | undefined {
  const r = spawnSync("tmux", ["-V"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const machine = (n: number): FakeInstance => ({
  InstanceId: `mi-${n.toString(16).padStart(17, "0")}`,
  PingStatus: "Online",
  ResourceType: "ManagedInstance",
  PlatformType: "Linux",
  Name: `web-${n}`,
  Tags: [
    { Key: "HybridFleet", Value: "acme" },
    { Key: "Wave", Value: "3" },
  ],
});

/** The shipped CIS document's parameters, so the fake checks what the binary sends like SSM. */
function cisDocument() {
  const text = fs.readFileSync(path.join(ROOT, "documents/cis.yaml"), "utf8");
  return { parameters: YAML.parse(text).parameters };
}

describe("hybrid-fleet remediate in a real terminal (tmux)", function () {
  // ts-node starts the binary in a few seconds; the run itself takes about 3 s.
  this.timeout(120_000);
  let ssm: FakeSsm;
  let session = 0;

  before(function () {
    const version = tmuxAvailable();
    assert.ok(
      version,
      "tmux is not installed: apt-get install -y tmux (.ci/run installs it); this test drives the real binary in a terminal and cannot pass without it",
    );
  });

  afterEach(async () => {
    spawnSync("tmux", ["-L", SOCKET, "kill-server"]);
    await ssm?.close();
  });

  /** Starts the binary in a new detached session; returns the session name. */
  function startBinary(args: string[]): string {
    const name = `t${++session}`;
    const env = {
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_ACCESS_KEY_ID: "AKIALOCALTEST",
      AWS_SECRET_ACCESS_KEY: "local-test",
      AWS_REGION: ssm.region,
      // Keep the SDK away from the machine's own config and from instance metadata.
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_EC2_METADATA_DISABLED: "true",
      HYBRID_FLEET_NAME: "acme",
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      TERM: "xterm-256color",
    };
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = [
      "env",
      "-i",
      ...Object.entries(env).map(([k, v]) => quote(`${k}=${v}`)),
      quote(process.execPath),
      "-r",
      "ts-node/register/transpile-only",
      "cli/index.ts",
      ...args.map(quote),
      // Keep the pane open after exit so the screen and the exit code can be read.
      "; echo EXIT=$?; sleep 600",
    ].join(" ");
    tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "40", "-c", ROOT, command);
    return name;
  }

  function screen(name: string): string {
    return tmux("capture-pane", "-p", "-t", name);
  }

  /** Polls the screen until `pattern` shows, calling `each` on every capture. */
  async function waitFor(
    name: string,
    pattern: RegExp,
    timeoutMs = 60_000,
    each?: (text: string) => void,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = screen(name);
      each?.(text);
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) {
        assert.fail(`timed out waiting for ${pattern} on the screen:\n${text}`);
      }
      await sleep(50);
    }
  }

  it("shows the prompt; n exits 4 and sends nothing", async () => {
    ssm = await startFakeSsm({
      instances: [machine(1), machine(2)],
      documents: { "HybridFleet-acme-CIS": cisDocument() },
    });
    const name = startBinary(["remediate", "cis", "--tag", "Wave=3"]);

    const prompt = await waitFor(name, /\[y\/N\]/);
    assert.match(prompt, /Document: {3}HybridFleet-acme-CIS/);
    assert.match(prompt, /web-1 {2}mi-00000000000000001 {2}Online {2}Linux/);
    assert.match(prompt, /^Run HybridFleet-acme-CIS on 2 machines\? \[y\/N\]$/m);
    tmux("send-keys", "-t", name, "n", "Enter");

    const end = await waitFor(name, /EXIT=\d+/);
    assert.match(end, /^refused: nothing sent$/m);
    assert.match(end, /EXIT=4/);
    assert.equal(ssm.commands.length, 0);
    assert.equal(ssm.stats().calls.SendCommand, undefined);
  });

  it("y runs it: the progress bar advances, the final table shows, exit 1 for the failed machine", async () => {
    ssm = await startFakeSsm({
      instances: [1, 2, 3, 4, 5, 6].map(machine),
      documents: { "HybridFleet-acme-CIS": cisDocument() },
      commandOutcomes: {
        [machine(1).InstanceId]: { status: "Success", delayMs: 500, output: "remediated 14 rules" },
        [machine(2).InstanceId]: { status: "Success", delayMs: 1000, output: "remediated 9 rules" },
        [machine(3).InstanceId]: { status: "Success", delayMs: 1500, output: "remediated 3 rules" },
        [machine(4).InstanceId]: {
          status: "Failed",
          delayMs: 2000,
          responseCode: 2,
          output: "oscap: profile not found",
        },
        [machine(5).InstanceId]: { status: "Success", delayMs: 2500, output: "nothing to fix" },
        [machine(6).InstanceId]: { status: "Success", delayMs: 3000, output: "remediated 1 rule" },
      },
    });
    const name = startBinary([
      "remediate",
      "cis",
      "--tag",
      "Wave=3",
      "--max-concurrency",
      "100%",
      "--max-errors",
      "1",
      "--poll-interval",
      "0.2",
    ]);
    await waitFor(name, /\[y\/N\]/);
    tmux("send-keys", "-t", name, "y", "Enter");

    const seen: number[] = [];
    const end = await waitFor(name, /EXIT=\d+/, 60_000, (text) => {
      const bar = /\[[#-]{20}\] (\d+)\/6 done/.exec(text);
      if (bar && Number(bar[1]) !== seen[seen.length - 1]) seen.push(Number(bar[1]));
    });

    // The bar was drawn in place and moved forward through intermediate states.
    assert.ok(seen.length >= 3, `bar states seen: ${seen.join(" ")}`);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      seen,
      "never goes back",
    );
    assert.ok(
      seen.some((n) => n > 0 && n < 6),
      `an intermediate state: ${seen.join(" ")}`,
    );
    assert.equal(seen[seen.length - 1], 6);
    assert.match(end, /\[#{20}\] 6\/6 done {2}Success 5 {2}Failed 1/);
    const table = [
      "NAME   INSTANCE ID           STATUS   CODE  OUTPUT",
      "web-1  mi-00000000000000001  Success     0  remediated 14 rules",
      "web-2  mi-00000000000000002  Success     0  remediated 9 rules",
      "web-3  mi-00000000000000003  Success     0  remediated 3 rules",
      "web-4  mi-00000000000000004  Failed      2  oscap: profile not found",
      "web-5  mi-00000000000000005  Success     0  nothing to fix",
      "web-6  mi-00000000000000006  Success     0  remediated 1 rule",
      "",
      "6 machines: Success 5  Failed 1",
      `Command ID: ${ssm.commands[0].CommandId}`,
      "EXIT=1",
    ].join("\n");
    assert.ok(end.includes(table), `the final table, then the exit code:\n${end}`);
    assert.deepEqual(
      ssm.commands.map((c) => [
        c.DocumentName,
        c.Parameters,
        c.MaxConcurrency,
        c.MaxErrors,
        c.InstanceIds.length,
      ]),
      [["HybridFleet-acme-CIS", { Mode: ["enforce"] }, "100%", "1", 6]],
    );
  });
});
