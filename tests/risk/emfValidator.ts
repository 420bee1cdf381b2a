/**
 * A validator for CloudWatch Embedded Metric Format log lines, written from the specification
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html,
 * also awsdocs/amazon-cloudwatch-user-guide `doc_source/CloudWatch_Embedded_Metric_Format_Specification.md`)
 * and CloudWatch's Dimension rules
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html).
 * Where the archived and the current page differ (9 vs 30 dimension keys per set, 256 KB vs
 * 1 MB per event) it applies the stricter limit. Returns every problem found, so a test can
 * assert both "valid" and the exact reason a bad line is refused.
 */

/** Units the spec's JSON schema allows (MetricDatum units). */
export const EMF_UNITS = new Set([
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
]);

const MAX_EVENT_BYTES = 256 * 1024;
const MAX_DIMENSION_KEYS = 9;
const MAX_METRICS = 100;
const MAX_VALUES_PER_METRIC = 100;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyMembers(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
  problems: string[],
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      problems.push(`${where} has a member the spec does not define: ${key}`);
  }
}

function nameString(v: unknown, where: string, problems: string[]): v is string {
  if (typeof v !== "string" || v.length < 1 || v.length > 255) {
    problems.push(`${where} must be a string of 1-255 characters`);
    return false;
  }
  return true;
}

/** CloudWatch Dimension value rules: 1-1024 ASCII characters, no control characters, not blank. */
function dimensionValueProblem(value: string): string | undefined {
  if (value.length < 1 || value.length > 1024) return "must be 1-1024 characters";
  if (!/^[\x20-\x7e]+$/.test(value)) return "must hold printable ASCII characters only";
  if (value.trim() === "") return "must hold a non-whitespace character";
  return undefined;
}

/** Every problem of one EMF line; empty when the line is valid. */
export function emfProblems(line: string): string[] {
  const problems: string[] = [];
  if (Buffer.byteLength(line, "utf8") > MAX_EVENT_BYTES) {
    problems.push(`line is larger than ${MAX_EVENT_BYTES} bytes`);
  }
  if (/[\r\n]/.test(line)) problems.push("line must be one log event (no line breaks)");
  let root: unknown;
  try {
    // JSON.parse refuses data before or after the object ("no additional data").
    root = JSON.parse(line);
  } catch (err) {
    return [...problems, `line is not one JSON value: ${(err as Error).message}`];
  }
  if (!isObject(root)) return [...problems, "root must be a JSON object"];
  const aws = root._aws;
  if (!isObject(aws)) return [...problems, "_aws must be an object"];
  onlyMembers(aws, ["Timestamp", "CloudWatchMetrics"], "_aws", problems);
  if (!Number.isInteger(aws.Timestamp) || (aws.Timestamp as number) < 0) {
    problems.push("_aws.Timestamp must be an integer of epoch milliseconds");
  }
  if (!Array.isArray(aws.CloudWatchMetrics)) {
    return [...problems, "_aws.CloudWatchMetrics must be an array"];
  }
  aws.CloudWatchMetrics.forEach((directive: unknown, d: number) => {
    const at = `_aws.CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) {
      problems.push(`${at} must be an object`);
      return;
    }
    onlyMembers(directive, ["Namespace", "Dimensions", "Metrics"], at, problems);
    nameString(directive.Namespace, `${at}.Namespace`, problems);
    if (!Array.isArray(directive.Dimensions) || directive.Dimensions.length < 1) {
      problems.push(`${at}.Dimensions must be a non-empty array of DimensionSets`);
    } else {
      directive.Dimensions.forEach((set: unknown, s: number) => {
        const setAt = `${at}.Dimensions[${s}]`;
        if (!Array.isArray(set)) {
          problems.push(`${setAt} must be an array of dimension keys`);
          return;
        }
        if (set.length > MAX_DIMENSION_KEYS) {
          problems.push(`${setAt} holds more than ${MAX_DIMENSION_KEYS} dimension keys`);
        }
        set.forEach((key: unknown, k: number) => {
          if (!nameString(key, `${setAt}[${k}]`, problems)) return;
          if (key.startsWith(":")) problems.push(`dimension name ${key} must not start with ":"`);
          const value = root[key];
          if (typeof value !== "string") {
            problems.push(`dimension target ${key} must be a string member of the root`);
            return;
          }
          const problem = dimensionValueProblem(value);
          if (problem) problems.push(`dimension value of ${key} ${problem}`);
        });
      });
    }
    if (!Array.isArray(directive.Metrics)) {
      problems.push(`${at}.Metrics must be an array`);
      return;
    }
    if (directive.Metrics.length > MAX_METRICS) {
      problems.push(`${at}.Metrics holds more than ${MAX_METRICS} MetricDefinitions`);
    }
    const seen = new Set<string>();
    directive.Metrics.forEach((metric: unknown, m: number) => {
      const metricAt = `${at}.Metrics[${m}]`;
      if (!isObject(metric)) {
        problems.push(`${metricAt} must be an object`);
        return;
      }
      onlyMembers(metric, ["Name", "Unit"], metricAt, problems);
      if (metric.Unit !== undefined && !EMF_UNITS.has(metric.Unit as string)) {
        problems.push(`${metricAt}.Unit ${String(metric.Unit)} is not a CloudWatch unit`);
      }
      if (!nameString(metric.Name, `${metricAt}.Name`, problems)) return;
      // Not a spec rule: one name twice in a directive is a bug in what we generate.
      if (seen.has(metric.Name)) problems.push(`metric ${metric.Name} is defined twice`);
      seen.add(metric.Name);
      const value = root[metric.Name];
      const isNumber = (x: unknown) => typeof x === "number" && Number.isFinite(x);
      if (Array.isArray(value)) {
        if (value.length > MAX_VALUES_PER_METRIC || !value.every(isNumber)) {
          problems.push(`metric target ${metric.Name} must be at most 100 numbers`);
        }
      } else if (!isNumber(value)) {
        problems.push(`metric target ${metric.Name} must be a number member of the root`);
      }
    });
  });
  return problems;
}
