/**
 * Step 2: every machine runs the real `documents/bootstrap/register.sh` in its own sandbox:
 * the EC2 machine against a fake IMDSv2 serving the real signed identity document, the others
 * with their environment's bootstrap token. The fake agent (local/bin/fake-amazon-ssm-agent)
 * records `-register -code C -id I` and writes the registration file; what the real agent then
 * does with SSM (registering the node) is done here with the fake SSM's registerInstance,
 * which applies the activation's tags to the new `mi-` node as SSM does.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { mapLimit } from "../functions/shared/concurrency";
import { realIdentity, startFakeImds } from "../local/fakeImds";
import type { FakeInstance } from "../local/fakeSsm";
import type { DemoApi } from "./activationApi";
import type { MachineSandbox } from "./machineSandbox";

const ROOT = path.join(__dirname, "..");
const REGISTER_SH = path.join(ROOT, "documents", "bootstrap", "register.sh");
const LOCAL_BIN = path.join(ROOT, "local", "bin");
/** Nothing listens here: on-premises machines find no IMDS at once. */
const CLOSED_URL = "http://127.0.0.1:9";
/** Machines booting at once (each is a bash process plus curl). */
const BOOT_CONCURRENCY = 4;

/** One machine after boot. */
export interface BootedMachine {
  readonly sandbox: MachineSandbox;
  readonly node: FakeInstance;
}

/** A machine whose register.sh failed. */
export class BootError extends Error {
  constructor(name: string, code: number, stderr: string) {
    super(
      `register.sh on ${name} exited ${code}:\n${stderr.trim().split("\n").slice(-5).join("\n")}`,
    );
    this.name = "BootError";
  }
}

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    // --norc: bash reads ~/.bashrc when its stdin is a socket, even non-interactively.
    const child = spawn("bash", ["--norc", ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/** The `-code` and `-id` of the fake agent's last `-register` call. */
function registeredWith(agentLog: string): { id: string; code: string } {
  const calls = fs.readFileSync(agentLog, "utf8").split("--end--\n").filter(Boolean);
  const args = calls[calls.length - 1].split("\n");
  const arg = (flag: string) => args[args.indexOf(flag) + 1];
  return { id: arg("-id"), code: arg("-code") };
}

/** Boots the machines; resolves when every one is a managed node. */
export async function bootMachines(
  api: DemoApi,
  sandboxes: readonly MachineSandbox[],
): Promise<BootedMachine[]> {
  const imds = await startFakeImds(realIdentity());
  try {
    return await mapLimit(sandboxes, BOOT_CONCURRENCY, async (sandbox) => {
      const m = sandbox.machine;
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: sandbox.root,
        HF_API_URL: api.url,
        HF_IMDS_URL: m.kind === "ec2" ? imds.url : CLOSED_URL,
        HF_AGENT_BIN: path.join(LOCAL_BIN, "fake-amazon-ssm-agent"),
        HF_SERVICE_CMD: path.join(LOCAL_BIN, "fake-service"),
        HF_REGISTRATION_FILE: sandbox.registrationFile,
        FAKE_AGENT_LOG: sandbox.agentLog,
        FAKE_AGENT_REGISTRATION_FILE: sandbox.registrationFile,
        FAKE_SERVICE_LOG: sandbox.serviceLog,
        HF_BACKOFF_BASE_MS: "100",
        HF_BACKOFF_CAP_MS: "400",
      };
      const args = [REGISTER_SH];
      if (m.kind === "on-premises") {
        const tokenFile = path.join(sandbox.root, "bootstrap-token");
        fs.writeFileSync(tokenFile, api.tokens[m.environment], { mode: 0o600 });
        args.push("--name", m.name, "--token-file", tokenFile);
      }
      const r = await run(args, env);
      if (r.code !== 0) throw new BootError(m.name, r.code, r.stderr);
      const registration = JSON.parse(fs.readFileSync(sandbox.registrationFile, "utf8")) as {
        ManagedInstanceID: string;
      };
      const { id, code } = registeredWith(sandbox.agentLog);
      const node = api.ssm.registerInstance(id, code, {
        InstanceId: registration.ManagedInstanceID,
        IPAddress: `10.0.${m.kind === "ec2" ? 1 : 2}.${10 + m.index}`,
      });
      return { sandbox, node };
    });
  } finally {
    await imds.close();
  }
}
