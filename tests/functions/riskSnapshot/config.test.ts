import * as assert from "node:assert/strict";
import { loadSnapshotConfig, parseWeights } from "../../../functions/riskSnapshot/config";
import { ConfigurationError } from "../../../functions/riskSnapshot/errors";
import {
  parseStatements,
  placeholderCount,
  SNAPSHOT_QUERY_KEYS,
} from "../../../functions/riskSnapshot/statements";
import { DEFAULT_SEVERITY_WEIGHTS } from "../../../risk/model";
import { testStatements } from "./snapshotTestKit";

const ENV = {
  ATHENA_WORKGROUP: "HybridFleet-acme",
  ATHENA_DATABASE: "hybrid_fleet_acme",
  REPORT_BUCKET: "acme-risk-reports",
  FLEET_NAME: "acme",
  WORK_PREFIX: "risk-work/",
};

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigurationError, String(err));
    return err.message;
  }
  assert.fail("no error thrown");
}

describe("snapshot function configuration", () => {
  it("reads the required variables and applies the defaults", () => {
    assert.deepEqual(loadSnapshotConfig(ENV), {
      workgroup: "HybridFleet-acme",
      database: "hybrid_fleet_acme",
      reportBucket: "acme-risk-reports",
      reportPrefix: "reports/",
      workPrefix: "risk-work/",
      fleet: "acme",
      staleDays: 7,
      weights: DEFAULT_SEVERITY_WEIGHTS,
      queryConcurrency: 4,
      queryBudgetSeconds: 600,
    });
  });

  it("reads every optional variable", () => {
    assert.deepEqual(
      loadSnapshotConfig({
        ...ENV,
        REPORT_PREFIX: "risk/reports/",
        REPORT_KMS_KEY_ARN: "arn:aws:kms:eu-west-1:111122223333:key/k",
        STALE_DAYS: "14",
        WEIGHTS: '{"CRITICAL": 20, "LOW": 0.5}',
        QUERY_CONCURRENCY: "2",
        QUERY_BUDGET_SECONDS: "240",
        WORK_PREFIX: "fleets/acme/risk-work/",
      }),
      {
        workgroup: "HybridFleet-acme",
        database: "hybrid_fleet_acme",
        reportBucket: "acme-risk-reports",
        reportPrefix: "risk/reports/",
        workPrefix: "fleets/acme/risk-work/",
        reportKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/k",
        fleet: "acme",
        staleDays: 14,
        weights: { ...DEFAULT_SEVERITY_WEIGHTS, CRITICAL: 20, LOW: 0.5 },
        queryConcurrency: 2,
        queryBudgetSeconds: 240,
      },
    );
  });

  const refused: [string, NodeJS.ProcessEnv, string][] = [
    [
      "a missing workgroup",
      { ...ENV, ATHENA_WORKGROUP: " " },
      "environment variable ATHENA_WORKGROUP is required",
    ],
    [
      "a missing fleet name",
      { ...ENV, FLEET_NAME: undefined },
      "environment variable FLEET_NAME is required",
    ],
    [
      "a prefix without a trailing slash",
      { ...ENV, REPORT_PREFIX: "reports" },
      'REPORT_PREFIX must be empty or a key prefix ending in "/" and not starting with "/" (like "reports/"), got "reports"',
    ],
    [
      "a missing work prefix",
      { ...ENV, WORK_PREFIX: undefined },
      "environment variable WORK_PREFIX is required",
    ],
    [
      "an empty work prefix",
      { ...ENV, WORK_PREFIX: "" },
      "environment variable WORK_PREFIX is required",
    ],
    // "/" is the bucket's root; "risk-work" would also match "risk-work-other/" and the lock.
    ...["/", "risk-work", "/risk-work/", "risk-work//"].map(
      (prefix): [string, NodeJS.ProcessEnv, string] => [
        `the work prefix "${prefix}"`,
        { ...ENV, WORK_PREFIX: prefix },
        `WORK_PREFIX must be a non-empty key prefix ending in "/" and not starting with "/" (like "risk-work/"), got "${prefix}"`,
      ],
    ),
    [
      "stale days of zero",
      { ...ENV, STALE_DAYS: "0" },
      'STALE_DAYS must be a whole number from 1 to 365, got "0"',
    ],
    [
      "stale days with a decimal",
      { ...ENV, STALE_DAYS: "7.5" },
      'STALE_DAYS must be a whole number from 1 to 365, got "7.5"',
    ],
    [
      "too many concurrent queries",
      { ...ENV, QUERY_CONCURRENCY: "20" },
      'QUERY_CONCURRENCY must be a whole number from 1 to 8, got "20"',
    ],
    ["weights that are no JSON", { ...ENV, WEIGHTS: "{CRITICAL:1}" }, "WEIGHTS is not valid JSON"],
    [
      "weights as an array",
      { ...ENV, WEIGHTS: "[1]" },
      "WEIGHTS must be a JSON object of severity to weight (severities: CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNSPECIFIED)",
    ],
    [
      "an unknown severity",
      { ...ENV, WEIGHTS: '{"SEVERE": 3}' },
      'WEIGHTS: "SEVERE" is no severity (allowed: CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNSPECIFIED)',
    ],
    [
      "a negative weight",
      { ...ENV, WEIGHTS: '{"HIGH": -1}' },
      "WEIGHTS.HIGH must be a number of 0 or more, got -1",
    ],
    [
      "a weight as a string",
      { ...ENV, WEIGHTS: '{"HIGH": "5"}' },
      'WEIGHTS.HIGH must be a number of 0 or more, got "5"',
    ],
  ];
  for (const [what, env, message] of refused) {
    it(`refuses ${what}`, () => {
      assert.equal(
        refusal(() => loadSnapshotConfig(env)),
        message,
      );
    });
  }

  it("keeps the default weights for an empty WEIGHTS", () => {
    assert.equal(parseWeights(""), DEFAULT_SEVERITY_WEIGHTS);
  });
});

describe("risk-statements.json", () => {
  const text = (value: unknown) => JSON.stringify(value);

  it("accepts the prepare INSERT, the scoring INSERT, one statement per SELECT key and the history INSERT", () => {
    assert.deepEqual(parseStatements(text(testStatements())), testStatements());
  });

  it("counts only the ? outside literals, quoted names and comments", () => {
    assert.equal(placeholderCount("SELECT 1 WHERE a = ?"), 1);
    assert.equal(
      placeholderCount(
        `SELECT regexp_like(x, '^KB[0-9]+?$'), "odd?name" -- why?\nFROM t /* ? */ WHERE t <= ? AND s = 'it''s?'`,
      ),
      1,
    );
    assert.equal(placeholderCount("SELECT ? , ?"), 2);
    assert.equal(placeholderCount("SELECT 'unterminated ?"), 0);
  });

  const base = testStatements();
  const refused: [string, string, string][] = [
    ["no JSON", "{", "risk-statements.json is not valid JSON"],
    [
      "an array",
      "[]",
      'risk-statements.json must be a JSON object with "prepare", "score", "selects" and "appendHistory"',
    ],
    [
      "no selects",
      text({ appendHistory: base.appendHistory }),
      `risk-statements.json: "selects" must be an object with the keys ${SNAPSHOT_QUERY_KEYS.join(", ")}`,
    ],
    [
      "a missing key",
      text({ ...base, selects: { ...base.selects, history: undefined, not_seen: undefined } }),
      `risk-statements.json: "selects" lacks not_seen, history (needed: ${SNAPSHOT_QUERY_KEYS.join(", ")})`,
    ],
    [
      "an unknown key",
      text({ ...base, selects: { ...base.selects, trend: "SELECT ?" } }),
      `risk-statements.json: "selects" has keys the snapshot contract does not know: trend (allowed: ${SNAPSHOT_QUERY_KEYS.join(", ")})`,
    ],
    [
      "a SELECT without a parameter",
      text({ ...base, selects: { ...base.selects, controls: "SELECT 1" } }),
      'risk-statements.json: selects.controls must hold exactly one "?" execution parameter (the snapshot time), found 0',
    ],
    [
      "a SELECT with two parameters",
      text({ ...base, selects: { ...base.selects, totals: "SELECT 1 WHERE a <= ? AND b <= ?" } }),
      'risk-statements.json: selects.totals must hold exactly one "?" execution parameter (the snapshot time), found 2',
    ],
    [
      "no prepare",
      text({ ...base, prepare: undefined }),
      "risk-statements.json: prepare must be a non-empty SQL string",
    ],
    [
      "a prepare with a parameter",
      text({ ...base, prepare: `${base.prepare} WHERE capturetime <= ?` }),
      'risk-statements.json: prepare must hold no "?" execution parameter, found 1',
    ],
    [
      "no score",
      text({ ...base, score: undefined }),
      "risk-statements.json: score must be a non-empty SQL string",
    ],
    [
      "a score without the snapshot time",
      text({ ...base, score: base.score.replace("?", "'2026-11-30T10:00:00Z'") }),
      'risk-statements.json: score must hold exactly one "?" execution parameter (the snapshot time), found 0',
    ],
    [
      "a score with two parameters",
      text({ ...base, score: `${base.score} AND b <= ?` }),
      'risk-statements.json: score must hold exactly one "?" execution parameter (the snapshot time), found 2',
    ],
    [
      "an empty INSERT",
      text({ ...base, appendHistory: "  " }),
      "risk-statements.json: appendHistory must be a non-empty SQL string",
    ],
  ];
  for (const [what, file, message] of refused) {
    it(`refuses ${what}`, () => {
      assert.equal(
        refusal(() => parseStatements(file)),
        message,
      );
    });
  }
});
