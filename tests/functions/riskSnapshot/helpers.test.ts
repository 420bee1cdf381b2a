import * as assert from "node:assert/strict";
import { athenaString } from "../../../functions/riskSnapshot/athena";
import { queryBudgetMs } from "../../../functions/riskSnapshot/budget";
import { dayOverDay } from "../../../functions/riskSnapshot/dayOverDay";
import { reportKeys } from "../../../functions/riskSnapshot/reportKeys";
import type { SnapshotHistoryPoint } from "../../../risk/model";

const point = (capturedAt: string, score: number): SnapshotHistoryPoint => ({
  capturedAt,
  score,
  openCritical: 0,
  openHigh: 0,
  machines: 1,
});

describe("dayOverDay", () => {
  const now = new Date("2026-11-30T10:00:00Z");
  const cases: [string, SnapshotHistoryPoint[], number, number | null][] = [
    ["no history", [], 10, null],
    ["only points younger than 24 h", [point("2026-11-29T10:00:01Z", 5)], 10, null],
    ["a point exactly 24 h old", [point("2026-11-29T10:00:00Z", 8)], 10, 0.25],
    [
      "the newest of the old enough points, whatever the order",
      [
        point("2026-11-29T09:00:00Z", 20),
        point("2026-11-28T10:00:00Z", 5),
        point("2026-11-30T09:00:00Z", 1),
      ],
      15,
      -0.25,
    ],
    ["a baseline of 0", [point("2026-11-28T10:00:00Z", 0)], 10, null],
    [
      "an unreadable time skipped",
      [point("not a time", 1), point("2026-11-28T10:00:00Z", 4)],
      6,
      0.5,
    ],
  ];
  for (const [what, history, score, expected] of cases) {
    it(what, () => assert.equal(dayOverDay(history, score, now), expected));
  }
});

describe("reportKeys", () => {
  it("puts the dated copy and its JSON under the UTC date", () => {
    assert.deepEqual(reportKeys("reports/", "2026-01-02T03:04:05Z"), {
      latest: "reports/latest.html",
      dated: "reports/2026/01/02/2026-01-02T03:04:05Z.html",
      datedJson: "reports/2026/01/02/2026-01-02T03:04:05Z.json",
    });
    assert.equal(reportKeys("", "2026-01-02T03:04:05Z").latest, "latest.html");
  });

  it("refuses a time that is not UTC ISO 8601", () => {
    assert.throws(
      () => reportKeys("reports/", "2026-01-02T03:04:05+02:00"),
      /capturedAt must be a UTC ISO 8601 time like 2026-11-30T10:00:00Z, got "2026-01-02T03:04:05\+02:00"/,
    );
  });
});

describe("athenaString", () => {
  it("quotes an execution parameter as a SQL string literal", () => {
    assert.equal(athenaString("2026-11-30T10:00:00Z"), "'2026-11-30T10:00:00Z'");
    assert.equal(athenaString("it's"), "'it''s'");
  });
});

describe("queryBudgetMs", () => {
  it("takes the configured budget when the Lambda has time to spare", () => {
    assert.equal(queryBudgetMs(600, 900_000), 600_000);
  });
  it("keeps 20 s of the time left for the report and the metrics", () => {
    assert.equal(queryBudgetMs(600, 300_000), 280_000);
  });
  it("still gives a second when the time left is shorter than the reserve", () => {
    assert.equal(queryBudgetMs(600, 5_000), 1_000);
  });
});
