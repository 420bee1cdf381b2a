/**
 * Reads and validates the stack's configuration before anything is created. Every problem
 * names the config path (`ssm-hybrid-fleet:controls.antivirus.linux.serviceName: …`) and
 * what it allows, so a typo fails `pulumi preview` with a clear message instead of a
 * half-built stack.
 */
import { formatPath, schemaProblems, type SchemaProblem } from "../components/shared/argsSchema";
import { ArgumentError } from "../components/shared/errors";
import { validateHybridFleetArgs, type HybridFleetArgs } from "../components/hybridFleet";
import type { Acceptance } from "../risk/model";
import {
  PROJECT,
  STACK_CONFIG_KEYS,
  StackConfigSchema,
  pulumiDeclaration,
  type ConfigKeyName,
  type StackConfigValues,
} from "./schema";

/** One or more config values that are missing, malformed or out of range. */
export class ConfigError extends Error {
  /** Each problem: the path inside the project's namespace, and what is wrong. */
  readonly problems: readonly SchemaProblem[];

  constructor(problems: readonly SchemaProblem[]) {
    super(problems.map((p) => `${PROJECT}:${formatPath(p.path)}: ${p.problem}`).join("\n"));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** The typed, defaulted stack configuration. */
export type StackConfig = StackConfigValues;

/** What the stack program needs of `pulumi.Config`. */
export interface ConfigSource {
  get(key: string): string | undefined;
  getObject<T>(key: string): T | undefined;
}

/**
 * Reads the given keys of the project's namespace from Pulumi config: strings as text,
 * everything else (numbers, flags, lists, objects) with `getObject`, which is how Pulumi
 * hands structured stack config to a program. Unknown keys are read as text, for the schema
 * to refuse by name.
 */
export function readConfigValues(
  config: ConfigSource,
  presentKeys: readonly string[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const key of presentKeys) {
    const known = key in STACK_CONFIG_KEYS;
    const text = !known || pulumiDeclaration(key as ConfigKeyName)?.type === "string";
    values[key] = text ? config.get(key) : config.getObject(key);
  }
  return values;
}

/**
 * Validates the project's config values (keys without the `ssm-hybrid-fleet:` prefix) against
 * {@link StackConfigSchema}: applies defaults, checks types, ranges and allowed values at every
 * depth and refuses unknown keys. Throws one {@link ConfigError} listing every problem.
 */
export function parseStackConfig(
  values: Readonly<Record<string, unknown>>,
  context: { project: string; stack: string },
): StackConfig {
  const problems = schemaProblems(StackConfigSchema, values);
  if (problems.length > 0) throw new ConfigError(problems);
  const parsed = StackConfigSchema.parse(values);
  return {
    ...parsed,
    fleetName: parsed.fleetName || `${context.project}-${context.stack}`,
    environment: parsed.environment || context.stack,
  };
}

/**
 * Component argument → config key, where they differ. ActivationApi's arguments and
 * ComplianceControls' `controls` share their config keys' names.
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
  // The risk view's settings live under the one structured key `risk`.
  RiskView: Object.fromEntries(
    [
      "staleDays",
      "severityWeights",
      "maxAcceptanceDays",
      "acceptances",
      "snapshotSchedule",
      "topMachines",
    ].map((k) => [k, `risk.${k}`]),
  ),
  RiskAlerts: { alerts: "risk.alerts" },
  // The janitor's settings live under the one structured key `janitor`.
  Janitor: Object.fromEntries(
    ["apply", "schedule", "staleDays", "maxActionsPerRun"].map((k) => [k, `janitor.${k}`]),
  ),
};

/**
 * Maps a component's ArgumentError onto the config path the user set. A problem may start
 * with the rest of the path (`[0].sha256 must …`): that part joins the path.
 */
export function toConfigError(err: ArgumentError): ConfigError {
  const [head, ...rest] = err.field.split(/(?=[.[])/);
  const key = CONFIG_KEY_FOR[err.component]?.[head] ?? head;
  const tail = /^((?:\[[^\]]*\]|\.[\w$-]+)+)(?::)?\s+(.*)$/s.exec(err.problem.trimStart());
  const suffix = rest.join("") + (tail ? tail[1] : "");
  const path = `${key}${suffix}`.split(/\.|(?=\[)/).map((p) => {
    const index = /^\[(\d+)\]$/.exec(p);
    return index ? Number(index[1]) : p;
  });
  const problem = (tail ? tail[2] : err.problem.trimStart()).replace(/^:\s*/, "");
  return new ConfigError([{ path, problem }]);
}

/** The stack config as HybridFleet arguments. Pure; validation happens in {@link loadFleetArgs}. */
export function toFleetArgs(settings: StackConfig): HybridFleetArgs {
  const orUndefined = <T>(values: readonly T[]): T[] | undefined =>
    values.length > 0 ? [...values] : undefined;
  return {
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
    apiDomainName: settings.apiDomainName || undefined,
    apiCertificateArn: settings.apiCertificateArn || undefined,
    apiHostedZoneId: settings.apiHostedZoneId || undefined,
    apiEndpointType: settings.apiEndpointType,
    apiVpcEndpointIds: orUndefined(settings.apiVpcEndpointIds),
    apiAllowedCidrs: orUndefined(settings.apiAllowedCidrs),
    apiWaf: settings.apiWaf.enabled
      ? { rateLimit: settings.apiWaf.rateLimit, ipReputation: settings.apiWaf.ipReputation }
      : undefined,
    compliance: {
      controls: settings.controls,
      maxConcurrency: settings.associationMaxConcurrency,
      maxErrors: settings.associationMaxErrors,
      syncCompliance: settings.associationSyncCompliance,
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
    risk: settings.risk.enabled && {
      staleDays: settings.risk.staleDays,
      severityWeights: settings.risk.severityWeights,
      maxAcceptanceDays: settings.risk.maxAcceptanceDays,
      // The schema keeps `control` a string so that validateAcceptances can name the enabled
      // controls; validateHybridFleetArgs checks it before anything is created.
      acceptances: settings.risk.acceptances as readonly Acceptance[],
      snapshotSchedule: settings.risk.snapshotSchedule,
      topMachines: settings.risk.topMachines,
      alerts: settings.risk.alerts,
      dashboard: settings.risk.dashboard,
    },
    janitor: settings.janitor.enabled && {
      apply: settings.janitor.apply,
      schedule: settings.janitor.schedule,
      staleDays: settings.janitor.staleDays,
      maxActionsPerRun: settings.janitor.maxActionsPerRun,
    },
    activationTier: settings.activationTier === "unmanaged" ? undefined : settings.activationTier,
    tierAlarmShare: settings.tierAlarmShare,
    expectedHybridNodes: settings.expectedHybridNodes,
    tags: { [settings.fleetTagKey]: settings.fleetName, "managed-by": "ssm-hybrid-fleet" },
  };
}

/**
 * Turns the stack's config values into validated {@link HybridFleetArgs}: checks them against
 * the schema, then runs the components' own validators (the same ones their constructors run)
 * and reports their findings under the config path. Nothing is created until this returns.
 */
export function loadFleetArgs(
  values: Readonly<Record<string, unknown>>,
  context: { project: string; stack: string; region?: string },
): HybridFleetArgs & { readonly settings: StackConfig } {
  const settings = parseStackConfig(values, context);
  const args = toFleetArgs(settings);
  try {
    validateHybridFleetArgs(args, undefined, context.region);
  } catch (err) {
    if (err instanceof ArgumentError) throw toConfigError(err);
    throw err;
  }
  return { ...args, settings };
}
