/**
 * End to end for register.ps1 where the scenario table cannot speak: sequences of runs on one
 * machine. Two concurrent runs must consume one activation (the lock, then the re-check), as
 * register.e2e.test.ts asserts for register.sh.
 *
 * pwsh: under CI=true a missing pwsh fails; elsewhere these tests are skipped with one line
 * saying so (.ci/install-powershell.sh installs it).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CLOSED_URL,
  GOOD_TOKEN,
  ROOT,
  SUPPORT,
  newMachine,
  runCollected,
  startLocalStack,
  type LocalStack,
  type RunResult,
} from "./support/harness";
import { findPwsh } from "./support/scenarioRunner";

const REGISTER_PS1 = path.join(ROOT, "documents", "bootstrap", "register.ps1");

/** Runs register.ps1 through the shim with exactly `env` (plus PATH/HOME and pwsh's opt-outs). */
function runPs1(
  pwsh: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<RunResult> {
  return runCollected(
    pwsh,
    [
      "-NoProfile",
      "-NonInteractive",
      "-File",
      path.join(SUPPORT, "pwsh-shim.ps1"),
      REGISTER_PS1,
      ...args,
    ],
    {
      POWERSHELL_TELEMETRY_OPTOUT: "1",
      POWERSHELL_UPDATECHECK: "Off",
      DOTNET_CLI_TELEMETRY_OPTOUT: "1",
      ...env,
    },
  );
}

describe("register.ps1 end to end (real handler, fake SSM, fake agent)", function () {
  this.timeout(120_000);
  const pwsh = findPwsh();
  const ci = process.env.CI === "true";
  let stack: LocalStack;

  if (!pwsh && !ci) {
    console.log(
      "\n  !!! SKIPPING register.ps1 end to end: pwsh not found on PATH or in ~/.dotnet/tools (run .ci/install-powershell.sh; CI=true makes this a failure) !!!\n",
    );
  }

  before(async function () {
    if (!pwsh && !ci) this.skip();
    stack = await startLocalStack();
  });
  after(async () => {
    await stack?.close();
  });

  const need = (): string => {
    if (!pwsh) throw new Error("pwsh is not installed (.ci/install-powershell.sh installs it)");
    return pwsh;
  };

  it("two concurrent runs on one machine consume exactly one activation (lock, then re-check)", async () => {
    const exe = need();
    const m = newMachine();
    const before = stack.ssm.activations.length;
    const env = {
      ...m.env,
      HF_API_URL: stack.url,
      HF_IMDS_URL: CLOSED_URL,
      HF_TOKEN: GOOD_TOKEN,
      FAKE_AGENT_SLEEP: "2",
    };
    const [a, b] = await Promise.all([
      runPs1(exe, ["-Name", "web-lock-ps1"], env),
      runPs1(exe, ["-Name", "web-lock-ps1"], env),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(stack.ssm.activations.length, before + 1, "two activations were consumed");
    assert.equal(m.agentCalls().length, 1);
    assert.equal(
      [a, b].filter((r) => /already registered as mi-[0-9a-f]{17}; nothing to do/.test(r.stderr))
        .length,
      1,
    );
    assert.ok(
      fs.existsSync(path.join(path.dirname(m.registrationFile), "hybrid-fleet-register.lock")),
    );
  });

  it("HF_LOCK_FILE moves the lock", async () => {
    const exe = need();
    const m = newMachine();
    const lock = path.join(m.dir, "custom.lock");
    const r = await runPs1(exe, ["-Name", "web-lockfile-ps1"], {
      ...m.env,
      HF_API_URL: stack.url,
      HF_IMDS_URL: CLOSED_URL,
      HF_TOKEN: GOOD_TOKEN,
      HF_LOCK_FILE: lock,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(lock));
    assert.ok(
      !fs.existsSync(path.join(path.dirname(m.registrationFile), "hybrid-fleet-register.lock")),
    );
  });
});
