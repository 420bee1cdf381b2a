/**
 * Tier awareness, as pure functions: the standard tier's hybrid node limit, the account setting
 * that switches tiers, the alarm threshold, and the synth-time warnings.
 *
 * - "You can register up to 1,000 standard hybrid-activated nodes per account per AWS Region at
 *   no additional cost. However, registering more than 1,000 hybrid nodes requires that you
 *   activate the advanced-instances tier. There is a charge to use the advanced-instances tier."
 *   (https://docs.aws.amazon.com/systems-manager/latest/userguide/fleet-manager-configure-instance-tiers.html).
 * - The setting: `/ssm/managed-instance/activation-tier`, values `standard` or `advanced`
 *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_UpdateServiceSetting.html;
 *   the same list is in @aws-sdk/client-ssm's UpdateServiceSettingRequest). It is per account and
 *   region, and reverting to standard fails while more than 1,000 hybrid nodes are registered
 *   (https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-managed-instances-advanced-reverting.html).
 */

/** Hybrid-activated nodes the standard tier allows per account and region. */
export const STANDARD_TIER_HYBRID_NODE_LIMIT = 1000;

/** The SSM service setting holding the account's activation tier. */
export const ACTIVATION_TIER_SETTING_ID = "/ssm/managed-instance/activation-tier";

/** Which tier the stack sets; "unmanaged" leaves the account's setting alone. */
export type ActivationTierChoice = "unmanaged" | "standard" | "advanced";

/** The alarm threshold: `share` of `limit`, rounded up, at least 1. */
export function tierAlarmThreshold(limit: number, share: number): number {
  // 0.8 * 1000 is 800.0000000000001 in floating point: round before taking the ceiling.
  return Math.max(1, Math.ceil(Number((limit * share).toFixed(6))));
}

/** What the stack knows about the tier at synth time. */
export interface TierPlan {
  /** The tier the stack sets ("unmanaged": not set here, assumed standard). */
  readonly activationTier: ActivationTierChoice;
  /** Hybrid nodes the fleet is expected to reach (stack config `expectedHybridNodes`; 0 = unknown). */
  readonly expectedHybridNodes: number;
  /** Share of the limit at which the tier alarm fires. */
  readonly tierAlarmShare: number;
}

/**
 * Warnings for `pulumi preview`/`up` (pulumi.log.warn): the fleet is expected to outgrow the
 * standard tier, or come close to it, while the stack does not set the advanced tier.
 */
export function tierWarnings(plan: TierPlan): string[] {
  if (plan.activationTier === "advanced" || plan.expectedHybridNodes <= 0) return [];
  const limit = STANDARD_TIER_HYBRID_NODE_LIMIT;
  const threshold = tierAlarmThreshold(limit, plan.tierAlarmShare);
  const tier =
    plan.activationTier === "standard" ? "the standard tier" : "the standard tier (assumed)";
  if (plan.expectedHybridNodes > limit) {
    return [
      `expectedHybridNodes is ${plan.expectedHybridNodes}, more than the ${limit} hybrid nodes ${tier} allows per account and region: ` +
        "registrations beyond it fail. Set activationTier: advanced (charged per advanced node and hour; see README, Costs), " +
        "or spread the fleet over accounts or regions.",
    ];
  }
  if (plan.expectedHybridNodes >= threshold) {
    return [
      `expectedHybridNodes is ${plan.expectedHybridNodes}, at or above the tier alarm's threshold (${threshold} of ${limit} on ${tier}): ` +
        "the alarm will fire as the fleet fills up. Plan for activationTier: advanced, or raise tierAlarmShare.",
    ];
  }
  return [];
}
