/**
 * The user data builders: the API URL goes in exactly once and safely, the result fits
 * EC2's 16 KB limit, unpacks to exactly the baked script, and (Linux) runs.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import fc from "fast-check";
import {
  BOOTSTRAP_DIR,
  USER_DATA_MAX_BYTES,
  apiUrlProblem,
  buildLinuxUserData,
  buildWindowsUserData,
} from "../../components/activation/userData";
import { stripCommentLines } from "../../components/activation/stripComments";
import { findPwsh } from "./support/scenarioRunner";

const URL = "https://abc123defg.execute-api.eu-west-1.amazonaws.com/latest";
/** The scripts as user data embeds them: whole-line comments dropped. */
const SH = stripCommentLines(
  fs.readFileSync(path.join(BOOTSTRAP_DIR, "register.sh"), "utf8"),
  "bash",
);
const PS = stripCommentLines(
  fs.readFileSync(path.join(BOOTSTRAP_DIR, "register.ps1"), "utf8"),
  "powershell",
);
/** Room left for the scripts to grow before EC2's limit bites again. */
const HEADROOM_BYTES = 2048;

/** The script a user data string carries: unpacked when wrapped, else the text itself. */
function inner(userData: string, terminator: RegExp): string {
  const packed = terminator.exec(userData);
  if (!packed) return userData;
  return zlib.gunzipSync(Buffer.from(packed[1].replace(/\s/g, ""), "base64")).toString("utf8");
}
const LINUX_PACKED = /<<'HF_REGISTER_SH' \| gunzip >"\$f"\n([A-Za-z0-9+/=\n]+)\nHF_REGISTER_SH\n/;
const WINDOWS_PACKED = /FromBase64String\(@'\n([A-Za-z0-9+/=\n]+)\n'@\)/;

function scratch(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hf-userdata-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("user data builders", () => {
  it("Linux: fits in 16 KB and unpacks to register.sh with only the URL line changed", () => {
    const ud = buildLinuxUserData(URL);
    assert.ok(Buffer.byteLength(ud) <= USER_DATA_MAX_BYTES, `${Buffer.byteLength(ud)} bytes`);
    assert.ok(ud.startsWith("#!/bin/bash\n"));
    const script = inner(ud, LINUX_PACKED);
    assert.equal(
      script,
      SH.replace("readonly BAKED_API_URL=''", `readonly BAKED_API_URL='${URL}'`),
    );
    assert.equal(buildLinuxUserData(URL), ud, "not deterministic");
  });

  it(`both user data outputs leave at least ${HEADROOM_BYTES} bytes below EC2's 16 KB limit`, () => {
    const sizes = {
      linux: Buffer.byteLength(buildLinuxUserData(URL)),
      windows: Buffer.byteLength(buildWindowsUserData(URL)),
    };
    for (const [os_, size] of Object.entries(sizes)) {
      assert.ok(
        size <= USER_DATA_MAX_BYTES - HEADROOM_BYTES,
        `${os_} user data is ${size} bytes; keep it at most ${USER_DATA_MAX_BYTES - HEADROOM_BYTES}`,
      );
    }
  });

  it("Windows: the wrapper unpacks to a fresh random temp file, runs it and removes it", function () {
    const pwsh = findPwsh();
    if (!pwsh) {
      if (process.env.CI === "true")
        assert.fail("pwsh is missing (CI=true): run .ci/install-powershell.sh");
      console.log("    (skipped: pwsh not found; CI=true makes this a failure)");
      this.skip();
    }
    this.timeout(120_000);
    const ud = buildWindowsUserData(URL, { compress: "always" });
    const body = /^<powershell>\n([\s\S]*)\n<\/powershell>\n$/.exec(ud)?.[1] ?? "";
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), "hf-userdata-temp-"));
    const record = path.join(temp, "runs.txt");
    // A function named powershell.exe wins over any program of that name: it records the
    // file it was given and its text, and exits 7 so the exit code is seen passing through.
    const stand = [
      "function powershell.exe {",
      "  $f = $args[-1]",
      `  Add-Content -LiteralPath '${record}' -Value ($f + '|' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($f)))`,
      "  $global:LASTEXITCODE = 7",
      "}",
    ].join("\n");
    const file = path.join(temp, "..", `${path.basename(temp)}-ud.ps1`);
    fs.writeFileSync(file, `${stand}\n${body}\n`);
    const runs = [1, 2].map(() =>
      spawnSync(pwsh as string, ["-NoProfile", "-NonInteractive", "-File", file], {
        encoding: "utf8",
        env: { ...process.env, TEMP: temp },
      }),
    );
    for (const run of runs) assert.equal(run.status, 7, run.stderr);
    const lines = fs.readFileSync(record, "utf8").trim().split("\n");
    assert.equal(lines.length, 2);
    const [first, second] = lines.map((l) => l.split("|"));
    for (const [f, b64] of [first, second]) {
      assert.equal(path.dirname(f), temp);
      assert.match(path.basename(f), /^hf-register-[0-9a-f]{32}\.ps1$/);
      const text = Buffer.from(b64, "base64")
        .toString("utf8")
        .replace(/^\uFEFF/, "");
      assert.equal(text, PS.replace("$BakedApiUrl = ''", `$BakedApiUrl = '${URL}'`));
    }
    assert.notEqual(first[0], second[0], "the same temp path twice");
    assert.deepEqual(fs.readdirSync(temp), ["runs.txt"], "the unpacked script was left behind");
  });

  it("Linux: the wrapper is valid bash and passes its arguments through (--help exits 0)", () => {
    const dir = scratch({ "ud.sh": buildLinuxUserData(URL, { compress: "always" }) });
    const syntax = spawnSync("bash", ["-n", path.join(dir, "ud.sh")], { encoding: "utf8" });
    assert.equal(syntax.status, 0, syntax.stderr);
    const help = spawnSync("bash", [path.join(dir, "ud.sh"), "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: register\.sh/);
  });

  it("Windows: a <powershell> block that unpacks to register.ps1 with only the URL line changed", () => {
    const ud = buildWindowsUserData(URL);
    assert.ok(Buffer.byteLength(ud) <= USER_DATA_MAX_BYTES, `${Buffer.byteLength(ud)} bytes`);
    assert.match(ud, /^<powershell>\n[\s\S]*\n<\/powershell>\n$/);
    assert.equal((ud.match(/<\/powershell>/g) ?? []).length, 1);
    const script = inner(ud, WINDOWS_PACKED);
    assert.equal(script, PS.replace("$BakedApiUrl = ''", `$BakedApiUrl = '${URL}'`));
    assert.match(script, /ALLOWEC2INSTALL=YES/);
  });

  it("compress: never keeps the script as is, always wraps it, and oversize fails naming the limit", () => {
    const dir = scratch({
      "register.sh": "#!/usr/bin/env bash\nreadonly BAKED_API_URL=''\necho hi\n",
      "register.ps1": "$BakedApiUrl = ''\nWrite-Output hi\n",
    });
    assert.equal(
      buildLinuxUserData(URL, { scriptDir: dir, compress: "never" }),
      `#!/usr/bin/env bash\nreadonly BAKED_API_URL='${URL}'\necho hi\n`,
    );
    assert.equal(
      buildWindowsUserData(URL, { scriptDir: dir, compress: "auto" }),
      `<powershell>\n$BakedApiUrl = '${URL}'\nWrite-Output hi\n\n</powershell>\n`,
    );
    assert.match(buildLinuxUserData(URL, { scriptDir: dir, compress: "always" }), LINUX_PACKED);
    const big = scratch({
      "register.sh": `readonly BAKED_API_URL=''\n${"echo pad\n".repeat(2300)}`,
    });
    assert.throws(
      () => buildLinuxUserData(URL, { scriptDir: big, compress: "never" }),
      /Linux user data is 20\d{3} bytes; EC2 accepts at most 16384/,
    );
  });

  it("refuses a script without exactly one placeholder, or with <powershell> tags", () => {
    const none = scratch({
      "register.sh": "echo no placeholder\n",
      "register.ps1": "$BakedApiUrl = ''\nWrite-Output '</powershell>'\n",
    });
    assert.throws(
      () => buildLinuxUserData(URL, { scriptDir: none }),
      /register\.sh must contain the line "readonly BAKED_API_URL=''" exactly once/,
    );
    assert.throws(
      () => buildWindowsUserData(URL, { scriptDir: none }),
      /must not contain <powershell> tags/,
    );
  });

  const bad = [
    "",
    "http://abc.execute-api.eu-west-1.amazonaws.com/latest",
    "https://x.example.com/latest'; rm -rf / #",
    'https://x.example.com/"$(id)"',
    "https://x.example.com/a b",
    "https://x.example.com/$(reboot)",
    "https://x.example.com/`reboot`",
    "https://x.example.com/latest\nreboot",
  ];
  for (const url of bad) {
    it(`refuses the API URL ${JSON.stringify(url)}, naming the field`, () => {
      assert.throws(() => buildLinuxUserData(url), /^Error: apiUrl must be https:\/\/<host>/);
      assert.throws(() => buildWindowsUserData(url), /^Error: apiUrl must be https:\/\/<host>/);
    });
  }

  it("accepts only URLs without shell or PowerShell metacharacters (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (tail) => {
        const url = `https://x.example.com/${tail}`;
        if (apiUrlProblem(url) === undefined) assert.match(tail, /^[A-Za-z0-9._~%/-]*$/);
      }),
      { numRuns: 300 },
    );
    assert.equal(apiUrlProblem("http://127.0.0.1:8080/latest"), undefined);
    assert.equal(apiUrlProblem(URL), undefined);
  });
});
