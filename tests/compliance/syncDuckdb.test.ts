/**
 * The DuckDB stand-in must mean what Athena (Trino) means wherever the deployed SQL relies
 * on it: the session time zone, the strictness of `from_iso8601_timestamp`, `regexp_like`,
 * and how a count string becomes a number.
 */
import { strict as assert } from "node:assert";
import { countSql } from "../../components/sync/complianceSync.sql";
import { SyncDuckdb } from "../../risk/local/duckdb";

// 2026-03-01T10:00:00Z
const T = 1772359200;

describe("SyncDuckdb (Trino semantics in DuckDB)", () => {
  let db: SyncDuckdb;
  before(async () => {
    db = await SyncDuckdb.open("/nonexistent", "b", "db", []);
  });
  after(() => db?.close());

  const seconds = async (iso: string) =>
    (await db.rows(`SELECT to_unixtime(from_iso8601_timestamp(${`'${iso}'`})) AS t`))[0].t;

  it("runs in UTC, Athena's session time zone", async () => {
    assert.deepEqual(await db.rows("SELECT current_setting('TimeZone') AS tz"), [{ tz: "UTC" }]);
    assert.equal(await seconds("2026-03-01T10:00:00"), T);
  });

  for (const [iso, expected] of [
    ["2026-03-01T10:00:00Z", T],
    ["2026-03-01T10:00:00.250Z", T + 0.25],
    ["2026-03-01T20:00:00+10:00", T],
    ["2026-03-01T10:00Z", T],
    ["2026-03-01T20:00+10:00", T],
    ["2026-03-01T10:00", T],
    ["2026-03-01", T - 10 * 3600],
  ] as const) {
    it(`from_iso8601_timestamp reads ISO 8601 ${iso}`, async () => {
      assert.equal(await seconds(iso), expected);
    });
  }

  for (const notIso of ["2026-03-01 10:00:00", "2026-03-01 10:00:00Z", "03/01/2026", "now", ""]) {
    it(`from_iso8601_timestamp refuses ${JSON.stringify(notIso)}, as Trino does`, async () => {
      await assert.rejects(seconds(notIso), /from_iso8601_timestamp/);
    });
  }

  it("from_iso8601_timestamp(NULL) is NULL", async () => {
    assert.deepEqual(await db.rows("SELECT from_iso8601_timestamp(NULL) AS t"), [{ t: null }]);
  });

  it("regexp_like finds the pattern anywhere in the string, like Trino's", async () => {
    assert.deepEqual(
      await db.rows("SELECT regexp_like('ab12', '[0-9]') AS a, regexp_like('ab', '^b') AS b"),
      [{ a: true, b: false }],
    );
  });

  // Trino: regexp_like then CAST of 1-9 digits; anything else (NULL included) counts 0.
  for (const [raw, expected] of [
    ["3", 3],
    ["0", 0],
    ["120", 120],
    ["007", 7],
    ["999999999", 999999999],
    ["3.0", 0],
    [" 3 ", 0],
    ["1e2", 0],
    ["-1", 0],
    ["+1", 0],
    ["", 0],
    ["9999999999", 0],
    ["x", 0],
    [null, 0],
  ] as const) {
    it(`countSql reads ${JSON.stringify(raw)} as ${expected}`, async () => {
      const value = raw === null ? "CAST(NULL AS varchar)" : `'${raw}'`;
      assert.deepEqual(
        await db.rows(`SELECT ${countSql("v")} AS n FROM (SELECT ${value} AS v) t`),
        [{ n: expected }],
      );
    });
  }
});
