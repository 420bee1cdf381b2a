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
      "Bootstrap token grants, one per line: '<id> <sha256> <expiresAt> <environment> <namePattern>'. Hashes only; make one with npm run token:new.",
    default: [],
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
} as const satisfies Record<string, ConfigKey>;

/** A key of {@link CONFIG_SCHEMA}. */
export type ConfigKeyName = keyof typeof CONFIG_SCHEMA;
