/**
 * The real `hybrid-fleet` binary in a real terminal: tmux runs `cli/index.ts` (through
 * ts-node) against local/fakeSsm.ts, reached with the SDK's AWS_ENDPOINT_URL_SSM; the test
 * reads the screen for the plan and the confirmation prompt, types the answer, and checks the
 * exit code and the tags SSM holds afterwards. tmux is installed by .ci/run; the test fails
 * when it is missing.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { startFakeSsm, type FakeSsm } from "../../local/fakeSsm";

const ROOT = path.join(__dirname, "../..");
const SOCKET = `hybrid-fleet-cli-test-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
}

async function screenUntil(session: string, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = tmux("capture-pane", "-p", "-t", session);
    if (pattern.test(screen)) return screen;
    if (Date.now() > deadline) assert.fail(`screen never matched ${pattern}:\n${screen}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe("hybrid-fleet in a terminal (tmux, real binary, fake SSM)", function () {
  this.timeout(180_000);
  let fake: FakeSsm;

  before(async () => {
    try {
      execFileSync("tmux", ["-V"]);
    } catch {
      assert.fail("tmux is not installed (.ci/run installs it): apt-get install -y tmux");
    }
  });
  beforeEach(async () => {
    fake = await startFakeSsm({
      instances: [1, 2].map((n) => ({
        InstanceId: `mi-0000000000000000${n}`,
        PingStatus: "Online",
        ResourceType: "ManagedInstance",
        ComputerName: `web-0${n}.local`,
        AgentVersion: "3.3.40.0",
        Tags: [
          { Key: "HybridFleet", Value: "acme" },
          { Key: "Wave", Value: "3" },
          { Key: "ComplianceMode", Value: "report" },
          { Key: "Name", Value: `web-0${n}` },
        ],
      })),
    });
  });
  afterEach(async () => {
    try {
      tmux("kill-server");
    } catch {
      // no server left: nothing to stop
    }
    await fake.close();
  });

  function start(session: string): void {
    const env = {
      AWS_ENDPOINT_URL_SSM: fake.url,
      AWS_REGION: fake.region,
      AWS_ACCESS_KEY_ID: "AKIDLOCAL",
      AWS_SECRET_ACCESS_KEY: "local",
      NO_COLOR: "1",
    };
    const command = [
      "env",
      ...Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`),
      quote(process.execPath),
      "-r",
      "ts-node/register/transpile-only",
      "cli/index.ts",
      "mode set enforce --fleet acme --tag Wave=3",
      "; echo EXIT=$?; sleep 600",
    ].join(" ");
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "40", "-c", ROOT, command);
  }

  const modes = () =>
    fake.instances.map((i) => i.Tags?.find((t) => t.Key === "ComplianceMode")?.Value);

  it("shows the plan, asks, and changes the machines on 'y' (exit 0)", async () => {
    start("yes");
    const screen = await screenUntil("yes", /Change 2 machines to enforce\? \[y\/N\]/);
    assert.match(screen, /web-01 +mi-00000000000000001 +report +enforce +change/);
    assert.match(screen, /web-02 +mi-00000000000000002 +report +enforce +change/);
    assert.deepEqual(modes(), ["report", "report"], "nothing changes before the answer");
    tmux("send-keys", "-t", "yes", "y", "Enter");
    const done = await screenUntil("yes", /EXIT=\d+/);
    assert.match(done, /2 changed, 0 unchanged, 0 failed/);
    assert.match(done, /EXIT=0/);
    assert.deepEqual(modes(), ["enforce", "enforce"]);
  });

  it("changes nothing when the answer is no (exit 4)", async () => {
    start("no");
    await screenUntil("no", /Change 2 machines to enforce\? \[y\/N\]/);
    tmux("send-keys", "-t", "no", "n", "Enter");
    const done = await screenUntil("no", /EXIT=\d+/);
    assert.match(done, /refused: nothing changed/);
    assert.match(done, /EXIT=4/);
    assert.deepEqual(modes(), ["report", "report"]);
  });
});
