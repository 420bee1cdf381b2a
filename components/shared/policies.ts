/**
 * Pure builders for the IAM documents the components create. They return plain objects;
 * components wire them in with `pulumi.jsonStringify` / `.apply`. Keeping them pure lets
 * tests assert every statement exactly, and keeps previews stable (same input, same JSON).
 */

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Id?: string;
  readonly Statement: readonly PolicyStatement[];
}

/** One IAM statement (the subset this package writes). */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Readonly<Record<string, string | readonly string[]>> | "*";
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: readonly string[];
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | readonly string[] | boolean>>>
  >;
}

/**
 * Trust policy of the hybrid managed-instance role: only Systems Manager in this account
 * and region may assume it (confused-deputy protection with `aws:SourceAccount` and
 * `aws:SourceArn`, as AWS documents for the hybrid service role).
 */
export function managedInstanceTrustPolicy(
  accountId: string,
  region: string,
  partition = "aws",
): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "SystemsManagerAssumesForHybridNodes",
        Effect: "Allow",
        Principal: { Service: "ssm.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnEquals: { "aws:SourceArn": `arn:${partition}:ssm:${region}:${accountId}:*` },
        },
      },
    ],
  };
}

/**
 * Trust policy for a Lambda function's execution role. With `sourceAccount`, only Lambda
 * acting for that account may assume it: the Lambda Developer Guide says "When a service
 * assumes a role in your account, you can include the aws:SourceAccount and aws:SourceArn
 * global condition context keys in your role trust policy"
 * (https://docs.aws.amazon.com/lambda/latest/dg/permissions-managed-policies.html).
 */
export function lambdaTrustPolicy(sourceAccount?: string): PolicyDocument {
  return serviceTrustPolicy("lambda.amazonaws.com", sourceAccount);
}

/** Inputs of {@link activationFunctionPolicy}. */
export interface ActivationFunctionPolicyInputs {
  /** ARN of the managed-instance role the activations hand to SSM. */
  readonly managedInstanceRoleArn: string;
  /** ARN of the function's own log group. */
  readonly logGroupArn: string;
}

/**
 * What the activation function may do, and nothing more:
 * - `ssm:CreateActivation`: the action has no resource-level permissions, so `*`;
 * - `ssm:DescribeInstanceInformation` for the name-conflict check: likewise `*` only;
 * - `iam:PassRole` on the managed-instance role alone, and only to SSM;
 * - write its own log streams.
 */
export function activationFunctionPolicy(inputs: ActivationFunctionPolicyInputs): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CreateActivations",
        Effect: "Allow",
        Action: "ssm:CreateActivation",
        Resource: "*",
      },
      {
        Sid: "CheckNameConflicts",
        Effect: "Allow",
        Action: "ssm:DescribeInstanceInformation",
        Resource: "*",
      },
      {
        Sid: "PassManagedInstanceRoleToSsm",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: inputs.managedInstanceRoleArn,
        Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } },
      },
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${inputs.logGroupArn}:*`,
      },
    ],
  };
}

/**
 * Trust policy of the role API Gateway uses to write its logs to CloudWatch. AWS documents
 * only `apigateway.amazonaws.com` as the trusted entity
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html) and no
 * page says API Gateway sends `aws:SourceAccount` when it assumes this role, so the condition
 * is added only when `sourceAccount` is passed (opt-in: `apiGatewayTrustSourceAccount`).
 */
export function apiGatewayLoggingTrustPolicy(sourceAccount?: string): PolicyDocument {
  return serviceTrustPolicy("apigateway.amazonaws.com", sourceAccount);
}

/** `service` may assume the role; with `sourceAccount`, only on behalf of that account. */
function serviceTrustPolicy(service: string, sourceAccount: string | undefined): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(sourceAccount === undefined
          ? {}
          : { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } }),
      },
    ],
  };
}

/**
 * Denies every request to a bucket and its objects that does not use TLS. Put it first in
 * a bucket policy, so a reader sees the guard before the grants.
 */
export function denyInsecureTransport(bucketArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}
