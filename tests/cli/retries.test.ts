/**
 * Throttling through the real SDK client and the CLI's real client factory: SSM is
 * local/fakeSsm.ts, reached through the SDK's standard AWS_ENDPOINT_URL_SSM variable (as the
 * binary is pointed at it), with throttling injected. Proves the CLI retries throttled calls
 * (adaptive mode, CLI_MAX_ATTEMPTS in all) and exits 3 only once the attempts are spent.
 */
import * as assert from "node:assert/strict";
import { CLI_MAX_ATTEMPTS, defaultClientFactory } from "../../cli/clients";
import { startFakeSsm, type FakeSsm } from "../../local/fakeSsm";
import { runHarness } from "./support/cliHarness";
import { machine, restoreAllMocks } from "./support/mockFleet";

const ENV_KEYS = [
  "AWS_ENDPOINT_URL_SSM",
  "AWS_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_PROFILE",
] as const;

describe("hybrid-fleet against a throttling SSM (real client, AWS_ENDPOINT_URL_SSM)", function () {
  this.timeout(120_000);
  let fake: FakeSsm;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    // The real client's send, even if another file's mock leaked.
    restoreAllMocks();
    fake = await startFakeSsm({
      seed: 7,
      instances: [1, 2, 3].map((n) => {
        const m = machine({ n, name: `web-0${n}`, tags: { HybridFleet: "acme" } });
        return {
          ...m.node,
          InstanceId: m.node.InstanceId!,
          Tags: [
            { Key: "HybridFleet", Value: "acme" },
            { Key: "Name", Value: `web-0${n}` },
          ],
        };
      }),
    });
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    process.env.AWS_ENDPOINT_URL_SSM = fake.url;
    process.env.AWS_REGION = fake.region;
    process.env.AWS_ACCESS_KEY_ID = "AKIDLOCAL";
    process.env.AWS_SECRET_ACCESS_KEY = "local";
    delete process.env.AWS_PROFILE;
  });
  after(async () => {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await fake.close();
  });
  beforeEach(() => fake.resetStats());

  it("retries throttled calls and succeeds", async () => {
    // The first two DescribeInstanceInformation calls are throttled, then admitted.
    fake.setThrottle({ operations: ["DescribeInstanceInformation"], rate: 1 });
    const run = runHarness(["--json", "instances", "--fleet", "acme"], {
      clients: defaultClientFactory(),
    });
    const lift = setInterval(() => {
      if (fake.stats().throttled >= 2) fake.setThrottle(undefined);
    }, 5);
    const r = await run.finally(() => clearInterval(lift));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).instances.length, 3);
    assert.ok(fake.stats().throttled >= 2, JSON.stringify(fake.stats()));
  });

  it(`exits 3 after ${CLI_MAX_ATTEMPTS} throttled attempts`, async () => {
    fake.setThrottle({ operations: ["DescribeInstanceInformation"], rate: 1 });
    const r = await runHarness(["instances", "--fleet", "acme"], {
      clients: defaultClientFactory(),
    });
    fake.setThrottle(undefined);
    assert.equal(r.code, 3);
    assert.equal(fake.stats().calls.DescribeInstanceInformation, CLI_MAX_ATTEMPTS);
    assert.match(
      r.stderr,
      new RegExp(
        `^AWS error: throttled after ${CLI_MAX_ATTEMPTS} attempts \\(ThrottlingException: Rate exceeded\\)`,
      ),
    );
  });
});
