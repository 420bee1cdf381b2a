import * as assert from "node:assert/strict";
import {
  snapshotPeriodMinutes,
  snapshotScheduleProblem,
} from "../../../components/risk/riskSchedule";

describe("risk snapshot schedule", () => {
  const cases: [string, string | undefined][] = [
    ["rate(1 hour)", undefined],
    ["rate(15 minutes)", undefined],
    ["rate(6 hours)", undefined],
    ["rate(1 day)", undefined],
    ["cron(0 * * * ? *)", undefined],
    ["cron(30 6 ? * * *)", undefined],
    [
      "rate(14 minutes)",
      "rate(14 minutes) is more often than every 15 minutes: each snapshot runs about ten Athena queries",
    ],
    [
      "rate(2 days)",
      "rate(2 days) is less often than daily: the history is kept per day and the alarms compare day over day",
    ],
    [
      "rate(1 hours)",
      "rate(1 hours): EventBridge wants the unit singular for 1 and plural otherwise (rate(1 hour), rate(2 hours))",
    ],
    [
      "rate(2 hour)",
      "rate(2 hour): EventBridge wants the unit singular for 1 and plural otherwise (rate(1 hour), rate(2 hours))",
    ],
    [
      "rate(0 hours)",
      "must be rate(N minutes|hours|days) from 15 minutes to 1 day, or a daily cron(minutes hours * * ? *); got rate(0 hours)",
    ],
    [
      "every hour",
      "must be rate(N minutes|hours|days) from 15 minutes to 1 day, or a daily cron(minutes hours * * ? *); got every hour",
    ],
    [
      "cron(0 * * * ?)",
      "cron(0 * * * ?) has 5 fields; cron needs six: minutes hours day-of-month month day-of-week year",
    ],
    [
      "cron(*/5 * * * ? *)",
      "cron(*/5 * * * ? *): the minutes field must be one minute (0-59), so a snapshot runs at most hourly under cron; use rate(N minutes) for more often",
    ],
    [
      "cron(0 6 ? * MON *)",
      "cron(0 6 ? * MON *) must run every day (cron(M H * * ? *)): the history is kept per day and the alarms compare day over day",
    ],
  ];
  for (const [expression, problem] of cases) {
    it(`${problem === undefined ? "accepts" : "refuses"} ${expression}`, () => {
      assert.equal(snapshotScheduleProblem(expression), problem);
    });
  }

  const periods: [string | undefined, number][] = [
    [undefined, 60],
    ["rate(1 hour)", 60],
    ["rate(15 minutes)", 15],
    ["rate(1 day)", 1440],
    ["cron(0 * * * ? *)", 60],
    ["cron(0 */6 * * ? *)", 360],
    ["cron(0 0/2 * * ? *)", 120],
    ["cron(30 6,18 * * ? *)", 1440],
  ];
  for (const [expression, minutes] of periods) {
    it(`takes ${expression ?? "the default"} as ${minutes} minutes between snapshots`, () => {
      assert.equal(snapshotPeriodMinutes(expression), minutes);
    });
  }
});
