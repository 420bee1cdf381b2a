/**
 * The snapshot's work table (risk/stage.ts), run offline: the statements over the one-pass
 * copy must return exactly what the same statements return over the sync tables themselves,
 * and the user's sync folder is never written to.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { tableNameFor } from "../../components/sync/complianceSync.sql";
import { defaultRiskSettings } from "../../risk/local/config";
import { sampleRiskConfig, writeSampleFleet } from "../../risk/local/sampleFleet";
import { scanSyncFolder } from "../../risk/local/scan";
import type { Row } from "../../risk/local/duckdb";
import {
  SNAPSHOT_SYNC_TYPES,
  localSqlContext,
  openLocalEngine,
  snapshotTime,
  statementsMemoryLimitMiB,
} from "../../risk/local/snapshot";
import { SNAPSHOT_COLUMNS, type SnapshotQueryKey } from "../../risk/model";
import { riskPrepareParts, riskStatements } from "../../risk/sql";

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

describe("offline engine (the snapshot's work table)", function () {
  this.timeout(300_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "risk-local-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("answers every statement as the statements over the sync tables do, and leaves the sync folder alone", async () => {
    const sync = path.join(tmp, "sync");
    writeSampleFleet(sync, { machines: 80, itemsPerMachine: 10, now: NOW });
    const before = tree(sync);
    const scan = scanSyncFolder(sync, { types: SNAPSHOT_SYNC_TYPES });
    const settings = { ...defaultRiskSettings(), ...sampleRiskConfig(NOW) };
    const ctx = localSqlContext(settings, "sample");
    const direct = riskStatements(ctx, { readSyncTables: true });
    const at = [snapshotTime(NOW)];
    const engine = await openLocalEngine(scan, settings, path.join(tmp, "h-direct"));
    const full = await engine.openCopySession();
    let plain: Record<string, Row[]>;
    try {
      assert.equal((await full.insertInto(direct.appendHistory, at)) > 0, true);
      plain = {};
      for (const key of Object.keys(SNAPSHOT_COLUMNS) as SnapshotQueryKey[]) {
        plain[key] = await full.rows(direct.selects[key], at);
      }
    } finally {
      full.close();
      engine.close();
    }
    const staged = await openLocalEngine(scan, settings, path.join(tmp, "h-staged"));
    try {
      const copied = await staged.prepare(ctx);
      const scored = await staged.score(ctx, NOW);
      await staged.appendHistory(ctx, NOW);
      const rows = await staged.selectRows(ctx, NOW);
      assert.ok(plain.top_machines.length > 0 && plain.acceptances.length === 3);
      assert.deepEqual(rows, plain);
      // The scored table holds each finding, each fleet machine, each type a machine
      // reports and each acceptance that matched, scored at the snapshot time.
      const kinds = await staged.db.rows(
        "SELECT kind, count(*) AS n, min(scored_at) AS first, max(scored_at) AS last " +
          "FROM risk_local.risk_snapshot_scored GROUP BY kind ORDER BY kind",
      );
      const [totals] = rows.totals;
      const n = (kind: string) => kinds.find((k) => k.kind === kind)?.n;
      assert.equal(n("finding"), Number(totals.open) + Number(totals.accepted));
      assert.equal(n("machine"), totals.machines);
      assert.equal(n("acceptance"), rows.acceptances.filter((a) => Number(a.findings) > 0).length);
      assert.ok(Number(n("type")) >= Number(totals.machines), `${n("type")} type rows`);
      assert.equal(
        kinds.reduce((sum, k) => sum + Number(k.n), 0),
        scored,
      );
      for (const k of kinds) assert.deepEqual([k.first, k.last], [at[0], at[0]]);
      // Rows scored for another time are never read: a second scoring at another time,
      // appended beside the first, leaves this snapshot's answers as they were.
      const later = new Date(NOW.getTime() + 86_400_000);
      assert.equal(await staged.score(ctx, later), scored);
      const statements = riskStatements(ctx);
      for (const key of Object.keys(SNAPSHOT_COLUMNS) as SnapshotQueryKey[]) {
        assert.deepEqual(await staged.db.rows(statements.selects[key], at), rows[key], key);
      }
      await assert.rejects(staged.selectRows(ctx, NOW), {
        message: `selectRows at ${at[0]} reads the findings scored at that time: run prepare, then score(ctx, ${at[0]}) first (they were scored at ${snapshotTime(later)})`,
      });
      // The statements run in a session without the sync tables: they read only the copy.
      assert.deepEqual(
        (
          await staged.db.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'risk_local' ORDER BY 1",
          )
        ).map((r) => r.table_name),
        [
          "risk_acceptance_scopes",
          "risk_acceptances",
          "risk_history",
          "risk_snapshot_scored",
          "risk_snapshot_work",
        ],
      );
      const copy = await staged.openCopySession();
      try {
        // The copy keeps the findings and folds the compliant items: fewer item rows than read.
        const [{ read, kept }] = await copy.rows(
          "SELECT (SELECT count(*) FROM risk_local.aws_complianceitem) AS read, " +
            "(SELECT count(*) FROM risk_local.risk_snapshot_work WHERE source = 'item') AS kept",
        );
        assert.ok((kept as number) < (read as number) / 2, `${kept} item rows kept of ${read}`);
      } finally {
        copy.close();
      }
      // A second prepare replaces the copy and empties the scored table (the function empties
      // the whole work prefix first): the statements wait for the next scoring.
      assert.equal(await staged.prepare(ctx), copied);
      assert.deepEqual(
        await staged.db.rows("SELECT count(*) AS n FROM risk_local.risk_snapshot_scored"),
        [{ n: 0 }],
      );
      await assert.rejects(staged.appendHistory(ctx, NOW), /run prepare, then score/);
      assert.equal(await staged.score(ctx, NOW), scored);
      assert.deepEqual(await staged.selectRows(ctx, NOW), rows);
      // Offline the copy is one INSERT per sync table (riskPrepareParts), one Parquet file
      // each; the single INSERT the function runs writes exactly the same rows.
      assert.equal(fs.readdirSync(staged.workFolder).length, 4);
      const work = "SELECT * FROM risk_local.risk_snapshot_work ORDER BY ALL";
      const fromParts = await staged.db.rows(work);
      const whole = await staged.openCopySession();
      try {
        await whole.clearTable("risk_snapshot_work");
        assert.equal(await whole.insertInto(riskStatements(ctx).prepare), copied);
        // And the sync tables read every file again afterwards.
        assert.deepEqual(
          await whole.rows("SELECT count(*) AS n FROM risk_local.aws_instanceinformation"),
          [{ n: 80 }],
        );
      } finally {
        whole.close();
      }
      assert.equal(fs.readdirSync(staged.workFolder).length, 1);
      // Files another session wrote are read once the table is read again.
      await staged.db.refreshTable("risk_snapshot_work");
      assert.deepEqual(await staged.db.rows(work), fromParts);
      assert.deepEqual(await staged.selectRows(ctx, NOW), rows);
    } finally {
      staged.close();
    }
    assert.deepEqual(tree(sync), before);
  });

  it("keeps freed memory for a small copy's statements and hands it back at once for a large one", async () => {
    const sync = path.join(tmp, "flush");
    writeSampleFleet(sync, { machines: 5, itemsPerMachine: 4, now: NOW });
    const scan = scanSyncFolder(sync, { types: SNAPSHOT_SYNC_TYPES });
    const settings = { ...defaultRiskSettings(), ...sampleRiskConfig(NOW) };
    const ctx = localSqlContext(settings, "sample");
    const allocator = (db: { rows: (sql: string) => Promise<Row[]> }) =>
      db.rows(
        "SELECT current_setting('allocator_flush_threshold') AS thread, " +
          "current_setting('allocator_bulk_deallocation_flush_threshold') AS bulk, " +
          "current_setting('allocator_background_threads') AS background",
      );
    const keep = [{ thread: "128.0 MiB", bulk: "512.0 MiB", background: false }];
    const flush = [{ thread: "7.6 MiB", bulk: "7.6 MiB", background: true }];
    const engine = await openLocalEngine(scan, settings, path.join(tmp, "h-flush"), {
      flushAboveWorkRows: 50,
    });
    try {
      const copy = await engine.openCopySession();
      try {
        // The copy always flushes: its peak is the snapshot's at scale.
        assert.deepEqual(await allocator(copy), flush);
      } finally {
        copy.close();
      }
      assert.deepEqual(await allocator(engine.db), keep);
      const rows = await engine.prepare(ctx);
      assert.ok(rows > 50, `${rows} work rows`);
      assert.deepEqual(await allocator(engine.db), flush);
      // And the statements may use the memory set for a copy of that size (here the floor).
      assert.deepEqual(await engine.db.rows("SELECT current_setting('memory_limit') AS limit"), [
        { limit: `${statementsMemoryLimitMiB(rows)}.0 MiB` },
      ]);
      // A copy at or below the threshold goes back to DuckDB's defaults.
      const small = await openLocalEngine(scan, settings, path.join(tmp, "h-keep"), {
        flushAboveWorkRows: rows,
      });
      try {
        assert.equal(await small.prepare(ctx), rows);
        assert.deepEqual(await allocator(small.db), keep);
      } finally {
        small.close();
      }
    } finally {
      engine.close();
    }
  });

  it("names the columns the snapshot reads of each sync table (the bench's bare scan reads them)", async () => {
    const sync = path.join(tmp, "small");
    writeSampleFleet(sync, { machines: 3, itemsPerMachine: 4, now: NOW });
    const settings = defaultRiskSettings();
    const engine = await openLocalEngine(scanSyncFolder(sync), settings, path.join(tmp, "h"));
    try {
      const used = engine.usedColumns(localSqlContext(settings, undefined));
      assert.deepEqual([...used.keys()].sort(), [
        "aws_complianceitem",
        "aws_compliancesummary",
        "aws_instanceinformation",
        "aws_tag",
      ]);
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

describe("statementsMemoryLimitMiB (the statements session's DuckDB memory)", () => {
  it("is 512 MiB for small copies, then 320 bytes per work row, rounded up", () => {
    assert.equal(statementsMemoryLimitMiB(0), 512);
    assert.equal(statementsMemoryLimitMiB(163_277), 512); // 10,000 machines
    // 512 MiB is exactly 1,677,721.6 rows' worth: one more row rounds up past it.
    assert.equal(statementsMemoryLimitMiB(1_677_721), 512);
    assert.equal(statementsMemoryLimitMiB(1_677_722), 513);
    assert.equal(statementsMemoryLimitMiB(10_000_000), 3052); // 3,051.76 MiB
  });
});

describe("riskStatements: the scoring computes the chain once", () => {
  const ctx = localSqlContext(defaultRiskSettings(), undefined);
  const st = riskStatements(ctx);
  const work = `${ctx.database}.risk_snapshot_work`;
  const scored = `${ctx.database}.risk_snapshot_scored`;

  it("scores from the copy into the scored table", () => {
    assert.ok(st.score.startsWith(`INSERT INTO ${scored} (kind, scored_at, `), st.score);
    assert.ok(st.score.includes(`FROM ${work}`));
  });

  it("every other statement over the snapshot reads the scored table, never the copy or its chain", () => {
    const reading = { ...st.selects, appendHistory: st.appendHistory } as Record<string, string>;
    delete reading.history; // the trend reads the history table alone
    for (const [key, sql] of Object.entries(reading)) {
      assert.ok(sql.includes(`FROM ${scored} s`), `${key} does not read the scored table`);
      assert.ok(!sql.includes(work), `${key} reads the copy`);
      for (const cte of ["seen", "fleet", "findings", "matches"]) {
        assert.ok(!new RegExp(`\\b${cte} AS \\(`).test(sql), `${key} computes ${cte}`);
      }
    }
  });
});

describe("riskPrepareParts (the offline copy, one INSERT per sync table)", () => {
  it("are the branches of the function's one INSERT, under the same INSERT header", () => {
    const ctx = localSqlContext(defaultRiskSettings(), undefined);
    const { prepare } = riskStatements(ctx);
    const parts = riskPrepareParts(ctx);
    const [header] = prepare.split("\n");
    assert.match(header, /^INSERT INTO risk_local\.risk_snapshot_work \(source, /);
    assert.equal(parts.length, SNAPSHOT_SYNC_TYPES.length);
    for (const part of parts) assert.equal(part.split("\n")[0], header);
    const bodies = parts.map((p) => p.slice(header.length + 1));
    assert.equal(prepare, `${header}\n${bodies.join("\nUNION ALL\n")}`);
    for (const type of SNAPSHOT_SYNC_TYPES) {
      const table = `risk_local.${tableNameFor(type)}`;
      assert.equal(bodies.filter((b) => b.includes(table)).length, 1, table);
    }
  });
});
