import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  parseAllowedTags,
  parseTokenGrants,
  type AllowedTag,
} from "../../functions/activation/config";
import { LEASE_HASH_KEY, LEASE_TTL_ATTRIBUTE } from "../../functions/activation/lease";
import { wholeMatch, type BootstrapTokenGrant } from "../../functions/activation/tokens";
import { ActivationApiArgsSchema, LOG_RETENTION_DAYS } from "./activationApi.schema";
import { activationLeasePolicy } from "./activationLease.policies";
import { formatPath, schemaProblems } from "../shared/argsSchema";
import { bundleFunction } from "../shared/bundle";
import { parameterPrefixProblem, parameterReadDenyPolicy } from "./parameterAccess";
import { redeploymentHash, type ApiDefinition } from "./redeployTrigger";
import { requireValue } from "../shared/requireValue";
import { throttledResponseParameters } from "./throttledResponse";
import { frontDoorProblem, resolveFrontDoor, type FrontDoorArgs } from "./frontDoor";
import { apiResourcePolicy } from "./frontDoor.policies";
import { customDomain, stageWebAcl } from "./frontDoorResources";
import { ArgumentError } from "../shared/errors";
import { buildLinuxUserData, buildWindowsUserData } from "./userData";
import {
  activationFunctionPolicy,
  apiGatewayLoggingTrustPolicy,
  managedInstanceTrustPolicy,
} from "../shared/policies";
import { bundledFunction } from "../shared/bundledFunction";

export { LOG_RETENTION_DAYS };

/** The stage the API is served on: the seed's call shape is `https://<api>/latest/activate`. */
export const STAGE_NAME = "latest";

/** Arguments of {@link ActivationApi}. */
export interface ActivationApiArgs extends FrontDoorArgs {
  /** Value of the fleet tag every registered machine gets: marks what this stack manages. */
  readonly fleetName: string;
  /** Key of the fleet tag. @default "HybridFleet" */
  readonly fleetTagKey?: string;
  /** Key of the compliance-mode tag. @default "ComplianceMode" */
  readonly modeTagKey?: string;
  /** Mode new machines start in. @default "report" */
  readonly defaultMode?: "report" | "enforce";
  /** Key of the environment tag. @default "Environment" */
  readonly environmentTagKey?: string;
  /** Environment tag value for EC2 machines (token machines get their token's). */
  readonly environment: string;
  /** Lifetime of each single-use activation, in minutes (1 to 43200). @default 60 */
  readonly activationTtlMinutes?: number;
  /** Stage-wide steady request rate, requests per second. @default 10 */
  readonly throttleRateLimit?: number;
  /** Stage-wide burst, requests. @default 20 */
  readonly throttleBurstLimit?: number;
  /** Retention of the function's and the access logs, in days (a CloudWatch-accepted value). @default 30 */
  readonly logRetentionDays?: number;
  /** Accept EC2 instance identity documents as proof. @default true */
  readonly ec2Auth?: boolean;
  /** Accounts whose EC2 instances may register. @default the stack's own account */
  readonly allowedAccounts?: pulumi.Input<pulumi.Input<string>[]>;
  /** Accept bootstrap tokens (on-premises, other clouds) as proof. @default false */
  readonly tokenAuth?: boolean;
  /** Bootstrap token grants: hashes only, never tokens. @default [] */
  readonly bootstrapTokens?: readonly BootstrapTokenGrant[];
  /** Tag keys (and their allowed values) callers may add with `tag.<Key>=<Value>`. @default {} */
  readonly allowedTags?: Readonly<Record<string, AllowedTag>>;
  /** Seconds a 503 tells callers to wait (`Retry-After`). @default 2 */
  readonly retryAfterSeconds?: number;
  /** Attempts the function's SDK client makes per SSM call (retries throttling/5xx). @default 3 */
  readonly ssmMaxAttempts?: number;
  /**
   * Refuse EC2 identity documents whose `pendingTime` (when the instance last started) is
   * older than this many minutes; 0 turns the check off. @default 0
   */
  readonly ec2MaxIdentityAgeMinutes?: number;
  /** Memory of the activation function, MB. @default 256 */
  readonly memorySize?: number;
  /**
   * Create the account-wide API Gateway CloudWatch role (`aws.apigateway.Account`) that
   * access logging needs. Set false if another stack already manages it in this account
   * and region: there is one such setting per account and region. @default true
   */
  readonly manageApiGatewayAccount?: boolean;
  /**
   * Parameter Store name prefixes (e.g. `/acme/fleet/`) registered machines may read in this
   * account and region. Every other parameter read is denied, although
   * `AmazonSSMManagedInstanceCore` allows `ssm:GetParameter(s)` on `*`. @default [] (none)
   */
  readonly parameterReadPrefixes?: readonly string[];
  /**
   * Add `aws:SourceAccount` = this account to the function role's trust policy (confused-deputy
   * protection the Lambda Developer Guide describes for execution roles). Turn off only if a
   * deploy fails with "The role defined for the function cannot be assumed by Lambda". @default true
   */
  readonly lambdaTrustSourceAccount?: boolean;
  /**
   * Add `aws:SourceAccount` = this account to the API Gateway logging role's trust policy. AWS
   * does not document that API Gateway sends the key when it assumes that role, so this is
   * opt-in: if it is not honoured, API Gateway cannot write access logs. @default false
   */
  readonly apiGatewayTrustSourceAccount?: boolean;
  /** Tags for every resource created. @default {} */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const ACCOUNT = /^\d{12}$/;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

/**
 * Validates the plain (non-Output) arguments; throws an {@link ArgumentError} naming the field.
 * `stackRegion` (the `aws:region` config, when known) is where a custom domain's certificate
 * must be.
 */
export function validateActivationApiArgs(args: ActivationApiArgs, stackRegion?: string): void {
  const fail = (field: string, problem: string): never => {
    throw new ArgumentError("ActivationApi", field, problem);
  };
  // Shape, types, enums and ranges: the schema the stack config shares.
  const [first] = schemaProblems(ActivationApiArgsSchema, args);
  if (first) fail(formatPath(first.path), first.problem);
  for (const field of ["fleetName", "environment"] as const) {
    if (!args[field] || !TAG_VALUE.test(args[field])) {
      fail(field, "must be 1-256 letters, digits, spaces or _ . : / = + - @");
    }
  }
  for (const field of ["fleetTagKey", "modeTagKey", "environmentTagKey"] as const) {
    const v = args[field];
    if (v !== undefined && (!TAG_VALUE.test(v) || [...v].length > 128 || v.startsWith("aws:"))) {
      fail(
        field,
        `must be 1-128 letters, digits, spaces or _ . : / = + - @, not starting with aws:; got "${v}"`,
      );
    }
  }
  // Prefix syntax (beyond the schema's "a list of strings"): parameterAccess.ts owns it.
  (args.parameterReadPrefixes ?? []).forEach((prefix, i) => {
    const problem = parameterPrefixProblem(prefix);
    if (problem !== undefined) fail(`parameterReadPrefixes[${i}]`, problem);
  });
  if (args.ec2Auth === false && !args.tokenAuth) {
    fail("ec2Auth", "and tokenAuth are both off: no machine could ever register");
  }
  if (args.tokenAuth && (args.bootstrapTokens ?? []).length === 0) {
    fail("bootstrapTokens", "is empty but tokenAuth is on: add a grant (npm run token:new)");
  }
  if (Array.isArray(args.allowedAccounts)) {
    for (const a of args.allowedAccounts) {
      if (typeof a === "string" && !ACCOUNT.test(a)) {
        fail("allowedAccounts", `must hold 12-digit account IDs; got "${a}"`);
      }
    }
  }
  const frontDoor = frontDoorProblem(args, stackRegion);
  if (frontDoor) fail(frontDoor.field, frontDoor.problem);
  try {
    parseTokenGrants(args.bootstrapTokens ?? [], "bootstrapTokens");
  } catch (err) {
    fail("bootstrapTokens", (err as Error).message.slice("bootstrapTokens".length));
  }
  try {
    parseAllowedTags(
      args.allowedTags ?? {},
      [
        "Name",
        args.fleetTagKey ?? "HybridFleet",
        args.modeTagKey ?? "ComplianceMode",
        args.environmentTagKey ?? "Environment",
      ],
      "allowedTags",
    );
  } catch (err) {
    fail("allowedTags", (err as Error).message.replace(/^allowedTags:?/, ""));
  }
}

/** Names a token grant's pattern is tried on to see if it admits instance-ID-shaped names. */
const INSTANCE_ID_SAMPLES = ["i-0123456789abcdef0", "i-01234567", "mi-0123456789abcdef0"];

/**
 * Warnings for grants whose `namePattern` admits names shaped like EC2 or managed instance
 * IDs: the handler refuses those names to token machines unless the grant sets
 * `allowInstanceIdNames`, so such a pattern is either too broad or needs the opt-in.
 */
export function instanceIdPatternWarnings(grants: readonly BootstrapTokenGrant[]): string[] {
  return grants.flatMap((grant, i) => {
    const admitted = INSTANCE_ID_SAMPLES.filter((n) => wholeMatch(grant.namePattern).test(n));
    if (admitted.length === 0) return [];
    const outcome = grant.allowInstanceIdNames
      ? "and allowInstanceIdNames lets its machines take them: an EC2 instance whose ID a token machine took cannot register"
      : "the API refuses such names to its machines unless the grant sets allowInstanceIdNames";
    return [
      `bootstrapTokens[${i}] (${grant.id}): namePattern ${grant.namePattern} admits names shaped like instance IDs (${admitted.join(", ")}); ${outcome}`,
    ];
  });
}

/** File in the function's code package holding the token grants (see the README, "4 KB"). */
export const BOOTSTRAP_TOKENS_FILE = "bootstrap-tokens.json";

/** Access-log line format: one JSON object per request, no query string (it holds names only, but keep logs lean). */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTimeEpoch",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  responseLength: "$context.responseLength",
  integrationLatency: "$context.integrationLatency",
  errorMessage: "$context.error.message",
});

/**
 * The secure activation API: `GET /latest/activate?name=<id>` on API Gateway, backed by a
 * Lambda that verifies who is calling and returns a single-use SSM hybrid activation whose
 * default instance name is the caller's own ID. Also creates the IAM role that registered
 * machines run under, for other components to grant to.
 *
 * @example
 * ```ts
 * const api = new ActivationApi("fleet", {
 *   fleetName: "acme-prod",
 *   environment: "prod",
 *   tokenAuth: true,
 *   bootstrapTokens: [{ id: "dc1", sha256: "<hex>", namePattern: "dc1-.*", environment: "prod",
 *                       expiresAt: "2027-03-31T00:00:00Z" }],
 * });
 * export const activationUrl = api.activationUrl;
 * ```
 */
export class ActivationApi extends pulumi.ComponentResource {
  /**
   * Base URL machines use: `https://<apiDomainName>/latest` with a custom domain, else the
   * stage's own URL (e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/latest`).
   */
  public readonly apiUrl: pulumi.Output<string>;
  /** The stage's execute-api URL, whatever the custom domain. */
  public readonly stageUrl: pulumi.Output<string>;
  /** Regional endpoint a DNS record for `apiDomainName` must point at (outside Route 53); undefined without a domain. */
  public readonly apiDomainTarget: pulumi.Output<string | undefined>;
  /** ARN of the stage's WAF web ACL; undefined without `apiWaf`. */
  public readonly webAclArn: pulumi.Output<string | undefined>;
  /** Full activation endpoint: `<apiUrl>/activate`. */
  public readonly activationUrl: pulumi.Output<string>;
  /** Name of the IAM role registered machines run under. */
  public readonly managedInstanceRoleName: pulumi.Output<string>;
  /** ARN of the IAM role registered machines run under. */
  public readonly managedInstanceRoleArn: pulumi.Output<string>;
  /** Name of the activation Lambda function. */
  public readonly functionName: pulumi.Output<string>;
  /** Name of the function's log group. */
  public readonly functionLogGroupName: pulumi.Output<string>;
  /** Name of the API's access log group. */
  public readonly accessLogGroupName: pulumi.Output<string>;
  /** ID of the REST API. */
  public readonly restApiId: pulumi.Output<string>;
  /** Name of the name-lease DynamoDB table. */
  public readonly leaseTableName: pulumi.Output<string>;
  /** EC2 user data (bash) that registers a Linux machine through this API at first boot. */
  public readonly linuxUserData: pulumi.Output<string>;
  /** EC2 user data (`<powershell>`) that registers a Windows machine through this API. */
  public readonly windowsUserData: pulumi.Output<string>;

  constructor(name: string, args: ActivationApiArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so bad input leaves no half-built component.
    validateActivationApiArgs(args, aws.config.region);
    super("ssm-hybrid-fleet:activation:ActivationApi", name, {}, opts);

    const fleetTagKey = args.fleetTagKey ?? "HybridFleet";
    const modeTagKey = args.modeTagKey ?? "ComplianceMode";
    const environmentTagKey = args.environmentTagKey ?? "Environment";
    const defaultMode = args.defaultMode ?? "report";
    const ttl = args.activationTtlMinutes ?? 60;
    const rateLimit = args.throttleRateLimit ?? 10;
    const burstLimit = args.throttleBurstLimit ?? 20;
    const retention = args.logRetentionDays ?? 30;
    const ec2Auth = args.ec2Auth ?? true;
    const tokenAuth = args.tokenAuth ?? false;
    const tokens = args.bootstrapTokens ?? [];
    const allowedTags = args.allowedTags ?? {};
    const tags = args.tags ?? {};
    const parent = { parent: this };
    const frontDoor = resolveFrontDoor(args);

    if (rateLimit > burstLimit) {
      pulumi.log.warn(
        `ActivationApi ${name}: throttleRateLimit (${rateLimit}) exceeds throttleBurstLimit (${burstLimit}); API Gateway caps bursts at the burst limit`,
        this,
      );
    }

    for (const warning of instanceIdPatternWarnings(tokens)) {
      pulumi.log.warn(`ActivationApi ${name}: ${warning}`, this);
    }

    const identity = aws.getCallerIdentityOutput({}, parent);
    const region = aws.getRegionOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent);
    const accountId = identity.accountId;
    const allowedAccounts = args.allowedAccounts ?? identity.accountId.apply((a) => [a]);

    // The role hybrid machines get. Only SSM in this account and region may assume it.
    const managedInstanceRole = new aws.iam.Role(
      `${name}-managed-instance`,
      {
        description: `Hybrid managed instances of fleet ${args.fleetName} (ssm-hybrid-fleet)`,
        assumeRolePolicy: pulumi
          .all([accountId, region.region, partition.partition])
          .apply(([acct, reg, part]) =>
            JSON.stringify(managedInstanceTrustPolicy(acct, reg, part)),
          ),
        tags,
      },
      parent,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-managed-instance-core`,
      {
        role: managedInstanceRole.name,
        policyArn: pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      },
      parent,
    );
    // Core lets a node read every parameter in the account; narrow that to the fleet's prefixes.
    new aws.iam.RolePolicy(
      `${name}-managed-instance-parameters`,
      {
        role: managedInstanceRole.name,
        policy: pulumi
          .all([accountId, region.region, partition.partition])
          .apply(([acct, reg, part]) =>
            JSON.stringify(
              parameterReadDenyPolicy(args.parameterReadPrefixes ?? [], {
                partition: part,
                region: reg,
                accountId: acct,
              }),
            ),
          ),
      },
      parent,
    );

    // The name lease: one item per name, taken with a conditional write (functions/activation/lease.ts).
    const leaseTable = new aws.dynamodb.Table(
      `${name}-name-leases`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: LEASE_HASH_KEY,
        attributes: [{ name: LEASE_HASH_KEY, type: "S" }],
        // Expired leases are free to take whether or not DynamoDB has deleted them yet.
        ttl: { attributeName: LEASE_TTL_ATTRIBUTE, enabled: true },
        pointInTimeRecovery: { enabled: true },
        // A KMS key (AWS managed) rather than the default AWS owned key: key use is in CloudTrail.
        serverSideEncryption: { enabled: true },
        tags,
      },
      parent,
    );
    const { logGroup: functionLogs, fn } = bundledFunction(
      {
        names: {
          logGroup: `${name}-function-logs`,
          role: `${name}-function`,
          function: `${name}-function`,
        },
        logRetentionDays: retention,
        roleDescription: `Activation API function of fleet ${args.fleetName}`,
        trustSourceAccount: accountId.apply((a) =>
          (args.lambdaTrustSourceAccount ?? true) ? a : undefined,
        ),
        policy: (logGroupArn) =>
          pulumi
            .all([managedInstanceRole.arn, logGroupArn])
            .apply(([roleArn, logArn]) =>
              JSON.stringify(
                activationFunctionPolicy({ managedInstanceRoleArn: roleArn, logGroupArn: logArn }),
              ),
            ),
        morePolicies: (role) => [
          new aws.iam.RolePolicy(
            `${name}-function-lease`,
            {
              role: role.id,
              policy: leaseTable.arn.apply((arn) => JSON.stringify(activationLeasePolicy(arn))),
            },
            parent,
          ),
        ],
        function: {
          description: `Issues single-use SSM activations for fleet ${args.fleetName}`,
          code: new pulumi.asset.AssetArchive({
            "index.js": new pulumi.asset.StringAsset(bundleFunction("activation")),
            // In the code package, not the environment: the environment holds 4 KB in all
            // (about 19 grants); grants are hashes, not secrets.
            [BOOTSTRAP_TOKENS_FILE]: new pulumi.asset.StringAsset(JSON.stringify(tokens)),
          }),
          memorySize: args.memorySize ?? 256,
          timeout: 15,
          environment: {
            variables: {
              MANAGED_INSTANCE_ROLE_NAME: managedInstanceRole.name,
              FLEET_TAG_KEY: fleetTagKey,
              FLEET_NAME: args.fleetName,
              MODE_TAG_KEY: modeTagKey,
              DEFAULT_MODE: defaultMode,
              ENVIRONMENT_TAG_KEY: environmentTagKey,
              ENVIRONMENT: args.environment,
              ACTIVATION_TTL_MINUTES: String(ttl),
              EC2_AUTH: ec2Auth ? "enabled" : "disabled",
              ALLOWED_ACCOUNTS: pulumi
                .output(allowedAccounts)
                .apply((a) => [...a].sort().join(",")),
              TOKEN_AUTH: tokenAuth ? "enabled" : "disabled",
              BOOTSTRAP_TOKENS_FILE: BOOTSTRAP_TOKENS_FILE,
              LEASE_TABLE_NAME: leaseTable.name,
              EC2_MAX_IDENTITY_AGE_MINUTES: String(args.ec2MaxIdentityAgeMinutes ?? 0),
              ALLOWED_TAGS: JSON.stringify(allowedTags),
              SSM_MAX_ATTEMPTS: String(args.ssmMaxAttempts ?? 3),
              RETRY_AFTER_SECONDS: String(args.retryAfterSeconds ?? 2),
            },
          },
        },
        tags,
      },
      this,
    );

    const api = new aws.apigateway.RestApi(
      `${name}-api`,
      {
        description: `SSM hybrid activation API of fleet ${args.fleetName}`,
        endpointConfiguration:
          frontDoor.endpointType === "PRIVATE"
            ? { types: "PRIVATE", vpcEndpointIds: [...frontDoor.vpcEndpointIds] }
            : { types: "REGIONAL" },
        tags,
      },
      parent,
    );
    // What the deployment snapshots, each written once: passed to its resource below and
    // hashed into the redeploy trigger, so an in-place change to any of them redeploys.
    const resourceArgs: aws.apigateway.ResourceArgs = {
      restApi: api.id,
      parentId: api.rootResourceId,
      pathPart: "activate",
    };
    const resource = new aws.apigateway.Resource(`${name}-activate`, resourceArgs, parent);
    const validatorArgs: aws.apigateway.RequestValidatorArgs = {
      restApi: api.id,
      validateRequestParameters: true,
      validateRequestBody: false,
    };
    const validator = new aws.apigateway.RequestValidator(
      `${name}-validator`,
      validatorArgs,
      parent,
    );
    const methodArgs: aws.apigateway.MethodArgs = {
      restApi: api.id,
      resourceId: resource.id,
      httpMethod: "GET",
      // Callers prove themselves to the function (identity document or token), which
      // API Gateway authorizers cannot verify; the function refuses anything unproven.
      authorization: "NONE",
      requestParameters: { "method.request.querystring.name": true },
      requestValidatorId: validator.id,
    };
    const method = new aws.apigateway.Method(`${name}-get`, methodArgs, parent);
    const integrationArgs: aws.apigateway.IntegrationArgs = {
      restApi: api.id,
      resourceId: resource.id,
      httpMethod: method.httpMethod,
      integrationHttpMethod: "POST",
      type: "AWS_PROXY",
      uri: fn.invokeArn,
    };
    const integration = new aws.apigateway.Integration(
      `${name}-integration`,
      integrationArgs,
      parent,
    );
    // The stage's own 429 tells callers when to come back (see throttledResponse.ts).
    const throttledArgs: aws.apigateway.ResponseArgs = {
      restApiId: api.id,
      responseType: "THROTTLED",
      statusCode: "429",
      responseParameters: throttledResponseParameters(),
    };
    const throttled = new aws.apigateway.Response(`${name}-throttled`, throttledArgs, parent);
    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: fn.name,
        principal: "apigateway.amazonaws.com",
        sourceArn: pulumi.interpolate`${api.executionArn}/${STAGE_NAME}/GET/activate`,
      },
      parent,
    );

    // Who may call: VPC endpoints of a PRIVATE API, and allowed ranges unless WAF enforces them.
    const policyOptions = {
      vpcEndpointIds: frontDoor.vpcEndpointIds,
      allowedCidrs: frontDoor.cidrsEnforcedBy === "resourcePolicy" ? frontDoor.allowedCidrs : [],
      sourceIpKey:
        frontDoor.endpointType === "PRIVATE"
          ? ("aws:VpcSourceIp" as const)
          : ("aws:SourceIp" as const),
    };
    const restricted =
      policyOptions.vpcEndpointIds.length > 0 || policyOptions.allowedCidrs.length > 0;
    const policyArgs: aws.apigateway.RestApiPolicyArgs | undefined = restricted
      ? {
          restApiId: api.id,
          policy: api.executionArn.apply((arn) =>
            JSON.stringify(apiResourcePolicy({ resourceArn: `${arn}/*`, ...policyOptions })),
          ),
        }
      : undefined;
    const policy =
      policyArgs && new aws.apigateway.RestApiPolicy(`${name}-policy`, policyArgs, parent);

    // A deployment is a snapshot: redeploy whenever anything it snapshots changes.
    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: api.id,
        description: `ssm-hybrid-fleet ${name}`,
        triggers: {
          redeployment: pulumi
            .output({
              resource: resourceArgs,
              validator: validatorArgs,
              method: methodArgs,
              integration: integrationArgs,
              throttled: throttledArgs,
              // A resource policy takes effect on callers only once the API is redeployed.
              ...(policyArgs ? { policy: policyArgs } : {}),
            })
            .apply((definition) => redeploymentHash(definition as ApiDefinition)),
        },
      },
      { parent: this, dependsOn: [method, integration, throttled, ...(policy ? [policy] : [])] },
    );

    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { retentionInDays: retention, tags },
      parent,
    );
    const stageDependsOn: pulumi.Resource[] = [];
    if (args.manageApiGatewayAccount ?? true) {
      const loggingRole = new aws.iam.Role(
        `${name}-apigateway-logging`,
        {
          description: "Lets API Gateway write access logs to CloudWatch (account-wide setting)",
          assumeRolePolicy: accountId.apply((a) =>
            JSON.stringify(
              apiGatewayLoggingTrustPolicy(args.apiGatewayTrustSourceAccount ? a : undefined),
            ),
          ),
          tags,
        },
        parent,
      );
      const attachment = new aws.iam.RolePolicyAttachment(
        `${name}-apigateway-logging`,
        {
          role: loggingRole.name,
          policyArn: pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
        },
        parent,
      );
      stageDependsOn.push(
        new aws.apigateway.Account(
          `${name}-apigateway-account`,
          { cloudwatchRoleArn: loggingRole.arn },
          { parent: this, dependsOn: [attachment] },
        ),
      );
    }
    const stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: api.id,
        deployment: deployment.id,
        stageName: STAGE_NAME,
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
        tags,
      },
      { parent: this, dependsOn: stageDependsOn },
    );
    new aws.apigateway.MethodSettings(
      `${name}-throttling`,
      {
        restApi: api.id,
        stageName: stage.stageName,
        methodPath: "*/*",
        settings: {
          throttlingRateLimit: rateLimit,
          throttlingBurstLimit: burstLimit,
          metricsEnabled: true,
          loggingLevel: "OFF",
        },
      },
      parent,
    );

    // Everything below derives from the URL; a mock that omits it must fail now, not hang.
    const invokeUrl = requireValue(stage.invokeUrl, {
      where: `ActivationApi ${name}: aws.apigateway.Stage ${name}-stage`,
      property: "invokeUrl",
      example: `https://abc123.execute-api.ap-southeast-2.amazonaws.com/${STAGE_NAME}`,
    });
    const domain =
      frontDoor.domain &&
      customDomain(
        name,
        {
          domain: frontDoor.domain,
          restApiId: api.id,
          stageName: stage.stageName,
          basePath: STAGE_NAME,
          tags,
        },
        this,
      );
    const acl =
      frontDoor.waf &&
      stageWebAcl(
        name,
        {
          waf: frontDoor.waf,
          allowedCidrs: frontDoor.cidrsEnforcedBy === "waf" ? frontDoor.allowedCidrs : [],
          stageArn: stage.arn,
          tags,
        },
        this,
      );
    // The stable URL, when there is one, is what user data and golden images should bake in.
    const apiUrl = domain ? domain.url : invokeUrl;
    this.apiUrl = apiUrl;
    this.stageUrl = invokeUrl;
    this.apiDomainTarget = domain ? domain.target : pulumi.output(undefined);
    this.webAclArn = acl ? acl.arn : pulumi.output(undefined);
    this.activationUrl = pulumi.interpolate`${apiUrl}/activate`;
    this.managedInstanceRoleName = managedInstanceRole.name;
    this.managedInstanceRoleArn = managedInstanceRole.arn;
    this.functionName = fn.name;
    this.functionLogGroupName = functionLogs.name;
    this.accessLogGroupName = accessLogs.name;
    this.restApiId = api.id;
    this.leaseTableName = leaseTable.name;
    this.linuxUserData = apiUrl.apply((url) => buildLinuxUserData(url));
    this.windowsUserData = apiUrl.apply((url) => buildWindowsUserData(url));
    this.registerOutputs({
      apiUrl: this.apiUrl,
      stageUrl: this.stageUrl,
      apiDomainTarget: this.apiDomainTarget,
      webAclArn: this.webAclArn,
      activationUrl: this.activationUrl,
      managedInstanceRoleName: this.managedInstanceRoleName,
      managedInstanceRoleArn: this.managedInstanceRoleArn,
      functionName: this.functionName,
      functionLogGroupName: this.functionLogGroupName,
      accessLogGroupName: this.accessLogGroupName,
      restApiId: this.restApiId,
      leaseTableName: this.leaseTableName,
      linuxUserData: this.linuxUserData,
      windowsUserData: this.windowsUserData,
    });
  }
}
