/**
 * The stack's configuration schema, the one source for every key the stack program reads:
 * its type, default, allowed values and description. From it come
 * - the validation of `Pulumi.<stack>.yaml` (`parseStackConfig`),
 * - Pulumi.yaml's `config:` block (scalars and lists of strings, typed), the README's config
 *   reference and `schema/stack-config.schema.json` (all three by `npm run config:docs`;
 *   tests fail when they drift).
 *
 * Structured values (objects, lists of objects) are the components' own argument schemas,
 * so a value fails with the same words in a stack and in a component.
 *
 * To add a key:
 * 1. add one entry to {@link STACK_CONFIG_KEYS} below: a zod schema with `.default(…)` and
 *    `.describe(…)`. Reuse the component argument's schema when there is one
 *    (`ActivationApiArgsSchema.shape.x.unwrap()`); a structured value is a `strictObject(…)`
 *    (components/shared/argsSchema.ts) or a list of them, never a string to parse;
 * 2. pass it on in `toFleetArgs` (config/stackConfig.ts); if the component argument has
 *    another name, add the pair to `CONFIG_KEY_FOR` there so the component's errors name the key;
 * 3. a new component argument also goes into its `XArgs` interface and `XArgsSchema`
 *    (components/x.schema.ts; tsc fails while the two disagree);
 * 4. run `npm run config:docs` (Pulumi.yaml, README, schema/stack-config.schema.json).
 */
import { z } from "zod";
import {
  ActivationApiArgsSchema,
  ApiWafConfigSchema,
  AllowedTagsSchema,
  BootstrapTokenGrantsSchema,
} from "../components/activation/activationApi.schema";
import { strictObject, wholeNumber } from "../components/shared/argsSchema";
import { ComplianceControlsConfigSchema } from "../components/compliance/complianceControls.schema";
import { InventoryTypeSpecSchema } from "../components/sync/complianceSync.schema";
import { RiskConfigSchema } from "../components/risk/riskView.schema";
import {
  ACTIVATION_TIERS,
  DEFAULT_TIER_ALARM_SHARE,
  JanitorConfigSchema,
  TierAlarmShareSchema,
} from "../components/ops/janitor.schema";

/** The Pulumi project name: config keys live in this namespace. */
export const PROJECT = "ssm-hybrid-fleet";

const activation = ActivationApiArgsSchema.shape;
const strings = () => z.array(z.string());

/**
 * Every key of the stack's config, in the order the docs list them. Scalars and lists of
 * strings are also declared in Pulumi.yaml; objects and lists of objects cannot be (Pulumi's
 * project config types are string, integer, boolean and array of those:
 * https://github.com/pulumi/pulumi/blob/master/sdk/go/common/workspace/project.json, and
 * https://www.pulumi.com/docs/iac/concepts/projects/project-file/), so this schema alone
 * checks them.
 */
export const STACK_CONFIG_KEYS = {
  fleetName: z
    .string()
    .default("")
    .describe(
      "Value of the fleet tag that marks machines this stack manages. Empty: '<project>-<stack>'.",
    ),
  environment: z
    .string()
    .default("")
    .describe(
      "Environment tag value for EC2 machines (token machines get their token's). Empty: the stack name.",
    ),
  fleetTagKey: z.string().default("HybridFleet").describe("Key of the fleet tag."),
  modeTagKey: z.string().default("ComplianceMode").describe("Key of the compliance-mode tag."),
  environmentTagKey: z.string().default("Environment").describe("Key of the environment tag."),
  defaultMode: activation.defaultMode
    .unwrap()
    .default("report")
    .describe("Compliance mode new machines start in: report or enforce."),
  activationTtlMinutes: activation.activationTtlMinutes
    .unwrap()
    .default(60)
    .describe("Lifetime of each single-use activation, minutes (1-43200)."),
  throttleRateLimit: activation.throttleRateLimit
    .unwrap()
    .default(10)
    .describe("Activation API stage throttling: steady requests per second (1-10000)."),
  throttleBurstLimit: activation.throttleBurstLimit
    .unwrap()
    .default(20)
    .describe("Activation API stage throttling: burst size, requests (1-5000)."),
  logRetentionDays: activation.logRetentionDays
    .unwrap()
    .default(30)
    .describe(
      "Retention of the API's access logs and the function's logs, days (a CloudWatch Logs value).",
    ),
  ec2Auth: z
    .boolean()
    .default(true)
    .describe("Accept EC2 instance identity documents (signed by AWS) as proof of identity."),
  allowedAccounts: strings()
    .default([])
    .describe("Accounts whose EC2 instances may register. Empty: the stack's own account."),
  tokenAuth: z
    .boolean()
    .default(false)
    .describe("Accept bootstrap tokens (on-premises, other clouds) as proof of identity."),
  bootstrapTokens: BootstrapTokenGrantsSchema.default([]).describe(
    "Bootstrap token grants: a list of { id, sha256, expiresAt, environment, namePattern, allowInstanceIdNames? }. Hashes only; make one with npm run token:new. allowInstanceIdNames lets the token take names shaped like i-/mi- IDs.",
  ),
  ec2MaxIdentityAgeMinutes: activation.ec2MaxIdentityAgeMinutes
    .unwrap()
    .default(0)
    .describe(
      "Refuse EC2 identity documents whose pendingTime (last start) is older than this, minutes (0-525600). 0: off.",
    ),
  allowedTags: AllowedTagsSchema.default({}).describe(
    "Tags callers may add with tag.<Key>=<Value>: a map of tag key to { values: [...] } (these values) or { pattern: regex } (values matching).",
  ),
  manageApiGatewayAccount: z
    .boolean()
    .default(true)
    .describe(
      "Create the account-wide API Gateway CloudWatch Logs role that access logging needs. False if another stack manages it.",
    ),
  parameterReadPrefixes: strings()
    .default([])
    .describe(
      "Parameter Store name prefixes (e.g. /acme/fleet/) registered machines may read in this account and region. Empty: none; every other parameter read is denied.",
    ),
  lambdaTrustSourceAccount: z
    .boolean()
    .default(true)
    .describe(
      "Require aws:SourceAccount = this account in the activation function role's trust policy (documented by AWS Lambda).",
    ),
  apiGatewayTrustSourceAccount: z
    .boolean()
    .default(false)
    .describe(
      "Require aws:SourceAccount = this account in the API Gateway logging role's trust policy. Off: AWS does not document it for API Gateway.",
    ),
  apiDomainName: z
    .string()
    .default("")
    .describe(
      "Custom domain of the activation API (e.g. activate.fleet.example.com; REGIONAL only). Needs apiCertificateArn or apiHostedZoneId. Empty: none.",
    ),
  apiCertificateArn: z
    .string()
    .default("")
    .describe(
      "ACM certificate for apiDomainName, in the stack's Region. Empty: created and DNS-validated in apiHostedZoneId.",
    ),
  apiHostedZoneId: z
    .string()
    .default("")
    .describe(
      "Route 53 hosted zone of apiDomainName: the certificate is validated and an alias record created in it. Empty: you create the DNS record (output apiDomainTarget).",
    ),
  apiEndpointType: activation.apiEndpointType
    .unwrap()
    .default("REGIONAL")
    .describe(
      "REGIONAL (public endpoint) or PRIVATE (reachable only through apiVpcEndpointIds, e.g. over Direct Connect or VPN).",
    ),
  apiVpcEndpointIds: strings()
    .default([])
    .describe(
      "execute-api interface VPC endpoints (vpce-...) a PRIVATE API accepts calls from. Only with apiEndpointType PRIVATE.",
    ),
  apiAllowedCidrs: strings()
    .default([])
    .describe(
      "IPv4/IPv6 CIDR ranges allowed to call the activation API (no overlaps). Enforced by the WAF web ACL when apiWaf.enabled, else by the resource policy. Empty: anyone.",
    ),
  apiWaf: ApiWafConfigSchema.prefault({}).describe(
    "AWS WAF web ACL on the activation API's stage: { enabled, rateLimit (requests per source IP per 5 minutes, 10-2000000000), ipReputation (AWS managed IP reputation list) }. Off by default (costs, see README).",
  ),
  controls: ComplianceControlsConfigSchema.default({}).describe(
    "Per-control settings: a map of patch, antivirus, cis, inventory to their settings (see below). Empty: every control on with its defaults.",
  ),
  associationMaxConcurrency: z
    .string()
    .default("10%")
    .describe("State Manager: targets an association runs on at once (a number or a percentage)."),
  associationMaxErrors: z
    .string()
    .default("10%")
    .describe(
      "State Manager: failures after which an association stops sending (a number or a percentage).",
    ),
  associationSyncCompliance: z
    .enum(["AUTO", "MANUAL"])
    .default("AUTO")
    .describe("State Manager: AUTO (association status becomes Association compliance) or MANUAL."),
  associationOutputExpirationDays: wholeNumber()
    .default(30)
    .describe("Days association command output is kept in its S3 bucket."),
  associationOutputPrefix: z
    .string()
    .default("association-output")
    .describe("Key prefix for association command output in its bucket."),
  complianceSync: z
    .boolean()
    .default(true)
    .describe("Create the compliance data sync to S3, the Glue tables and the Athena workgroup."),
  complianceSyncPrefix: z
    .string()
    .default("ssm-sync")
    .describe("Key prefix the resource data syncs write under."),
  complianceSyncName: z
    .string()
    .default("")
    .describe(
      "Name of the resource data syncs (1-64 characters, unique per account and region). Empty: HybridFleet-<fleetName>.",
    ),
  complianceSyncRegions: strings()
    .default([])
    .describe("Regions besides the stack's where a resource data sync into the bucket is created."),
  complianceSourceAccounts: strings()
    .default([])
    .describe("Accounts whose resource data syncs may write into the bucket. Empty: this account."),
  complianceQueryRegions: strings()
    .default([])
    .describe(
      "Region partitions Athena reads. Empty: the stack's region plus complianceSyncRegions.",
    ),
  complianceKmsKeyArn: z
    .string()
    .default("")
    .describe(
      "Your KMS key for the data and the query results (add the complianceKeyPolicyStatement output to its policy). Empty: SSE-S3.",
    ),
  complianceCreateKmsKey: z
    .boolean()
    .default(false)
    .describe(
      "Create a rotating KMS key already granted to the sync (not with complianceKmsKeyArn).",
    ),
  complianceRetainData: z
    .boolean()
    .default(true)
    .describe("Keep the data bucket (and a created key) on pulumi destroy."),
  complianceProtectData: z
    .boolean()
    .default(false)
    .describe("Protect the data bucket and key: pulumi destroy fails until unprotected."),
  complianceStaleDays: wholeNumber()
    .default(90)
    .describe(
      "Expire compliance files not rewritten for this many days (machines that are gone; 7-3650).",
    ),
  complianceStaleInventoryDays: wholeNumber()
    .default(0)
    .describe(
      "Expire inventory and tag files not rewritten for this many days (30-3650). 0: never.",
    ),
  complianceNoncurrentVersionDays: wholeNumber()
    .default(30)
    .describe("Days old object versions in the data bucket are kept."),
  complianceDatabase: z
    .string()
    .default("")
    .describe(
      "Glue database name (^[a-z0-9_]+$). Empty: hybrid_fleet_<fleetName>, lower case, other characters as _ (plus a hash of the fleet name when any had to change).",
    ),
  complianceCustomInventoryTypes: z
    .array(InventoryTypeSpecSchema)
    .default([])
    .describe("Extra inventory types to catalogue: a list of { typeName, columns: [...] }."),
  athenaWorkgroup: z
    .string()
    .default("")
    .describe("Athena workgroup name. Empty: HybridFleet-<fleetName>."),
  athenaBytesScannedCutoff: wholeNumber()
    .default(1073741824)
    .describe("Bytes one Athena query may scan before it is cancelled (minimum 10485760)."),
  athenaResultsExpirationDays: wholeNumber()
    .default(7)
    .describe("Days Athena query results are kept."),
  risk: RiskConfigSchema.prefault({}).describe(
    "The risk view over the compliance sync: score, acceptance register, history, snapshot function, dashboard and alerts (see below). Needs complianceSync.",
  ),
  janitor: JanitorConfigSchema.prefault({}).describe(
    "The scheduled janitor: deregisters stale, superseded and EC2-gone hybrid nodes of this fleet and deletes its expired and spent activations (see below). Dry run unless apply is true.",
  ),
  activationTier: z
    .enum(["unmanaged", ...ACTIVATION_TIERS])
    .default("unmanaged")
    .describe(
      "Sets the account's hybrid activation tier in this region (SSM service setting /ssm/managed-instance/activation-tier): standard or advanced (charged per node-hour, see Costs), or unmanaged: left as it is. Set it in one stack per account and region.",
    ),
  tierAlarmShare: TierAlarmShareSchema.default(DEFAULT_TIER_ALARM_SHARE).describe(
    "Alarm when the account's hybrid nodes reach this share of the standard tier's 1,000 (from the janitor's HybridNodes metric; no alarm with activationTier advanced).",
  ),
  expectedHybridNodes: wholeNumber()
    .min(0, { error: "must be a whole number of 0 or more" })
    .default(0)
    .describe(
      "Hybrid nodes this fleet is expected to reach in the account and region; preview warns when it passes the tier alarm's share or the standard tier's 1,000. 0: unknown.",
    ),
};

/** The whole `ssm-hybrid-fleet:` namespace of a stack's config; unknown keys are refused. */
export const StackConfigSchema = strictObject(STACK_CONFIG_KEYS);

/** A key of {@link STACK_CONFIG_KEYS}. */
export type ConfigKeyName = keyof typeof STACK_CONFIG_KEYS;

/** The parsed, defaulted stack config (before the stack-dependent defaults are filled in). */
export type StackConfigValues = z.output<typeof StackConfigSchema>;

/**
 * Tidies zod's JSON Schema for readers: drops the ±2^53 bounds every `wholeNumber()` carries and
 * calls an enum of whole numbers an integer.
 */
export function tidyJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidyJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if ((k === "minimum" || k === "maximum") && Math.abs(v as number) === Number.MAX_SAFE_INTEGER)
      continue;
    out[k] = k === "default" || k === "enum" || k === "const" ? v : tidyJsonSchema(v);
  }
  const values = out.enum;
  if (out.type === "number" && Array.isArray(values) && values.every(Number.isInteger)) {
    out.type = "integer";
  }
  return out;
}

/** The JSON Schema of one key's value, as editors and Pulumi.yaml see it (input side). */
export function keyJsonSchema(key: ConfigKeyName): Record<string, unknown> {
  const schema = tidyJsonSchema(z.toJSONSchema(STACK_CONFIG_KEYS[key], { io: "input" })) as Record<
    string,
    unknown
  >;
  delete schema.$schema;
  return schema;
}

/** Pulumi's project config types: what Pulumi.yaml can declare. */
export type PulumiConfigType = "string" | "integer" | "boolean" | "array";

/**
 * How Pulumi.yaml declares a key: its type (and item type for a list of strings), or
 * undefined for an object or a list of objects, which Pulumi's project config cannot type.
 */
export function pulumiDeclaration(
  key: ConfigKeyName,
): { type: PulumiConfigType; items?: { type: "string" } } | undefined {
  const schema = keyJsonSchema(key);
  const type = schema.type;
  if (type === "string" || type === "integer" || type === "boolean") return { type };
  const items = schema.items as Record<string, unknown> | undefined;
  if (type === "array" && items?.type === "string") return { type, items: { type: "string" } };
  return undefined;
}
