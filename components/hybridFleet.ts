import * as pulumi from "@pulumi/pulumi";
import type { AllowedTag } from "../functions/activation/config";
import type { BootstrapTokenGrant } from "../functions/activation/tokens";
import { ActivationApi, validateActivationApiArgs, type ActivationApiArgs } from "./activationApi";

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
  /** Tags callers may add to their activation. @default {} */
  readonly allowedTags?: Readonly<Record<string, AllowedTag>>;
  /** Create the account-wide API Gateway CloudWatch role. @default true */
  readonly manageApiGatewayAccount?: boolean;
  /** Tags for every resource created. @default {} */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
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
    allowedTags: args.allowedTags,
    manageApiGatewayAccount: args.manageApiGatewayAccount,
    tags: args.tags,
  };
}

/** Validates every part's arguments before anything is created. */
export function validateHybridFleetArgs(args: HybridFleetArgs): void {
  validateActivationApiArgs(activationArgs(args));
}

/**
 * The whole product for one account and region: the activation API machines register
 * through, and (as they land) the compliance controls, the sync and the risk dashboard.
 *
 * @example
 * ```ts
 * import { HybridFleet } from "ssm-hybrid-fleet";
 * const fleet = new HybridFleet("acme", { fleetName: "acme-prod", environment: "prod" });
 * export const activationUrl = fleet.activationApi.activationUrl;
 * ```
 */
export class HybridFleet extends pulumi.ComponentResource {
  /** The activation API and the managed-instance role. */
  public readonly activationApi: ActivationApi;

  constructor(name: string, args: HybridFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ssm-hybrid-fleet:index:HybridFleet", name, {}, opts);
    validateHybridFleetArgs(args);
    this.activationApi = new ActivationApi(`${name}-activation`, activationArgs(args), {
      parent: this,
    });
    this.registerOutputs({ activationApi: this.activationApi });
  }
}
