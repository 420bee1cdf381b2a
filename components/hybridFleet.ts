import * as pulumi from "@pulumi/pulumi";
import type { AllowedTag } from "../functions/activation/config";
import type { BootstrapTokenGrant } from "../functions/activation/tokens";
import {
  ActivationApi,
  validateActivationApiArgs,
  type ActivationApiArgs,
} from "./activation/activationApi";
import { formatPath, schemaProblems } from "./shared/argsSchema";
import { HybridFleetArgsSchema } from "./hybridFleet.schema";
import { ArgumentError } from "./shared/errors";
import type { FrontDoorArgs } from "./activation/frontDoor";
import {
  ComplianceControls,
  validateComplianceControlsArgs,
  type ComplianceControlsArgs,
} from "./compliance/complianceControls";
import {
  ComplianceSync,
  resolveComplianceSyncArgs,
  type ComplianceSyncArgs,
} from "./sync/complianceSync";
import { CONTROL_DEFAULTS } from "./compliance/complianceControls";
import { CONTROL_NAMES } from "./compliance/complianceControls.schema";
import {
  CONTROL_COMPLIANCE_TYPES,
  type Acceptance,
  type RiskAlertSettings,
  type RiskControl,
  type SeverityWeights,
} from "../risk/model";
import { RiskView, resolveRiskViewArgs, type RiskViewArgs } from "./risk/riskView";
import { RiskDashboard, resolveRiskDashboardArgs } from "./risk/riskDashboard";
import { RiskAlerts, resolveRiskAlertsArgs } from "./risk/riskAlerts";
import { snapshotPeriodMinutes } from "./risk/riskSchedule";
import { REPORTS_PREFIX } from "./risk/riskView.policies";
import * as aws from "@pulumi/aws";
import { Janitor, resolveJanitorArgs, type JanitorArgs } from "./ops/janitor";
import { ACTIVATION_TIER_SETTING_ID, tierWarnings } from "./ops/activationTier";
import { DEFAULT_TIER_ALARM_SHARE } from "./ops/janitor.schema";

/** What {@link HybridFleet} passes to its ComplianceControls besides the shared tags. */
export type FleetComplianceArgs = Omit<
  ComplianceControlsArgs,
  "fleetName" | "managedInstanceRoleName" | "modeTagKey" | "fleetTagKey" | "tags"
>;

/** What {@link HybridFleet} passes to its ComplianceSync besides the shared tags. */
export type FleetSyncArgs = Omit<
  ComplianceSyncArgs,
  "fleetName" | "fleetTagKey" | "modeTagKey" | "environmentTagKey" | "tags"
>;

/** The janitor's settings a fleet chooses (stack config `janitor`, without `enabled`). */
export type FleetJanitorArgs = Pick<
  JanitorArgs,
  "apply" | "schedule" | "staleDays" | "maxActionsPerRun"
>;

/** The risk view's settings a fleet chooses (stack config `risk`, without `enabled`). */
export interface FleetRiskArgs {
  /** Days after which a machine's data for a control is unknown (a finding), 1-90. @default 7 */
  readonly staleDays?: number;
  /** Weight of one open finding per severity (whole numbers 0-1000). @default risk/model.ts DEFAULT_SEVERITY_WEIGHTS */
  readonly severityWeights?: Partial<SeverityWeights>;
  /** Longest an acceptance may run from the deploy, days (1-365). @default 365 */
  readonly maxAcceptanceDays?: number;
  /** The acceptance register. @default [] */
  readonly acceptances?: readonly Acceptance[];
  /** EventBridge schedule of the snapshot (rate ≥ 15 minutes, or cron). @default "rate(1 hour)" */
  readonly snapshotSchedule?: string;
  /** Machines in the report's top list (1-500). @default 20 */
  readonly topMachines?: number;
  /** Alarms and where they go. @default criticalEnvironments ["prod"], scoreIncreaseShare 0.2, notSeenThreshold 0, a new topic */
  readonly alerts?: RiskAlertSettings;
  /** Create the CloudWatch risk dashboard. @default true */
  readonly dashboard?: boolean;
}

/** Arguments of {@link HybridFleet}: one fleet in one account and region. */
export interface HybridFleetArgs extends FrontDoorArgs {
  /** Value of the fleet tag that marks the machines this stack manages. */
  readonly fleetName: string;
  /** Environment tag value for EC2 machines (token machines get their token's). */
  readonly environment: string;
  /** Key of the fleet tag. @default "HybridFleet" */
  readonly fleetTagKey?: string;
  /** Key of the compliance-mode tag. @default "ComplianceMode" */
  readonly modeTagKey?: string;
  /** Key of the environment tag. @default "Environment" */
  readonly environmentTagKey?: string;
  /** Mode new machines start in. @default "report" */
  readonly defaultMode?: "report" | "enforce";
  /** Lifetime of each single-use activation, minutes. @default 60 */
  readonly activationTtlMinutes?: number;
  /** Activation API steady request rate per second. @default 10 */
  readonly throttleRateLimit?: number;
  /** Activation API burst. @default 20 */
  readonly throttleBurstLimit?: number;
  /** Log retention, days. @default 30 */
  readonly logRetentionDays?: number;
  /** Accept EC2 identity documents as proof. @default true */
  readonly ec2Auth?: boolean;
  /** Accounts whose EC2 instances may register. @default the stack's own account */
  readonly allowedAccounts?: readonly string[];
  /** Accept bootstrap tokens as proof. @default false */
  readonly tokenAuth?: boolean;
  /** Bootstrap token grants (hashes only). @default [] */
  readonly bootstrapTokens?: readonly BootstrapTokenGrant[];
  /** Refuse EC2 identity documents whose pendingTime is older than this, minutes; 0 = off. @default 0 */
  readonly ec2MaxIdentityAgeMinutes?: number;
  /** Tags callers may add to their activation. @default {} */
  readonly allowedTags?: Readonly<Record<string, AllowedTag>>;
  /** Create the account-wide API Gateway CloudWatch role. @default true */
  readonly manageApiGatewayAccount?: boolean;
  /** Parameter Store prefixes registered machines may read. @default [] (none) */
  readonly parameterReadPrefixes?: readonly string[];
  /** `aws:SourceAccount` in the function role's trust policy. @default true */
  readonly lambdaTrustSourceAccount?: boolean;
  /** `aws:SourceAccount` in the API Gateway logging role's trust policy. @default false */
  readonly apiGatewayTrustSourceAccount?: boolean;
  /** Report/enforce associations and their documents. @default every control, component defaults */
  readonly compliance?: FleetComplianceArgs;
  /** Compliance data sync to S3 and Athena; `false` leaves it out. @default component defaults */
  readonly sync?: FleetSyncArgs | false;
  /**
   * The risk view (score, acceptance register, history, snapshot function, dashboard and
   * alerts) over the sync; `false` leaves it out. Needs the sync.
   * @default component defaults when the sync is on; none when `sync` is false
   */
  readonly risk?: FleetRiskArgs | false;
  /**
   * The scheduled janitor (dry run unless `apply`); `false` leaves it out.
   * @default {} (daily dry run, staleDays 30, maxActionsPerRun 50)
   */
  readonly janitor?: FleetJanitorArgs | false;
  /**
   * Sets the account's hybrid activation tier in this region (an SSM service setting shared by
   * every stack there: set it in one). @default undefined (left as it is)
   */
  readonly activationTier?: "standard" | "advanced";
  /** Tier alarm at this share of the standard tier's 1,000 hybrid nodes (0-1]. @default 0.8 */
  readonly tierAlarmShare?: number;
  /** Hybrid nodes the fleet is expected to reach; preview warns near the tier limit. @default 0 (unknown) */
  readonly expectedHybridNodes?: number;
  /** Tags for every resource created. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

function activationArgs(args: HybridFleetArgs): ActivationApiArgs {
  return {
    fleetName: args.fleetName,
    environment: args.environment,
    fleetTagKey: args.fleetTagKey,
    modeTagKey: args.modeTagKey,
    environmentTagKey: args.environmentTagKey,
    defaultMode: args.defaultMode,
    activationTtlMinutes: args.activationTtlMinutes,
    throttleRateLimit: args.throttleRateLimit,
    throttleBurstLimit: args.throttleBurstLimit,
    logRetentionDays: args.logRetentionDays,
    ec2Auth: args.ec2Auth,
    allowedAccounts:
      args.allowedAccounts && args.allowedAccounts.length > 0
        ? [...args.allowedAccounts]
        : undefined,
    tokenAuth: args.tokenAuth,
    bootstrapTokens: args.bootstrapTokens,
    ec2MaxIdentityAgeMinutes: args.ec2MaxIdentityAgeMinutes,
    allowedTags: args.allowedTags,
    manageApiGatewayAccount: args.manageApiGatewayAccount,
    parameterReadPrefixes: args.parameterReadPrefixes,
    lambdaTrustSourceAccount: args.lambdaTrustSourceAccount,
    apiGatewayTrustSourceAccount: args.apiGatewayTrustSourceAccount,
    apiDomainName: args.apiDomainName,
    apiCertificateArn: args.apiCertificateArn,
    apiHostedZoneId: args.apiHostedZoneId,
    apiEndpointType: args.apiEndpointType,
    apiVpcEndpointIds: args.apiVpcEndpointIds,
    apiAllowedCidrs: args.apiAllowedCidrs,
    apiWaf: args.apiWaf,
    tags: args.tags,
  };
}

function complianceArgs(
  args: HybridFleetArgs,
  managedInstanceRoleName: pulumi.Input<string>,
): ComplianceControlsArgs {
  return {
    ...args.compliance,
    fleetName: args.fleetName,
    managedInstanceRoleName,
    modeTagKey: args.modeTagKey,
    fleetTagKey: args.fleetTagKey,
    tags: args.tags,
  };
}

function syncArgs(args: HybridFleetArgs, sync: FleetSyncArgs): ComplianceSyncArgs {
  return {
    ...sync,
    fleetName: args.fleetName,
    fleetTagKey: args.fleetTagKey,
    modeTagKey: args.modeTagKey,
    environmentTagKey: args.environmentTagKey,
    tags: args.tags,
  };
}

/**
 * The enabled controls as the risk view sees them: compliance type, the association's
 * severity (its no-data finding's severity) and whether it is mandated.
 */
export function riskControls(args: HybridFleetArgs): RiskControl[] {
  const controls = args.compliance?.controls ?? {};
  return CONTROL_NAMES.filter((c) => controls[c]?.enabled !== false).map((c) => ({
    name: c,
    complianceType: CONTROL_COMPLIANCE_TYPES[c],
    severity: controls[c]?.severity ?? CONTROL_DEFAULTS[c].severity,
    mandatory: controls[c]?.mandatory ?? false,
  }));
}

/** The sync's outputs the risk view reads (placeholders while validating). */
interface SyncOutputs {
  readonly bucketName: pulumi.Input<string>;
  readonly databaseName: pulumi.Input<string>;
  readonly workgroupName: pulumi.Input<string>;
  readonly resultsBucketName: pulumi.Input<string>;
  readonly kmsKeyArn?: pulumi.Input<string | undefined>;
}

function riskViewArgs(args: HybridFleetArgs, risk: FleetRiskArgs, sync: SyncOutputs): RiskViewArgs {
  const syncSettings = args.sync === false ? {} : (args.sync ?? {});
  return {
    // Picked one by one: `sync` may be the ComplianceSync itself.
    bucketName: sync.bucketName,
    databaseName: sync.databaseName,
    workgroupName: sync.workgroupName,
    resultsBucketName: sync.resultsBucketName,
    kmsKeyArn: sync.kmsKeyArn,
    prefix: syncSettings.prefix,
    controls: riskControls(args),
    fleetName: args.fleetName,
    fleetTagKey: args.fleetTagKey,
    modeTagKey: args.modeTagKey,
    environmentTagKey: args.environmentTagKey,
    staleDays: risk.staleDays,
    severityWeights: risk.severityWeights,
    maxAcceptanceDays: risk.maxAcceptanceDays,
    acceptances: risk.acceptances,
    snapshotSchedule: risk.snapshotSchedule,
    topMachines: risk.topMachines,
    logRetentionDays: args.logRetentionDays,
    tags: args.tags,
  };
}

/** The risk settings in effect: undefined when the risk view is off. */
function riskSettings(args: HybridFleetArgs): FleetRiskArgs | undefined {
  if (args.risk === false) return undefined;
  if (args.sync === false) {
    if (args.risk === undefined) return undefined;
    throw new ArgumentError(
      "HybridFleet",
      "risk",
      "needs the compliance sync, which is off (sync: false / complianceSync: false): turn the sync on, or the risk view off (risk: false / risk.enabled: false)",
    );
  }
  return args.risk ?? {};
}

/** The janitor's arguments, or undefined when it is off. */
function janitorArgs(args: HybridFleetArgs): JanitorArgs | undefined {
  if (args.janitor === false) return undefined;
  return {
    ...args.janitor,
    fleetName: args.fleetName,
    fleetTagKey: args.fleetTagKey,
    // The advanced tier has no hybrid node limit to alarm on.
    tierAlarmShare:
      args.activationTier === "advanced"
        ? false
        : (args.tierAlarmShare ?? DEFAULT_TIER_ALARM_SHARE),
    logRetentionDays: args.logRetentionDays,
    tags: args.tags,
  };
}

const PLACEHOLDER_SYNC: SyncOutputs = {
  bucketName: "placeholder-bucket",
  databaseName: "placeholder_db",
  workgroupName: "placeholder-workgroup",
  resultsBucketName: "placeholder-results",
};

/**
 * Validates every part's arguments before anything is created; throws the first
 * `ArgumentError` (which names the component and field). `stackRegion` (the `aws:region`
 * config, when known) is where a custom domain's certificate must be.
 */
export function validateHybridFleetArgs(
  args: HybridFleetArgs,
  name = "fleet",
  stackRegion?: string,
): void {
  const [first] = schemaProblems(HybridFleetArgsSchema, args);
  if (first) throw new ArgumentError("HybridFleet", formatPath(first.path), first.problem);
  validateActivationApiArgs(activationArgs(args), stackRegion);
  const { errors } = validateComplianceControlsArgs(complianceArgs(args, "placeholder-role"));
  if (errors.length > 0) throw errors[0];
  if (args.sync !== false)
    resolveComplianceSyncArgs(`${name}-sync`, syncArgs(args, args.sync ?? {}));
  const risk = riskSettings(args);
  if (risk !== undefined) {
    resolveRiskViewArgs(riskViewArgs(args, risk, PLACEHOLDER_SYNC), new Date());
    const minutes = snapshotPeriodMinutes(risk.snapshotSchedule);
    resolveRiskAlertsArgs({
      fleet: args.fleetName,
      alerts: risk.alerts,
      snapshotPeriodMinutes: minutes,
    });
    if (risk.dashboard !== false) {
      resolveRiskDashboardArgs({ fleet: args.fleetName, snapshotPeriodMinutes: minutes });
    }
  }
  const janitor = janitorArgs(args);
  if (janitor !== undefined) resolveJanitorArgs(janitor);
}

/**
 * The whole product for one account and region: the activation API machines register
 * through and the role they run under, the report/enforce compliance associations with
 * their documents, and the compliance data sync to S3 and Athena.
 *
 * @example
 * ```ts
 * import { HybridFleet } from "ssm-hybrid-fleet";
 * const fleet = new HybridFleet("acme", {
 *   fleetName: "acme-prod",
 *   environment: "prod",
 *   compliance: { controls: { antivirus: { mandatory: true } } },
 * });
 * export const activationUrl = fleet.activationApi.activationUrl;
 * ```
 */
export class HybridFleet extends pulumi.ComponentResource {
  /** The activation API and the managed-instance role. */
  public readonly activationApi: ActivationApi;
  /** The report/enforce associations, their documents and output bucket. */
  public readonly complianceControls: ComplianceControls;
  /** The compliance data sync, Glue tables and Athena workgroup (absent when `sync: false`). */
  public readonly complianceSync?: ComplianceSync;
  /** The risk view: register, history, views and snapshot function (absent when off). */
  public readonly riskView?: RiskView;
  /** The CloudWatch risk dashboard (absent when the risk view or `risk.dashboard` is off). */
  public readonly riskDashboard?: RiskDashboard;
  /** The risk alarms and their topic (absent when the risk view is off). */
  public readonly riskAlerts?: RiskAlerts;
  /** The scheduled janitor and the tier alarm (absent with `janitor: false`). */
  public readonly janitor?: Janitor;
  /** The account's activation tier setting (absent unless `activationTier` is set). */
  public readonly activationTierSetting?: aws.ssm.ServiceSetting;

  constructor(name: string, args: HybridFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    validateHybridFleetArgs(args, name, aws.config.region);
    super("ssm-hybrid-fleet:index:HybridFleet", name, {}, opts);
    this.activationApi = new ActivationApi(`${name}-activation`, activationArgs(args), {
      parent: this,
    });
    this.complianceControls = new ComplianceControls(
      `${name}-compliance`,
      complianceArgs(args, this.activationApi.managedInstanceRoleName),
      { parent: this },
    );
    if (args.sync !== false) {
      this.complianceSync = new ComplianceSync(`${name}-sync`, syncArgs(args, args.sync ?? {}), {
        parent: this,
      });
    }
    const risk = riskSettings(args);
    if (risk !== undefined && this.complianceSync !== undefined) {
      const sync = this.complianceSync;
      this.riskView = new RiskView(`${name}-risk`, riskViewArgs(args, risk, sync), {
        parent: this,
      });
      const minutes = snapshotPeriodMinutes(risk.snapshotSchedule);
      this.riskAlerts = new RiskAlerts(
        `${name}-risk-alerts`,
        {
          fleet: args.fleetName,
          alerts: risk.alerts,
          snapshotPeriodMinutes: minutes,
          tags: args.tags,
        },
        { parent: this },
      );
      if (risk.dashboard !== false) {
        this.riskDashboard = new RiskDashboard(
          `${name}-risk-dashboard`,
          {
            fleet: args.fleetName,
            snapshotPeriodMinutes: minutes,
            savedQueries: { ...sync.namedQueryIds, ...this.riskView.namedQueryIds },
            workgroupName: sync.workgroupName,
            reportBucketName: sync.bucketName,
            reportKey: `${REPORTS_PREFIX}/latest.html`,
            alarmArns: this.riskAlerts.alarmArns,
          },
          { parent: this },
        );
      }
    }
    for (const w of tierWarnings({
      activationTier: args.activationTier ?? "unmanaged",
      expectedHybridNodes: args.expectedHybridNodes ?? 0,
      tierAlarmShare: args.tierAlarmShare ?? DEFAULT_TIER_ALARM_SHARE,
    })) {
      pulumi.log.warn(`HybridFleet: ${w}`, this);
    }
    if (args.activationTier !== undefined) {
      this.activationTierSetting = new aws.ssm.ServiceSetting(
        `${name}-activation-tier`,
        { settingId: ACTIVATION_TIER_SETTING_ID, settingValue: args.activationTier },
        // Deleting the resource resets the setting (the provider calls ResetServiceSetting:
        // terraform-provider-aws internal/service/ssm/service_setting.go), i.e. back to
        // standard, which fails above 1,000 hybrid nodes and ends Session Manager on hybrid
        // nodes. Dropping the key or destroying the stack therefore leaves the tier as it is.
        { parent: this, retainOnDelete: true },
      );
    }
    const janitor = janitorArgs(args);
    if (janitor !== undefined) {
      this.janitor = new Janitor(
        `${name}-janitor`,
        // Alarms go to the risk topic when there is one (its policy admits the risk prefix).
        { ...janitor, alarmTopicArn: this.riskAlerts?.topicArn },
        { parent: this },
      );
    }
    this.registerOutputs({
      janitor: this.janitor,
      activationTierSetting: this.activationTierSetting,
      activationApi: this.activationApi,
      complianceControls: this.complianceControls,
      complianceSync: this.complianceSync,
      riskView: this.riskView,
      riskDashboard: this.riskDashboard,
      riskAlerts: this.riskAlerts,
    });
  }
}
