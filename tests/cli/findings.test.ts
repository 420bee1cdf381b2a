/**
 * `instances --sync-dir`: open findings per machine from the risk engine run offline over the
 * hand-built sync folder (tests/fixtures/risk/handbuilt, worked out by hand in
 * tests/risk/handBuilt.test.ts). Without the stack's acceptance register (no `--config`),
 * every non-compliant item and every no-data control counts as open, so from that file's
 * table: M1 web-01 3 (KB1, CIS 1.1.1, CIS 5.2.1), M2 app-01 4 (KB3, Defender, no-data CIS,
 * the Association item), M3 db-dev-01 3 (KB1, KB10, CIS 1.1.1), M4 legacy-01 3 (stale: three
 * no-data), M6 kiosk-01 0.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openFindingsBySyncDir } from "../../cli/findings";
import { DUCKDB_INSTALL_HINT, isDuckdbMissing, loadRiskLocal } from "../../cli/riskLocal";
import { UsageError } from "../../cli/errors";
import { runHarness } from "./support/cliHarness";
import { machine, mockFleetSsm, restoreAllMocks } from "./support/mockFleet";

const SYNC = path.join(__dirname, "../fixtures/risk/handbuilt/ssm-sync");
const NOW = new Date("2026-11-30T12:00:00Z");
const GLOBALS = {
  json: false,
  fleetTagKey: "HybridFleet",
  modeTagKey: "ComplianceMode",
  environmentTagKey: "Environment",
};

describe("hybrid-fleet instances --sync-dir (open findings from the risk view)", () => {
  afterEach(restoreAllMocks);

  it("counts each fleet machine's open findings as the risk engine does", async () => {
    const open = await openFindingsBySyncDir(SYNC, "acme", GLOBALS, NOW);
    assert.deepEqual(Object.fromEntries([...open].sort()), {
      "i-0123456789abcdef0": 4,
      "mi-0a1b2c3d4e5f60001": 3,
      "mi-0a1b2c3d4e5f60003": 3,
      "mi-0a1b2c3d4e5f60004": 3,
      "mi-0a1b2c3d4e5f60006": 0,
    });
  });

  it("with --config, the stack's acceptance register applies (web-01's accepted CIS 1.1.1 no longer counts)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "findings-"));
    const file = path.join(dir, "Pulumi.test.yaml");
    fs.writeFileSync(
      file,
      [
        "config:",
        "  ssm-hybrid-fleet:fleetName: acme",
        "  ssm-hybrid-fleet:risk:",
        "    acceptances:",
        "      - id: cis-cramfs",
        "        control: cis",
        '        findingPattern: "1\\\\.1\\\\..*"',
        "        names: [web-01]",
        "        reason: cramfs needed by the appliance firmware loader",
        "        approver: jane.doe@example.com",
        '        expiresAt: "2027-06-01T00:00:00Z"',
        "",
      ].join("\n"),
    );
    try {
      const open = await openFindingsBySyncDir(SYNC, "acme", GLOBALS, NOW, file);
      assert.equal(open.get("mi-0a1b2c3d4e5f60001"), 2);
      assert.equal(open.get("mi-0a1b2c3d4e5f60003"), 3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a bad --config or --sync-dir is a usage error naming it", async () => {
    const ssm = mockFleetSsm([]);
    const r = await runHarness(["instances", "--fleet", "acme", "--config", "x.yaml"]);
    assert.equal(ssm.calls().length, 0);
    ssm.restore();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--config needs --sync-dir/);
    await assert.rejects(
      openFindingsBySyncDir("/nonexistent", "acme", GLOBALS, NOW),
      (e: unknown) =>
        e instanceof UsageError && e.message === "--sync-dir /nonexistent does not exist",
    );
    await assert.rejects(
      openFindingsBySyncDir(SYNC, "acme", GLOBALS, NOW, "/nonexistent.yaml"),
      (e: unknown) =>
        e instanceof UsageError && e.message === "--config /nonexistent.yaml does not exist",
    );
  });

  it("fills the FINDINGS column (0 for a fleet machine the sync has not seen yet)", async () => {
    const web = machine({ n: 1, name: "web-01", tags: { HybridFleet: "acme" } });
    const fresh = machine({ n: 2, name: "new-01", tags: { HybridFleet: "acme" } });
    const nodes = [{ ...web, node: { ...web.node, InstanceId: "mi-0a1b2c3d4e5f60001" } }, fresh];
    const ssm = mockFleetSsm(nodes);
    const r = await runHarness(["--json", "instances", "--fleet", "acme", "--sync-dir", SYNC], {
      now: () => NOW,
    });
    ssm.restore();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).instances.map((i: { name: string; openFindings: number }) => [
        i.name,
        i.openFindings,
      ]),
      [
        ["new-01", 0],
        ["web-01", 3],
      ],
    );
  });

  it("says how to install DuckDB when it is missing (usage error, exit 2)", async () => {
    const missing = Object.assign(new Error("Cannot find module '@duckdb/node-api'"), {
      code: "MODULE_NOT_FOUND",
    });
    assert.equal(isDuckdbMissing(missing), true);
    await assert.rejects(
      loadRiskLocal(() => Promise.reject(missing)),
      (e: unknown) => e instanceof UsageError && e.message === DUCKDB_INSTALL_HINT,
    );
    const other = new Error("boom");
    await assert.rejects(
      loadRiskLocal(() => Promise.reject(other)),
      (e) => e === other,
    );
  });
});
