/**
 * The schema of {@link ActivationApiArgs}: its shape, types, enums and ranges. The component
 * checks its arguments with it, and the stack config schema reuses its parts for the
 * `bootstrapTokens` and `allowedTags` keys, so both fail with the same words. Checks that
 * need more than one field or the Lambda's own parsing (token patterns, reserved tag keys)
 * stay in `validateActivationApiArgs`.
 */
import { z } from "zod";
import { intRange, pulumiInput, strictObject } from "../shared/argsSchema";

/** CloudWatch Logs' accepted retention periods, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** One bootstrap token grant (hashes only). Same shape as the `bootstrapTokens` config list. */
export const BootstrapTokenGrantSchema = strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: "must be 1-64 characters of A-Z a-z 0-9 _ . : -" })
    .describe("A label for audit logs and activation descriptions, e.g. dc1-web-2026q4."),
  sha256: z
    .string()
    // Never echo the value: a user may have pasted the token itself.
    .regex(/^[0-9a-f]{64}$/, {
      error: "must be the token's SHA-256 as 64 lower-case hex characters (never the token itself)",
    })
    .describe("Lower-case hex SHA-256 of the token (npm run token:new prints it)."),
  expiresAt: z
    .string()
    .describe("ISO-8601 instant after which the token is refused, e.g. 2027-03-31T00:00:00Z."),
  environment: z
    .string()
    .min(1, { error: "must be a non-empty string" })
    .describe("Environment tag value machines registered with this token get."),
  namePattern: z
    .string()
    .min(1, { error: "must be a non-empty regular expression" })
    .describe("Regular expression the whole requested name must match, e.g. web-[0-9]{2,4}."),
  allowInstanceIdNames: z
    .boolean()
    .optional()
    .describe(
      "Let the token take names shaped like EC2 (i-) or managed (mi-) instance IDs. Default false.",
    ),
});

/** Bootstrap token grants: what the `bootstrapTokens` config key holds. */
export const BootstrapTokenGrantsSchema = z.array(BootstrapTokenGrantSchema);

/** One caller-addable tag: exact values, or a pattern the whole value must match. */
export const AllowedTagSchema = strictObject({
  values: z.array(z.string()).optional().describe("Exact values callers may give."),
  pattern: z
    .string()
    .optional()
    .describe("Regular expression the whole value must match (instead of values)."),
}).refine((rule) => rule.values !== undefined || rule.pattern !== undefined, {
  error: "must have values or pattern",
});

/** Caller-addable tags by tag key: what the `allowedTags` config key holds. */
export const AllowedTagsSchema = z.record(z.string(), AllowedTagSchema);

/** The compliance mode new machines start in. */
export const ModeSchema = z.enum(["report", "enforce"]);

/** Endpoint types this package offers for the activation API (see the README, "Front door"). */
export const API_ENDPOINT_TYPES = ["REGIONAL", "PRIVATE"] as const;

/** Requests one source IP may send in any 5 minutes before the WAF rate rule blocks it. */
export const DEFAULT_WAF_RATE_LIMIT = 300;

/**
 * The WAF web ACL's settings. AWS WAF's rate-based rule accepts limits from 10 to 2,000,000,000
 * per evaluation window; the window here is 300 s, WAF's default
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
 */
export const ApiWafSchema = strictObject({
  rateLimit: intRange(10, 2_000_000_000)
    .optional()
    .describe(
      `Requests one source IP may send in any 5 minutes before WAF blocks it (10-2000000000). Default ${DEFAULT_WAF_RATE_LIMIT}.`,
    ),
  ipReputation: z
    .boolean()
    .optional()
    .describe("Block addresses on AWS's managed IP reputation list. Default true."),
});

/** The stack config's `apiWaf` key: {@link ApiWafSchema}'s fields with defaults, plus `enabled`. */
export const ApiWafConfigSchema = strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe("Put an AWS WAF web ACL on the stage. Default false."),
  rateLimit: ApiWafSchema.shape.rateLimit
    .unwrap()
    .default(DEFAULT_WAF_RATE_LIMIT)
    .describe(
      `Requests one source IP may send in any 5 minutes before WAF blocks it (10-2000000000). Default ${DEFAULT_WAF_RATE_LIMIT}.`,
    ),
  ipReputation: ApiWafSchema.shape.ipReputation
    .unwrap()
    .default(true)
    .describe("Block addresses on AWS's managed IP reputation list. Default true."),
});

/** Schema of every {@link ActivationApiArgs} property. */
export const ActivationApiArgsSchema = strictObject({
  fleetName: z.string(),
  fleetTagKey: z.string().optional(),
  modeTagKey: z.string().optional(),
  defaultMode: ModeSchema.optional(),
  environmentTagKey: z.string().optional(),
  environment: z.string(),
  activationTtlMinutes: intRange(1, 43200).optional(),
  throttleRateLimit: intRange(1, 10000).optional(),
  throttleBurstLimit: intRange(1, 5000).optional(),
  logRetentionDays: z
    .literal(LOG_RETENTION_DAYS)
    .optional()
    .describe("A CloudWatch Logs retention period, days."),
  ec2Auth: z.boolean().optional(),
  allowedAccounts: pulumiInput(z.array(pulumiInput(z.string()))).optional(),
  tokenAuth: z.boolean().optional(),
  bootstrapTokens: BootstrapTokenGrantsSchema.optional(),
  allowedTags: AllowedTagsSchema.optional(),
  retryAfterSeconds: intRange(1, 300).optional(),
  ssmMaxAttempts: intRange(1, 10).optional(),
  ec2MaxIdentityAgeMinutes: intRange(0, 525600).optional(),
  memorySize: intRange(128, 10240).optional(),
  manageApiGatewayAccount: z.boolean().optional(),
  parameterReadPrefixes: z.array(z.string()).optional(),
  lambdaTrustSourceAccount: z.boolean().optional(),
  apiGatewayTrustSourceAccount: z.boolean().optional(),
  apiDomainName: z.string().optional(),
  apiCertificateArn: z.string().optional(),
  apiHostedZoneId: z.string().optional(),
  apiEndpointType: z.enum(API_ENDPOINT_TYPES).optional(),
  apiVpcEndpointIds: z.array(z.string()).optional(),
  apiAllowedCidrs: z.array(z.string()).optional(),
  apiWaf: ApiWafSchema.optional(),
  tags: pulumiInput(z.record(z.string(), pulumiInput(z.string()))).optional(),
});
