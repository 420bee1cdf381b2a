/**
 * The snapshot function's configuration, read once per cold start from the environment
 * variables the RiskView component sets. A missing or malformed variable stops the function
 * at init with a message naming it and what it accepts.
 */
import {
  DEFAULT_RISK_STALE_DAYS,
  DEFAULT_SEVERITY_WEIGHTS,
  SEVERITIES,
  type Severity,
  type SeverityWeights,
} from "../../risk/model";
import { ConfigurationError } from "./errors";
import { envInteger } from "../shared/env";

/** Everything the snapshot needs besides its statements. */
export interface SnapshotConfig {
  /** Athena workgroup the queries run in (its enforced result location and byte cutoff apply). */
  readonly workgroup: string;
  /** Glue database of the sync, register and history tables. */
  readonly database: string;
  /** Bucket the HTML report and the snapshot JSON go to. */
  readonly reportBucket: string;
  /** Key prefix of the reports, empty or ending in `/`. @default "reports/" */
  readonly reportPrefix: string;
  /** KMS key the report bucket encrypts with by default; absent: SSE-S3. */
  readonly reportKmsKeyArn?: string;
  /** Fleet name (the fleet tag value): the metrics' `Fleet` dimension. */
  readonly fleet: string;
  /** Data older than this many days is unknown. @default 7 */
  readonly staleDays: number;
  /** Severity weights (the SQL has them built in; the snapshot records them). */
  readonly weights: SeverityWeights;
  /** Queries run at once. @default 4 */
  readonly queryConcurrency: number;
  /** Longest the Athena queries may take together, seconds (capped by the Lambda's time left). @default 600 */
  readonly queryBudgetSeconds: number;
  /** An Athena endpoint other than AWS's (local runs and the bundle test). */
  readonly athenaEndpoint?: string;
  /** An S3 endpoint other than AWS's, addressed path-style (local runs and the bundle test). */
  readonly s3Endpoint?: string;
  /** Key prefix (in the report bucket) of the work table (risk/stage.ts), ending in `/`. */
  readonly workPrefix: string;
}

/** The environment variables read, for the component that sets them. */
export const SNAPSHOT_ENVIRONMENT = [
  "ATHENA_WORKGROUP",
  "ATHENA_DATABASE",
  "REPORT_BUCKET",
  "REPORT_PREFIX",
  "REPORT_KMS_KEY_ARN",
  "WORK_PREFIX",
  "FLEET_NAME",
  "STALE_DAYS",
  "WEIGHTS",
  "QUERY_CONCURRENCY",
  "QUERY_BUDGET_SECONDS",
  "ATHENA_ENDPOINT",
  "S3_ENDPOINT",
] as const;

function required(env: NodeJS.ProcessEnv, key: string): string {
  const value = env[key];
  if (value === undefined || value.trim() === "") {
    throw new ConfigurationError(`environment variable ${key} is required`);
  }
  return value.trim();
}

/**
 * Reads WEIGHTS: a JSON object of severity → weight (a number ≥ 0); severities left out keep
 * their default weight.
 */
export function parseWeights(raw: string | undefined, where = "WEIGHTS"): SeverityWeights {
  if (raw === undefined || raw.trim() === "") return DEFAULT_SEVERITY_WEIGHTS;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigurationError(`${where} is not valid JSON`, { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigurationError(
      `${where} must be a JSON object of severity to weight (severities: ${SEVERITIES.join(", ")})`,
    );
  }
  const weights: Record<Severity, number> = { ...DEFAULT_SEVERITY_WEIGHTS };
  for (const [key, weight] of Object.entries(value as Record<string, unknown>)) {
    if (!(SEVERITIES as readonly string[]).includes(key)) {
      throw new ConfigurationError(
        `${where}: "${key}" is no severity (allowed: ${SEVERITIES.join(", ")})`,
      );
    }
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) {
      throw new ConfigurationError(
        `${where}.${key} must be a number of 0 or more, got ${JSON.stringify(weight)}`,
      );
    }
    weights[key as Severity] = weight;
  }
  return weights;
}

/** Reads and validates the configuration from an environment. */
export function loadSnapshotConfig(env: NodeJS.ProcessEnv): SnapshotConfig {
  const reportPrefix = env.REPORT_PREFIX ?? "reports/";
  if (reportPrefix !== "" && (!reportPrefix.endsWith("/") || reportPrefix.startsWith("/"))) {
    throw new ConfigurationError(
      `REPORT_PREFIX must be empty or a key prefix ending in "/" and not starting with "/" (like "reports/"), got "${reportPrefix}"`,
    );
  }
  const kms = env.REPORT_KMS_KEY_ARN?.trim();
  const workPrefix = required(env, "WORK_PREFIX");
  // The function empties this prefix before every snapshot: never let it be the bucket's root.
  if (!/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(workPrefix)) {
    throw new ConfigurationError(
      `WORK_PREFIX must be a non-empty key prefix ending in "/" and not starting with "/" (like "risk-work/"), got "${workPrefix}"`,
    );
  }
  return {
    workgroup: required(env, "ATHENA_WORKGROUP"),
    database: required(env, "ATHENA_DATABASE"),
    reportBucket: required(env, "REPORT_BUCKET"),
    reportPrefix,
    workPrefix,
    ...(kms ? { reportKmsKeyArn: kms } : {}),
    fleet: required(env, "FLEET_NAME"),
    staleDays: envInteger(
      env,
      "STALE_DAYS",
      { fallback: DEFAULT_RISK_STALE_DAYS, min: 1, max: 365 },
      ConfigurationError,
    ),
    weights: parseWeights(env.WEIGHTS),
    // Athena caps active DML queries per account and region (a service quota shared with
    // everything else in the account): keep the snapshot's share small.
    queryConcurrency: envInteger(
      env,
      "QUERY_CONCURRENCY",
      { fallback: 4, min: 1, max: 8 },
      ConfigurationError,
    ),
    queryBudgetSeconds: envInteger(
      env,
      "QUERY_BUDGET_SECONDS",
      { fallback: 600, min: 10, max: 900 },
      ConfigurationError,
    ),
    ...(env.ATHENA_ENDPOINT ? { athenaEndpoint: env.ATHENA_ENDPOINT } : {}),
    ...(env.S3_ENDPOINT ? { s3Endpoint: env.S3_ENDPOINT } : {}),
  };
}
