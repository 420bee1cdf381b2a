/**
 * The stack's configuration schema: every key the stack program reads, with its type,
 * default and description. `Pulumi.yaml` declares the same keys (a test keeps the two
 * identical), the README documents them, and {@link parseStackConfig} enforces them.
 */

/** The Pulumi project name: config keys live in this namespace. */
export const PROJECT = "ssm-hybrid-fleet";

/** The types Pulumi's project config schema knows. */
export type ConfigType = "string" | "integer" | "boolean" | "array";

/** One declared config key. */
export interface ConfigKey {
  readonly type: ConfigType;
  readonly description: string;
  readonly default: string | number | boolean | readonly string[];
}

/** Every key of the stack's config. Structured values are arrays of one-line strings. */
export const CONFIG_SCHEMA = {
  fleetName: {
    type: "string",
    description:
      "Value of the fleet tag that marks machines this stack manages. Empty: '<project>-<stack>'.",
    default: "",
  },
  environment: {
    type: "string",
    description:
      "Environment tag value for EC2 machines (token machines get their token's). Empty: the stack name.",
    default: "",
  },
  fleetTagKey: { type: "string", description: "Key of the fleet tag.", default: "HybridFleet" },
  modeTagKey: {
    type: "string",
    description: "Key of the compliance-mode tag.",
    default: "ComplianceMode",
  },
  environmentTagKey: {
    type: "string",
    description: "Key of the environment tag.",
    default: "Environment",
  },
  defaultMode: {
    type: "string",
    description: "Compliance mode new machines start in: report or enforce.",
    default: "report",
  },
  activationTtlMinutes: {
    type: "integer",
    description: "Lifetime of each single-use activation, minutes (1-43200).",
    default: 60,
  },
  throttleRateLimit: {
    type: "integer",
    description: "Activation API stage throttling: steady requests per second (1-10000).",
    default: 10,
  },
  throttleBurstLimit: {
    type: "integer",
    description: "Activation API stage throttling: burst size, requests (1-5000).",
    default: 20,
  },
  logRetentionDays: {
    type: "integer",
    description:
      "Retention of the API's access logs and the function's logs, days (a CloudWatch Logs value).",
    default: 30,
  },
  ec2Auth: {
    type: "boolean",
    description: "Accept EC2 instance identity documents (signed by AWS) as proof of identity.",
    default: true,
  },
  allowedAccounts: {
    type: "array",
    description: "Accounts whose EC2 instances may register. Empty: the stack's own account.",
    default: [],
  },
  tokenAuth: {
    type: "boolean",
    description: "Accept bootstrap tokens (on-premises, other clouds) as proof of identity.",
    default: false,
  },
  bootstrapTokens: {
    type: "array",
    description:
      "Bootstrap token grants, one per line: '<id> <sha256> <expiresAt> <environment> [allowInstanceIdNames] <namePattern>'. Hashes only; make one with npm run token:new. allowInstanceIdNames lets the token take names shaped like i-/mi- IDs.",
    default: [],
  },
  ec2MaxIdentityAgeMinutes: {
    type: "integer",
    description:
      "Refuse EC2 identity documents whose pendingTime (last start) is older than this, minutes (0-525600). 0: off.",
    default: 0,
  },
  allowedTags: {
    type: "array",
    description:
      "Tags callers may add with tag.<Key>=<Value>, one per line: 'Key=v1|v2' (these values) or 'Key~regex' (values matching).",
    default: [],
  },
  manageApiGatewayAccount: {
    type: "boolean",
    description:
      "Create the account-wide API Gateway CloudWatch Logs role that access logging needs. False if another stack manages it.",
    default: true,
  },
  parameterReadPrefixes: {
    type: "array",
    description:
      "Parameter Store name prefixes (e.g. /acme/fleet/) registered machines may read in this account and region. Empty: none; every other parameter read is denied.",
    default: [],
  },
  lambdaTrustSourceAccount: {
    type: "boolean",
    description:
      "Require aws:SourceAccount = this account in the activation function role's trust policy (documented by AWS Lambda).",
    default: true,
  },
  apiGatewayTrustSourceAccount: {
    type: "boolean",
    description:
      "Require aws:SourceAccount = this account in the API Gateway logging role's trust policy. Off: AWS does not document it for API Gateway.",
    default: false,
  },
  complianceControls: {
    type: "array",
    description:
      "Per-control settings, one line per control: '<patch|antivirus|cis|inventory> key=value …' (quote values with spaces; dotted keys reach nested settings, e.g. linux.installerSource=…). Empty: every control on with its defaults.",
    default: [],
  },
  associationMaxConcurrency: {
    type: "string",
    description:
      "State Manager: targets an association runs on at once (a number or a percentage).",
    default: "10%",
  },
  associationMaxErrors: {
    type: "string",
    description:
      "State Manager: failures after which an association stops sending (a number or a percentage).",
    default: "10%",
  },
  associationSyncCompliance: {
    type: "string",
    description:
      "State Manager: AUTO (association status becomes Association compliance) or MANUAL.",
    default: "AUTO",
  },
  associationOutputExpirationDays: {
    type: "integer",
    description: "Days association command output is kept in its S3 bucket.",
    default: 30,
  },
  associationOutputPrefix: {
    type: "string",
    description: "Key prefix for association command output in its bucket.",
    default: "association-output",
  },
  complianceSync: {
    type: "boolean",
    description: "Create the compliance data sync to S3, the Glue tables and the Athena workgroup.",
    default: true,
  },
  complianceSyncPrefix: {
    type: "string",
    description: "Key prefix the resource data syncs write under.",
    default: "ssm-sync",
  },
  complianceSyncName: {
    type: "string",
    description:
      "Name of the resource data syncs (1-64 characters, unique per account and region). Empty: HybridFleet-<fleetName>.",
    default: "",
  },
  complianceSyncRegions: {
    type: "array",
    description:
      "Regions besides the stack's where a resource data sync into the bucket is created.",
    default: [],
  },
  complianceSourceAccounts: {
    type: "array",
    description:
      "Accounts whose resource data syncs may write into the bucket. Empty: this account.",
    default: [],
  },
  complianceQueryRegions: {
    type: "array",
    description:
      "Region partitions Athena reads. Empty: the stack's region plus complianceSyncRegions.",
    default: [],
  },
  complianceKmsKeyArn: {
    type: "string",
    description:
      "Your KMS key for the data and the query results (add the complianceKeyPolicyStatement output to its policy). Empty: SSE-S3.",
    default: "",
  },
  complianceCreateKmsKey: {
    type: "boolean",
    description:
      "Create a rotating KMS key already granted to the sync (not with complianceKmsKeyArn).",
    default: false,
  },
  complianceRetainData: {
    type: "boolean",
    description: "Keep the data bucket (and a created key) on pulumi destroy.",
    default: true,
  },
  complianceProtectData: {
    type: "boolean",
    description: "Protect the data bucket and key: pulumi destroy fails until unprotected.",
    default: false,
  },
  complianceStaleDays: {
    type: "integer",
    description:
      "Expire compliance files not rewritten for this many days (machines that are gone; 7-3650).",
    default: 90,
  },
  complianceStaleInventoryDays: {
    type: "integer",
    description:
      "Expire inventory and tag files not rewritten for this many days (30-3650). 0: never.",
    default: 0,
  },
  complianceNoncurrentVersionDays: {
    type: "integer",
    description: "Days old object versions in the data bucket are kept.",
    default: 30,
  },
  complianceDatabase: {
    type: "string",
    description:
      "Glue database name (^[a-z0-9_]+$). Empty: hybrid_fleet_<fleetName>, lower case, other characters as _ (plus a hash of the fleet name when any had to change).",
    default: "",
  },
  complianceCustomInventoryTypes: {
    type: "array",
    description: "Extra inventory types to catalogue, one per line: 'Custom:Type col1,col2'.",
    default: [],
  },
  athenaWorkgroup: {
    type: "string",
    description: "Athena workgroup name. Empty: HybridFleet-<fleetName>.",
    default: "",
  },
  athenaBytesScannedCutoff: {
    type: "integer",
    description: "Bytes one Athena query may scan before it is cancelled (minimum 10485760).",
    default: 1073741824,
  },
  athenaResultsExpirationDays: {
    type: "integer",
    description: "Days Athena query results are kept.",
    default: 7,
  },
} as const satisfies Record<string, ConfigKey>;

/** A key of {@link CONFIG_SCHEMA}. */
export type ConfigKeyName = keyof typeof CONFIG_SCHEMA;
