/**
 * The snapshot schedule's syntax, checked before anything is created. EventBridge schedule
 * expressions: `rate(value unit)` with a positive whole value and the unit `minute`, `hour`
 * or `day` (singular for 1, plural otherwise), or `cron(…)` with six fields
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
 */

/** Shortest snapshot interval: each snapshot runs about ten Athena queries (10 MB minimum each). */
export const MIN_SNAPSHOT_MINUTES = 15;
/** Longest: the history is kept per day and the alarms compare day over day. */
export const MAX_SNAPSHOT_MINUTES = 1440;

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(([^()]+)\)$/;
const MINUTES: Readonly<Record<string, number>> = { minute: 1, hour: 60, day: 1440 };

/**
 * Why `expression` is not a usable snapshot schedule, or undefined when it is: a rate of at
 * least {@link MIN_SNAPSHOT_MINUTES} minutes, or a six-field cron expression whose minutes
 * field is a single minute (so it cannot fire every minute).
 */
export function snapshotScheduleProblem(expression: string): string | undefined {
  const allowed = `must be rate(N minutes|hours|days) from ${MIN_SNAPSHOT_MINUTES} minutes to 1 day, or a daily cron(minutes hours * * ? *)`;
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2].replace(/s$/, "");
    if (value === 0) return `${allowed}; got ${expression}`;
    if ((value === 1) !== (rate[2] === unit)) {
      return `${expression}: EventBridge wants the unit singular for 1 and plural otherwise (rate(1 hour), rate(2 hours))`;
    }
    if (value * MINUTES[unit] < MIN_SNAPSHOT_MINUTES) {
      return `${expression} is more often than every ${MIN_SNAPSHOT_MINUTES} minutes: each snapshot runs about ten Athena queries`;
    }
    if (value * MINUTES[unit] > MAX_SNAPSHOT_MINUTES) {
      return `${expression} is less often than daily: the history is kept per day and the alarms compare day over day`;
    }
    return undefined;
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      return `${expression} has ${fields.length} fields; cron needs six: minutes hours day-of-month month day-of-week year`;
    }
    if (!/^\d{1,2}$/.test(fields[0]) || Number(fields[0]) > 59) {
      return `${expression}: the minutes field must be one minute (0-59), so a snapshot runs at most hourly under cron; use rate(N minutes) for more often`;
    }
    const [, , dayOfMonth, month, dayOfWeek, year] = fields;
    const daily =
      month === "*" &&
      year === "*" &&
      ((dayOfMonth === "*" && dayOfWeek === "?") || (dayOfMonth === "?" && dayOfWeek === "*"));
    if (!daily) {
      return `${expression} must run every day (cron(M H * * ? *)): the history is kept per day and the alarms compare day over day`;
    }
    return undefined;
  }
  return `${allowed}; got ${expression}`;
}

/**
 * Minutes between snapshots of a valid schedule, for the graphs' and alarms' period: a
 * rate's interval; for a (daily) cron, 60 when it fires every hour, N × 60 for `*\/N` hours,
 * else a day, the longest gap listed hours can leave (the silent-pipeline alarm must not fire
 * between two runs).
 */
export function snapshotPeriodMinutes(expression = "rate(1 hour)"): number {
  const rate = RATE.exec(expression);
  if (rate) return Math.min(Number(rate[1]) * MINUTES[rate[2].replace(/s$/, "")], 1440);
  const hours = CRON.exec(expression)?.[1].trim().split(/\s+/)[1] ?? "*";
  if (hours === "*") return 60;
  const every = /^(?:\*|0)\/(\d+)$/.exec(hours);
  return every ? Math.min(Number(every[1]) * 60, 1440) : 1440;
}
