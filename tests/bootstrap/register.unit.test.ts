/**
 * register.sh in isolation: its arguments, its exit codes for bad input and bad answers,
 * shellcheck, and its jq-free JSON reader and URL encoder (property-tested with hostile
 * values, extracted from the real script rather than copied).
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import fc from "fast-check";
import {
  CLOSED_URL,
  GOOD_TOKEN,
  REGISTER_SH,
  ROOT,
  SUPPORT,
  newMachine,
  pathWithout,
  runScript,
} from "./support/harness";
import { startFakeImds } from "../../local/fakeImds";
import { startRecorder } from "./support/recorder";

const SCRIPT = fs.readFileSync(REGISTER_SH, "utf8");

/** The named top-level function definitions of register.sh, verbatim. */
function extract(...names: string[]): string {
  return names
    .map((n) => {
      const m = new RegExp(`^${n}\\(\\) \\{\\n[\\s\\S]*?\\n\\}\\n`, "m").exec(SCRIPT);
      assert.ok(m, `function ${n} not found in register.sh`);
      return m[0];
    })
    .join("\n");
}

/** Runs bash with `program` on stdin-fed input; resolves stdout as a Buffer. */
function bash(program: string, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // --norc: bash reads ~/.bashrc even non-interactively when its stdin is a socket, as
    // Node's pipes are (bash's "run by rshd" rule); a slow .bashrc made each run take seconds.
    const child = spawn("bash", ["--norc", "-c", program], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: process.env.PATH },
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`bash exit ${code}: ${err}`)),
    );
    child.stdin.end(input);
  });
}

/** What json_parse should yield for a string JSON.stringify wrote: one line, control chars blanked. */
function expectedDecode(s: string): string {
  return s.replace(/[\n\t\r\b\f]/g, " ").replace(/[\u0000-\u001f]/g, "?");
}

/** Starts a server that answers every request with `status`, `body`. */
async function answering(
  status: number,
  body: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/latest`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("register.sh unit", function () {
  this.timeout(60_000);

  it("passes shellcheck, as do the fake executables", () => {
    const files = [
      REGISTER_SH,
      ...["fake-amazon-ssm-agent", "fake-service", "fake-install"].map((f) =>
        path.join(SUPPORT, f),
      ),
    ];
    const r = spawnSync("shellcheck", ["--shell=bash", "--severity=style", ...files], {
      encoding: "utf8",
    });
    assert.equal(r.error, undefined, "shellcheck is not installed (apt-get install shellcheck)");
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("--help prints the usage and exits 0 without touching the network", async () => {
    const r = await runScript(REGISTER_SH, ["--help"], { HF_API_URL: CLOSED_URL });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: register\.sh \[options\]/);
    assert.match(r.stdout, /\n {2}13 {2}a required tool is missing\n$/);
  });

  const usageCases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ["an unknown option", ["--nmae", "x"], {}, /unknown option --nmae \(see --help\)/],
    ["an option without its value", ["--name"], {}, /option --name needs a value/],
    ["no API URL at all", [], { HF_API_URL: "" }, /API URL missing/],
    [
      "an API URL that is not http(s)",
      [],
      { HF_API_URL: "ftp://x/latest" },
      /API URL missing or not http/,
    ],
    [
      "a malformed token",
      ["--token", "hft_short-secret"],
      {},
      /bootstrap token must be hft_ followed by 43/,
    ],
    [
      "--max-attempts 0",
      ["--max-attempts", "0"],
      {},
      /--max-attempts must be a whole number from 1 to 9999/,
    ],
    ["--max-time=abc", ["--max-time=abc"], {}, /--max-time must be a whole number of seconds/],
    ["a tag without =", ["--tag", "Team"], {}, /--tag must be KEY=VALUE, got Team/],
    [
      "an unreadable token file",
      ["--token-file", "/nonexistent/token"],
      {},
      /token file \/nonexistent\/token is not readable/,
    ],
  ];
  for (const [what, args, env, message] of usageCases) {
    it(`exits 2 with one line for ${what}`, async () => {
      const m = newMachine();
      const r = await runScript(REGISTER_SH, args, {
        ...m.env,
        HF_API_URL: CLOSED_URL + "/latest",
        HF_IMDS_URL: CLOSED_URL,
        ...env,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.ok(!r.stderr.includes("short-secret"), "the token was printed");
    });
  }

  it("exits 3 when neither an EC2 identity nor a token is available", async () => {
    const m = newMachine();
    const r = await runScript(REGISTER_SH, [], {
      ...m.env,
      HF_API_URL: CLOSED_URL + "/latest",
      HF_IMDS_URL: CLOSED_URL,
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /no identity: not on EC2 \(or --no-ec2\) and no bootstrap token/);
  });

  const badAnswers: Array<[string, number, string, RegExp]> = [
    ["a 200 that is not JSON", 200, "<html>hi</html>", /not a flat JSON object/],
    ["a 200 with nested JSON", 200, '{"activationId":{"x":1}}', /not a flat JSON object/],
    [
      "a 200 without a code",
      200,
      '{"activationId":"6a1c0e0e-0000-4000-8000-000000000000","region":"eu-west-1"}',
      /without a valid activationCode/,
    ],
    [
      "a 200 with a bad region",
      200,
      '{"activationId":"6a1c0e0e-0000-4000-8000-000000000000","activationCode":"abcdefghijklmnopqrstuvwx","region":"EU; rm -rf /"}',
      /without a valid region/,
    ],
    ["a 404", 404, "{}", /answered HTTP 404 \(check the API URL\)/],
    [
      "a 200 with a number (the API sends only strings)",
      200,
      '{"activationId":"6a1c0e0e-0000-4000-8000-000000000000","activationCode":"abcdefghijklmnopqrstuvwx","region":"eu-west-1","expiresIn":3600}',
      /not a flat JSON object/,
    ],
    [
      "a 200 with a duplicate key",
      200,
      '{"activationId":"6a1c0e0e-0000-4000-8000-000000000000","activationCode":"abcdefghijklmnopqrstuvwx","activationCode":"zzzzzzzzzzzzzzzzzzzzzzzzz","region":"eu-west-1"}',
      /not a flat JSON object/,
    ],
    [
      "a 200 larger than 64 KiB",
      200,
      `{"activationId":"6a1c0e0e-0000-4000-8000-000000000000","activationCode":"abcdefghijklmnopqrstuvwx","region":"eu-west-1","pad":"${"x".repeat(70_000)}"}`,
      /activation API answered more than 65536 bytes/,
    ],
  ];
  for (const [what, status, body, message] of badAnswers) {
    it(`exits 8 on ${what}, without running the agent`, async () => {
      const server = await answering(status, body);
      try {
        const m = newMachine();
        const r = await runScript(REGISTER_SH, ["--name", "web-1"], {
          ...m.env,
          HF_API_URL: server.url,
          HF_IMDS_URL: CLOSED_URL,
          HF_TOKEN: GOOD_TOKEN,
        });
        assert.equal(r.code, 8, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(m.agentCalls().length, 0);
      } finally {
        await server.close();
      }
    });
  }

  it("prints a hostile API error message as one bounded printable line", async () => {
    const hostile = `bad\nnews \u001b[31mred\u001b[0m ${"x".repeat(1000)}`;
    const server = await answering(403, JSON.stringify({ error: "Forbidden", message: hostile }));
    try {
      const m = newMachine();
      const r = await runScript(REGISTER_SH, ["--name", "web-1"], {
        ...m.env,
        HF_API_URL: server.url,
        HF_IMDS_URL: CLOSED_URL,
        HF_TOKEN: GOOD_TOKEN,
      });
      assert.equal(r.code, 5);
      const lines = r.stderr.trim().split("\n");
      const last = lines[lines.length - 1];
      assert.match(
        last,
        /^register\.sh: error: activation API denied the request \(HTTP 403 Forbidden\): bad news \?\[31mred/,
      );
      assert.ok(!last.includes("\u001b"));
      assert.ok(last.length < 420, `${last.length} characters`);
    } finally {
      await server.close();
    }
  });

  it("json_parse reads flat objects with hostile strings exactly, and a value never forges a key", async () => {
    const program = `set -euo pipefail; export LC_ALL=C\n${extract("json_unescape", "json_skip", "json_parse")}\ndeclare -A JSON=()
while IFS= read -r -d '' doc; do
  json_parse "$doc" || { printf 'FAIL\\0'; continue; }
  for k in message activationCode error; do printf '%s\\0' "\${JSON[$k]-<unset>}"; done
done`;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            message: fc.string({ unit: "binary", maxLength: 40 }),
            activationCode: fc.string({ unit: "grapheme-ascii", maxLength: 30 }),
            error: fc.constantFrom('","activationCode":"forged', "\\", '"', "\\u0041", "{}"),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.boolean(),
        async (records, pretty) => {
          const docs = records.map((r) => {
            // The forging attempt sits before the real key, so a naive grep would pick it.
            const ordered = {
              message: r.message,
              error: r.error,
              activationCode: r.activationCode,
              t: true,
              z: null,
            };
            return JSON.stringify(ordered, null, pretty ? 2 : undefined);
          });
          const out = await bash(program, Buffer.from(docs.map((d) => `${d}\0`).join(""), "utf8"));
          const fields = out.toString("utf8").split("\0").slice(0, -1);
          const expected = records.flatMap((r) =>
            [r.message, r.activationCode, r.error].map(expectedDecode),
          );
          assert.deepEqual(fields, expected);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("urlencode percent-encodes every byte outside A-Z a-z 0-9 . _ ~ -", async () => {
    const program = `set -euo pipefail; export LC_ALL=C\n${extract("urlencode")}
while IFS= read -r -d '' s; do urlencode "$s"; printf '\\0'; done`;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: "binary", minLength: 1, maxLength: 20 }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (names) => {
          const clean = names.map((n) => n.replace(/\0/g, "")).filter((n) => n !== "");
          const out = await bash(program, Buffer.from(clean.map((n) => `${n}\0`).join(""), "utf8"));
          const expected = clean.map((n) =>
            [...Buffer.from(n, "utf8")]
              .map((b) =>
                /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
                  ? String.fromCharCode(b)
                  : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
              )
              .join(""),
          );
          assert.deepEqual(out.toString("latin1").split("\0").slice(0, -1), expected);
          // And the encoding round-trips.
          assert.deepEqual(expected.map(decodeURIComponent), clean);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("ships AWS's agent signing key, and it is the pinned fingerprint DE92…04ED", () => {
    const block = /<<'KEY'\n([\s\S]*?)\nKEY\n/.exec(SCRIPT)?.[1];
    assert.ok(block, "agent_public_key heredoc not found");
    assert.match(
      SCRIPT,
      /^readonly AGENT_KEY_FINGERPRINT=DE92C7DA3E56E92331D62A36BC1F495C97DD04ED$/m,
    );
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "hf-gpg-show-"));
    const r = spawnSync("gpg", ["--homedir", home, "--batch", "--with-colons", "--show-keys"], {
      input: block,
      encoding: "utf8",
    });
    assert.equal(r.error, undefined, "gpg is not installed (apt-get install gnupg)");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      [...r.stdout.matchAll(/^fpr:{9}([0-9A-F]{40}):/gm)].map((m) => m[1]),
      ["DE92C7DA3E56E92331D62A36BC1F495C97DD04ED"],
    );
    assert.match(r.stdout, /^uid:.*SSM Agent <ssm-agent-signer@amazon\.com>/m);
  });

  describe("identity documents with arrays and nested values (RHEL, SLES, Marketplace AMIs)", () => {
    const FIXTURE = path.join(
      ROOT,
      "tests",
      "fixtures",
      "bootstrap",
      "iid-marketplace-and-billing.json",
    );

    it("json_parse in document mode reads the top-level fields and skips arrays and objects", async () => {
      const program = `set -euo pipefail; export LC_ALL=C\n${extract("json_unescape", "json_skip", "json_parse")}\ndeclare -A JSON=()
while IFS= read -r -d '' doc; do
  json_parse "$doc" document || { printf 'FAIL\\0'; continue; }
  for k in instanceId region accountId billingProducts kernelId; do printf '%s\\0' "\${JSON[$k]-<unset>}"; done
done`;
      const nested =
        '{"a":{"instanceId":"i-forged000000000"},"b":[[1,{"region":"x"}],[]],"instanceId":"i-0123456789abcdef0","region":"eu-west-1","accountId":"1","z":{}}';
      const docs = [
        fs.readFileSync(FIXTURE, "utf8"),
        nested,
        '{"instanceId":"i-1","instanceId":"i-2"}',
        '{"a":[1,}',
      ];
      const out = await bash(program, Buffer.from(docs.map((d) => `${d}\0`).join("")));
      assert.deepEqual(out.toString().split("\0").slice(0, -1), [
        "i-0a1b2c3d4e5f67890",
        "ap-southeast-2",
        "189292791360",
        "<unset>",
        "null",
        "i-0123456789abcdef0",
        "eu-west-1",
        "1",
        "<unset>",
        "<unset>",
        "FAIL",
        "FAIL",
      ]);
    });

    it("EC2 with a billingProducts/marketplaceProductCodes document sends the EC2 identity (not exit 3)", async () => {
      const document = fs.readFileSync(FIXTURE);
      const imds = await startFakeImds({ document, rsa2048: "MIIBfake" });
      const api = await startRecorder(() => ({
        status: 403,
        body: JSON.stringify({ error: "Forbidden", message: "signature does not verify" }),
      }));
      try {
        const m = newMachine();
        const r = await runScript(REGISTER_SH, [], {
          ...m.env,
          HF_API_URL: `${api.url}/latest`,
          HF_IMDS_URL: imds.url,
        });
        assert.equal(r.code, 5, r.stderr);
        assert.equal(api.requests.length, 1);
        const sent = api.requests[0];
        assert.equal(sent.path, "/latest/activate?name=i-0a1b2c3d4e5f67890");
        assert.equal(
          Buffer.from(String(sent.headers["x-instance-identity-document"]), "base64").toString(),
          document.toString(),
        );
        assert.equal(sent.headers["x-instance-identity-signature-kind"], "rsa2048");
        assert.equal(sent.headers.authorization, undefined);
      } finally {
        await imds.close();
        await api.close();
      }
    });

    it("logs when IMDS answered but the document was unusable, then falls back to the token", async () => {
      const imds = await startFakeImds({ document: Buffer.from("<html>captive portal</html>") });
      try {
        const m = newMachine();
        const r = await runScript(REGISTER_SH, [], {
          ...m.env,
          HF_API_URL: CLOSED_URL + "/latest",
          HF_IMDS_URL: imds.url,
        });
        assert.equal(r.code, 3, r.stderr);
        assert.match(
          r.stderr,
          /^register\.sh: IMDS answered but its identity document is unusable \(no top-level instanceId i-\.\.\.\); not using the EC2 identity$/m,
        );
      } finally {
        await imds.close();
      }
    });
  });

  describe("TLS only", () => {
    /** A PATH whose curl and wget only record their arguments and fail as unreachable. */
    function recordingTools(dir: string): { path: string; calls(): string[] } {
      const bin = path.join(dir, "fake-http-bin");
      const log = path.join(dir, "http-tool.log");
      fs.mkdirSync(bin, { recursive: true });
      for (const tool of ["curl", "wget"]) {
        fs.writeFileSync(
          path.join(bin, tool),
          `#!/bin/sh\nprintf '%s ' ${tool} "$@" >>'${log}'\nprintf '\\n' >>'${log}'\nexit 7\n`,
          { mode: 0o755 },
        );
      }
      return {
        path: `${bin}:${process.env.PATH}`,
        calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []),
      };
    }

    const refusals: Array<[string, Record<string, string>, RegExp]> = [
      [
        "an http:// API URL off loopback",
        { HF_API_URL: "http://192.0.2.1/latest" },
        /refusing http:\/\/ for the API URL: only loopback may use plain HTTP \(use https:\/\/, or HF_ALLOW_HTTP=1\)/,
      ],
      [
        "an HTTP:// API URL in capitals",
        { HF_API_URL: "HTTP://192.0.2.1/latest" },
        /API URL missing or not http\(s\):\/\//,
      ],
      [
        "an http:// agent bucket off loopback",
        {
          HF_API_URL: "https://192.0.2.1/latest",
          HF_AGENT_BUCKET_URL: "http://192.0.2.1/amazon-ssm-x",
        },
        /refusing http:\/\/ for the agent bucket URL: only loopback may use plain HTTP/,
      ],
      [
        "a host that only starts like loopback",
        { HF_API_URL: "http://127.0.0.1.evil.example/latest" },
        /refusing http:\/\/ for the API URL/,
      ],
    ];
    for (const [what, env, message] of refusals) {
      it(`refuses ${what} with exit 2 before any network call`, async () => {
        const m = newMachine();
        const tools = recordingTools(m.dir);
        const r = await runScript(REGISTER_SH, ["--name", "web-1"], {
          ...m.env,
          HF_IMDS_URL: CLOSED_URL,
          HF_TOKEN: GOOD_TOKEN,
          PATH: tools.path,
          ...env,
        });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.deepEqual(tools.calls(), [], "a network tool ran");
      });
    }

    it("HF_ALLOW_HTTP=1 lets http:// through, and curl is pinned to that one protocol with no .curlrc", async () => {
      const m = newMachine();
      const tools = recordingTools(m.dir);
      const r = await runScript(REGISTER_SH, ["--name", "web-1", "--max-attempts", "1"], {
        ...m.env,
        HF_API_URL: "http://192.0.2.1/latest",
        HF_ALLOW_HTTP: "1",
        HF_IMDS_URL: CLOSED_URL,
        HF_TOKEN: GOOD_TOKEN,
        PATH: tools.path,
      });
      assert.equal(r.code, 7, r.stderr);
      const api = tools.calls().filter((c) => c.includes("192.0.2.1"));
      assert.equal(api.length, 1, tools.calls().join("\n"));
      assert.match(api[0], /^curl -q /);
      assert.match(api[0], / --proto =http --proto-redir =https --max-redirs 0 /);
      // The https URLs get --proto =https.
      const imds = tools.calls().filter((c) => c.includes("127.0.0.1:9"));
      assert.ok(imds.every((c) => / --proto =http /.test(c)));
    });

    for (const tool of ["curl", "wget"]) {
      it(`${tool}: a redirect to another origin is not followed and the token does not travel (exit 8)`, async () => {
        const other = await startRecorder(() => ({ status: 200, body: "{}" }));
        const api = await startRecorder(() => ({
          status: 302,
          headers: { Location: `${other.url}/steal` },
          body: "",
        }));
        try {
          const m = newMachine();
          const curlrc = path.join(m.dir, ".curlrc");
          fs.writeFileSync(curlrc, 'header = "X-From-Curlrc: yes"\nlocation\n');
          const r = await runScript(REGISTER_SH, ["--name", "web-1"], {
            ...m.env,
            HOME: m.dir,
            HF_API_URL: `${api.url}/latest`,
            HF_IMDS_URL: CLOSED_URL,
            HF_TOKEN: GOOD_TOKEN,
            PATH: tool === "wget" ? pathWithout(m.dir, ["curl"]) : (process.env.PATH ?? ""),
          });
          assert.equal(r.code, 8, r.stderr);
          assert.match(r.stderr, /activation API answered HTTP 302/);
          assert.equal(api.requests.length, 1);
          assert.equal(api.requests[0].headers["x-from-curlrc"], undefined, ".curlrc was read");
          assert.deepEqual(other.requests, [], "the redirect was followed");
        } finally {
          await api.close();
          await other.close();
        }
      });
    }
  });

  describe("wget path", () => {
    it("refuses BusyBox wget with exit 13 before any request", async () => {
      const m = newMachine();
      const bin = pathWithout(m.dir, ["curl", "wget"]);
      const log = path.join(m.dir, "busybox.log");
      fs.writeFileSync(
        path.join(bin, "wget"),
        `#!/bin/sh\necho "$@" >>'${log}'\ncase "$1" in --version) echo "wget: unrecognized option '--version'" >&2; echo "BusyBox v1.36.1 (2024-06-10) multi-call binary." >&2; exit 1;; esac\nexit 0\n`,
        { mode: 0o755 },
      );
      const r = await runScript(REGISTER_SH, ["--name", "web-1"], {
        ...m.env,
        HF_API_URL: `${CLOSED_URL}/latest`,
        HF_IMDS_URL: CLOSED_URL,
        HF_TOKEN: GOOD_TOKEN,
        PATH: bin,
      });
      assert.equal(r.code, 13, r.stderr);
      assert.match(r.stderr, /wget here is not GNU Wget \(BusyBox\?\): install curl or GNU wget/);
      assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), ["--version"]);
    });

    it("reads the Retry-After that wget -S prints indented", async () => {
      let n = 0;
      const api = await startRecorder(() =>
        n++ === 0
          ? { status: 503, headers: { "Retry-After": "1" }, body: '{"message":"busy"}' }
          : { status: 403, body: '{"error":"Forbidden","message":"stop here"}' },
      );
      try {
        const m = newMachine();
        const r = await runScript(REGISTER_SH, ["--name", "web-1"], {
          ...m.env,
          HF_API_URL: `${api.url}/latest`,
          HF_IMDS_URL: CLOSED_URL,
          HF_TOKEN: GOOD_TOKEN,
          PATH: pathWithout(m.dir, ["curl"]),
        });
        assert.equal(r.code, 5, r.stderr);
        const delay = Number(/HTTP 503; retrying in (\d+)ms/.exec(r.stderr)?.[1]);
        assert.ok(delay >= 1000 && delay <= 2000, `delay ${delay} ignores Retry-After: 1`);
      } finally {
        await api.close();
      }
    });

    it("bounds an attempt in total time, even against a server that trickles its body", async function () {
      this.timeout(90_000);
      let closed = false;
      const api = await startRecorder(() => (req, res) => {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "100" });
        let sent = 0;
        const tick = setInterval(() => {
          if (sent++ >= 60) return clearInterval(tick);
          res.write(" ");
        }, 500);
        req.socket.on("close", () => {
          closed = true;
          clearInterval(tick);
        });
      });
      try {
        const m = newMachine();
        const started = Date.now();
        const r = await runScript(
          REGISTER_SH,
          ["--name", "web-1", "--max-time", "4", "--max-attempts", "1"],
          {
            ...m.env,
            HF_API_URL: `${api.url}/latest`,
            HF_IMDS_URL: CLOSED_URL,
            HF_TOKEN: GOOD_TOKEN,
            PATH: pathWithout(m.dir, ["curl"]),
          },
        );
        const seconds = (Date.now() - started) / 1000;
        assert.equal(r.code, 7, r.stderr);
        // The trickle would last 30 s; --max-time 4 must cut it (slack for a loaded machine).
        assert.ok(seconds < 20, `the attempt ran ${seconds}s past --max-time 4`);
        assert.ok(closed, "the script left the connection open");
      } finally {
        await api.close();
      }
    });
  });

  describe("transfer failures and the time bound", () => {
    const ACTIVATION = JSON.stringify({
      activationId: "6a1c0e0e-0000-4000-8000-000000000000",
      activationCode: "abcdefghijklmnopqrstuvwx",
      region: "ap-southeast-2",
    });
    for (const tool of ["curl", "wget"]) {
      it(`${tool}: a body cut off mid-transfer is retried, not exit 8`, async () => {
        let n = 0;
        const api = await startRecorder(() => (_req, res) => {
          if (n++ === 0) {
            res.writeHead(200, {
              "Content-Type": "application/json",
              "Content-Length": String(ACTIVATION.length),
            });
            res.write(ACTIVATION.slice(0, 30));
            setTimeout(() => res.socket?.destroy(), 50);
            return;
          }
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(ACTIVATION);
        });
        try {
          const m = newMachine();
          const r = await runScript(REGISTER_SH, ["--name", "web-1", "--max-attempts", "3"], {
            ...m.env,
            HF_API_URL: `${api.url}/latest`,
            HF_IMDS_URL: CLOSED_URL,
            HF_TOKEN: GOOD_TOKEN,
            PATH: tool === "wget" ? pathWithout(m.dir, ["curl"]) : (process.env.PATH ?? ""),
          });
          assert.equal(r.code, 0, r.stderr);
          assert.equal(api.requests.length, 2);
          assert.match(r.stderr, /attempt 1: HTTP 000; retrying/);
          assert.equal(m.agentCalls().length, 1);
        } finally {
          await api.close();
        }
      });
    }

    it("curl: a server that never answers is cut at --max-time, not 30 s per attempt", async function () {
      this.timeout(90_000);
      const api = await startRecorder(() => () => {
        // Never answers.
      });
      try {
        const m = newMachine();
        const started = Date.now();
        const r = await runScript(REGISTER_SH, ["--name", "web-1", "--max-time", "3"], {
          ...m.env,
          HF_API_URL: `${api.url}/latest`,
          HF_IMDS_URL: CLOSED_URL,
          HF_TOKEN: GOOD_TOKEN,
        });
        const seconds = (Date.now() - started) / 1000;
        assert.equal(r.code, 7, r.stderr);
        assert.ok(seconds < 20, `ran ${seconds}s with --max-time 3`);
      } finally {
        await api.close();
      }
    });
  });

  describe("smaller checks", () => {
    it("`sh register.sh` says it needs bash, exit 13", () => {
      const r = spawnSync("sh", [REGISTER_SH, "--help"], {
        encoding: "utf8",
        env: { PATH: process.env.PATH },
      });
      assert.equal(r.status, 13, r.stderr);
      assert.equal(r.stderr, "register.sh: error: needs bash (run it as: bash register.sh)\n");
    });

    for (const value of ["true", "yes", "1", "TRUE"]) {
      it(`HF_FORCE=${value} re-registers an already registered machine`, async () => {
        const m = newMachine();
        fs.mkdirSync(path.dirname(m.registrationFile), { recursive: true });
        fs.writeFileSync(m.registrationFile, '{"ManagedInstanceID":"mi-0123456789abcdef0"}');
        const r = await runScript(REGISTER_SH, ["--name", "web-1", "--max-attempts", "1"], {
          ...m.env,
          HF_API_URL: `${CLOSED_URL}/latest`,
          HF_IMDS_URL: CLOSED_URL,
          HF_TOKEN: GOOD_TOKEN,
          HF_FORCE: value,
        });
        assert.equal(r.code, 7, r.stderr);
        assert.doesNotMatch(r.stderr, /nothing to do/);
      });
    }

    it("HF_FORCE=maybe is a usage error naming the allowed values", async () => {
      const m = newMachine();
      const r = await runScript(REGISTER_SH, [], {
        ...m.env,
        HF_API_URL: `${CLOSED_URL}/latest`,
        HF_FORCE: "maybe",
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /HF_FORCE must be 1, true or yes \(or 0, false, no\), got maybe/);
    });

    it("a token file that is a directory is exit 2", async () => {
      const m = newMachine();
      const r = await runScript(REGISTER_SH, ["--token-file", m.dir], {
        ...m.env,
        HF_API_URL: `${CLOSED_URL}/latest`,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /token file .* is not a regular file/);
    });

    it("warns when the token file is readable by group or others", async () => {
      const m = newMachine();
      const file = path.join(m.dir, "token");
      fs.writeFileSync(file, GOOD_TOKEN);
      fs.chmodSync(file, 0o644);
      const r = await runScript(REGISTER_SH, ["--token-file", file, "--max-attempts", "1"], {
        ...m.env,
        HF_API_URL: `${CLOSED_URL}/latest`,
        HF_IMDS_URL: CLOSED_URL,
      });
      assert.equal(r.code, 7, r.stderr);
      assert.match(
        r.stderr,
        /warning: token file .*token is readable by group or others \(mode 644\); chmod 600 it/,
      );
      fs.chmodSync(file, 0o600);
      const quiet = await runScript(REGISTER_SH, ["--token-file", file, "--max-attempts", "1"], {
        ...m.env,
        HF_API_URL: `${CLOSED_URL}/latest`,
        HF_IMDS_URL: CLOSED_URL,
      });
      assert.doesNotMatch(quiet.stderr, /readable by group or others/);
    });
  });
});
