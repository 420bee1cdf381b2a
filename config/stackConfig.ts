/**
 * Reads and validates the stack's configuration before anything is created. Every error
 * names the config key (`ssm-hybrid-fleet:<key>`) and what it allows, so a typo fails
 * `pulumi preview` with a clear message instead of a half-built stack.
 */
import { ArgumentError, joinField } from "../components/errors";
import { validateHybridFleetArgs, type HybridFleetArgs } from "../components/hybridFleet";
import type { AllowedTag } from "../functions/activation/config";
import type { BootstrapTokenGrant } from "../functions/activation/tokens";
import { CONFIG_SCHEMA, PROJECT, type ConfigKeyName } from "./schema";

/** A config value that is missing, malformed or out of range. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`config ${PROJECT}:${joinField(key, problem)}`);
    this.name = "ConfigError";
  }
}

/** The typed, defaulted stack configuration. */
export interface StackConfig {
  readonly fleetName: string;
  readonly environment: string;
  readonly fleetTagKey: string;
  readonly modeTagKey: string;
  readonly environmentTagKey: string;
  readonly defaultMode: "report" | "enforce";
  readonly activationTtlMinutes: number;
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  readonly logRetentionDays: number;
  readonly ec2Auth: boolean;
  readonly allowedAccounts: readonly string[];
  readonly tokenAuth: boolean;
  readonly bootstrapTokens: readonly BootstrapTokenGrant[];
  readonly allowedTags: Readonly<Record<string, AllowedTag>>;
  readonly manageApiGatewayAccount: boolean;
}

/** Reads one raw config value (as Pulumi stores it: a string, arrays as JSON). */
export type RawConfig = (key: string) => string | undefined;

function readString(raw: RawConfig, key: ConfigKeyName): string {
  const v = raw(key);
  return v === undefined ? (CONFIG_SCHEMA[key].default as string) : v;
}

function readInteger(raw: RawConfig, key: ConfigKeyName): number {
  const v = raw(key);
  if (v === undefined) return CONFIG_SCHEMA[key].default as number;
  if (!/^-?\d+$/.test(v.trim())) throw new ConfigError(key, `must be a whole number; got "${v}"`);
  return Number(v);
}

function readBoolean(raw: RawConfig, key: ConfigKeyName): boolean {
  const v = raw(key);
  if (v === undefined) return CONFIG_SCHEMA[key].default as boolean;
  if (v === "true") return true;
  if (v === "false") return false;
  throw new ConfigError(key, `must be true or false; got "${v}"`);
}

function readArray(raw: RawConfig, key: ConfigKeyName): string[] {
  const v = raw(key);
  if (v === undefined) return [...(CONFIG_SCHEMA[key].default as readonly string[])];
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new ConfigError(key, `must be a list of strings; got "${v}"`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
    throw new ConfigError(key, "must be a list of strings");
  }
  return parsed;
}

/** Parses one `bootstrapTokens` line: `<id> <sha256> <expiresAt> <environment> <namePattern>`. */
export function parseTokenLine(line: string, index: number): BootstrapTokenGrant {
  const m = /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
  if (!m) {
    throw new ConfigError(
      `bootstrapTokens[${index}]`,
      "must be '<id> <sha256> <expiresAt> <environment> <namePattern>'",
    );
  }
  const [, id, sha256, expiresAt, environment, namePattern] = m;
  return { id, sha256, expiresAt, environment, namePattern };
}

/** Parses one `allowedTags` line: `Key=v1|v2` or `Key~regex`. */
export function parseAllowedTagLine(line: string, index: number): [string, AllowedTag] {
  const m = /^([^=~]+)([=~])(.*)$/.exec(line);
  if (!m || m[1].trim() === "") {
    throw new ConfigError(`allowedTags[${index}]`, "must be 'Key=value1|value2' or 'Key~regex'");
  }
  const key = m[1].trim();
  return m[2] === "=" ? [key, { values: m[3].split("|") }] : [key, { pattern: m[3] }];
}

/**
 * Reads every key, applies defaults, checks types and syntax, and refuses unknown keys in
 * the project's namespace (a misspelt key would otherwise be silently ignored).
 * Range checks that the components own are run by the components' own validators; the
 * stack program maps their field names back to these keys.
 */
export function parseStackConfig(
  raw: RawConfig,
  context: { project: string; stack: string; presentKeys?: readonly string[] },
): StackConfig {
  for (const key of context.presentKeys ?? []) {
    if (!(key in CONFIG_SCHEMA)) {
      throw new ConfigError(
        key,
        `is not a known key; known keys: ${Object.keys(CONFIG_SCHEMA).join(", ")}`,
      );
    }
  }
  const defaultMode = readString(raw, "defaultMode");
  if (defaultMode !== "report" && defaultMode !== "enforce") {
    throw new ConfigError("defaultMode", `must be one of report, enforce; got "${defaultMode}"`);
  }
  const allowedTags: Record<string, AllowedTag> = {};
  readArray(raw, "allowedTags").forEach((line, i) => {
    const [key, rule] = parseAllowedTagLine(line, i);
    if (key in allowedTags) throw new ConfigError(`allowedTags[${i}]`, `repeats tag key "${key}"`);
    allowedTags[key] = rule;
  });
  return {
    fleetName: readString(raw, "fleetName") || `${context.project}-${context.stack}`,
    environment: readString(raw, "environment") || context.stack,
    fleetTagKey: readString(raw, "fleetTagKey"),
    modeTagKey: readString(raw, "modeTagKey"),
    environmentTagKey: readString(raw, "environmentTagKey"),
    defaultMode,
    activationTtlMinutes: readInteger(raw, "activationTtlMinutes"),
    throttleRateLimit: readInteger(raw, "throttleRateLimit"),
    throttleBurstLimit: readInteger(raw, "throttleBurstLimit"),
    logRetentionDays: readInteger(raw, "logRetentionDays"),
    ec2Auth: readBoolean(raw, "ec2Auth"),
    allowedAccounts: readArray(raw, "allowedAccounts"),
    tokenAuth: readBoolean(raw, "tokenAuth"),
    bootstrapTokens: readArray(raw, "bootstrapTokens").map(parseTokenLine),
    allowedTags,
    manageApiGatewayAccount: readBoolean(raw, "manageApiGatewayAccount"),
  };
}

/**
 * Turns raw stack config into validated {@link HybridFleetArgs}: parses every key, then runs
 * the components' own validators and reports their findings under the config key (config
 * keys share the components' argument names). Nothing is created until this returns.
 */
export function loadFleetArgs(
  raw: RawConfig,
  context: { project: string; stack: string; presentKeys?: readonly string[] },
): HybridFleetArgs & StackConfig {
  const settings = parseStackConfig(raw, context);
  const args: HybridFleetArgs & StackConfig = {
    ...settings,
    tags: { [settings.fleetTagKey]: settings.fleetName, "managed-by": "ssm-hybrid-fleet" },
  };
  try {
    validateHybridFleetArgs(args);
  } catch (err) {
    if (err instanceof ArgumentError) throw new ConfigError(err.field, err.problem);
    throw err;
  }
  return args;
}
