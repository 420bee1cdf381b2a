/**
 * Wiring for the bootstrap end-to-end tests and the burst benchmark: the fake SSM, the REAL
 * activation handler loaded fresh with this suite's environment, the API Gateway adapter,
 * and a runner for the real `register.sh` as a child process.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { startApiAdapter, type ApiThrottle, type ProxyHandler } from "../../../local/apiAdapter";
import { startFakeSsm, type FakeSsm, type FakeSsmThrottle } from "../../../local/fakeSsm";
import { localHandlerEnv } from "../../../local/apiLocal";
import { startLocalLeaseTable, type LocalLeaseTable } from "../../../local/leaseTable";
import { hashToken } from "../../../functions/activation/tokens";
import { loadHandler } from "../../../local/loadHandler";

/** Repository root. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
/** The script under test. */
export const REGISTER_SH = path.join(ROOT, "documents", "bootstrap", "register.sh");
/** Fake executables (agent, service manager, installer). */
export const SUPPORT = __dirname;
/** Account of the real identity document in tests/fixtures/bootstrap. */
export const FIXTURE_ACCOUNT = "189292791360";
/** Region of the fake SSM (and of the fixture document). */
export const REGION = "ap-southeast-2";
/** A well-formed bootstrap token that the suite's BOOTSTRAP_TOKENS grants for `^web-.*$`. */
export const GOOD_TOKEN = `hft_${"A".repeat(21)}good${"b".repeat(18)}`;
/** A well-formed token that no grant knows. */
export const UNKNOWN_TOKEN = `hft_${"Z".repeat(43)}`;

/** One call the API served, as the handler answered it. */
export interface ApiCall {
  readonly name: string | undefined;
  readonly status: number;
  /** Time the handler took, in ms. */
  readonly ms: number;
}

/** The local activation API with its fake SSM. */
export interface LocalStack {
  /** API URL (`…/latest`). */
  readonly url: string;
  readonly ssm: FakeSsm;
  /** The name-lease table (dynalite). */
  readonly leases: LocalLeaseTable;
  /** Every call that reached the handler, in order. */
  readonly calls: ApiCall[];
  /** Makes the next `count` handler calls answer `status` (e.g. 429, 503) with Retry-After. */
  injectNext(count: number, status: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

/** Options for {@link startLocalStack}. */
export interface LocalStackOptions {
  /** API Gateway stage throttling. */
  readonly apiThrottle?: ApiThrottle;
  /** Fake SSM throttling. */
  readonly ssmThrottle?: FakeSsmThrottle;
  /** Extra handler environment (overrides the suite's). */
  readonly env?: Record<string, string>;
  /** Source ranges the API accepts (`apiAllowedCidrs`); others get API Gateway's 403. */
  readonly allowedCidrs?: readonly string[];
}

/** The handler environment the suite uses (see the API contract). */
export function handlerEnv(
  ssmEndpoint: string,
  leases?: { endpoint: string; tableName: string },
): Record<string, string> {
  return {
    ...localHandlerEnv(ssmEndpoint, leases?.endpoint, leases?.tableName),
    AWS_REGION: REGION,
    MANAGED_INSTANCE_ROLE_NAME: "hybrid-fleet-test-managed-instance",
    FLEET_NAME: "hybrid-fleet-test",
    ALLOWED_ACCOUNTS: FIXTURE_ACCOUNT,
    BOOTSTRAP_TOKENS: JSON.stringify([
      {
        id: "test-web",
        sha256: hashToken(GOOD_TOKEN),
        namePattern: "^web-.*$",
        environment: "dev",
        expiresAt: "2030-01-01T00:00:00Z",
      },
    ]),
    ALLOWED_TAGS: JSON.stringify({ Team: { values: ["ops", "web"] } }),
    RETRY_AFTER_SECONDS: "1",
    // The suite registers nodes behind the API's back (putInstance): see them at once.
    REGISTERED_NAMES_MAX_AGE_SECONDS: "0",
  };
}

export { loadHandler };

/** Starts fake SSM + real handler + adapter on 127.0.0.1. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env0 = handlerEnv("");
  const ssm = await startFakeSsm({
    region: REGION,
    iamRoles: [env0.MANAGED_INSTANCE_ROLE_NAME],
    throttle: options.ssmThrottle,
  });
  const leases = await startLocalLeaseTable();
  const handler = await loadHandler({ ...handlerEnv(ssm.url, leases), ...options.env });
  const calls: ApiCall[] = [];
  const injected: Array<{ status: number; retryAfter?: number }> = [];
  const wrapped: ProxyHandler = async (
    event: APIGatewayProxyEvent,
    context: Context,
  ): Promise<APIGatewayProxyResult> => {
    const name = event.queryStringParameters?.name;
    const inject = injected.shift();
    if (inject) {
      calls.push({ name, status: inject.status, ms: 0 });
      return {
        statusCode: inject.status,
        headers: {
          "Content-Type": "application/json",
          ...(inject.retryAfter !== undefined ? { "Retry-After": String(inject.retryAfter) } : {}),
        },
        body: JSON.stringify(
          inject.status === 429
            ? { message: "Too Many Requests" }
            : { error: "ServiceUnavailable", message: "injected", requestId: "test" },
        ),
      };
    }
    const started = Date.now();
    const result = await handler(event, context);
    calls.push({ name, status: result.statusCode, ms: Date.now() - started });
    return result;
  };
  const api = await startApiAdapter({
    handler: wrapped,
    throttle: options.apiThrottle,
    region: REGION,
    allowedCidrs: options.allowedCidrs,
  });
  // The handler logs one JSON line per request to console.log (CloudWatch in Lambda); here
  // they would bury the test and benchmark output. Other output passes through.
  const consoleLog = console.log;
  console.log = (...args: unknown[]): void => {
    if (typeof args[0] === "string" && args[0].startsWith('{"level":')) return;
    consoleLog(...args);
  };
  return {
    url: api.url,
    ssm,
    leases,
    calls,
    injectNext(count, status, retryAfter) {
      for (let i = 0; i < count; i++) injected.push({ status, retryAfter });
    },
    close: async () => {
      console.log = consoleLog;
      await api.close();
      await leases.close();
      await ssm.close();
    },
  };
}

/** The outcome of one script run. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bash <script> ...args` with exactly `env` (plus PATH/HOME), without blocking the event loop. */
export function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<RunResult> {
  // --norc: bash reads ~/.bashrc when its stdin is a socket (Node's pipes), even non-interactively.
  return runCollected("bash", ["--norc", script, ...args], env);
}

/**
 * Runs `command ...args` with exactly `env` (plus PATH/HOME), collecting its output, without
 * blocking the event loop.
 */
export function runCollected(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A scratch machine: registration file, fake agent/service logs. */
export interface Machine {
  readonly dir: string;
  readonly registrationFile: string;
  readonly agentLog: string;
  readonly serviceLog: string;
  /** Environment pointing the script at the fakes; add HF_API_URL / HF_IMDS_URL. */
  readonly env: Record<string, string>;
  /** Each agent invocation's argv. */
  agentCalls(): string[][];
  /** Each service manager invocation ("stop amazon-ssm-agent", …). */
  serviceCalls(): string[];
}

/** Creates a scratch machine directory under the OS temp dir. */
export function newMachine(): Machine {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hf-machine-"));
  const registrationFile = path.join(dir, "var", "lib", "amazon", "ssm", "registration");
  const agentLog = path.join(dir, "agent.log");
  const serviceLog = path.join(dir, "service.log");
  return {
    dir,
    registrationFile,
    agentLog,
    serviceLog,
    env: {
      HF_AGENT_BIN: path.join(SUPPORT, "fake-amazon-ssm-agent"),
      HF_SERVICE_CMD: path.join(SUPPORT, "fake-service"),
      HF_REGISTRATION_FILE: registrationFile,
      FAKE_AGENT_LOG: agentLog,
      FAKE_AGENT_REGISTRATION_FILE: registrationFile,
      FAKE_SERVICE_LOG: serviceLog,
      HF_BACKOFF_BASE_MS: "100",
      HF_BACKOFF_CAP_MS: "400",
    },
    agentCalls() {
      if (!fs.existsSync(agentLog)) return [];
      const lines = fs.readFileSync(agentLog, "utf8").split("\n");
      const calls: string[][] = [];
      let current: string[] = [];
      for (const line of lines) {
        if (line === "--end--") {
          calls.push(current);
          current = [];
        } else if (line !== "") current.push(line);
      }
      return calls;
    },
    serviceCalls() {
      if (!fs.existsSync(serviceLog)) return [];
      return fs
        .readFileSync(serviceLog, "utf8")
        .split("\n")
        .filter((l) => l !== "");
    },
  };
}

/** An address on 127.0.0.1 where nothing listens (connection refused at once). */
export const CLOSED_URL = "http://127.0.0.1:9";

/**
 * A PATH of one folder holding a symlink to every executable of the current PATH except
 * `missing`: runs the script as on a machine without those tools (gpg, flock, curl, …).
 */
export function pathWithout(dir: string, missing: readonly string[]): string {
  const bin = path.join(dir, `bin-without-${missing.join("-")}`);
  fs.mkdirSync(bin, { recursive: true });
  for (const d of (process.env.PATH ?? "").split(":")) {
    if (d === "" || !fs.existsSync(d)) continue;
    for (const name of fs.readdirSync(d)) {
      if (missing.includes(name)) continue;
      try {
        fs.symlinkSync(path.join(d, name), path.join(bin, name));
      } catch {
        // An earlier PATH folder already provides this name, as it would win the lookup.
      }
    }
  }
  return bin;
}
