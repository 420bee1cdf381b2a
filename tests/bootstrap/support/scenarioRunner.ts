/**
 * Runs one bootstrap scenario (see `scenario.ts`) against `register.sh` (bash) or
 * `register.ps1` (pwsh): the REAL activation handler with the fake SSM behind it, a fake IMDS,
 * a fake agent, service manager and installer (through the scripts' `HF_*` overrides), and
 * whatever canned servers the row asks for, all on 127.0.0.1. Returns what was observed; the
 * table's test compares it with the row's expectation.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { startApiAdapter, type ProxyHandler } from "../../../local/apiAdapter";
import { startFakeSsm, type FakeSsm } from "../../../local/fakeSsm";
import { startLocalLeaseTable } from "../../../local/leaseTable";
import { buildLinuxUserData, buildWindowsUserData } from "../../../components/activation/userData";
import { realIdentity, startFakeImds } from "../../../local/fakeImds";
import { CLOSED_URL, REGION, ROOT, SUPPORT, handlerEnv, loadHandler, newMachine } from "./harness";
import { makeTestKey, signDetached, type TestKey } from "./testKeys";
import type { Scenario, Shell } from "./scenario";

/** The scripts under test. */
export const SCRIPTS: Readonly<Record<Shell, string>> = {
  sh: path.join(ROOT, "documents", "bootstrap", "register.sh"),
  ps1: path.join(ROOT, "documents", "bootstrap", "register.ps1"),
};

/** The agent's service name per OS: the one behaviour the table lets differ by name. */
export const SERVICE_NAME: Readonly<Record<Shell, string>> = {
  sh: "amazon-ssm-agent",
  ps1: "AmazonSSMAgent",
};

/** Where `dotnet tool install --global PowerShell` puts pwsh (.ci/install-powershell.sh). */
const DOTNET_TOOLS = path.join(os.homedir(), ".dotnet", "tools");

/** pwsh on PATH, else in the .NET global tools folder; undefined when neither has it. */
export function findPwsh(
  pathVar = process.env.PATH ?? "",
  exists: (p: string) => boolean = fs.existsSync,
): string | undefined {
  const dirs = [...pathVar.split(path.delimiter).filter((d) => d !== ""), DOTNET_TOOLS];
  return dirs.map((d) => path.join(d, "pwsh")).find(exists);
}

/** `--token-file` → `TokenFile`. */
export function pascalOf(longOption: string): string {
  return longOption
    .replace(/^--/, "")
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

/** register.sh's arguments in register.ps1's spelling: `--max-time=3` → `-MaxTime:3`. */
export function psArgs(args: readonly string[]): string[] {
  return args.map((a) => {
    const m = /^--([a-z0-9-]+)(?:=([\s\S]*))?$/.exec(a);
    if (!m) return a;
    const flag = `-${pascalOf(m[1])}`;
    return m[2] === undefined ? flag : `${flag}:${m[2]}`;
  });
}

/** A pattern written for register.sh, for `shell`: script name, flag spelling, service name. */
export function patternFor(pattern: RegExp, shell: Shell): RegExp {
  let src = pattern.source.replace(/\{service\}/g, SERVICE_NAME[shell]);
  if (shell === "ps1") {
    src = src
      .replace(/register\\\.sh/g, "register\\.ps1")
      .replace(/--([a-z0-9-]+)/g, (_, o: string) => `-${pascalOf(o)}`);
  }
  return new RegExp(src, pattern.flags);
}

/** One request that reached the API (or the canned server standing in for it). */
export interface ApiRecord {
  readonly status: number;
  readonly name?: string;
  readonly tags: Record<string, string>;
  readonly identity: "token" | "rsa2048" | "signature" | "none";
}

/** Everything one run left behind. */
export interface Observation {
  readonly shell: Shell;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly api: readonly ApiRecord[];
  readonly imds: readonly string[];
  readonly agentCalls: readonly string[][];
  readonly serviceCalls: readonly string[];
  /** Activations the real handler issued during this run, oldest first. */
  readonly issued: ReadonlyArray<{ activationId: string; activationCode: string }>;
  readonly downloads: readonly string[];
  readonly installerCalls: readonly string[][];
  readonly proxied: readonly string[];
  /** Anything the script left in its temporary folder (TMPDIR). */
  readonly leftovers: readonly string[];
  /** Secrets (issued codes, bootstrap tokens) found in stdout or stderr. */
  readonly leaks: readonly string[];
  /** Seconds from the script's start to its exit. */
  readonly seconds: number;
  /** Run-specific text (ports, folders) to blank before comparing the two scripts' output. */
  readonly volatile: ReadonlyArray<readonly [string, string]>;
}

/** The fake SSM and the real handler, shared by every run of the table. */
export interface World {
  readonly ssm: FakeSsm;
  /** Signs the fake agent bucket's packages (`<package>.sig`) for register.sh's gpg check. */
  readonly key: TestKey;
  readonly handler: ProxyHandler;
  close(): Promise<void>;
}

/** Extra tag keys the table's API allows, so that repeated tags can be told apart. */
export const WORLD_ALLOWED_TAGS = {
  Team: { values: ["ops", "web"] },
  Tier: { values: ["a", "b"] },
};

/** Starts the fake SSM and loads the real handler once for the whole table. */
export async function startWorld(): Promise<World> {
  const ssm = await startFakeSsm({
    region: REGION,
    iamRoles: [handlerEnv("").MANAGED_INSTANCE_ROLE_NAME],
  });
  // The handler leases names in DynamoDB: a local table, or it would call AWS (and answer 500).
  const leases = await startLocalLeaseTable();
  const handler = await loadHandler({
    ...handlerEnv(ssm.url, leases),
    ALLOWED_TAGS: JSON.stringify(WORLD_ALLOWED_TAGS),
  });
  // The handler logs one JSON line per request (CloudWatch in Lambda); here it would bury the
  // test output. Other output passes through.
  const consoleLog = console.log;
  console.log = (...args: unknown[]): void => {
    if (typeof args[0] === "string" && args[0].startsWith('{"level":')) return;
    consoleLog(...args);
  };
  const key = makeTestKey("Scenario Table Agent Signer <scenarios@example.invalid>");
  return {
    ssm,
    key,
    handler,
    close: async () => {
      console.log = consoleLog;
      await ssm.close();
      await leases.close();
      fs.rmSync(key.home, { recursive: true, force: true });
    },
  };
}

function headerOf(headers: Record<string, unknown> | null | undefined, name: string): string {
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === name && typeof v === "string") return v;
  }
  return "";
}

function identityOf(headers: Record<string, unknown> | null | undefined): ApiRecord["identity"] {
  const kind = headerOf(headers, "x-instance-identity-signature-kind");
  if (kind === "rsa2048" || kind === "signature") return kind;
  return /^Bearer /.test(headerOf(headers, "authorization")) ? "token" : "none";
}

function tagsOf(query: Record<string, string | undefined>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (k.startsWith("tag.")) tags[k.slice(4)] = v ?? "";
  return tags;
}

/** A started local server with its URL. */
interface Local {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<Local> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A server answering every request with `answer`, recording what reached it. */
async function startCanned(
  answer: { status: number; body: string; headers?: Readonly<Record<string, string>> },
  records: ApiRecord[],
): Promise<Local> {
  return listen(
    http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      records.push({
        status: answer.status,
        name: url.searchParams.get("name") ?? undefined,
        tags: tagsOf(Object.fromEntries(url.searchParams)),
        identity: identityOf(req.headers as Record<string, unknown>),
      });
      res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
      res.end(Buffer.from(answer.body, "latin1"));
    }),
  );
}

/** An API answering 200 whose body trickles in one byte a second for 60 s, recording requests. */
async function startTrickleApi(records: ApiRecord[]): Promise<Local> {
  const body = "x".repeat(60);
  const timers = new Set<NodeJS.Timeout>();
  const local = await listen(
    http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      records.push({
        status: 200,
        name: url.searchParams.get("name") ?? undefined,
        tags: tagsOf(Object.fromEntries(url.searchParams)),
        identity: identityOf(req.headers as Record<string, unknown>),
      });
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
      let sent = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        res.write(body[sent++]);
        if (sent === body.length) res.end();
        else timers.add(setTimeout(tick, 1000));
      };
      tick();
    }),
  );
  return {
    url: local.url,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await local.close();
    },
  };
}

/** An IMDS whose token answer trickles in one byte a second (8 s), then serves the real identity. */
async function startDripImds(requests: string[]): Promise<Local> {
  const token = "DRIPTOKN";
  const identity = realIdentity();
  const bodies: Record<string, Buffer | string> = {
    "/latest/dynamic/instance-identity/document": identity.document,
    "/latest/dynamic/instance-identity/rsa2048": identity.rsa2048,
    "/latest/dynamic/instance-identity/signature": identity.signature,
  };
  const timers = new Set<NodeJS.Timeout>();
  const local = await listen(
    http.createServer((req, res) => {
      const line = (status: number): void => {
        requests.push(`${req.method} ${req.url} ${status}`);
      };
      if (req.method === "PUT" && req.url === "/latest/api/token") {
        line(200);
        res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": token.length });
        let sent = 0;
        const tick = (): void => {
          if (res.destroyed) return;
          res.write(token[sent++]);
          if (sent === token.length) res.end();
          else timers.add(setTimeout(tick, 1000));
        };
        tick();
        return;
      }
      const body = bodies[req.url ?? ""];
      const ok = req.headers["x-aws-ec2-metadata-token"] === token && body !== undefined;
      line(ok ? 200 : 401);
      res.writeHead(ok ? 200 : 401);
      res.end(ok ? body : "");
    }),
  );
  return {
    url: local.url,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await local.close();
    },
  };
}

/** An HTTPS proxy that records each CONNECT target and refuses it: nothing leaves the machine. */
async function startRefusingProxy(targets: string[]): Promise<Local> {
  const server = http.createServer((_req, res) => {
    res.writeHead(403);
    res.end();
  });
  server.on("connect", (req: http.IncomingMessage, socket) => {
    targets.push(req.url ?? "");
    socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  });
  return listen(server);
}

/** The script as the stack's user data carries it, API URL baked in, as a runnable file. */
function bakedScript(shell: Shell, apiUrl: string, dir: string): string {
  if (shell === "sh") {
    const file = path.join(dir, "user-data.sh");
    fs.writeFileSync(file, buildLinuxUserData(apiUrl), { mode: 0o700 });
    return file;
  }
  const userData = buildWindowsUserData(apiUrl);
  // EC2Launch runs what is between the tags; a gzip-wrapped script is unwrapped here the way
  // the wrapper does it (it then runs powershell.exe, which Linux lacks).
  const inner = /^<powershell>\n([\s\S]*)\n<\/powershell>\n$/.exec(userData)?.[1] ?? "";
  const wrapped = /FromBase64String\(@'\n([\s\S]*?)\n'@\)/.exec(inner);
  const script = wrapped
    ? zlib.gunzipSync(Buffer.from(wrapped[1].replace(/\s/g, ""), "base64")).toString("utf8")
    : inner;
  const file = path.join(dir, "user-data.ps1");
  fs.writeFileSync(file, script);
  return file;
}

function runProcess(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function readCalls(file: string): string[][] {
  if (!fs.existsSync(file)) return [];
  const calls: string[][] = [];
  let current: string[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line === "--end--") {
      calls.push(current);
      current = [];
    } else if (line !== "") current.push(line);
  }
  return calls;
}

function listAll(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

/** Runs `scenario` once with `shell` (pwsh at `pwsh` for register.ps1). */
export async function runScenario(
  world: World,
  scenario: Scenario,
  shell: Shell,
  pwsh: string | undefined,
): Promise<Observation> {
  const machine = newMachine();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hf-tmp-"));
  const stops: Array<() => Promise<void>> = [];
  const api: ApiRecord[] = [];
  const imdsSeen: string[] = [];
  const issued: Array<{ activationId: string; activationCode: string }> = [];
  const downloads: string[] = [];
  const proxied: string[] = [];
  const volatile: Array<[string, string]> = [[machine.dir, "<machine>"]];
  try {
    // ---- the real API, with injected answers in front of the handler
    const injected = [...(scenario.inject ?? [])];
    const wrapped: ProxyHandler = async (
      event: APIGatewayProxyEvent,
      context: Context,
    ): Promise<APIGatewayProxyResult> => {
      const query = (event.queryStringParameters ?? {}) as Record<string, string | undefined>;
      const base = {
        name: query.name,
        tags: tagsOf(query),
        identity: identityOf(event.headers as Record<string, unknown>),
      };
      const inject = injected.shift();
      if (inject) {
        api.push({ ...base, status: inject.status });
        return {
          statusCode: inject.status,
          headers: {
            "Content-Type": "application/json",
            ...(inject.retryAfter !== undefined
              ? { "Retry-After": String(inject.retryAfter) }
              : {}),
          },
          body: JSON.stringify({ error: "Injected", message: `injected ${inject.status}` }),
        };
      }
      const result = await world.handler(event, context);
      api.push({ ...base, status: result.statusCode });
      if (result.statusCode === 200) {
        const body = JSON.parse(result.body) as { activationId: string; activationCode: string };
        issued.push({ activationId: body.activationId, activationCode: body.activationCode });
      }
      return result;
    };
    const adapter = await startApiAdapter({ handler: wrapped, region: REGION });
    stops.push(() => adapter.close());
    volatile.push([adapter.url, "<api>"]);

    let apiUrl = adapter.url;
    const behaviour = scenario.api ?? "real";
    if (behaviour === "closed") apiUrl = `${CLOSED_URL}/latest`;
    else if (behaviour === "upper-case-scheme") apiUrl = adapter.url.replace(/^http:/, "HTTP:");
    else if (behaviour === "trickle") {
      const trickle = await startTrickleApi(api);
      stops.push(() => trickle.close());
      apiUrl = `${trickle.url}/latest`;
      volatile.push([trickle.url, "<canned>"]);
    } else if (behaviour === "redirect") {
      const canned = await startCanned(
        { status: 302, body: "", headers: { Location: `${adapter.url}/activate?name=redirected` } },
        api,
      );
      stops.push(() => canned.close());
      apiUrl = `${canned.url}/latest`;
      volatile.push([canned.url, "<canned>"]);
    } else if (typeof behaviour === "object") {
      const canned = await startCanned(behaviour.canned, api);
      stops.push(() => canned.close());
      apiUrl = `${canned.url}/latest`;
      volatile.push([canned.url, "<canned>"]);
    }

    // ---- IMDS
    let imdsUrl = CLOSED_URL;
    const imds = scenario.imds ?? "none";
    if (imds === "drip-token") {
      const drip = await startDripImds(imdsSeen);
      stops.push(() => drip.close());
      imdsUrl = drip.url;
    } else if (imds !== "none") {
      const identity = realIdentity();
      const fake = await startFakeImds(
        imds === "real"
          ? identity
          : imds === "no-rsa2048"
            ? { document: identity.document, signature: identity.signature }
            : {
                document: fs.readFileSync(
                  path.join(
                    ROOT,
                    "tests",
                    "fixtures",
                    "bootstrap",
                    "iid-marketplace-and-billing.json",
                  ),
                ),
                rsa2048: identity.rsa2048,
              },
      );
      stops.push(async () => {
        imdsSeen.push(...fake.requests.map((q) => `${q.method} ${q.path} ${q.status}`));
        await fake.close();
      });
      imdsUrl = fake.url;
    }

    // ---- services the row asks for
    if (scenario.nameHeldOnline) {
      world.ssm.putInstance({
        InstanceId: `mi-${Buffer.from(scenario.nameHeldOnline).toString("hex").padEnd(17, "0").slice(0, 17)}`,
        PingStatus: "Online",
        ResourceType: "ManagedInstance",
        Name: scenario.nameHeldOnline,
        Tags: [{ Key: "Name", Value: scenario.nameHeldOnline }],
      });
    }
    const extraEnv: Record<string, string> = {};
    if (scenario.bucket) {
      const bucket = await listen(
        http.createServer((req, res) => {
          const url = req.url ?? "";
          // register.sh fetches <package>.sig beside the package and checks it with gpg.
          if (url.endsWith(".sig")) {
            res.end(signDetached(world.key, Buffer.from(`package ${url.slice(0, -4)}`)));
            return;
          }
          downloads.push(url);
          res.end(`package ${url}`);
        }),
      );
      stops.push(() => bucket.close());
      Object.assign(extraEnv, {
        HF_AGENT_BUCKET_URL: `${bucket.url}/amazon-ssm-${REGION}`,
        HF_AGENT_KEY_FILE: world.key.publicKeyFile,
        HF_AGENT_KEY_FINGERPRINT: world.key.fingerprint,
      });
      volatile.push([bucket.url, "<bucket>"]);
    }
    if (scenario.httpsProxy) {
      const proxy = await startRefusingProxy(proxied);
      stops.push(() => proxy.close());
      extraEnv.HTTPS_PROXY = proxy.url;
      extraEnv.https_proxy = proxy.url;
    }

    // ---- the machine
    const setup = scenario.machine ?? {};
    const tokenFile = path.join(machine.dir, "token");
    if (setup.tokenFile !== undefined)
      fs.writeFileSync(tokenFile, setup.tokenFile, { mode: 0o600 });
    if (setup.registration !== undefined) {
      fs.mkdirSync(path.dirname(machine.registrationFile), { recursive: true });
      fs.writeFileSync(machine.registrationFile, setup.registration);
    }
    const installerLog = path.join(machine.dir, "installer.log");
    if (setup.osRelease !== undefined) {
      fs.writeFileSync(path.join(machine.dir, "os-release"), setup.osRelease);
      extraEnv.HF_OS_RELEASE = path.join(machine.dir, "os-release");
    }
    if (setup.agentMissing) {
      const agentBin = path.join(machine.dir, "bin", "amazon-ssm-agent");
      fs.mkdirSync(path.dirname(agentBin));
      Object.assign(extraEnv, {
        HF_AGENT_BIN: agentBin,
        HF_INSTALL_CMD: path.join(SUPPORT, "fake-installer"),
        FAKE_INSTALLER_LOG: installerLog,
        FAKE_INSTALL_TARGET: agentBin,
      });
    }
    const authenticode = scenario.authenticode ?? {
      status: "Valid",
      subject:
        "CN=Amazon.com Services LLC, O=Amazon.com Services LLC, L=Seattle, S=Washington, C=US",
    };
    extraEnv.FAKE_AUTHENTICODE_STATUS = authenticode.status;
    extraEnv.FAKE_AUTHENTICODE_SUBJECT = authenticode.subject;
    if (setup.agentExit !== undefined) extraEnv.FAKE_AGENT_EXIT = String(setup.agentExit);
    if (setup.registrationElsewhere) {
      extraEnv.FAKE_AGENT_REGISTRATION_FILE = path.join(machine.dir, "elsewhere");
    }
    if (setup.serviceExit !== undefined) extraEnv.FAKE_SERVICE_EXIT = String(setup.serviceExit);
    if (setup.serviceSays !== undefined) {
      extraEnv.HF_SERVICE_CMD = path.join(SUPPORT, "fake-service-chatty");
      extraEnv.FAKE_SERVICE_SAYS = setup.serviceSays;
    }
    const fill = (s: string): string =>
      s
        .replace(/\{tokenFile\}/g, tokenFile)
        .replace(/\{machine\}/g, machine.dir)
        .replace(/\{support\}/g, SUPPORT);
    const rowEnv = Object.fromEntries(
      Object.entries(scenario.env ?? {}).map(([k, v]) => [k, fill(v)]),
    );
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: os.tmpdir(),
      TMPDIR: tmp,
      // pwsh phones home at start-up (telemetry, update check) unless told not to.
      POWERSHELL_TELEMETRY_OPTOUT: "1",
      POWERSHELL_UPDATECHECK: "Off",
      DOTNET_CLI_TELEMETRY_OPTOUT: "1",
      ...machine.env,
      ...(scenario.baked ? {} : { HF_API_URL: apiUrl }),
      HF_IMDS_URL: imdsUrl,
      ...extraEnv,
      ...rowEnv,
    };
    const args = (scenario.args ?? []).map(fill);
    let script = SCRIPTS[shell];
    if (scenario.baked) script = bakedScript(shell, apiUrl, machine.dir);

    let run: { code: number; stdout: string; stderr: string };
    const started = Date.now();
    if (shell === "sh") run = await runProcess("bash", [script, ...args], env);
    else {
      if (!pwsh) throw new Error("pwsh is not installed (.ci/install-powershell.sh installs it)");
      run = await runProcess(
        pwsh,
        // The shim stands in Get-AuthenticodeSignature, then runs the script with these arguments.
        [
          "-NoProfile",
          "-NonInteractive",
          "-File",
          path.join(SUPPORT, "pwsh-shim.ps1"),
          script,
          ...psArgs(args),
        ],
        env,
      );
    }
    const seconds = (Date.now() - started) / 1000;
    for (const stop of stops.splice(0)) await stop();

    const tokenArg = args.includes("--token") ? args[args.indexOf("--token") + 1] : undefined;
    const secrets = [
      ...issued.map((a) => a.activationCode),
      ...[env.HF_TOKEN, setup.tokenFile?.trim(), tokenArg].filter((t): t is string => !!t),
    ];
    const printed = run.stdout + run.stderr;
    return {
      shell,
      ...run,
      api,
      imds: imdsSeen,
      agentCalls: readCalls(machine.agentLog),
      serviceCalls: machine.serviceCalls(),
      issued,
      downloads,
      installerCalls: readCalls(installerLog).map((argv) =>
        argv.map((a) => (a.startsWith(tmp) ? "<package>" : a)),
      ),
      proxied,
      leftovers: listAll(tmp),
      leaks: secrets.filter((s) => printed.includes(s)),
      seconds,
      volatile,
    };
  } finally {
    for (const stop of stops) await stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(machine.dir, { recursive: true, force: true });
  }
}

/** Runs `task` over `items` with at most `size` at a time. */
export async function pool<T>(
  items: readonly T[],
  size: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
