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

/** Arguments of {@link HybridFleet}: one fleet in one account and region. */
export interface HybridFleetArgs {
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
 * Validates every part's arguments before anything is created; throws the first
 * `ArgumentError` (which names the component and field).
 */
export function validateHybridFleetArgs(args: HybridFleetArgs, name = "fleet"): void {
  const [first] = schemaProblems(HybridFleetArgsSchema, args);
  if (first) throw new ArgumentError("HybridFleet", formatPath(first.path), first.problem);
  validateActivationApiArgs(activationArgs(args));
  const { errors } = validateComplianceControlsArgs(complianceArgs(args, "placeholder-role"));
  if (errors.length > 0) throw errors[0];
  if (args.sync !== false)
    resolveComplianceSyncArgs(`${name}-sync`, syncArgs(args, args.sync ?? {}));
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

  constructor(name: string, args: HybridFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    validateHybridFleetArgs(args, name);
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
    this.registerOutputs({
      activationApi: this.activationApi,
      complianceControls: this.complianceControls,
      complianceSync: this.complianceSync,
    });
  }
}
