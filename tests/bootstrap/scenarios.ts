/**
 * The bootstrap scenario table: every end-to-end case of the registration scripts as data.
 * `scenarios.test.ts` runs each row against BOTH `register.sh` (bash) and `register.ps1`
 * (pwsh) with the same local API, fake IMDS and fake agent, and holds both to the row's
 * expectation and to each other's output, so a behaviour changed on one side only fails here.
 *
 * Rows marked `D1`…`D16` in their title prove one divergence the two scripts used to have
 * (issue 8). Arguments and message patterns are written in register.sh's spelling; the runner
 * gives register.ps1 the PascalCase (`--token-file` → `-TokenFile`).
 */
import * as os from "node:os";
import { resourcePolicyDenyBody } from "../../local/apiAdapter";
import { GOOD_TOKEN, REGION, UNKNOWN_TOKEN } from "./support/harness";
import type { Expectation, Scenario } from "./support/scenario";

/** Instance ID of the real signed identity document the fake IMDS serves. */
export const INSTANCE_ID = "i-0c5541936caf78c12";
/** Instance ID of the unsigned paid-AMI document (tests/fixtures/bootstrap). */
export const PAID_AMI_INSTANCE_ID = "i-0a1b2c3d4e5f67890";
const MI = "mi-0123456789abcdef0";
const REGISTRATION = `{"ManagedInstanceID":"${MI}","Region":"${REGION}"}`;
const ACTIVATION_ID = "6a1c0e0e-0000-4000-8000-000000000000";
const CODE = "abcdefghijklmnopqrstuvwx";
const BUCKET = `/amazon-ssm-${REGION}/latest`;
const WINDOWS_SETUP = `${BUCKET}/windows_amd64/AmazonSSMAgentSetup.exe`;

/** A run that registered: one activation, the agent called with it, the service restarted. */
function registered(api: Expectation["api"], extra: Partial<Expectation> = {}): Expectation {
  return { code: 0, api, agent: "registered", service: ["stop", "restart"], ...extra };
}

/** A run refused before the API was called. */
function refused(code: number, ...stderr: RegExp[]): Expectation {
  return { code, api: [], agent: "none", service: [], stderr };
}

/** A run the API (or what stands in for it) stopped. */
function stopped(code: number, api: Expectation["api"], ...stderr: RegExp[]): Expectation {
  return { code, api, agent: "none", service: [], stderr };
}

/** An API that answers every request with `status` and `body`. */
function canned(status: number, body: string): Scenario["api"] {
  return { canned: { status, body } };
}

const onPrem = { HF_TOKEN: GOOD_TOKEN };
/** --max-time of the trickling-API row: its run must end within this plus a slack. */
const TRICKLE_MAX_TIME = 3;
const IMDS_FULL = [
  "PUT /latest/api/token 200",
  "GET /latest/dynamic/instance-identity/document 200",
  "GET /latest/dynamic/instance-identity/rsa2048 200",
];

const HOST = os.hostname();

/** The table. */
export const SCENARIOS: readonly Scenario[] = [
  // ------------------------------------------------------------------ EC2 identity
  {
    title:
      "EC2: proves itself with the real signed document (rsa2048) and registers with what the API issued",
    args: ["--name", "ignored-on-ec2"],
    imds: "real",
    expect: registered([{ status: 200, name: INSTANCE_ID, identity: "rsa2048" }], {
      imds: IMDS_FULL,
      stderr: [
        new RegExp(`registered ${INSTANCE_ID} as mi-[0-9a-f]{17} in ${REGION}`),
        /requesting an activation for i-0c5541936caf78c12 \(ec2 identity\)/,
      ],
    }),
  },
  {
    title: "EC2: falls back to /signature when IMDS has no rsa2048",
    imds: "no-rsa2048",
    expect: registered([{ status: 200, name: INSTANCE_ID, identity: "signature" }], {
      imds: [
        "PUT /latest/api/token 200",
        "GET /latest/dynamic/instance-identity/document 200",
        "GET /latest/dynamic/instance-identity/rsa2048 404",
        "GET /latest/dynamic/instance-identity/signature 200",
      ],
    }),
  },
  {
    title: "EC2: the stack's user data (API URL baked in, no flags) registers the instance",
    imds: "real",
    baked: true,
    expect: registered([{ status: 200, name: INSTANCE_ID, identity: "rsa2048" }]),
  },
  {
    title: "EC2: a token given on EC2 is ignored, with a log line, and the instance identity used",
    imds: "real",
    env: onPrem,
    expect: registered([{ status: 200, name: INSTANCE_ID, identity: "rsa2048" }], {
      stderr: [/on EC2: using the instance identity; the token is ignored \(--no-ec2 uses it\)/],
    }),
  },
  {
    title: "EC2: an instance registered by its instance profile (i- in the file) still registers",
    imds: "real",
    machine: { registration: `{"ManagedInstanceID":"${INSTANCE_ID}","Region":"${REGION}"}` },
    expect: registered([{ status: 200, name: INSTANCE_ID, identity: "rsa2048" }]),
  },
  {
    title: "EC2: a paid AMI's document (arrays, nulls) is read; its instance ID is what travels",
    imds: "paid-ami",
    // The fixture is unsigned, so the API refuses the proof: the point is that the script
    // parsed the document and took the EC2 path instead of falling back to a token.
    expect: stopped(5, [{ status: 403, name: PAID_AMI_INSTANCE_ID, identity: "rsa2048" }]),
  },
  {
    title:
      "D2 EC2: an IMDS answer trickling past the 3 s bound is abandoned (a total timeout, not per read)",
    args: ["--name", "web-drip"],
    imds: "drip-token",
    env: onPrem,
    expect: registered([{ status: 200, name: "web-drip", identity: "token" }]),
  },

  // ------------------------------------------------------------------ on-premises (token)
  {
    title: "on-prem: a valid token registers the given name, with an allowed tag",
    args: ["--name", "web-01", "--tag", "Team=web"],
    env: onPrem,
    expect: registered(
      [{ status: 200, name: "web-01", tags: { Team: "web" }, identity: "token" }],
      {
        stderr: [
          /requesting an activation for web-01 \(token identity\)/,
          /got activation [0-9a-f-]{36} in ap-southeast-2 after 1 attempt\(s\)/,
        ],
      },
    ),
  },
  {
    title:
      "on-prem: token from a file, name from HF_NAME, tags from HF_TAGS; --no-ec2 never asks IMDS",
    args: ["--no-ec2", "--token-file", "{tokenFile}"],
    imds: "real",
    machine: { tokenFile: `${GOOD_TOKEN}\n` },
    env: { HF_NAME: "web-file", HF_TAGS: "Team=ops" },
    expect: registered(
      [{ status: 200, name: "web-file", tags: { Team: "ops" }, identity: "token" }],
      {
        imds: [],
      },
    ),
  },
  {
    title: "on-prem: HF_NO_EC2=1 never asks IMDS either",
    args: ["--name", "web-noec2"],
    imds: "real",
    env: { ...onPrem, HF_NO_EC2: "1" },
    expect: registered([{ status: 200, name: "web-noec2", identity: "token" }], { imds: [] }),
  },
  {
    title:
      "D12 on-prem: the default name is the host name as DNS knows it (not COMPUTERNAME, upper-cased and cut at 15)",
    env: onPrem,
    expect: /^web-/.test(HOST)
      ? registered([{ status: 200, name: HOST, identity: "token" }])
      : stopped(5, [{ status: 403, name: HOST, identity: "token" }]),
  },
  {
    title: "D5 on-prem: --tag is repeatable",
    args: ["--name", "web-tags", "--tag", "Team=web", "--tag", "Tier=a"],
    env: onPrem,
    expect: registered([
      { status: 200, name: "web-tags", tags: { Team: "web", Tier: "a" }, identity: "token" },
    ]),
  },
  {
    title: "D5 on-prem: --tag a=b,c=d is one tag whose value holds the comma (as HF_TAGS is not)",
    args: ["--name", "web-comma", "--tag", "Team=web,Tier=a"],
    env: onPrem,
    expect: stopped(4, [{ status: 400, tags: { Team: "web,Tier=a" } }], /HTTP 400 BadRequest\)/),
  },
  {
    title: "D13 on-prem: HF_TAGS with a trailing comma is read as register.sh's `read -a` does",
    args: ["--name", "web-trailing"],
    env: { ...onPrem, HF_TAGS: "Team=web," },
    expect: registered([{ status: 200, name: "web-trailing", tags: { Team: "web" } }]),
  },
  {
    title: "on-prem: HF_TAGS with an empty field in the middle is a usage error",
    args: ["--name", "web-empty"],
    env: { ...onPrem, HF_TAGS: "Team=web,,Tier=a" },
    expect: refused(2, /--tag must be KEY=VALUE, got $/m),
  },
  {
    title: "on-prem: an unknown token fails at once with the API's 403 message",
    args: ["--name", "web-02"],
    env: { HF_TOKEN: UNKNOWN_TOKEN },
    expect: stopped(
      5,
      [{ status: 403, identity: "token" }],
      /^register\.sh: error: activation API denied the request \(HTTP 403 Forbidden\): .+$/m,
    ),
  },
  {
    title: "on-prem: a name outside the token's pattern is denied (403), not retried",
    args: ["--name", "db-01"],
    env: onPrem,
    expect: stopped(5, [{ status: 403, name: "db-01" }]),
  },
  {
    title: "on-prem: a tag the API does not allow fails with the API's 400 message",
    args: ["--name", "web-03", "--tag", "Owner=me"],
    env: onPrem,
    expect: stopped(
      4,
      [{ status: 400, tags: { Owner: "me" } }],
      /HTTP 400 BadRequest\): tag "Owner" may not be set by callers/,
    ),
  },
  {
    title: "on-prem: a name held by an Online node fails with 409",
    args: ["--name", "web-taken"],
    env: onPrem,
    nameHeldOnline: "web-taken",
    expect: stopped(6, [{ status: 409, name: "web-taken" }], /name in use \(HTTP 409 NameInUse\)/),
  },
  {
    title: "no identity: not on EC2 and no token",
    expect: refused(3, /no identity: not on EC2 \(or --no-ec2\) and no bootstrap token/),
  },

  // ------------------------------------------------------------------ retries and bounds
  {
    title: "retries 429s, then succeeds within --max-attempts",
    args: ["--name", "web-429", "--max-attempts", "5"],
    env: onPrem,
    inject: [{ status: 429 }, { status: 429 }, { status: 429 }],
    expect: registered([
      { status: 429 },
      { status: 429 },
      { status: 429 },
      { status: 200, name: "web-429" },
    ]),
  },
  {
    title: "retries 503s honouring Retry-After (a delay in [S, 2S]), then succeeds",
    args: ["--name", "web-503", "--max-attempts", "4"],
    env: onPrem,
    inject: [
      { status: 503, retryAfter: 1 },
      { status: 503, retryAfter: 1 },
    ],
    expect: registered([{ status: 503 }, { status: 503 }, { status: 200, name: "web-503" }], {
      stderr: [
        /attempt 1: HTTP 503; retrying in (1\d{3}|2000)ms/,
        /attempt 2: HTTP 503; retrying in (1\d{3}|2000)ms/,
      ],
    }),
  },
  {
    title: "gives up after --max-attempts and never calls the agent",
    args: ["--name", "web-down", "--max-attempts", "2"],
    env: onPrem,
    inject: [
      { status: 503, retryAfter: 1 },
      { status: 503, retryAfter: 1 },
    ],
    expect: stopped(
      7,
      [{ status: 503 }, { status: 503 }],
      /activation API unavailable after 2 attempts in \d+s \(last HTTP 503\)/,
    ),
  },
  {
    title: "gives up at once when Retry-After would overrun --max-time",
    args: ["--name", "web-late", "--max-time", "3"],
    env: onPrem,
    inject: [{ status: 503, retryAfter: 5 }],
    expect: stopped(7, [{ status: 503 }], /unavailable after 1 attempts in \d+s \(last HTTP 503\)/),
  },
  {
    // A slow server once held one attempt 30 s past --max-time: each request gets what is
    // left of it. One attempt, so that a zero backoff draw cannot add a second request.
    title: "an API answer trickling in is cut at --max-time",
    args: ["--name", "web-trickle", "--max-time", String(TRICKLE_MAX_TIME), "--max-attempts", "1"],
    env: onPrem,
    api: "trickle",
    expect: {
      ...stopped(7, [{ status: 200 }], /unavailable after 1 attempts in \d+s \(last HTTP 000\)/),
      // Script start-up (pwsh takes a CPU-second, more on a loaded machine) plus slack; the
      // unbounded request took 30 s.
      withinSeconds: TRICKLE_MAX_TIME + 20,
    },
  },
  {
    title: "retries network errors (nothing listening), then gives up",
    args: ["--name", "web-net", "--max-attempts", "3"],
    env: onPrem,
    api: "closed",
    expect: stopped(7, [], /unavailable after 3 attempts .*last HTTP 000/),
  },
  {
    title: "D1 a redirect from the API is not followed (the token stays with the API URL)",
    args: ["--name", "web-redirect"],
    env: onPrem,
    api: "redirect",
    expect: stopped(8, [{ status: 302 }], /activation API answered HTTP 302 \(check the API URL\)/),
  },

  // ------------------------------------------------------------------ unusable answers
  {
    title: "a 200 that is not JSON",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(200, "<html>hi</html>"),
    expect: stopped(8, [{ status: 200 }], /not a flat JSON object/),
  },
  {
    title: "D15 a 200 with nested JSON is refused the same way",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(200, '{"activationId":{"x":1}}'),
    expect: stopped(8, [{ status: 200 }], /not a flat JSON object/),
  },
  {
    title: "D15 a 200 with a JSON number is refused (the API never sends one)",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(200, `{"activationId":"${ACTIVATION_ID}","activationCode":"${CODE}","region":1}`),
    expect: stopped(8, [{ status: 200 }], /not a flat JSON object/),
  },
  {
    title:
      "D15 a 200 with a key twice is refused (readers keeping the first or the last would differ)",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(
      200,
      `{"activationId":"${ACTIVATION_ID}","activationCode":"${CODE}","region":"${REGION}","region":"us-east-1"}`,
    ),
    expect: stopped(8, [{ status: 200 }], /not a flat JSON object/),
  },
  {
    title: "D14 a 200 whose keys differ only in case is not read (keys are case-sensitive)",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(
      200,
      `{"ActivationId":"${ACTIVATION_ID}","activationCode":"${CODE}","region":"${REGION}"}`,
    ),
    expect: stopped(8, [{ status: 200 }], /without a valid activationId/),
  },
  {
    title: "D3 a 200 whose activationId ends in a newline is refused (\\z, not $)",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(
      200,
      `{"activationId":"${ACTIVATION_ID}\\n","activationCode":"${CODE}","region":"${REGION}"}`,
    ),
    expect: stopped(8, [{ status: 200 }], /without a valid activationId/),
  },
  {
    title: "a 200 without a code",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(200, `{"activationId":"${ACTIVATION_ID}","region":"eu-west-1"}`),
    expect: stopped(8, [{ status: 200 }], /without a valid activationCode/),
  },
  {
    title: "a 200 with a hostile region",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(
      200,
      `{"activationId":"${ACTIVATION_ID}","activationCode":"${CODE}","region":"EU; rm -rf /"}`,
    ),
    expect: stopped(8, [{ status: 200 }], /without a valid region/),
  },
  {
    title: "a 404 (wrong API URL)",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(404, "{}"),
    expect: stopped(8, [{ status: 404 }], /answered HTTP 404 \(check the API URL\)/),
  },
  {
    title: "API Gateway's resource-policy 403 (apiAllowedCidrs) names the refused network",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(
      403,
      resourcePolicyDenyBody(
        "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/latest/GET/activate",
      ),
    ),
    expect: stopped(
      5,
      [{ status: 403 }],
      /\(HTTP 403 \): User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5\/latest\/GET\/activate with an explicit deny \(the API's resource policy refused this network: its source address or VPC endpoint is not allowed\)$/m,
    ),
  },
  {
    title:
      "D16 a hostile API message prints as one bounded printable line, escapes as register.sh maps them",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(
      403,
      JSON.stringify({
        error: "Forbidden",
        message: `bad\nnews \u001b[31mred\u001b[0m ${"x".repeat(1000)}`,
      }),
    ),
    expect: stopped(
      5,
      [{ status: 403 }],
      /\(HTTP 403 Forbidden\): (?=.{300}$)bad news \?\[31mred\?\[0m x+$/m,
    ),
  },
  {
    title: "D16 raw UTF-8 in an API message becomes one space per byte (byte semantics)",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(
      403,
      Buffer.from('{"error":"Forbidden","message":"café ok"}', "utf8").toString("latin1"),
    ),
    expect: stopped(5, [{ status: 403 }], /\(HTTP 403 Forbidden\): caf {3}ok$/m),
  },
  {
    title: "an error body whose message is not a string says 'no message'",
    args: ["--name", "web-1"],
    env: onPrem,
    api: canned(403, '{"error":"Forbidden","message":{"x":1}}'),
    expect: stopped(5, [{ status: 403 }], /\(HTTP 403 \): no message$/m),
  },

  // ------------------------------------------------------------------ already registered
  {
    title: "already registered: a second run is a no-op, the API is not called",
    args: ["--name", "web-idem"],
    env: onPrem,
    machine: { registration: REGISTRATION },
    expect: {
      ...refused(
        0,
        new RegExp(`already registered as ${MI}; nothing to do \\(--force re-registers\\)`),
      ),
      // The agent is checked (is-active, which the fake answers without logging): it is running.
      service: [],
    },
  },
  {
    title: "already registered: --force registers again",
    args: ["--name", "web-force", "--force"],
    env: onPrem,
    machine: { registration: REGISTRATION },
    expect: registered([{ status: 200, name: "web-force" }]),
  },
  {
    title: "already registered: HF_FORCE=yes registers again",
    args: ["--name", "web-force-yes"],
    env: { ...onPrem, HF_FORCE: "yes" },
    machine: { registration: REGISTRATION },
    expect: registered([{ status: 200, name: "web-force-yes" }]),
  },
  {
    title: "HF_FORCE must be 1, true or yes (or 0, false, no)",
    env: { ...onPrem, HF_FORCE: "maybe" },
    expect: refused(2, /HF_FORCE must be 1, true or yes \(or 0, false, no\), got maybe/),
  },
  {
    title: "a token file that is a directory",
    args: ["--token-file", "{machine}"],
    expect: refused(2, /token file .* is not a regular file/),
  },
  {
    title: "already registered: HF_FORCE=1 registers again",
    args: ["--name", "web-force-env"],
    env: { ...onPrem, HF_FORCE: "1" },
    machine: { registration: REGISTRATION },
    expect: registered([{ status: 200, name: "web-force-env" }]),
  },

  // ------------------------------------------------------------------ agent and service
  {
    title: "the agent refusing the registration exits 10 without echoing the code",
    args: ["--name", "web-agentfail"],
    env: onPrem,
    machine: { agentExit: 1 },
    expect: {
      code: 10,
      api: [{ status: 200 }],
      agent: "registered",
      // The agent was running before the run: it is started again.
      service: ["stop", "start"],
      stderr: [/the SSM agent refused the registration: .*InvalidActivation/],
    },
  },
  {
    title: "a service restart failure exits 11",
    args: ["--name", "web-svc"],
    env: onPrem,
    machine: { serviceExit: 3 },
    expect: {
      code: 11,
      api: [{ status: 200 }],
      agent: "registered",
      service: ["stop", "restart", "start"],
      stderr: [/the SSM agent service could not be restarted \({service}\)/],
    },
  },
  {
    title:
      "D7 HF_SERVICE_CMD is judged by its exit code: printing something does not make a failure pass",
    args: ["--name", "web-svc-chatty"],
    env: onPrem,
    machine: { serviceExit: 3, serviceSays: "Job for the agent failed." },
    expect: {
      code: 11,
      api: [{ status: 200 }],
      agent: "registered",
      service: ["stop", "restart", "start"],
      stderr: [/could not be restarted/],
    },
  },
  {
    title: "D7 HF_SERVICE_CMD printing something and exiting 0 is a success",
    args: ["--name", "web-svc-ok"],
    env: onPrem,
    machine: { serviceSays: "ok" },
    expect: registered([{ status: 200 }], { stderr: [/^ok$/m] }),
  },
  {
    title: "no mi- ID in the registration file after registering exits 12",
    args: ["--name", "web-nofile"],
    env: onPrem,
    machine: { registrationElsewhere: true },
    expect: {
      code: 12,
      api: [{ status: 200 }],
      agent: "registered",
      service: ["stop", "restart"],
      stderr: [/no mi- ID in .*registration after registering/],
    },
  },

  // ------------------------------------------------------------------ agent install
  {
    title:
      "install: x86_64 downloads the OS's package from the agent bucket, installs it, registers",
    args: ["--name", "web-install"],
    env: { ...onPrem, HF_ARCH: "x86_64" },
    machine: { agentMissing: true, osRelease: 'ID="amzn"\nID_LIKE="centos rhel fedora"\n' },
    bucket: true,
    expect: registered([{ status: 200 }], {
      download: { sh: `${BUCKET}/linux_amd64/amazon-ssm-agent.rpm`, ps1: WINDOWS_SETUP },
      installer: ["<package>"],
    }),
  },
  {
    title: "D10 install: arm64 is supported by both",
    args: ["--name", "web-arm"],
    env: { ...onPrem, HF_ARCH: "aarch64" },
    machine: { agentMissing: true, osRelease: "ID=ubuntu\nID_LIKE=debian\n" },
    bucket: true,
    expect: registered([{ status: 200 }], {
      download: { sh: `${BUCKET}/debian_arm64/amazon-ssm-agent.deb`, ps1: WINDOWS_SETUP },
      installer: ["<package>"],
    }),
  },
  {
    title: "install: an unsupported architecture exits 9 before downloading",
    args: ["--name", "web-mips"],
    env: { ...onPrem, HF_ARCH: "mips" },
    machine: { agentMissing: true, osRelease: "ID=debian\n" },
    bucket: true,
    expect: {
      ...stopped(9, [{ status: 200 }], /SSM agent missing and architecture mips is not supported/),
      download: { sh: "", ps1: "" },
    },
  },
  {
    title: "install: an unsupported OS exits 9 (os-release is Linux's)",
    args: ["--name", "web-alpine"],
    env: { ...onPrem, HF_ARCH: "x86_64" },
    machine: { agentMissing: true, osRelease: "ID=alpine\n" },
    bucket: true,
    only: { shell: "sh", why: "Windows has no os-release; its package does not depend on it" },
    expect: stopped(9, [{ status: 200 }], /this OS is not supported \(os-release ID: alpine/),
  },
  {
    title:
      "D8 install: the default agent bucket URL has one form (path-style s3.REGION.amazonaws.com/amazon-ssm-REGION)",
    args: ["--name", "web-bucket"],
    env: { ...onPrem, HF_ARCH: "x86_64" },
    machine: { agentMissing: true, osRelease: "ID=debian\n" },
    httpsProxy: true,
    expect: {
      ...stopped(
        9,
        [{ status: 200 }],
        /SSM agent download failed from https:\/\/s3\.ap-southeast-2\.amazonaws\.com\/amazon-ssm-ap-southeast-2\/latest\//,
      ),
      proxied: ["s3.ap-southeast-2.amazonaws.com:443"],
    },
  },
  {
    title: "D9 D11 install: an installer that cannot run exits 9 naming it, and cleans up",
    args: ["--name", "web-noinst"],
    env: { ...onPrem, HF_ARCH: "x86_64", HF_INSTALL_CMD: "{machine}/no-such-installer" },
    machine: { agentMissing: true, osRelease: "ID=debian\n" },
    bucket: true,
    expect: stopped(9, [{ status: 200 }], /SSM agent install failed: .*\/no-such-installer$/m),
  },
  {
    title: "D9 install: a failing installer exits 9",
    args: ["--name", "web-instfail"],
    env: { ...onPrem, HF_ARCH: "x86_64", FAKE_INSTALLER_EXIT: "1" },
    machine: { agentMissing: true, osRelease: "ID=debian\n" },
    bucket: true,
    expect: {
      ...stopped(9, [{ status: 200 }], /SSM agent install failed: .*fake-installer$/m),
      installer: ["<package>"],
    },
  },

  {
    title: "Windows: an unsigned agent setup is refused (exit 9), nothing installed",
    args: ["--name", "web-unsigned"],
    env: { ...onPrem, HF_ARCH: "x86_64" },
    machine: { agentMissing: true },
    bucket: true,
    authenticode: { status: "NotSigned", subject: "" },
    only: { shell: "ps1", why: "Authenticode is Windows's; register.sh checks gpg (register.e2e)" },
    expect: {
      ...stopped(
        9,
        [{ status: 200 }],
        /SSM agent setup Authenticode signature is NotSigned, not Valid; nothing installed/,
      ),
      download: { sh: "", ps1: WINDOWS_SETUP },
      installer: [],
    },
  },
  {
    title: "Windows: an agent setup validly signed by someone other than Amazon is refused",
    args: ["--name", "web-evil"],
    env: { ...onPrem, HF_ARCH: "x86_64" },
    machine: { agentMissing: true },
    bucket: true,
    authenticode: { status: "Valid", subject: "CN=Evil, O=Evil Corp, C=US" },
    only: { shell: "ps1", why: "Authenticode is Windows's; register.sh checks gpg (register.e2e)" },
    expect: {
      ...stopped(9, [{ status: 200 }], /is signed by CN=Evil, O=Evil Corp, C=US, not Amazon/),
      installer: [],
    },
  },

  // ------------------------------------------------------------------ TLS only
  {
    title: "TLS only: an http:// API URL off loopback is refused before any network call",
    env: { ...onPrem, HF_API_URL: "http://192.0.2.10/latest" },
    expect: refused(2, /refusing http:\/\/ for the API URL: only loopback may use plain HTTP/),
  },
  {
    title: "TLS only: an http:// agent bucket URL off loopback is refused before any network call",
    env: { ...onPrem, HF_AGENT_BUCKET_URL: "http://192.0.2.10/amazon-ssm" },
    expect: refused(2, /refusing http:\/\/ for the agent bucket URL/),
  },
  {
    title: "TLS only: an agent bucket URL that is not http(s) is refused",
    env: { ...onPrem, HF_AGENT_BUCKET_URL: "ftp://x/amazon-ssm" },
    expect: refused(2, /HF_AGENT_BUCKET_URL must be an http\(s\):\/\/ URL/),
  },

  // ------------------------------------------------------------------ usage (exit 2)
  {
    title: "--help prints the usage and exits 0",
    args: ["--help"],
    expect: {
      ...refused(0),
      stdout: /^Usage: register\.sh \[options\][\s\S]*\n {2}13 {2}a required tool is missing\n$/,
    },
  },
  {
    title: "-h prints the usage too",
    args: ["-h"],
    expect: { ...refused(0), stdout: /^Usage: register\.sh \[options\]/ },
  },
  {
    title: "D6 an unknown option is a usage error (exit 2, one line)",
    args: ["--nmae", "x"],
    expect: refused(2, /^register\.sh: error: unknown option --nmae \(see --help\)\n$/),
  },
  {
    title: "D6 a positional word is an unknown option, not the API URL",
    args: ["web-01"],
    expect: refused(2, /unknown option web-01 \(see --help\)/),
  },
  {
    title: "D6 an abbreviated option is unknown",
    args: ["--nam", "web-01"],
    expect: refused(2, /unknown option --nam \(see --help\)/),
  },
  {
    title: "D6 an option without its value exits 2",
    args: ["--name"],
    expect: refused(2, /^register\.sh: error: option --name needs a value \(see --help\)\n$/),
  },
  {
    title: "D6 an option with an empty value exits 2",
    args: ["--max-attempts", ""],
    expect: refused(2, /option --max-attempts needs a value/),
  },
  {
    title: "no API URL at all",
    env: { HF_API_URL: "" },
    expect: refused(2, /API URL missing or not http\(s\):\/\/\.\.\.: give --api-url or HF_API_URL/),
  },
  {
    title: "an API URL that is not http(s)",
    env: { HF_API_URL: "ftp://x/latest" },
    expect: refused(2, /API URL missing or not http/),
  },
  {
    title: "D4 an upper-case scheme (HTTP://) is refused as register.sh refuses it",
    api: "upper-case-scheme",
    env: onPrem,
    expect: refused(2, /API URL missing or not http/),
  },
  {
    title: "a malformed token is refused and never printed",
    args: ["--token", "hft_short-secret"],
    expect: refused(2, /the bootstrap token must be hft_ followed by 43 base64url characters/),
  },
  {
    title: "D3 a token ending in a newline is refused (\\z, not $)",
    args: ["--name", "web-nl"],
    env: { HF_TOKEN: `${GOOD_TOKEN}\n` },
    expect: refused(2, /the bootstrap token must be hft_/),
  },
  {
    title: "--max-attempts 0",
    args: ["--max-attempts", "0"],
    expect: refused(2, /--max-attempts must be a whole number from 1 to 9999/),
  },
  {
    title: "D3 --max-attempts with a trailing newline",
    args: ["--max-attempts", "3\n"],
    expect: refused(2, /--max-attempts must be a whole number from 1 to 9999/),
  },
  {
    title: "--max-time=abc (the inline spelling)",
    args: ["--max-time=abc"],
    expect: refused(2, /--max-time must be a whole number of seconds/),
  },
  {
    title: "a tag without =",
    args: ["--tag", "Team"],
    expect: refused(2, /--tag must be KEY=VALUE, got Team/),
  },
  {
    title: "an unreadable token file",
    args: ["--token-file", "/nonexistent/token"],
    expect: refused(2, /token file \/nonexistent\/token is not readable/),
  },
];
