/**
 * What the DuckDB harness adds for the risk view (risk/local/duckdb.ts): unpartitioned JSON
 * tables (the register), files left out by name, the Parquet history partitioned by day, and
 * appendHistory, the offline INSERT INTO.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SyncDuckdb } from "../../risk/local/duckdb";
import { registerFiles } from "../../risk/register";
import { RISK_TABLE_NAMES, riskGlueTableSpecs } from "../../risk/sql";
import { WORK_COLUMNS } from "../../risk/stage";

const BUCKET = "b";
const DB = "db";
const SPECS = riskGlueTableSpecs({ bucketName: BUCKET });

function writeRegister(root: string, files: Record<string, string>): void {
  for (const [key, body] of Object.entries(files)) {
    const file = path.join(root, "risk-register", key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
  }
}

describe("SyncDuckdb: register, excluded files, history", function () {
  this.timeout(60_000);
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "risk-duckdb-"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("reads the register objects as unpartitioned tables, keys case-insensitively", async () => {
    writeRegister(root, {
      ...registerFiles([
        {
          id: "a",
          control: "patch",
          names: ["web-01"],
          tags: { Environment: "prod" },
          reason: "r",
          approver: "p",
          expiresAt: "2027-01-01T00:00:00Z",
        },
      ]),
      // A hand-edited line with other key casing still lands in the columns.
      "scopes/extra.json": '{"Acceptance_Id":"b","KIND":"name","Match_Value":"db-01"}\n',
    });
    const db = await SyncDuckdb.open(root, BUCKET, DB, SPECS);
    try {
      assert.deepEqual(await db.rows(`SELECT * FROM ${DB}.${RISK_TABLE_NAMES.acceptances}`), [
        {
          id: "a",
          control: "patch",
          finding_pattern: null,
          reason: "r",
          approver: "p",
          expires_at: "2027-01-01T00:00:00Z",
        },
      ]);
      assert.deepEqual(
        await db.rows(
          `SELECT * FROM ${DB}.${RISK_TABLE_NAMES.scopes} ORDER BY acceptance_id, kind, match_value`,
        ),
        [
          { acceptance_id: "a", kind: "name", tag_key: null, match_value: "web-01" },
          { acceptance_id: "a", kind: "tag", tag_key: "Environment", match_value: "prod" },
          { acceptance_id: "b", kind: "name", tag_key: null, match_value: "db-01" },
        ],
      );
    } finally {
      db.close();
    }
  });

  it("an empty register (zero-line objects) and no history are empty tables", async () => {
    writeRegister(root, registerFiles([]));
    const db = await SyncDuckdb.open(root, BUCKET, DB, SPECS);
    try {
      for (const t of Object.values(RISK_TABLE_NAMES)) {
        assert.deepEqual(await db.rows(`SELECT count(*) AS n FROM ${DB}.${t}`), [{ n: 0 }], t);
      }
      assert.deepEqual(
        await db.rows(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'risk_history' ORDER BY ordinal_position`,
        ),
        [
          ...["captured_at", "environment", "compliance_mode", "control", "severity"].map((c) => ({
            column_name: c,
            data_type: "VARCHAR",
          })),
          ...["open", "accepted", "acceptance_expired", "score", "machines"].map((c) => ({
            column_name: c,
            data_type: "BIGINT",
          })),
          { column_name: "day", data_type: "VARCHAR" },
        ],
      );
    } finally {
      db.close();
    }
  });

  it("leaves out the files it is told to (a malformed one would fail every query)", async () => {
    writeRegister(root, {
      "acceptances/a.json":
        '{"id":"a","control":"patch","reason":"r","approver":"p","expires_at":"2027-01-01T00:00:00Z"}\n',
      "acceptances/broken.json": '{"id":"b","control":"pat',
    });
    const broken = await SyncDuckdb.open(root, BUCKET, DB, SPECS);
    try {
      await assert.rejects(broken.rows(`SELECT id FROM ${DB}.${RISK_TABLE_NAMES.acceptances}`));
    } finally {
      broken.close();
    }
    const db = await SyncDuckdb.open(root, BUCKET, DB, SPECS, {
      exclude: ["risk-register/acceptances/broken.json"],
    });
    try {
      assert.deepEqual(await db.rows(`SELECT id FROM ${DB}.${RISK_TABLE_NAMES.acceptances}`), [
        { id: "a" },
      ]);
    } finally {
      db.close();
    }
  });

  it("insertInto writes the INSERT's rows as Parquet under day=, and the table reads them", async () => {
    const historyDir = path.join(root, "history");
    const db = await SyncDuckdb.open(root, BUCKET, DB, SPECS, { historyDir });
    try {
      const insert = `INSERT INTO ${DB}.risk_history (captured_at, environment, compliance_mode, control, severity, open, accepted, acceptance_expired, score, machines, day)
SELECT CAST(? AS varchar) AS captured_at, 'prod', 'report', CAST(NULL AS varchar), CAST(NULL AS varchar), CAST(3 AS bigint), CAST(1 AS bigint), CAST(0 AS bigint), CAST(12 AS bigint), CAST(2 AS bigint), '2026-11-30'`;
      assert.equal(await db.insertInto(insert, ["2026-11-30T10:00:00Z"]), 1);
      assert.equal(await db.insertInto(insert, ["2026-11-30T11:00:00Z"]), 1);
      assert.deepEqual(fs.readdirSync(historyDir), ["day=2026-11-30"]);
      assert.equal(fs.readdirSync(path.join(historyDir, "day=2026-11-30")).length, 2);
      assert.deepEqual(
        await db.rows(
          `SELECT captured_at, score, machines, day FROM ${DB}.risk_history ORDER BY 1`,
        ),
        [
          { captured_at: "2026-11-30T10:00:00Z", score: 12, machines: 2, day: "2026-11-30" },
          { captured_at: "2026-11-30T11:00:00Z", score: 12, machines: 2, day: "2026-11-30" },
        ],
      );
      await assert.rejects(
        db.insertInto(insert.replace("machines, day", "day, machines"), ["x"]),
        /INSERT columns .* are not the table's/,
      );
    } finally {
      db.close();
    }
  });
  it("insertInto an unpartitioned Parquet table adds files the table reads; clearTable empties it", async () => {
    const db = await SyncDuckdb.open(root, BUCKET, DB, SPECS);
    const work = `${DB}.${RISK_TABLE_NAMES.work}`;
    // The copy's folder below the work prefix; the scored table's is its sibling.
    const folder = path.join(root, "risk-work", "copy");
    const columns = WORK_COLUMNS.join(", ");
    const row = (source: string) =>
      `INSERT INTO ${work} (${columns})\nSELECT ${WORK_COLUMNS.map((c) => (c === "source" ? `'${source}'` : c === "resourceid" ? "CAST(? AS varchar)" : "CAST(NULL AS varchar)")).join(", ")}`;
    try {
      assert.deepEqual(await db.rows(`SELECT count(*) AS n FROM ${work}`), [{ n: 0 }]);
      assert.equal(await db.insertInto(row("tag"), ["mi-1"]), 1);
      assert.equal(await db.insertInto(row("item"), ["mi-2"]), 1);
      assert.equal(fs.readdirSync(folder).filter((f) => f.endsWith(".parquet")).length, 2);
      assert.deepEqual(await db.rows(`SELECT source, resourceid FROM ${work} ORDER BY 2`), [
        { source: "tag", resourceid: "mi-1" },
        { source: "item", resourceid: "mi-2" },
      ]);
      assert.equal(db.tableFolder(RISK_TABLE_NAMES.work), folder);
      assert.equal(db.tableFolder(RISK_TABLE_NAMES.scored), path.join(root, "risk-work", "scored"));
      await db.clearTable(RISK_TABLE_NAMES.work);
      assert.equal(fs.existsSync(folder), false);
      assert.deepEqual(await db.rows(`SELECT count(*) AS n FROM ${work}`), [{ n: 0 }]);
      await assert.rejects(db.clearTable(RISK_TABLE_NAMES.acceptances), /no Parquet table/);
    } finally {
      db.close();
    }
  });
});
