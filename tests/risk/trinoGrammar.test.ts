/**
 * Every risk statement (the copy, the scoring, the snapshot SELECTs, the history INSERT, the
 * saved views) parses with
 * a Trino grammar (Athena engine v3 is Trino), has exactly one `?` where the contract says so,
 * and no DECIMAL literal (100.0 is DECIMAL in Trino, DOUBLE in DuckDB). The risk SQL writes no
 * DDL: its tables are Glue specs (riskGlueTableSpecs), created by the stack.
 */
import { strict as assert } from "node:assert";
import { DEFAULT_SEVERITY_WEIGHTS } from "../../risk/model";
import { RiskSqlContext, riskStatements, riskViews } from "../../risk/sql";
import { trinoParser } from "../support/trinoParser";
import { HANDBUILT_CONTEXT } from "../fixtures/risk/handbuilt/deployment";

// The hand-built fleet's deployment, with the default top list.
const ACME: RiskSqlContext = { ...HANDBUILT_CONTEXT, topMachines: 20 };
const CONTEXTS: Record<string, RiskSqlContext> = {
  "fleet acme, three controls": ACME,
  "no fleet filter": { ...ACME, fleetName: undefined },
  "no controls enabled": { ...ACME, controls: [] },
  "quotes and ? in names": {
    ...ACME,
    modeTagKey: "Mode's",
    environmentTagKey: 'Env"x?',
    fleetName: "a'b?",
  },
};

/** Syntax errors, one line each, or [] when `sql` parses as Trino. */
function trinoErrors(sql: string): string[] {
  return trinoParser()
    .validate(sql)
    .map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}

/** The SQL outside string literals. */
function code(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "''");
}

function statementsOf(ctx: RiskSqlContext): [string, string, number][] {
  const st = riskStatements(ctx);
  return [
    ["prepare", st.prepare, 0],
    ["score", st.score, 1],
    ...Object.entries(st.selects).map(([k, sql]): [string, string, number] => [k, sql, 1]),
    ["appendHistory", st.appendHistory, 1],
    ...riskViews(ctx).map((v): [string, string, number] => [`view ${v.key}`, v.sql, 0]),
  ];
}

describe("risk SQL parses as Trino (dt-sql-parser TrinoSQL)", function () {
  this.timeout(120_000);
  before(() => trinoParser());

  for (const [label, ctx] of Object.entries(CONTEXTS)) {
    describe(label, () => {
      for (const [key, sql, parameters] of statementsOf(ctx)) {
        it(`${key} parses, has ${parameters} ? parameter(s) and no DECIMAL literal`, () => {
          assert.deepEqual(trinoErrors(sql), [], sql);
          assert.equal(code(sql).split("?").length - 1, parameters);
          assert.deepEqual(code(sql).match(/\b\d+\.\d+\b/g) ?? [], []);
        });
      }
    });
  }

  describe("(negative controls) a DuckDB-only construct in a risk statement fails", () => {
    const st = riskStatements(ACME);
    for (const [construct, original, sql] of [
      [
        "`::` cast",
        st.selects.totals,
        st.selects.totals.replace("CAST(? AS varchar)", "?::varchar"),
      ],
      [
        "QUALIFY",
        st.selects.top_machines,
        st.selects.top_machines.replace(/\nORDER BY machine_rank$/, "\nQUALIFY machine_rank = 1"),
      ],
      [
        "INSERT … BY NAME",
        st.appendHistory,
        st.appendHistory.replace(/^INSERT INTO (\S+) \([^)]*\)/, "INSERT INTO $1 BY NAME"),
      ],
    ] as const) {
      it(construct, () => {
        assert.notEqual(sql, original, "the construct was not injected");
        assert.ok(trinoErrors(sql).length > 0, `parsed as Trino:\n${sql}`);
      });
    }
  });

  it("refuses settings it would otherwise inline wrongly", () => {
    assert.throws(
      () => riskStatements({ ...ACME, staleDays: 1.5 }),
      /^Error: staleDays must be an integer from 1 to 3650, got 1.5$/,
    );
    assert.throws(
      () => riskStatements({ ...ACME, weights: { ...DEFAULT_SEVERITY_WEIGHTS, HIGH: 2.5 } }),
      /^Error: weights.HIGH must be an integer from 0 to 1000000, got 2.5$/,
    );
    assert.throws(
      () => riskStatements({ ...ACME, historyTable: "Risk-History" }),
      /historyTable "Risk-History" must match/,
    );
    assert.throws(
      () => riskStatements({ ...ACME, controls: [ACME.controls[0], ACME.controls[0]] }),
      /controls\[1\].name "patch" is listed twice/,
    );
  });
});
