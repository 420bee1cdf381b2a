/**
 * Every statement the component saves in Athena parses with a Trino grammar (Athena engine
 * v3 is Trino), so a construct only DuckDB accepts fails here even though the DuckDB tests
 * run it happily.
 */
import { strict as assert } from "node:assert";
import {
  ComplianceQuery,
  SqlContext,
  complianceViews,
  savedQueries,
} from "../../components/sync/complianceSync.sql";
import { trinoParser } from "../support/trinoParser";

const ACME: SqlContext = {
  database: "fleet_compliance",
  modeTagKey: "ComplianceMode",
  environmentTagKey: "Environment",
  fleetTagKey: "HybridFleet",
  fleetName: "acme",
};
const CONTEXTS: Record<string, SqlContext> = {
  "fleet acme": ACME,
  "no fleet filter": { ...ACME, fleetName: undefined },
  "tag keys with quotes": {
    ...ACME,
    modeTagKey: "Mode's",
    environmentTagKey: 'Env"x',
    fleetName: "a'b",
  },
};

/** Syntax errors, one line each, or [] when `sql` parses as Trino. */
function trinoErrors(sql: string): string[] {
  return trinoParser()
    .validate(sql)
    .map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}

function statement(queries: ComplianceQuery[], key: string): string {
  const q = queries.find((x) => x.key === key);
  assert.ok(q, key);
  return q.sql;
}

describe("Athena SQL parses as Trino (dt-sql-parser TrinoSQL)", function () {
  // The grammar is bundled and loaded once; that takes a few seconds on a busy machine.
  this.timeout(120_000);
  before(() => trinoParser());

  for (const [label, ctx] of Object.entries(CONTEXTS)) {
    for (const q of [...complianceViews(ctx), ...savedQueries(ctx)]) {
      it(`${q.key} (${label})`, () => {
        assert.deepEqual(trinoErrors(q.sql), [], q.sql);
      });
    }
  }

  describe("(negative controls) a DuckDB-only construct in a deployed statement fails", () => {
    const notSeen = statement(savedQueries(ACME), "not-seen");
    const fleet = statement(savedQueries(ACME), "fleet-compliance");
    for (const [construct, original, sql] of [
      ["`::` cast", notSeen, notSeen.replace("CAST(? AS integer)", "?::integer")],
      ["SELECT * EXCLUDE", fleet, fleet.replace(/\nSELECT\n/, "\nSELECT * EXCLUDE (fleet),\n")],
      [
        "QUALIFY",
        fleet,
        fleet.replace(/\nORDER BY/, "\nQUALIFY row_number() OVER () = 1\nORDER BY"),
      ],
      ["FROM-first SELECT", "", "FROM fleet_compliance.instance_context SELECT resourceid"],
    ] as const) {
      it(construct, () => {
        assert.notEqual(sql, original, "the construct was not injected");
        assert.ok(trinoErrors(sql).length > 0, `parsed as Trino:\n${sql}`);
      });
    }
  });

  describe("explicit types", () => {
    for (const q of [...complianceViews(ACME), ...savedQueries(ACME)]) {
      it(`${q.key} has no DECIMAL literal (100.0 is DECIMAL in Trino, DOUBLE in DuckDB)`, () => {
        // Outside string literals: numbers with a fractional part.
        const code = q.sql.replace(/'(?:[^']|'')*'/g, "''");
        assert.deepEqual(code.match(/\b\d+\.\d+\b/g) ?? [], []);
      });
    }
  });
});
