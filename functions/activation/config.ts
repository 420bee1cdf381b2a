/**
 * The activation function's configuration, read once per cold start from environment
 * variables that the ActivationApi component sets. A missing or malformed variable stops
 * the function at init with a message naming it, rather than failing requests later.
 */
import { ConfigurationError } from "./errors";
import { LEASE_GRACE_SECONDS } from "./lease";
import { nestedQuantifier } from "./patternSafety";
import { BootstrapTokenGrant, wholeMatch } from "./tokens";

/** Which tag keys and values a caller may add to its activation beyond the fixed ones. */
export interface AllowedTag {
  /** Exact values allowed. */
  readonly values?: readonly string[];
  /** A regular expression the whole value must match. */
  readonly pattern?: string;
}

/** Everything the handler needs to decide and create an activation. */
export interface ActivationConfig {
  readonly managedInstanceRoleName: string;
  readonly fleetTagKey: string;
  readonly fleetName: string;
  readonly modeTagKey: string;
  readonly defaultMode: "report" | "enforce";
  readonly environmentTagKey: string;
  readonly environment: string;
  readonly activationTtlMinutes: number;
  readonly ec2Auth: boolean;
  readonly allowedAccounts: readonly string[];
  readonly tokenAuth: boolean;
  readonly tokens: readonly BootstrapTokenGrant[];
  readonly allowedTags: Readonly<Record<string, AllowedTag>>;
  readonly ssmMaxAttempts: number;
  readonly retryAfterSeconds: number;
  readonly ssmEndpoint?: string;
  /** The name-lease DynamoDB table. */
  readonly leaseTableName: string;
  /** A DynamoDB endpoint other than AWS's (local runs: dynalite). */
  readonly dynamoDbEndpoint?: string;
  /** Refuse identity documents whose `pendingTime` is older than this; 0 = off. */
  readonly ec2MaxIdentityAgeMinutes: number;
  /** How long the cached list of registered names is reused (0: ask SSM every time). */
  readonly registeredNamesMaxAgeSeconds: number;
}

/** Longest replay window accepted (one year), in minutes. */
export const MAX_IDENTITY_AGE_MINUTES = 365 * 24 * 60;

/** Longest activation lifetime SSM accepts (30 days), in minutes. */
export const MAX_ACTIVATION_TTL_MINUTES = 30 * 24 * 60;

const ACCOUNT = /^\d{12}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

function required(env: NodeJS.ProcessEnv, key: string): string {
  const value = env[key];
  if (value === undefined || value.trim() === "") {
    throw new ConfigurationError(`environment variable ${key} is required`);
  }
  return value.trim();
}

function flag(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const value = env[key];
  if (value === undefined || value === "") return fallback;
  if (value === "enabled") return true;
  if (value === "disabled") return false;
  throw new ConfigurationError(`${key} must be "enabled" or "disabled", got "${value}"`);
}

function integer(
  env: NodeJS.ProcessEnv,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(
      `${key} must be a whole number from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

function json(env: NodeJS.ProcessEnv, key: string, fallback: unknown): unknown {
  const raw = env[key];
  if (raw === undefined || raw.trim() === "") return fallback;
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new ConfigurationError(`${key} is not valid JSON`, { cause });
  }
}

/** Longest operator pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 512;

/**
 * Checks an operator pattern: compiled as written too (so `a)|(.*` cannot escape the
 * anchors the handler wraps it in), and free of nested variable repetition (ReDoS).
 */
export function checkPattern(where: string, pattern: unknown): string {
  if (typeof pattern !== "string" || pattern === "") {
    throw new ConfigurationError(`${where} must be a non-empty regular expression string`);
  }
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new ConfigurationError(`${where} must be at most ${MAX_PATTERN_LENGTH} characters`);
  }
  try {
    // As written: an unbalanced pattern fails here even where the wrapped one compiles.
    new RegExp(pattern, "u");
    wholeMatch(pattern);
  } catch (cause) {
    throw new ConfigurationError(`${where} is not a valid regular expression: ${pattern}`, {
      cause,
    });
  }
  const nested = nestedQuantifier(pattern);
  if (nested !== undefined) {
    throw new ConfigurationError(
      `${where} repeats a group that itself repeats (${nested}), which can take exponential time on a crafted value; rewrite it without nested quantifiers: ${pattern}`,
    );
  }
  return pattern;
}

/** Validates the bootstrap token grants (shared with the stack's config validation). */
export function parseTokenGrants(
  value: unknown,
  where = "BOOTSTRAP_TOKENS",
): BootstrapTokenGrant[] {
  if (!Array.isArray(value)) throw new ConfigurationError(`${where} must be a JSON array`);
  const ids = new Set<string>();
  return value.map((entry, i) => {
    const at = `${where}[${i}]`;
    if (typeof entry !== "object" || entry === null) {
      throw new ConfigurationError(`${at} must be an object`);
    }
    const { id, sha256, namePattern, environment, expiresAt, allowInstanceIdNames } =
      entry as Record<string, unknown>;
    if (typeof id !== "string" || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) {
      throw new ConfigurationError(`${at}.id must be 1-64 characters of A-Z a-z 0-9 _ . : -`);
    }
    if (ids.has(id)) throw new ConfigurationError(`${at}.id "${id}" is used twice`);
    ids.add(id);
    if (typeof sha256 !== "string" || !SHA256_HEX.test(sha256)) {
      throw new ConfigurationError(
        `${at}.sha256 must be the token's SHA-256 as 64 lower-case hex characters (never the token itself)`,
      );
    }
    if (typeof environment !== "string" || environment === "") {
      throw new ConfigurationError(`${at}.environment must be a non-empty string`);
    }
    if (typeof expiresAt !== "string" || Number.isNaN(Date.parse(expiresAt))) {
      throw new ConfigurationError(`${at}.expiresAt must be an ISO-8601 date-time`);
    }
    if (allowInstanceIdNames !== undefined && typeof allowInstanceIdNames !== "boolean") {
      throw new ConfigurationError(`${at}.allowInstanceIdNames must be true or false`);
    }
    return {
      id,
      sha256,
      namePattern: checkPattern(`${at}.namePattern`, namePattern),
      environment,
      expiresAt,
      ...(allowInstanceIdNames ? { allowInstanceIdNames: true } : {}),
    };
  });
}

/** Validates the caller-addable tags (shared with the stack's config validation). */
export function parseAllowedTags(
  value: unknown,
  reservedKeys: readonly string[],
  where = "ALLOWED_TAGS",
): Record<string, AllowedTag> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${where} must be a JSON object of tag key to {values|pattern}`);
  }
  const out: Record<string, AllowedTag> = {};
  for (const [key, rule] of Object.entries(value as Record<string, unknown>)) {
    if (reservedKeys.includes(key)) {
      throw new ConfigurationError(
        `${where}: tag key "${key}" is set by the API itself and cannot be allowed to callers (reserved: ${reservedKeys.join(", ")})`,
      );
    }
    if (typeof rule !== "object" || rule === null) {
      throw new ConfigurationError(`${where}.${key} must be an object with "values" or "pattern"`);
    }
    const { values, pattern } = rule as Record<string, unknown>;
    if (values === undefined && pattern === undefined) {
      throw new ConfigurationError(`${where}.${key} must have "values" or "pattern"`);
    }
    if (
      values !== undefined &&
      (!Array.isArray(values) || !values.every((v) => typeof v === "string"))
    ) {
      throw new ConfigurationError(`${where}.${key}.values must be an array of strings`);
    }
    out[key] = {
      ...(values !== undefined ? { values: values as string[] } : {}),
      ...(pattern !== undefined
        ? { pattern: checkPattern(`${where}.${key}.pattern`, pattern) }
        : {}),
    };
  }
  return out;
}

/**
 * The grants' JSON: from the file named by BOOTSTRAP_TOKENS_FILE (deployed: a file in the
 * function's code package, because the Lambda environment holds 4 KB in all, about 19
 * grants), else from BOOTSTRAP_TOKENS (local runs and tests).
 */
function tokenGrantsJson(env: NodeJS.ProcessEnv, readFile: (name: string) => string): unknown {
  const file = env.BOOTSTRAP_TOKENS_FILE;
  if (file === undefined || file === "") return json(env, "BOOTSTRAP_TOKENS", []);
  let text: string;
  try {
    text = readFile(file);
  } catch (cause) {
    throw new ConfigurationError(`BOOTSTRAP_TOKENS_FILE ${file} cannot be read`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(`BOOTSTRAP_TOKENS_FILE ${file} is not valid JSON`, { cause });
  }
}

/**
 * Reads and validates the whole configuration from an environment. `readFile` reads files
 * the environment names (BOOTSTRAP_TOKENS_FILE), relative to the function's code.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  readFile: (name: string) => string = () => {
    throw new Error("no file reader given");
  },
): ActivationConfig {
  const mode = env.DEFAULT_MODE ?? "report";
  if (mode !== "report" && mode !== "enforce") {
    throw new ConfigurationError(`DEFAULT_MODE must be "report" or "enforce", got "${mode}"`);
  }
  const fleetTagKey = env.FLEET_TAG_KEY || "HybridFleet";
  const modeTagKey = env.MODE_TAG_KEY || "ComplianceMode";
  const environmentTagKey = env.ENVIRONMENT_TAG_KEY || "Environment";
  const allowedAccounts = (env.ALLOWED_ACCOUNTS ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  for (const account of allowedAccounts) {
    if (!ACCOUNT.test(account)) {
      throw new ConfigurationError(
        `ALLOWED_ACCOUNTS must hold 12-digit account IDs, got "${account}"`,
      );
    }
  }
  const ec2Auth = flag(env, "EC2_AUTH", true);
  const tokenAuth = flag(env, "TOKEN_AUTH", false);
  if (ec2Auth && allowedAccounts.length === 0) {
    throw new ConfigurationError("ALLOWED_ACCOUNTS is required when EC2_AUTH is enabled");
  }
  if (!ec2Auth && !tokenAuth) {
    throw new ConfigurationError(
      "EC2_AUTH and TOKEN_AUTH are both disabled: no caller could ever be admitted",
    );
  }
  return {
    managedInstanceRoleName: required(env, "MANAGED_INSTANCE_ROLE_NAME"),
    fleetTagKey,
    fleetName: required(env, "FLEET_NAME"),
    modeTagKey,
    defaultMode: mode,
    environmentTagKey,
    environment: required(env, "ENVIRONMENT"),
    activationTtlMinutes: integer(env, "ACTIVATION_TTL_MINUTES", 60, 1, MAX_ACTIVATION_TTL_MINUTES),
    ec2Auth,
    allowedAccounts,
    tokenAuth,
    tokens: parseTokenGrants(tokenGrantsJson(env, readFile)),
    allowedTags: parseAllowedTags(json(env, "ALLOWED_TAGS", {}), [
      "Name",
      fleetTagKey,
      modeTagKey,
      environmentTagKey,
    ]),
    ssmMaxAttempts: integer(env, "SSM_MAX_ATTEMPTS", 3, 1, 10),
    retryAfterSeconds: integer(env, "RETRY_AFTER_SECONDS", 2, 1, 300),
    ...(env.SSM_ENDPOINT ? { ssmEndpoint: env.SSM_ENDPOINT } : {}),
    leaseTableName: required(env, "LEASE_TABLE_NAME"),
    ...(env.DYNAMODB_ENDPOINT ? { dynamoDbEndpoint: env.DYNAMODB_ENDPOINT } : {}),
    ec2MaxIdentityAgeMinutes: integer(
      env,
      "EC2_MAX_IDENTITY_AGE_MINUTES",
      0,
      0,
      MAX_IDENTITY_AGE_MINUTES,
    ),
    // At most a third of the lease's grace: the view's safety rests on it (registeredNames.ts).
    registeredNamesMaxAgeSeconds: integer(
      env,
      "REGISTERED_NAMES_MAX_AGE_SECONDS",
      LEASE_GRACE_SECONDS / 3,
      0,
      LEASE_GRACE_SECONDS / 3,
    ),
  };
}
