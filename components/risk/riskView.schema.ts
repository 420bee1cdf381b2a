/**
 * The schemas of the risk view's settings: one acceptance, the alert settings, the settings a
 * fleet passes to its risk view ({@link FleetRiskSettingsSchema}, also HybridFleet's `risk`
 * argument) and the stack config's `risk` key ({@link RiskConfigSchema}, the same fields with
 * their defaults). Shape and types only: the acceptance register's rules (enabled control, not
 * mandated, expiry, patterns) are `risk/register.ts`'s `validateAcceptances`, the schedule's
 * syntax is `snapshotScheduleProblem`.
 */
import { z } from "zod";
import { intRange, pulumiInput, strictObject } from "../shared/argsSchema";
import {
  DEFAULT_MAX_ACCEPTANCE_DAYS,
  DEFAULT_RISK_STALE_DAYS,
  DEFAULT_SEVERITY_WEIGHTS,
  DEFAULT_TOP_MACHINES,
  SEVERITIES,
} from "../../risk/model";
import { LOG_RETENTION_DAYS } from "../activation/activationApi.schema";

/** Largest severity weight: keeps a fleet's score far from float precision trouble. */
export const MAX_SEVERITY_WEIGHT = 1000;

/** Default snapshot schedule: hourly (an EventBridge rate expression). */
export const DEFAULT_SNAPSHOT_SCHEDULE = "rate(1 hour)";

/** Default alert settings (risk/model.ts `RiskAlertSettings`). */
export const DEFAULT_ALERTS = {
  criticalEnvironments: ["prod"],
  scoreIncreaseShare: 0.2,
  notSeenThreshold: 0,
  emails: [] as string[],
} as const;

/** One accepted risk (risk/model.ts `Acceptance`). */
export const AcceptanceSchema = strictObject({
  id: z.string().describe("Stable ID: 1-64 letters, digits, _ . - (unique in the register)."),
  control: z
    .string()
    .describe(
      "The enabled control whose findings it accepts (patch, antivirus, cis); never a mandated one.",
    ),
  findingPattern: z
    .string()
    .optional()
    .describe(
      "Regular expression over the finding ID (compliance item ID, or no-data), matched in full. Default: every finding of the control.",
    ),
  names: z
    .array(z.string())
    .optional()
    .describe(
      "Machine names (Name tag, else computer name) or resource IDs it covers. Default: all.",
    ),
  tags: z
    .record(z.string(), z.string())
    .optional()
    .describe("Tags a machine must all carry for it to be covered. Default: none required."),
  reason: z.string().describe("Why the business accepts the risk."),
  approver: z.string().describe("Who approved it: a person or a change record."),
  expiresAt: z
    .string()
    .describe(
      "ISO 8601 instant with a zone (2027-03-31T00:00:00Z), after now and at most maxAcceptanceDays ahead.",
    ),
});

// Whole numbers: the SQL inlines them, and a 2.5 literal is DECIMAL in Trino but DOUBLE in DuckDB.
const severityWeight = intRange(0, MAX_SEVERITY_WEIGHT);

/** Weight per severity; each one left out keeps the model's default. */
export const SeverityWeightsSchema = strictObject(
  Object.fromEntries(
    SEVERITIES.map((s) => [
      s,
      severityWeight
        .optional()
        .describe(`Weight of one open ${s} finding. Default ${DEFAULT_SEVERITY_WEIGHTS[s]}.`),
    ]),
  ) as Record<(typeof SEVERITIES)[number], z.ZodOptional<typeof severityWeight>>,
);

/** Alert settings (risk/model.ts `RiskAlertSettings`). */
export const RiskAlertSettingsSchema = strictObject({
  criticalEnvironments: z
    .array(z.string())
    .optional()
    .describe('Environments in which any open CRITICAL finding alarms. Default ["prod"].'),
  scoreIncreaseShare: z
    .number({ error: "must be a number from 0 to 10" })
    .min(0, { error: "must be a number from 0 to 10" })
    .max(10, { error: "must be a number from 0 to 10" })
    .optional()
    .describe(
      "Alarm when the fleet score rises by more than this share day over day (0.2 = 20 %). Default 0.2.",
    ),
  notSeenThreshold: intRange(0, 1_000_000)
    .optional()
    .describe("Alarm when more than this many machines are not seen. Default 0."),
  emails: z
    .array(z.string())
    .optional()
    .describe(
      "Email addresses subscribed to the alert topic (each confirms by email). Default none.",
    ),
  topicArn: z
    .string()
    .optional()
    .describe("An existing SNS topic ARN to alert instead of creating one. Default: a new topic."),
});

/** The risk view's settings a fleet chooses (HybridFleet's `risk` argument). */
export const FleetRiskSettingsSchema = strictObject({
  staleDays: intRange(1, 90)
    .optional()
    .describe(
      `Days after which a machine's data for a control is unknown, which counts as a finding (1-90). Default ${DEFAULT_RISK_STALE_DAYS}.`,
    ),
  severityWeights: SeverityWeightsSchema.optional().describe(
    `Weight of one open finding per severity, each a whole number 0-${MAX_SEVERITY_WEIGHT}.`,
  ),
  maxAcceptanceDays: intRange(1, DEFAULT_MAX_ACCEPTANCE_DAYS)
    .optional()
    .describe(
      `Longest an acceptance may run from the deploy, days (1-${DEFAULT_MAX_ACCEPTANCE_DAYS}). Default ${DEFAULT_MAX_ACCEPTANCE_DAYS}.`,
    ),
  acceptances: z
    .array(AcceptanceSchema)
    .optional()
    .describe("The acceptance register: accepted risks with reason, approver and expiry."),
  snapshotSchedule: z
    .string()
    .optional()
    .describe(
      `When the snapshot runs: rate(N minutes|hours|days) from 15 minutes to 1 day, or a daily cron(M H * * ? *). Default ${DEFAULT_SNAPSHOT_SCHEDULE}.`,
    ),
  topMachines: intRange(1, 500)
    .optional()
    .describe(`Machines in the report's top list (1-500). Default ${DEFAULT_TOP_MACHINES}.`),
  alerts: RiskAlertSettingsSchema.optional().describe("Alarms and where they go."),
  dashboard: z.boolean().optional().describe("Create the CloudWatch risk dashboard. Default true."),
});

/** Schema of every `RiskViewArgs` property (components/risk/riskView.ts). */
export const RiskViewArgsSchema = strictObject({
  bucketName: pulumiInput(z.string()),
  prefix: z.string().optional(),
  databaseName: pulumiInput(z.string()),
  workgroupName: pulumiInput(z.string()),
  resultsBucketName: pulumiInput(z.string()),
  kmsKeyArn: pulumiInput(z.string().optional()).optional(),
  controls: z.array(
    strictObject({
      name: z.enum(["patch", "antivirus", "cis"]),
      complianceType: z.string(),
      severity: z.enum(SEVERITIES),
      mandatory: z.boolean(),
    }),
  ),
  fleetName: z.string().optional(),
  fleetTagKey: z.string().optional(),
  modeTagKey: z.string().optional(),
  environmentTagKey: z.string().optional(),
  staleDays: FleetRiskSettingsSchema.shape.staleDays,
  severityWeights: FleetRiskSettingsSchema.shape.severityWeights,
  maxAcceptanceDays: FleetRiskSettingsSchema.shape.maxAcceptanceDays,
  acceptances: FleetRiskSettingsSchema.shape.acceptances,
  snapshotSchedule: FleetRiskSettingsSchema.shape.snapshotSchedule,
  topMachines: FleetRiskSettingsSchema.shape.topMachines,
  logRetentionDays: z.literal(LOG_RETENTION_DAYS).optional(),
  memorySize: intRange(128, 10240).optional(),
  timeoutSeconds: intRange(30, 900).optional(),
  tags: pulumiInput(z.record(z.string(), pulumiInput(z.string()))).optional(),
});

/** `optional` with its description, as a field defaulting to `value`. */
function defaulted<T extends z.ZodType>(optional: z.ZodOptional<T>, value: z.input<T>) {
  return optional
    .unwrap()
    .default(value as never)
    .describe(optional.description ?? "");
}

const fleet = FleetRiskSettingsSchema.shape;
const alerts = RiskAlertSettingsSchema.shape;

/**
 * The stack config's `risk` key: {@link FleetRiskSettingsSchema} with every default filled in,
 * plus `enabled`.
 */
export const RiskConfigSchema = strictObject({
  enabled: z
    .boolean()
    .default(true)
    .describe("Create the risk view (needs complianceSync). Default true."),
  staleDays: defaulted(fleet.staleDays, DEFAULT_RISK_STALE_DAYS),
  severityWeights: strictObject(
    Object.fromEntries(
      SEVERITIES.map((s) => [
        s,
        defaulted(SeverityWeightsSchema.shape[s], DEFAULT_SEVERITY_WEIGHTS[s]),
      ]),
    ) as Record<(typeof SEVERITIES)[number], z.ZodDefault<typeof severityWeight>>,
  )
    .prefault({})
    .describe(fleet.severityWeights.description ?? ""),
  maxAcceptanceDays: defaulted(fleet.maxAcceptanceDays, DEFAULT_MAX_ACCEPTANCE_DAYS),
  acceptances: defaulted(fleet.acceptances, []),
  snapshotSchedule: defaulted(fleet.snapshotSchedule, DEFAULT_SNAPSHOT_SCHEDULE),
  topMachines: defaulted(fleet.topMachines, DEFAULT_TOP_MACHINES),
  alerts: strictObject({
    criticalEnvironments: defaulted(alerts.criticalEnvironments, [
      ...DEFAULT_ALERTS.criticalEnvironments,
    ]),
    scoreIncreaseShare: defaulted(alerts.scoreIncreaseShare, DEFAULT_ALERTS.scoreIncreaseShare),
    notSeenThreshold: defaulted(alerts.notSeenThreshold, DEFAULT_ALERTS.notSeenThreshold),
    emails: defaulted(alerts.emails, []),
    topicArn: alerts.topicArn,
  })
    .prefault({})
    .describe(fleet.alerts.description ?? ""),
  dashboard: defaulted(fleet.dashboard, true),
});
