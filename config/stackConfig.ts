/**
 * Reads and validates the stack's configuration before anything is created. Every error
 * names the config key (`ssm-hybrid-fleet:<key>`) and what it allows, so a typo fails
 * `pulumi preview` with a clear message instead of a half-built stack.
 */
import { ArgumentError, joinField } from "../components/errors";
import { validateHybridFleetArgs, type HybridFleetArgs } from "../components/hybridFleet";
import { KNOWN_KEYS, type ComplianceControlsConfig } from "../components/complianceControls";
import type { InventoryTypeSpec } from "../components/complianceSync.sql";
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
  readonly ec2MaxIdentityAgeMinutes: number;
  readonly allowedTags: Readonly<Record<string, AllowedTag>>;
  readonly manageApiGatewayAccount: boolean;
  readonly parameterReadPrefixes: readonly string[];
  readonly lambdaTrustSourceAccount: boolean;
  readonly apiGatewayTrustSourceAccount: boolean;
  readonly complianceControls: ComplianceControlsConfig;
  readonly associationMaxConcurrency: string;
  readonly associationMaxErrors: string;
  readonly associationSyncCompliance: string;
  readonly associationOutputExpirationDays: number;
  readonly associationOutputPrefix: string;
  readonly complianceSync: boolean;
  readonly complianceSyncPrefix: string;
  readonly complianceSyncName: string;
  readonly complianceSyncRegions: readonly string[];
  readonly complianceSourceAccounts: readonly string[];
  readonly complianceQueryRegions: readonly string[];
  readonly complianceKmsKeyArn: string;
  readonly complianceCreateKmsKey: boolean;
  readonly complianceRetainData: boolean;
  readonly complianceProtectData: boolean;
  readonly complianceStaleDays: number;
  readonly complianceStaleInventoryDays: number;
  readonly complianceNoncurrentVersionDays: number;
  readonly complianceDatabase: string;
  readonly complianceCustomInventoryTypes: readonly InventoryTypeSpec[];
  readonly athenaWorkgroup: string;
  readonly athenaBytesScannedCutoff: number;
  readonly athenaResultsExpirationDays: number;
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

/**
 * Parses one `bootstrapTokens` line:
 * `<id> <sha256> <expiresAt> <environment> [allowInstanceIdNames] <namePattern>`.
 */
export function parseTokenLine(line: string, index: number): BootstrapTokenGrant {
  const m = /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
  if (!m) {
    throw new ConfigError(
      `bootstrapTokens[${index}]`,
      "must be '<id> <sha256> <expiresAt> <environment> [allowInstanceIdNames] <namePattern>'",
    );
  }
  const [, id, sha256, expiresAt, environment, rest] = m;
  const flagged = /^allowInstanceIdNames\s+(\S.*)$/.exec(rest);
  if (flagged) {
    return {
      id,
      sha256,
      expiresAt,
      environment,
      namePattern: flagged[1],
      allowInstanceIdNames: true,
    };
  }
  return { id, sha256, expiresAt, environment, namePattern: rest };
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
    ec2MaxIdentityAgeMinutes: readInteger(raw, "ec2MaxIdentityAgeMinutes"),
    allowedTags,
    manageApiGatewayAccount: readBoolean(raw, "manageApiGatewayAccount"),
    parameterReadPrefixes: readArray(raw, "parameterReadPrefixes"),
    lambdaTrustSourceAccount: readBoolean(raw, "lambdaTrustSourceAccount"),
    apiGatewayTrustSourceAccount: readBoolean(raw, "apiGatewayTrustSourceAccount"),
    complianceControls: parseControlLines(readArray(raw, "complianceControls")),
    associationMaxConcurrency: readString(raw, "associationMaxConcurrency"),
    associationMaxErrors: readString(raw, "associationMaxErrors"),
    associationSyncCompliance: readString(raw, "associationSyncCompliance"),
    associationOutputExpirationDays: readInteger(raw, "associationOutputExpirationDays"),
    associationOutputPrefix: readString(raw, "associationOutputPrefix"),
    complianceSync: readBoolean(raw, "complianceSync"),
    complianceSyncPrefix: readString(raw, "complianceSyncPrefix"),
    complianceSyncName: readString(raw, "complianceSyncName"),
    complianceSyncRegions: readArray(raw, "complianceSyncRegions"),
    complianceSourceAccounts: readArray(raw, "complianceSourceAccounts"),
    complianceQueryRegions: readArray(raw, "complianceQueryRegions"),
    complianceKmsKeyArn: readString(raw, "complianceKmsKeyArn"),
    complianceCreateKmsKey: readBoolean(raw, "complianceCreateKmsKey"),
    complianceRetainData: readBoolean(raw, "complianceRetainData"),
    complianceProtectData: readBoolean(raw, "complianceProtectData"),
    complianceStaleDays: readInteger(raw, "complianceStaleDays"),
    complianceStaleInventoryDays: readInteger(raw, "complianceStaleInventoryDays"),
    complianceNoncurrentVersionDays: readInteger(raw, "complianceNoncurrentVersionDays"),
    complianceDatabase: readString(raw, "complianceDatabase"),
    complianceCustomInventoryTypes: readArray(raw, "complianceCustomInventoryTypes").map(
      parseInventoryTypeLine,
    ),
    athenaWorkgroup: readString(raw, "athenaWorkgroup"),
    athenaBytesScannedCutoff: readInteger(raw, "athenaBytesScannedCutoff"),
    athenaResultsExpirationDays: readInteger(raw, "athenaResultsExpirationDays"),
  };
}

/** The settings each control line may carry: dotted paths into ComplianceControlsConfig. */
export const CONTROL_LINE_FIELDS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  ["patch", "antivirus", "cis", "inventory"].map((control) => [
    control,
    KNOWN_KEYS[control].flatMap((key) => {
      if (key === "parameters") return ["parameters.*"];
      if (key !== "linux" && key !== "windows") return [key];
      const nested = KNOWN_KEYS[control === "antivirus" ? "agent" : "scanner"];
      return nested.map((n) => `${key}.${n}`);
    }),
  ]),
);
const BOOLEAN_FIELDS = new Set(["enabled", "mandatory", "installScanner"]);
const NUMBER_FIELDS = new Set(["maxDefinitionsAgeHours"]);

/**
 * Parses `complianceControls` lines: `<control> key=value key="value with spaces" …`.
 * Dotted keys reach nested settings (`linux.installerSource=…`, `parameters.files=Enabled`);
 * `enabled`, `mandatory` and `installScanner` take true/false, `maxDefinitionsAgeHours` a
 * number. Ranges and patterns are then checked by the ComplianceControls validator.
 */
export function parseControlLines(lines: readonly string[]): ComplianceControlsConfig {
  const out: Record<string, Record<string, unknown>> = {};
  lines.forEach((line, i) => {
    const at = `complianceControls[${i}]`;
    const m = /^\s*(\S+)\s*(.*)$/s.exec(line);
    const control = m?.[1] ?? "";
    if (!(control in CONTROL_LINE_FIELDS)) {
      throw new ConfigError(
        at,
        `must start with a control: ${Object.keys(CONTROL_LINE_FIELDS).join(", ")}; got "${control}"`,
      );
    }
    if (control in out) throw new ConfigError(at, `repeats control "${control}"`);
    const settings: Record<string, unknown> = {};
    const rest = m?.[2] ?? "";
    const pair = /([A-Za-z][\w.]*)=("(?:[^"\\]|\\.)*"|\S*)\s*/gy;
    let match: RegExpExecArray | null;
    let consumed = 0;
    while ((match = pair.exec(rest)) !== null) {
      consumed = pair.lastIndex;
      const [, key, rawValue] = match;
      const allowed = CONTROL_LINE_FIELDS[control];
      const known =
        allowed.includes(key) ||
        (key.startsWith("parameters.") && allowed.includes("parameters.*"));
      if (!known) {
        throw new ConfigError(
          at,
          `${control} has no setting "${key}"; settings: ${allowed.join(", ")}`,
        );
      }
      let value: unknown = rawValue.startsWith('"') ? JSON.parse(rawValue) : rawValue;
      const leaf = key.split(".").pop() as string;
      if (BOOLEAN_FIELDS.has(leaf)) {
        if (value !== "true" && value !== "false")
          throw new ConfigError(at, `${control} ${key} must be true or false`);
        value = value === "true";
      } else if (NUMBER_FIELDS.has(leaf)) {
        if (!/^\d+$/.test(String(value)))
          throw new ConfigError(at, `${control} ${key} must be a whole number`);
        value = Number(value);
      }
      setPath(settings, key.split("."), value);
    }
    if (consumed !== rest.length) {
      throw new ConfigError(
        at,
        `cannot read "${rest.slice(consumed, consumed + 40)}": write key=value or key="value with spaces"`,
      );
    }
    out[control] = settings;
  });
  return out as ComplianceControlsConfig;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    node = (node[part] ??= {}) as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** Parses one `complianceCustomInventoryTypes` line: `Custom:Type col1,col2`. */
export function parseInventoryTypeLine(line: string, index: number): InventoryTypeSpec {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(line);
  if (!m)
    throw new ConfigError(
      `complianceCustomInventoryTypes[${index}]`,
      "must be 'Custom:Type col1,col2'",
    );
  return { typeName: m[1], columns: m[2].split(",").filter((c) => c !== "") };
}

/**
 * Component argument → config key, where they differ. ActivationApi's arguments share
 * their config keys' names; ComplianceControls' `controls.*` are all `complianceControls`.
 */
const CONFIG_KEY_FOR: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ComplianceControls: {
    maxConcurrency: "associationMaxConcurrency",
    maxErrors: "associationMaxErrors",
    syncCompliance: "associationSyncCompliance",
    outputExpirationDays: "associationOutputExpirationDays",
    outputPrefix: "associationOutputPrefix",
  },
  ComplianceSync: {
    prefix: "complianceSyncPrefix",
    syncName: "complianceSyncName",
    additionalSyncRegions: "complianceSyncRegions",
    sourceAccountIds: "complianceSourceAccounts",
    queryRegions: "complianceQueryRegions",
    kmsKeyArn: "complianceKmsKeyArn",
    createKmsKey: "complianceCreateKmsKey",
    retainDataOnDelete: "complianceRetainData",
    protectData: "complianceProtectData",
    staleComplianceDays: "complianceStaleDays",
    staleInventoryDays: "complianceStaleInventoryDays",
    noncurrentVersionDays: "complianceNoncurrentVersionDays",
    databaseName: "complianceDatabase",
    customInventoryTypes: "complianceCustomInventoryTypes",
    workgroupName: "athenaWorkgroup",
    bytesScannedCutoffPerQuery: "athenaBytesScannedCutoff",
    resultsExpirationDays: "athenaResultsExpirationDays",
  },
};

/** Maps a component's ArgumentError onto the config key the user set. */
export function toConfigError(err: ArgumentError): ConfigError {
  if (err.component === "ComplianceControls" && err.field.startsWith("controls.")) {
    return new ConfigError(
      "complianceControls",
      `${err.field.slice("controls.".length)} ${err.problem}`,
    );
  }
  const key = CONFIG_KEY_FOR[err.component]?.[err.field.split(/[.[]/)[0]];
  if (key)
    return new ConfigError(
      key,
      err.field.slice(err.field.split(/[.[]/)[0].length) + " " + err.problem,
    );
  return new ConfigError(err.field, err.problem);
}

/**
 * Turns raw stack config into validated {@link HybridFleetArgs}: parses every key, then runs
 * the components' own validators and reports their findings under the config key (config
 * keys share the components' argument names). Nothing is created until this returns.
 */
export function loadFleetArgs(
  raw: RawConfig,
  context: { project: string; stack: string; presentKeys?: readonly string[] },
): HybridFleetArgs & { readonly settings: StackConfig } {
  const settings = parseStackConfig(raw, context);
  const orUndefined = <T>(values: readonly T[]): T[] | undefined =>
    values.length > 0 ? [...values] : undefined;
  const args: HybridFleetArgs = {
    fleetName: settings.fleetName,
    environment: settings.environment,
    fleetTagKey: settings.fleetTagKey,
    modeTagKey: settings.modeTagKey,
    environmentTagKey: settings.environmentTagKey,
    defaultMode: settings.defaultMode,
    activationTtlMinutes: settings.activationTtlMinutes,
    throttleRateLimit: settings.throttleRateLimit,
    throttleBurstLimit: settings.throttleBurstLimit,
    logRetentionDays: settings.logRetentionDays,
    ec2Auth: settings.ec2Auth,
    allowedAccounts: settings.allowedAccounts,
    tokenAuth: settings.tokenAuth,
    bootstrapTokens: settings.bootstrapTokens,
    ec2MaxIdentityAgeMinutes: settings.ec2MaxIdentityAgeMinutes,
    allowedTags: settings.allowedTags,
    manageApiGatewayAccount: settings.manageApiGatewayAccount,
    parameterReadPrefixes: settings.parameterReadPrefixes,
    lambdaTrustSourceAccount: settings.lambdaTrustSourceAccount,
    apiGatewayTrustSourceAccount: settings.apiGatewayTrustSourceAccount,
    compliance: {
      controls: settings.complianceControls,
      maxConcurrency: settings.associationMaxConcurrency,
      maxErrors: settings.associationMaxErrors,
      syncCompliance: settings.associationSyncCompliance as "AUTO" | "MANUAL",
      outputExpirationDays: settings.associationOutputExpirationDays,
      outputPrefix: settings.associationOutputPrefix,
    },
    sync: settings.complianceSync && {
      prefix: settings.complianceSyncPrefix,
      syncName: settings.complianceSyncName || undefined,
      additionalSyncRegions: orUndefined(settings.complianceSyncRegions),
      sourceAccountIds: orUndefined(settings.complianceSourceAccounts),
      queryRegions: orUndefined(settings.complianceQueryRegions),
      kmsKeyArn: settings.complianceKmsKeyArn || undefined,
      createKmsKey: settings.complianceCreateKmsKey,
      retainDataOnDelete: settings.complianceRetainData,
      protectData: settings.complianceProtectData,
      staleComplianceDays: settings.complianceStaleDays,
      staleInventoryDays: settings.complianceStaleInventoryDays || undefined,
      noncurrentVersionDays: settings.complianceNoncurrentVersionDays,
      databaseName: settings.complianceDatabase || undefined,
      customInventoryTypes: orUndefined(settings.complianceCustomInventoryTypes),
      workgroupName: settings.athenaWorkgroup || undefined,
      bytesScannedCutoffPerQuery: settings.athenaBytesScannedCutoff,
      resultsExpirationDays: settings.athenaResultsExpirationDays,
    },
    tags: { [settings.fleetTagKey]: settings.fleetName, "managed-by": "ssm-hybrid-fleet" },
  };
  try {
    validateHybridFleetArgs(args);
  } catch (err) {
    if (err instanceof ArgumentError) throw toConfigError(err);
    throw err;
  }
  return { ...args, settings };
}
