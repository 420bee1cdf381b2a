/**
 * `npm run risk`, end to end: the CLI is spawned as `npm run risk` runs it and judged by its
 * exit code, its output and the report it writes; argument parsing and the options that need
 * no separate process (help, fleet filter, history) run in process.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DEFAULT_REPORT_FILE,
  SAMPLE_HISTORY_DAYS,
  USAGE,
  UsageError,
  parseRiskArgs,
  runRiskCli,
} from "../../risk/local/cli";
import { writeSampleFleet } from "../../risk/local/sampleFleet";

const ROOT = path.join(__dirname, "..", "..");
const NOW = "2026-11-30T10:00:00Z";

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns the CLI exactly as the package.json script does. */
function spawnRisk(args: string[]): Run {
  const r = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "risk/local/cli.ts", ...args],
    { cwd: ROOT, encoding: "utf8", timeout: 240_000 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI in process with collected output. */
async function runInProcess(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRiskCli(args, {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    clock: () => new Date(NOW),
  });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** The numbers the report shows for a data-metric, in document order. */
function metric(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`data-metric="${name}"[^>]*>([^<]*)<`, "g"))].map((m) =>
    m[1].replace(/,/g, ""),
  );
}

function summaryNumber(stdout: string, label: string): string {
  const m = new RegExp(`^${label}: (\\d+)`, "m").exec(stdout);
  assert.ok(m, `no "${label}" in:\n${stdout}`);
  return m[1];
}

describe("npm run risk (CLI)", function () {
  this.timeout(600_000);
  let tmp: string;
  let sync: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "risk-cli-"));
    sync = path.join(tmp, "sync");
    writeSampleFleet(sync, { machines: 40, itemsPerMachine: 8, now: new Date(NOW) });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("without --sync-dir: a sample fleet with history, a summary and the report (exit 0)", () => {
    const out = path.join(tmp, "sample", "report.html");
    const r = spawnRisk(["--now", NOW, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^No --sync-dir: generating a sample fleet of 200 machines/m);
    assert.match(
      r.stdout,
      /^Risk snapshot of fleet sample at 2026-11-30T10:00:00Z \(data captured /,
    );
    for (const heading of [
      "Coverage per control",
      "Top machines (10 of ",
      "Acceptances: 3, expired 1",
    ]) {
      assert.ok(r.stdout.includes(heading), heading);
    }
    assert.match(r.stdout, /^ {2}antivirus +mandated /m);
    assert.ok(r.stdout.endsWith(`Report: ${out}\n`), r.stdout);
    const html = fs.readFileSync(out, "utf8");
    assert.match(html, /^<!DOCTYPE html>/i);
    // The same snapshot behind both: the summary's figures are the report's.
    assert.deepEqual(metric(html, "totals.score"), [summaryNumber(r.stdout, "Fleet score")]);
    assert.deepEqual(metric(html, "totals.machines"), [summaryNumber(r.stdout, "Machines")]);
    // One point per day of sample history, then this snapshot.
    const points = [...html.matchAll(/data-metric="history.score" data-key="([^"]+)"/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(points, [
      ...Array.from({ length: SAMPLE_HISTORY_DAYS }, (_, i) =>
        new Date(Date.parse(NOW) - (SAMPLE_HISTORY_DAYS - i) * 86_400_000)
          .toISOString()
          .replace(".000Z", "Z"),
      ),
      NOW,
    ]);
  });

  it("a truncated sync file is named in the summary and the report, the rest processed", () => {
    const broken = path.join(tmp, "broken");
    fs.cpSync(sync, broken, { recursive: true });
    const leaf =
      "AWS:ComplianceItem/accountid=111122223333/region=us-east-1/resourcetype=ManagedInstanceInventory";
    const name = fs.readdirSync(path.join(broken, ...leaf.split("/"))).sort()[0];
    const file = path.join(broken, ...leaf.split("/"), name);
    const body = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, body.slice(0, body.length - 30));
    const out = path.join(tmp, "broken.html");
    const intact = spawnRisk([
      "--sync-dir",
      sync,
      "--now",
      NOW,
      "--out",
      path.join(tmp, "intact.html"),
    ]);
    const r = spawnRisk(["--sync-dir", broken, "--now", NOW, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const rel = `${leaf}/${name}`;
    assert.match(
      r.stderr,
      new RegExp(
        `^warning: unreadable, left out: ${rel.replace(/[.]/g, "\\.")}: line \\d+: truncated`,
        "m",
      ),
    );
    assert.match(r.stdout, /^Unreadable files: 1 \(left out of this snapshot\)$/m);
    assert.ok(r.stdout.includes(`  ${rel}: line `), r.stdout);
    assert.ok(fs.readFileSync(out, "utf8").includes(rel));
    // The rest was read: same machines as the intact folder.
    assert.equal(intact.code, 0, intact.stderr);
    assert.match(intact.stdout, /^Unreadable files: none$/m);
    assert.equal(summaryNumber(r.stdout, "Machines"), summaryNumber(intact.stdout, "Machines"));
    assert.equal(summaryNumber(r.stdout, "Machines"), "40");
  });

  it("a missing or empty sync folder: exit 2 with the reason, no report", async () => {
    const out = path.join(tmp, "none.html");
    const missing = path.join(tmp, "nope");
    const r = spawnRisk(["--sync-dir", missing, "--out", out]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `risk: sync folder ${missing} does not exist\n`);
    assert.equal(r.stdout, "");
    const empty = fs.mkdtempSync(path.join(tmp, "empty-"));
    const e = await runInProcess(["--sync-dir", empty, "--out", out]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, new RegExp(`^risk: sync folder ${empty} holds no sync file`));
    assert.ok(!fs.existsSync(out));
  });

  it("bad arguments: exit 2, what is wrong, then the usage", async () => {
    const r = spawnRisk(["--stale-days", "0"]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `risk: --stale-days must be a whole number of days from 1 to 90; got "0"\n${USAGE}\n`,
    );
    const u = await runInProcess(["--sync-dri", "x"]);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /^risk: Unknown option '--sync-dri'/);
  });

  it("an invalid acceptance in --config: exit 2 naming its config path", () => {
    const config = path.join(tmp, "Pulumi.bad.yaml");
    fs.writeFileSync(
      config,
      [
        "config:",
        "  ssm-hybrid-fleet:controls: { antivirus: { mandatory: true } }",
        "  ssm-hybrid-fleet:risk:",
        "    acceptances:",
        "      - { id: av, control: antivirus, reason: r, approver: x, expiresAt: '2027-01-01T00:00:00Z' }",
      ].join("\n"),
    );
    const r = spawnRisk([
      "--sync-dir",
      sync,
      "--now",
      NOW,
      "--config",
      config,
      "--out",
      path.join(tmp, "x.html"),
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(
        `^risk: ${config}:\\n {2}ssm-hybrid-fleet:risk\\.acceptances\\[0\\]\\.control: "antivirus" is mandated`,
      ),
    );
  });

  it("--config: its controls, register and fleet decide the snapshot; an expired entry warns", async () => {
    const config = path.join(tmp, "Pulumi.ok.yaml");
    fs.writeFileSync(
      config,
      [
        "config:",
        "  ssm-hybrid-fleet:fleetName: sample",
        "  ssm-hybrid-fleet:controls: { cis: { enabled: false } }",
        "  ssm-hybrid-fleet:risk:",
        "    acceptances:",
        "      - { id: old, control: patch, reason: r, approver: x, expiresAt: '2026-11-01T00:00:00Z' }",
      ].join("\n"),
    );
    const r = await runInProcess([
      "--sync-dir",
      sync,
      "--config",
      config,
      "--out",
      path.join(tmp, "ok.html"),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^warning: ssm-hybrid-fleet:risk\.acceptances\[0\] \(old\) expired at 2026-11-01T00:00:00Z: its findings of patch count as open \(acceptance-expired\)/m,
    );
    assert.match(r.stdout, /^Risk snapshot of fleet sample at /);
    assert.match(r.stdout, /^Acceptances: 1, expired 1,/m);
    assert.doesNotMatch(r.stdout, /^ {2}cis /m);
  });

  it("the sample fleet with a stack file: the sample's fleet, not the file's fleetName", async () => {
    const r = await runInProcess([
      "--config",
      path.join(ROOT, "Pulumi.dev.yaml"),
      "--out",
      path.join(tmp, "sd.html"),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Risk snapshot of fleet sample at /);
    assert.ok(Number(summaryNumber(r.stdout, "Machines")) > 150, r.stdout);
  });

  it("--fleet keeps only that fleet's machines; without it every machine counts", async () => {
    const all = await runInProcess(["--sync-dir", sync, "--out", path.join(tmp, "all.html")]);
    const other = await runInProcess([
      "--sync-dir",
      sync,
      "--fleet",
      "other-fleet",
      "--out",
      path.join(tmp, "o.html"),
    ]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(other.code, 0, other.stderr);
    assert.match(all.stdout, /^Risk snapshot of fleet \(all\) at /);
    assert.match(other.stdout, /^Risk snapshot of fleet other-fleet at /);
    assert.ok(
      Number(summaryNumber(other.stdout, "Machines")) <
        Number(summaryNumber(all.stdout, "Machines")),
    );
  });

  it("--history-dir: each run appends, and the trend reads every run", async () => {
    const history = path.join(tmp, "history");
    const out = path.join(tmp, "h.html");
    for (const now of ["2026-11-29T10:00:00Z", NOW]) {
      const r = await runInProcess([
        "--sync-dir",
        sync,
        "--history-dir",
        history,
        "--now",
        now,
        "--out",
        out,
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(fs.readdirSync(history).sort(), ["day=2026-11-29", "day=2026-11-30"]);
    const keys = [
      ...fs.readFileSync(out, "utf8").matchAll(/data-metric="history.score" data-key="([^"]+)"/g),
    ];
    assert.deepEqual(
      keys.map((m) => m[1]),
      ["2026-11-29T10:00:00Z", NOW],
    );
  });

  it("--help prints the usage and exits 0", async () => {
    const r = await runInProcess(["--help"]);
    assert.deepEqual(r, { code: 0, stdout: USAGE, stderr: "" });
  });

  it("parses every option", () => {
    assert.deepEqual(
      parseRiskArgs([
        "--sync-dir",
        "s",
        "--history-dir",
        "h",
        "--out",
        "o.html",
        "--fleet",
        "acme",
        "--stale-days",
        "14",
        "--now",
        "2026-11-30T10:00:00+10:00",
        "--config",
        "Pulumi.dev.yaml",
      ]),
      {
        syncDir: "s",
        historyDir: "h",
        out: "o.html",
        fleet: "acme",
        staleDays: 14,
        now: new Date("2026-11-30T00:00:00Z"),
        config: "Pulumi.dev.yaml",
        help: false,
      },
    );
    assert.equal(parseRiskArgs([]).out, DEFAULT_REPORT_FILE);
  });

  for (const [args, message] of [
    [["--stale-days", "91"], '--stale-days must be a whole number of days from 1 to 90; got "91"'],
    [
      ["--stale-days", "7.5"],
      '--stale-days must be a whole number of days from 1 to 90; got "7.5"',
    ],
    [
      ["--now", "2026-11-30 10:00"],
      '--now must be an ISO 8601 instant with a zone, e.g. 2026-11-30T10:00:00Z; got "2026-11-30 10:00"',
    ],
    [
      ["--now", "2026-11-30T10:00:00"],
      '--now must be an ISO 8601 instant with a zone, e.g. 2026-11-30T10:00:00Z; got "2026-11-30T10:00:00"',
    ],
    [
      ["--now", "2026-13-45T10:00:00Z"],
      '--now must be an ISO 8601 instant with a zone, e.g. 2026-11-30T10:00:00Z; got "2026-13-45T10:00:00Z"',
    ],
    [["--fleet", ""], "--fleet needs a value"],
    [["--sync-dir"], "Option '--sync-dir <value>' argument missing"],
    [["extra"], "Unexpected argument 'extra'. This command does not take positional arguments"],
  ] as const) {
    it(`refuses ${JSON.stringify(args)}`, () => {
      assert.throws(
        () => parseRiskArgs(args),
        (e: Error) => {
          assert.ok(e instanceof UsageError);
          assert.equal(e.message, message);
          return true;
        },
      );
    });
  }
});
