/**
 * The schema of {@link HybridFleetArgs}, assembled from the parts' schemas so that a
 * HybridFleet argument, the same part's own argument and the stack config key behind it are
 * all checked by one definition.
 */
import { z } from "zod";
import { ActivationApiArgsSchema } from "./activation/activationApi.schema";
import { strictObject } from "./shared/argsSchema";
import { ComplianceControlsArgsSchema } from "./compliance/complianceControls.schema";
import { ComplianceSyncArgsSchema } from "./sync/complianceSync.schema";
import { FleetRiskSettingsSchema } from "./risk/riskView.schema";
import {
  ACTIVATION_TIERS,
  FleetJanitorSettingsSchema,
  TierAlarmShareSchema,
} from "./ops/janitor.schema";
import { intRange } from "./shared/argsSchema";

/** `shape` without `keys`: HybridFleet supplies those itself. */
function without<S extends Record<string, z.ZodType>, K extends keyof S>(
  shape: S,
  keys: readonly K[],
): Omit<S, K> {
  const out: Record<string, z.ZodType> = { ...shape };
  for (const k of keys) delete out[k as string];
  return out as Omit<S, K>;
}

const activation = ActivationApiArgsSchema.shape;

/** Schema of every {@link HybridFleetArgs} property. */
export const HybridFleetArgsSchema = strictObject({
  ...without(activation, ["retryAfterSeconds", "ssmMaxAttempts", "memorySize", "tags"]),
  allowedAccounts: z.array(z.string()).optional(),
  compliance: strictObject(
    without(ComplianceControlsArgsSchema.shape, [
      "fleetName",
      "managedInstanceRoleName",
      "modeTagKey",
      "fleetTagKey",
      "tags",
    ]),
  ).optional(),
  sync: z
    .union([
      strictObject(
        without(ComplianceSyncArgsSchema.shape, [
          "fleetName",
          "fleetTagKey",
          "modeTagKey",
          "environmentTagKey",
          "tags",
        ]),
      ),
      z.literal(false),
    ])
    .optional(),
  risk: z.union([FleetRiskSettingsSchema, z.literal(false)]).optional(),
  janitor: z.union([FleetJanitorSettingsSchema, z.literal(false)]).optional(),
  activationTier: z.enum(ACTIVATION_TIERS).optional(),
  tierAlarmShare: TierAlarmShareSchema.optional(),
  expectedHybridNodes: intRange(0, 10_000_000).optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
