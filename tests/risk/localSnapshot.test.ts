/**
 * The offline engine's one liberty: it reads each sync table once into DuckDB (only the
 * columns the statements name) before the statements run. Every SELECT must return exactly
 * what it returns over the plain views, and the user's sync folder is never written to.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defaultRiskSettings } from "../../risk/local/config";
import { sampleRiskConfig, writeSampleFleet } from "../../risk/local/sampleFleet";
import { scanSyncFolder } from "../../risk/local/scan";
import { SNAPSHOT_SYNC_TYPES, localSqlContext, openLocalEngine } from "../../risk/local/snapshot";

const NOW = new Date("2026-11-30T10:00:00Z");

function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(`${path.relative(root, full)} ${fs.statSync(full).size}`);
    }
  };
  walk(root);
  return out.sort();
}

describe("offline engine (materialized sync tables)", function () {
  this.timeout(300_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "risk-local-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("returns the same rows for every statement as the plain views", async () => {
    const sync = path.join(tmp, "sync");
    writeSampleFleet(sync, { machines: 80, itemsPerMachine: 10, now: NOW });
    const before = tree(sync);
    const scan = scanSyncFolder(sync, { types: SNAPSHOT_SYNC_TYPES });
    const settings = { ...defaultRiskSettings(), ...sampleRiskConfig(NOW) };
    const ctx = localSqlContext(settings, "sample");
    const rowsOf = async (materialize: boolean) => {
      const engine = await openLocalEngine(scan, settings, path.join(tmp, `h-${materialize}`));
      try {
        if (materialize) await engine.materialize(ctx);
        await engine.appendHistory(ctx, NOW);
        return await engine.selectRows(ctx, NOW);
      } finally {
        engine.close();
      }
    };
    const plain = await rowsOf(false);
    const read = await rowsOf(true);
    assert.ok(plain.top_machines.length > 0 && plain.acceptances.length === 3);
    assert.deepEqual(read, plain);
    assert.deepEqual(tree(sync), before);
  });

  it("keeps only the columns the statements name, and every one they name", async () => {
    const sync = path.join(tmp, "small");
    writeSampleFleet(sync, { machines: 3, itemsPerMachine: 4, now: NOW });
    const settings = defaultRiskSettings();
    const engine = await openLocalEngine(scanSyncFolder(sync), settings, path.join(tmp, "h"));
    try {
      const used = await engine.usedColumns(localSqlContext(settings, undefined));
      assert.deepEqual(
        [...used.keys()],
        ["aws_complianceitem", "aws_compliancesummary", "aws_instanceinformation", "aws_tag"],
      );
      for (const cols of used.values()) {
        for (const c of ["resourceid", "capturetime", "accountid", "region"])
          assert.ok(cols.includes(c), c);
      }
      assert.ok(!used.get("aws_complianceitem")?.includes("documentversion"));
    } finally {
      engine.close();
    }
  });
});
