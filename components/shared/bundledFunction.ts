/**
 * The Lambda wiring every component's function shares: its log group, an execution role only
 * Lambda may assume, the role's inline policy (least privilege, built by the component's
 * policy builder from the log group's ARN), and a `nodejs22.x` arm64 function with Text logs
 * into that group, created only once its permissions exist.
 *
 * Each component passes the resource names it has always used: a new name would make
 * `pulumi up` replace the deployed log group, role and function.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lambdaTrustPolicy } from "./policies";

/** Inputs of {@link bundledFunction}. */
export interface BundledFunctionArgs {
  /** Resource names; the inline policy takes the role's. */
  readonly names: {
    readonly logGroup: string;
    readonly role: string;
    readonly function: string;
  };
  /** Days CloudWatch keeps the function's logs. */
  readonly logRetentionDays: pulumi.Input<number>;
  /** The role's description. */
  readonly roleDescription: string;
  /**
   * The account whose Lambda alone may assume the role (`aws:SourceAccount`); undefined: any
   * Lambda principal (see `lambdaTrustPolicy`).
   */
  readonly trustSourceAccount: pulumi.Input<string | undefined>;
  /** The role's inline policy document (JSON), given the log group's ARN. */
  readonly policy: (logGroupArn: pulumi.Output<string>) => pulumi.Input<string>;
  /** Further inline policies of the role that the function must wait for. */
  readonly morePolicies?: (role: aws.iam.Role) => readonly aws.iam.RolePolicy[];
  /** The function's own settings: the runtime, architecture, handler and logging are set here. */
  readonly function: Pick<
    aws.lambda.FunctionArgs,
    "description" | "code" | "memorySize" | "timeout" | "environment"
  >;
  /** Tags of every resource. */
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The resources {@link bundledFunction} creates. */
export interface BundledFunction {
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly role: aws.iam.Role;
  readonly policy: aws.iam.RolePolicy;
  readonly fn: aws.lambda.Function;
}

/** Creates a bundled handler's function, role, policy and log group under `parent`. */
export function bundledFunction(
  args: BundledFunctionArgs,
  parent: pulumi.Resource,
): BundledFunction {
  const opts = { parent };
  const logGroup = new aws.cloudwatch.LogGroup(
    args.names.logGroup,
    { retentionInDays: args.logRetentionDays, tags: args.tags },
    opts,
  );
  const role = new aws.iam.Role(
    args.names.role,
    {
      description: args.roleDescription,
      assumeRolePolicy: pulumi
        .output(args.trustSourceAccount)
        .apply((account) => JSON.stringify(lambdaTrustPolicy(account))),
      tags: args.tags,
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    args.names.role,
    { role: role.id, policy: args.policy(logGroup.arn) },
    opts,
  );
  const more = args.morePolicies?.(role) ?? [];
  const fn = new aws.lambda.Function(
    args.names.function,
    {
      ...args.function,
      role: role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
      tags: args.tags,
    },
    { parent, dependsOn: [policy, ...more, logGroup] },
  );
  return { logGroup, role, policy, fn };
}
