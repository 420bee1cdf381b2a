/**
 * Runs the Pester tests of the documents' Windows steps (`tests/documents/pester/*.Tests.ps1`)
 * in one `pwsh` process and turns Pester's result into mocha assertions: one mocha test per
 * Pester file, failing with Pester's own messages. Under CI=true a missing pwsh or Pester
 * fails; elsewhere the tests skip with one loud line (`.ci/install-powershell.sh` installs both).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expected, loadScenarios, Normalized, runLinux } from "./parity/linux";

const ROOT = path.join(__dirname, "..", "..");
const PESTER_DIR = path.join(__dirname, "pester");
/** The Windows paths `Parity.Tests.ps1` puts the table's facts at. */
const WINDOWS_PATHS = {
  os: "Windows",
  agentPath: "C:\\Program Files\\AV\\avagent.exe",
  definitionsPath: "C:\\ProgramData\\AV\\Definitions",
};

/** A normalized result with the platform's own paths and OS name put back as placeholders. */
export function abstractPlatform(n: Normalized, paths: Record<string, string>): Normalized {
  let json = JSON.stringify(n);
  for (const k of ["agentPath", "definitionsPath", "os"]) {
    json = json.split(JSON.stringify(paths[k]).slice(1, -1)).join(`{${k}}`);
  }
  return JSON.parse(json);
}

/** Pinned in `.ci/install-powershell.sh`. */
const PESTER_VERSION = "6.2.0";

/** One Pester test as the runner script reports it. */
export interface PesterTest {
  file: string;
  name: string;
  result: string;
  error: string;
}

/** The first pwsh that runs: $HF_PWSH, then PATH, then the .NET tool folder. */
export function findPwsh(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.HF_PWSH,
    "pwsh",
    path.join(env.HOME ?? os.homedir(), ".dotnet", "tools", "pwsh"),
  ].filter((c): c is string => !!c);
  return candidates.find(
    (c) => spawnSync(c, ["-NoProfile", "-Command", "exit 0"], { timeout: 60_000 }).status === 0,
  );
}

/** Pester's module manifest as `.ci/install-powershell.sh` restores it. */
export function findPester(root = ROOT): string | undefined {
  const base = path.join(root, ".tools", "pester", "pester", PESTER_VERSION);
  return [path.join(base, "tools", "Pester.psd1"), path.join(base, "Pester.psd1")].find((p) =>
    fs.existsSync(p),
  );
}

// PowerShell: run every *.Tests.ps1 and write one JSON record per test (no host output parsing).
const RUNNER = `
param([string]$Pester, [string]$Tests, [string]$Out)
$ErrorActionPreference = 'Stop'
Import-Module $Pester
$c = New-PesterConfiguration
$c.Run.Path = $Tests
$c.Run.PassThru = $true
$c.Output.Verbosity = 'Normal'
$r = Invoke-Pester -Configuration $c
$results = @($r.Tests | ForEach-Object {
  [pscustomobject][ordered]@{
    file = Split-Path -Leaf $_.ScriptBlock.File
    name = $_.ExpandedPath
    result = [string]$_.Result
    error = (@($_.ErrorRecord | ForEach-Object { "$_" }) -join "\`n")
  }
})
$containers = @($r.Containers | Where-Object { $_.ErrorRecord.Count -gt 0 } | ForEach-Object { "$($_.Item): $($_.ErrorRecord)" })
[IO.File]::WriteAllText($Out, (ConvertTo-Json -Depth 5 -InputObject ([pscustomobject]@{ tests = $results; containerErrors = $containers })))
`;

describe("documents: Windows steps under Pester (pwsh)", function () {
  this.timeout(900_000);
  const files = fs
    .readdirSync(PESTER_DIR)
    .filter((f) => f.endsWith(".Tests.ps1"))
    .sort();
  let tests: PesterTest[] = [];
  let containerErrors: string[] = [];
  let skipReason = "";
  const parityOut = fs.mkdtempSync(path.join(os.tmpdir(), "hfparity-"));
  after(() => fs.rmSync(parityOut, { recursive: true, force: true }));

  before(function () {
    const pwsh = findPwsh();
    const pester = findPester();
    if (!pwsh || !pester) {
      const missing = !pwsh ? "pwsh" : `Pester ${PESTER_VERSION} in .tools/pester`;
      if (process.env.CI === "true") {
        throw new Error(
          `${missing} is missing under CI=true: .ci/install-powershell.sh installs it`,
        );
      }
      skipReason = `SKIPPED the PowerShell document tests: ${missing} not found (run .ci/install-powershell.sh)`;
      console.warn(`\n!!! ${skipReason}\n`);
      return;
    }
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "hfpester-run-"));
    try {
      const runner = path.join(work, "run.ps1");
      const out = path.join(work, "result.json");
      fs.writeFileSync(runner, RUNNER);
      const r = spawnSync(
        pwsh,
        ["-NoProfile", "-NonInteractive", "-File", runner, pester, PESTER_DIR, out],
        {
          cwd: ROOT,
          encoding: "utf8",
          env: {
            ...process.env,
            POWERSHELL_TELEMETRY_OPTOUT: "1",
            POWERSHELL_UPDATECHECK: "Off",
            DOTNET_CLI_TELEMETRY_OPTOUT: "1",
            NO_COLOR: "1",
            HF_PARITY_OUT: parityOut,
          },
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      assert.ok(
        fs.existsSync(out),
        `Pester wrote no result (exit ${r.status}):\n${r.stdout}\n${r.stderr}`,
      );
      const parsed = JSON.parse(fs.readFileSync(out, "utf8"));
      tests = parsed.tests ?? [];
      containerErrors = parsed.containerErrors ?? [];
      const passed = tests.filter((t) => t.result === "Passed").length;
      console.log(
        `      Pester: ${tests.length} tests, ${passed} passed, in ${files.length} files`,
      );
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("every Pester file loads", function () {
    if (skipReason) this.skip();
    assert.deepEqual(containerErrors, []);
  });

  for (const file of files) {
    it(`${file}: every Pester test passes`, function () {
      if (skipReason) this.skip();
      const mine = tests.filter((t) => t.file === file);
      assert.ok(mine.length > 0, `no Pester test ran from ${file}`);
      const bad = mine.filter((t) => t.result !== "Passed");
      assert.deepEqual(
        bad.map((t) => `${t.name}: ${t.result}\n${t.error}`),
        [],
        `${bad.length} of ${mine.length} Pester tests in ${file} did not pass`,
      );
    });
  }

  describe("one scenario table, two steps (tests/documents/parity/scenarios.json)", () => {
    for (const s of loadScenarios()) {
      it(`${s.name}: the Linux step builds the table's request, and the Windows step the same`, function () {
        const { got, paths } = runLinux(s);
        assert.deepEqual(got, expected(s.expect, paths), "Linux step vs table");
        if (skipReason) {
          console.warn(`      (Windows half of ${s.name} skipped: ${skipReason})`);
          return;
        }
        const file = path.join(parityOut, `${s.name}.json`);
        assert.ok(fs.existsSync(file), `Parity.Tests.ps1 wrote no result for ${s.name}`);
        const windows: Normalized = JSON.parse(fs.readFileSync(file, "utf8"));
        assert.deepEqual(
          abstractPlatform(windows, WINDOWS_PATHS),
          abstractPlatform(got, paths),
          "Windows step vs Linux step, same facts",
        );
      });
    }
  });
});
