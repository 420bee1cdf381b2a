/**
 * End to end: the real `documents/bootstrap/register.sh`, run as a child process, against the
 * REAL activation handler served by the local API Gateway adapter, with the fake SSM behind
 * it, a fake IMDSv2 serving a real AWS-signed identity document, and a fake agent that
 * records its arguments and writes the registration file.
 *
 * Only what the scenario table (scenarios.ts, run against register.sh AND register.ps1) cannot
 * express lives here: sequences of runs on one machine (idempotence then --force, concurrent
 * runs, state restored across runs), a throttled API Gateway stage, Linux-only machinery (flock,
 * the snap agent, gpg-verified packages for each OS family, the wget path).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { makeTestKey, signDetached, type TestKey } from "./support/testKeys";
import {
  CLOSED_URL,
  GOOD_TOKEN,
  REGION,
  REGISTER_SH,
  SUPPORT,
  newMachine,
  pathWithout,
  runScript,
  startLocalStack,
  type LocalStack,
  type Machine,
} from "./support/harness";

describe("register.sh end to end (real handler, fake SSM, fake IMDS, fake agent)", function () {
  this.timeout(60_000);
  let stack: LocalStack;

  before(async () => {
    stack = await startLocalStack();
  });
  after(async () => {
    await stack?.close();
  });

  const onPrem = (m: Machine, extra: Record<string, string> = {}): Record<string, string> => ({
    ...m.env,
    HF_API_URL: stack.url,
    HF_IMDS_URL: CLOSED_URL,
    ...extra,
  });

  it("retries API Gateway's own 429 (stage throttling) until a token frees up", async () => {
    // One token every 4 s: the script's first call lands inside that window even when a loaded
    // machine takes a second or two to start bash (at 2/s this test was flaky under load).
    const throttled = await startLocalStack({ apiThrottle: { rateLimit: 0.25, burstLimit: 1 } });
    try {
      // Empty the one-request bucket so that the script's first call is refused by the gateway.
      await fetch(`${throttled.url}/activate?name=x`);
      const m = newMachine();
      const r = await runScript(REGISTER_SH, ["--name", "web-gw", "--max-attempts", "60"], {
        ...m.env,
        HF_API_URL: throttled.url,
        HF_IMDS_URL: CLOSED_URL,
        HF_TOKEN: GOOD_TOKEN,
      });
      assert.equal(r.code, 0, r.stderr);
      const attempts = (r.stderr.match(/attempt \d+: HTTP 429/g) ?? []).length + 1;
      assert.ok(attempts >= 2 && attempts <= 60, `attempts ${attempts}`);
      assert.equal(m.agentCalls().length, 1);
    } finally {
      await throttled.close();
    }
  });

  it("a second run is a no-op (API not called); --force registers again once the old node is offline", async () => {
    const m = newMachine();
    const env = onPrem(m, { HF_TOKEN: GOOD_TOKEN });
    const first = await runScript(REGISTER_SH, ["--name", "web-idem"], env);
    assert.equal(first.code, 0, first.stderr);
    const registration = fs.readFileSync(m.registrationFile, "utf8");
    const mi1 = JSON.parse(registration).ManagedInstanceID as string;
    // What the real agent does next: SSM now holds an Online node named web-idem.
    const a1 = stack.ssm.activations[stack.ssm.activations.length - 1];
    const node = stack.ssm.registerInstance(a1.ActivationId, a1.ActivationCode);
    const callsAfterFirst = stack.calls.length;

    const second = await runScript(REGISTER_SH, ["--name", "web-idem"], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(stack.calls.length, callsAfterFirst, "the API was called again");
    assert.equal(m.agentCalls().length, 1);
    assert.match(second.stderr, new RegExp(`already registered as ${mi1}; nothing to do`));

    // While the old node is Online the API refuses the name, and the machine keeps its registration.
    const refused = await runScript(REGISTER_SH, ["--name", "web-idem", "--force"], env);
    assert.equal(refused.code, 6, refused.stderr);
    assert.equal(m.agentCalls().length, 1);
    assert.equal(fs.readFileSync(m.registrationFile, "utf8"), registration);
    assert.deepEqual(m.serviceCalls(), ["stop amazon-ssm-agent", "restart amazon-ssm-agent"]);

    // A token machine's ConnectionLost node may be another machine that comes back: the
    // name is free for --force only once that node is deregistered (Inactive).
    stack.ssm.setPingStatus(node.InstanceId, "ConnectionLost");
    const stillHeld = await runScript(REGISTER_SH, ["--name", "web-idem", "--force"], env);
    assert.equal(stillHeld.code, 6, stillHeld.stderr);
    stack.ssm.setPingStatus(node.InstanceId, "Inactive");
    const forced = await runScript(REGISTER_SH, ["--name", "web-idem", "--force"], env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(stack.calls.length, callsAfterFirst + 3);
    const calls = m.agentCalls();
    assert.equal(calls.length, 2);
    const last = stack.ssm.activations[stack.ssm.activations.length - 1];
    assert.equal(calls[1][2], last.ActivationCode);
    assert.notEqual(calls[1][4], calls[0][4], "--force reused the old activation");
  });

  it("two concurrent runs on one machine consume exactly one activation (lock, then re-check)", async () => {
    const m = newMachine();
    const before = stack.ssm.activations.length;
    const env = onPrem(m, { HF_TOKEN: GOOD_TOKEN, FAKE_AGENT_SLEEP: "2" });
    const [a, b] = await Promise.all([
      runScript(REGISTER_SH, ["--name", "web-lock"], env),
      runScript(REGISTER_SH, ["--name", "web-lock"], env),
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

  it("HF_LOCK_FILE moves the lock; without flock the script exits 13 before the API", async () => {
    const m = newMachine();
    const lock = path.join(m.dir, "custom.lock");
    const ok = await runScript(
      REGISTER_SH,
      ["--name", "web-lockfile"],
      onPrem(m, { HF_TOKEN: GOOD_TOKEN, HF_LOCK_FILE: lock }),
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(fs.existsSync(lock));
    const m2 = newMachine();
    const before = stack.calls.length;
    const r = await runScript(
      REGISTER_SH,
      ["--name", "web-noflock"],
      onPrem(m2, { HF_TOKEN: GOOD_TOKEN, PATH: pathWithout(m2.dir, ["flock"]) }),
    );
    assert.equal(r.code, 13, r.stderr);
    assert.match(r.stderr, /required tool flock is not installed/);
    assert.equal(stack.calls.length, before);
  });

  it("Ubuntu's snap agent found on PATH (/snap/bin) is driven through its snap service", async () => {
    const m = newMachine();
    const snapBin = path.join(m.dir, "snap", "bin");
    fs.mkdirSync(snapBin, { recursive: true });
    fs.symlinkSync(
      path.join(SUPPORT, "fake-amazon-ssm-agent"),
      path.join(snapBin, "amazon-ssm-agent"),
    );
    const env = onPrem(m, { HF_TOKEN: GOOD_TOKEN, PATH: `${snapBin}:${process.env.PATH}` });
    delete env.HF_AGENT_BIN;
    const r = await runScript(REGISTER_SH, ["--name", "web-snap"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(m.agentCalls().length, 1);
    assert.deepEqual(m.serviceCalls(), [
      "stop snap.amazon-ssm-agent.amazon-ssm-agent",
      "restart snap.amazon-ssm-agent.amazon-ssm-agent",
    ]);
  });

  describe("leaves the agent as it found it", () => {
    it("a failed --force starts the agent again that it had stopped (exit 10)", async () => {
      const m = newMachine();
      const env = onPrem(m, { HF_TOKEN: GOOD_TOKEN });
      const first = await runScript(REGISTER_SH, ["--name", "web-restore"], env);
      assert.equal(first.code, 0, first.stderr);
      const r = await runScript(REGISTER_SH, ["--name", "web-restore", "--force"], {
        ...env,
        FAKE_AGENT_EXIT: "1",
      });
      assert.equal(r.code, 10, r.stderr);
      assert.deepEqual(m.serviceCalls().slice(2), [
        "stop amazon-ssm-agent",
        "start amazon-ssm-agent",
      ]);
      assert.match(
        r.stderr,
        /starting the SSM agent service \(amazon-ssm-agent\) again, as it was running before this run/,
      );
    });

    it("a failure does not start an agent that was not running before", async () => {
      const m = newMachine();
      const r = await runScript(
        REGISTER_SH,
        ["--name", "web-wasdown"],
        onPrem(m, { HF_TOKEN: GOOD_TOKEN, FAKE_AGENT_EXIT: "1", FAKE_SERVICE_ACTIVE: "0" }),
      );
      assert.equal(r.code, 10, r.stderr);
      assert.deepEqual(m.serviceCalls(), ["stop amazon-ssm-agent"]);
    });

    it("already registered but the agent stopped (a run killed before restart): starts it, exit 0", async () => {
      const m = newMachine();
      fs.mkdirSync(path.dirname(m.registrationFile), { recursive: true });
      fs.writeFileSync(
        m.registrationFile,
        '{"ManagedInstanceID":"mi-0123456789abcdef0","Region":"ap-southeast-2"}',
      );
      const before = stack.calls.length;
      const r = await runScript(
        REGISTER_SH,
        ["--name", "web-stopped"],
        onPrem(m, { HF_TOKEN: GOOD_TOKEN, FAKE_SERVICE_ACTIVE: "0" }),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /the SSM agent service \(amazon-ssm-agent\) was not running; starting it/,
      );
      assert.deepEqual(m.serviceCalls(), ["start amazon-ssm-agent"]);
      assert.equal(stack.calls.length, before);
    });
  });

  describe("agent install (agent missing)", () => {
    let bucket: http.Server;
    let bucketUrl: string;
    const fetched: string[] = [];
    let key: TestKey;
    let otherKey: TestKey;
    let expiredKey: TestKey;
    /** How the bucket signs: with `key`, another key, an expired key, over other bytes, or not at all. */
    type SigMode = "good" | "wrong-key" | "expired-key" | "other-bytes" | "missing";
    let sigMode: SigMode = "good";
    before(async () => {
      key = makeTestKey("Test SSM Agent <agent-test@example.invalid>");
      otherKey = makeTestKey("Impostor <impostor@example.invalid>");
      expiredKey = makeTestKey("Expired <expired@example.invalid>", { expired: true });
      bucket = http.createServer((req, res) => {
        const url = req.url ?? "";
        fetched.push(url);
        if (!url.endsWith(".sig")) {
          res.end(`package ${url}`);
          return;
        }
        const pkg = Buffer.from(`package ${url.slice(0, -4)}`);
        if (sigMode === "missing") {
          res.writeHead(404);
          res.end("NoSuchKey");
          return;
        }
        const signer =
          sigMode === "wrong-key" ? otherKey : sigMode === "expired-key" ? expiredKey : key;
        res.end(signDetached(signer, sigMode === "other-bytes" ? Buffer.from("evil") : pkg));
      });
      await new Promise<void>((resolve) => bucket.listen(0, "127.0.0.1", resolve));
      bucketUrl = `http://127.0.0.1:${(bucket.address() as AddressInfo).port}/amazon-ssm-${REGION}`;
    });
    after(() => new Promise<void>((resolve) => bucket.close(() => resolve())));
    beforeEach(() => {
      sigMode = "good";
    });

    /** A machine without the agent whose installer is the recording fake. */
    function installEnv(m: Machine, osRelease: string, arch: string): Record<string, string> {
      const agentBin = path.join(m.dir, "bin", "amazon-ssm-agent");
      fs.mkdirSync(path.dirname(agentBin), { recursive: true });
      fs.writeFileSync(path.join(m.dir, "os-release"), osRelease);
      return {
        ...onPrem(m, { HF_TOKEN: GOOD_TOKEN }),
        HF_AGENT_BIN: agentBin,
        HF_AGENT_BUCKET_URL: bucketUrl,
        HF_OS_RELEASE: path.join(m.dir, "os-release"),
        HF_ARCH: arch,
        HF_INSTALL_CMD: path.join(SUPPORT, "fake-install"),
        HF_AGENT_KEY_FILE: key.publicKeyFile,
        HF_AGENT_KEY_FINGERPRINT: key.fingerprint,
        FAKE_INSTALL_LOG: path.join(m.dir, "install.log"),
        FAKE_INSTALL_TARGET: agentBin,
      };
    }

    const cases: Array<[string, string, string]> = [
      ['ID="sles"\nVERSION_ID="15.5"\n', "x86_64", "linux_amd64/amazon-ssm-agent.rpm"],
      ['ID="rocky"\nID_LIKE="rhel centos fedora"\n', "aarch64", "linux_arm64/amazon-ssm-agent.rpm"],
    ];
    for (const [osRelease, arch, expected] of cases) {
      it(`downloads ${expected} and its .sig for ${osRelease.split("\n")[0]} on ${arch}, verifies, installs, then registers`, async () => {
        const m = newMachine();
        const r = await runScript(
          REGISTER_SH,
          ["--name", "web-install"],
          installEnv(m, osRelease, arch),
        );
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(fetched.slice(-2), [
          `/amazon-ssm-${REGION}/latest/${expected}`,
          `/amazon-ssm-${REGION}/latest/${expected}.sig`,
        ]);
        assert.equal(
          fs.readFileSync(path.join(m.dir, "install.log"), "utf8").trim(),
          `package /amazon-ssm-${REGION}/latest/${expected}`,
        );
        assert.match(
          r.stderr,
          new RegExp(`SSM agent package signature verified \\(key ${key.fingerprint}\\)`),
        );
        assert.equal(m.agentCalls().length, 1);
      });
    }

    const refused: Array<[SigMode, RegExp]> = [
      [
        "missing",
        /no signature for the SSM agent package at .*amazon-ssm-agent\.deb\.sig; nothing installed/,
      ],
      [
        "wrong-key",
        /SSM agent package signature does not verify with key [0-9A-F]{40}; nothing installed/,
      ],
      [
        "other-bytes",
        /SSM agent package signature does not verify with key [0-9A-F]{40}; nothing installed/,
      ],
    ];
    for (const [mode, message] of refused) {
      it(`a ${mode} signature installs nothing and runs nothing (exit 9)`, async () => {
        sigMode = mode;
        const m = newMachine();
        const r = await runScript(
          REGISTER_SH,
          ["--name", "web-badsig"],
          installEnv(m, "ID=debian\n", "x86_64"),
        );
        assert.equal(r.code, 9, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(fs.existsSync(path.join(m.dir, "install.log")), false, "the installer ran");
        assert.equal(m.agentCalls().length, 0);
      });
    }

    it("the real AWS key (pinned fingerprint) refuses a package signed by a test key", async () => {
      const m = newMachine();
      const env = installEnv(m, "ID=debian\n", "x86_64");
      delete env.HF_AGENT_KEY_FILE;
      delete env.HF_AGENT_KEY_FINGERPRINT;
      const r = await runScript(REGISTER_SH, ["--name", "web-awskey"], env);
      assert.equal(r.code, 9, r.stderr);
      assert.match(r.stderr, /does not verify with key DE92C7DA3E56E92331D62A36BC1F495C97DD04ED/);
      assert.equal(fs.existsSync(path.join(m.dir, "install.log")), false);
    });

    it("a good signature by the pinned key whose copy has expired is accepted, with a note", async () => {
      sigMode = "expired-key";
      const m = newMachine();
      const r = await runScript(REGISTER_SH, ["--name", "web-expired"], {
        ...installEnv(m, "ID=debian\n", "x86_64"),
        HF_AGENT_KEY_FILE: expiredKey.publicKeyFile,
        HF_AGENT_KEY_FINGERPRINT: expiredKey.fingerprint,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /the pinned SSM agent key has expired in this script's copy; accepted by fingerprint/,
      );
      assert.equal(m.agentCalls().length, 1);
    });

    it("without gpg it refuses before asking the API for an activation (exit 13)", async () => {
      const m = newMachine();
      const before = stack.calls.length;
      const r = await runScript(REGISTER_SH, ["--name", "web-nogpg"], {
        ...installEnv(m, "ID=debian\n", "x86_64"),
        PATH: pathWithout(m.dir, ["gpg"]),
      });
      assert.equal(r.code, 13, r.stderr);
      assert.match(
        r.stderr,
        /gpg is needed to verify the SSM agent package .*HF_SKIP_AGENT_SIGNATURE=1/,
      );
      assert.equal(stack.calls.length, before, "an activation was consumed");
      assert.equal(fs.existsSync(path.join(m.dir, "install.log")), false);
    });

    it("HF_SKIP_AGENT_SIGNATURE=1 installs without a signature, and says so", async () => {
      sigMode = "missing";
      const m = newMachine();
      const r = await runScript(REGISTER_SH, ["--name", "web-skipsig"], {
        ...installEnv(m, "ID=debian\n", "x86_64"),
        HF_SKIP_AGENT_SIGNATURE: "1",
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /HF_SKIP_AGENT_SIGNATURE=1: installing the SSM agent package WITHOUT verifying its signature/,
      );
      assert.ok(!fetched[fetched.length - 1].endsWith(".sig"));
      assert.equal(m.agentCalls().length, 1);
    });
  });

  it("works with wget when curl is absent", async () => {
    const m = newMachine();
    const bin = path.join(m.dir, "bin-no-curl");
    fs.mkdirSync(bin);
    const tools = [
      "bash",
      "base64",
      "tr",
      "sed",
      "grep",
      "mktemp",
      "cat",
      "rm",
      "tail",
      "cp",
      "sleep",
      "uname",
      "sha256sum",
      "cut",
      "mkdir",
      "dirname",
      "wget",
      "timeout",
      "flock",
      "wc",
      "stat",
      "env",
    ];
    for (const tool of tools) {
      const found = (process.env.PATH ?? "")
        .split(":")
        .map((d) => path.join(d, tool))
        .find((p) => fs.existsSync(p));
      assert.ok(found, `${tool} not found on this machine`);
      fs.symlinkSync(found, path.join(bin, tool));
    }
    const r = await runScript(REGISTER_SH, ["--name", "web-wget"], {
      ...onPrem(m, { HF_TOKEN: GOOD_TOKEN }),
      PATH: bin,
    });
    assert.equal(r.code, 0, r.stderr);
    const activation = stack.ssm.activations[stack.ssm.activations.length - 1];
    assert.equal(activation.DefaultInstanceName, "web-wget");
    assert.equal(m.agentCalls()[0][2], activation.ActivationCode);
  });
});
