/**
 * The schemas of the janitor's settings and of the activation tier settings: what a fleet passes
 * (HybridFleet's `janitor` argument, {@link FleetJanitorSettingsSchema}), the stack config's
 * `janitor` key ({@link JanitorConfigSchema}, the same fields with their defaults plus
 * `enabled`), and the component's own arguments ({@link JanitorArgsSchema}).
 */
import { z } from "zod";
import { intRange, pulumiInput, strictObject } from "../shared/argsSchema";
import { LOG_RETENTION_DAYS } from "../activation/activationApi.schema";
import { DEFAULT_MAX_ACTIONS, DEFAULT_STALE_DAYS } from "../../ops/prunePlan";

/** Default janitor schedule: daily (an EventBridge rate expression). */
export const DEFAULT_JANITOR_SCHEDULE = "rate(1 day)";

/** Default share of the tier's hybrid node limit at which the tier alarm fires. */
export const DEFAULT_TIER_ALARM_SHARE = 0.8;

/** The activation tier values SSM accepts for `/ssm/managed-instance/activation-tier`. */
export const ACTIVATION_TIERS = ["standard", "advanced"] as const;

/** The janitor's settings a fleet chooses (HybridFleet's `janitor` argument). */
export const FleetJanitorSettingsSchema = strictObject({
  apply: z
    .boolean()
    .optional()
    .describe(
      "Act: deregister nodes and delete activations. false: only log and count what it would do. Default false.",
    ),
  schedule: z
    .string()
    .optional()
    .describe(
      `When the janitor runs: rate(N hours|days) from 1 hour to 30 days, or cron(…) with six fields. Default ${DEFAULT_JANITOR_SCHEDULE}.`,
    ),
  staleDays: intRange(1, 3650)
    .optional()
    .describe(
      `Days a hybrid node may be ConnectionLost before it is deregistered (1-3650). Default ${DEFAULT_STALE_DAYS}.`,
    ),
  maxActionsPerRun: intRange(0, 10_000)
    .optional()
    .describe(
      `Most deregistrations and deletions per run; the rest wait for the next run (0-10000). Default ${DEFAULT_MAX_ACTIONS}.`,
    ),
});

/** The stack config's `janitor` key: the fleet's settings with their defaults, plus `enabled`. */
export const JanitorConfigSchema = strictObject({
  enabled: z.boolean().default(true).describe("Create the scheduled janitor. Default true."),
  apply: FleetJanitorSettingsSchema.shape.apply
    .unwrap()
    .default(false)
    .describe(FleetJanitorSettingsSchema.shape.apply.description ?? ""),
  schedule: FleetJanitorSettingsSchema.shape.schedule
    .unwrap()
    .default(DEFAULT_JANITOR_SCHEDULE)
    .describe(FleetJanitorSettingsSchema.shape.schedule.description ?? ""),
  staleDays: FleetJanitorSettingsSchema.shape.staleDays
    .unwrap()
    .default(DEFAULT_STALE_DAYS)
    .describe(FleetJanitorSettingsSchema.shape.staleDays.description ?? ""),
  maxActionsPerRun: FleetJanitorSettingsSchema.shape.maxActionsPerRun
    .unwrap()
    .default(DEFAULT_MAX_ACTIONS)
    .describe(FleetJanitorSettingsSchema.shape.maxActionsPerRun.description ?? ""),
});

/** A share of the tier limit: more than 0, at most 1. */
export const TierAlarmShareSchema = z
  .number({ error: "must be a number more than 0 and at most 1" })
  .gt(0, { error: "must be a number more than 0 and at most 1" })
  .max(1, { error: "must be a number more than 0 and at most 1" });

/** Schema of every `JanitorArgs` property (components/ops/janitor.ts). */
export const JanitorArgsSchema = strictObject({
  fleetName: z.string().min(1, { error: "must be the fleet tag's value (not empty)" }),
  fleetTagKey: z.string().optional(),
  apply: FleetJanitorSettingsSchema.shape.apply,
  schedule: FleetJanitorSettingsSchema.shape.schedule,
  staleDays: FleetJanitorSettingsSchema.shape.staleDays,
  maxActionsPerRun: FleetJanitorSettingsSchema.shape.maxActionsPerRun,
  tierAlarmShare: z.union([TierAlarmShareSchema, z.literal(false)]).optional(),
  hybridNodeLimit: intRange(1, 1_000_000).optional(),
  alarmTopicArn: pulumiInput(z.string()).optional(),
  logRetentionDays: z.literal(LOG_RETENTION_DAYS).optional(),
  timeoutSeconds: intRange(30, 900).optional(),
  tags: pulumiInput(z.record(z.string(), pulumiInput(z.string()))).optional(),
});
