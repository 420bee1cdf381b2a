/**
 * The alert topic's access policy and its KMS key's policy, as pure builders so tests can
 * assert (and simulate) every statement.
 *
 * Why a customer managed key: CloudWatch alarms publishing to an encrypted topic need
 * `kms:Decrypt` and `kms:GenerateDataKey*` on its key. The AWS managed key `alias/aws/sns`
 * does not grant CloudWatch those, and its policy cannot be edited, so alarm actions fail
 * with "CloudWatch Alarms does not have authorization to access the SNS topic encryption
 * key" (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns; SNS: "Enable
 * compatibility between event sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 */
import { PolicyDocument } from "../shared/policies";

/** Inputs of {@link alertTopicPolicy}. */
export interface AlertTopicPolicyInputs {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly topicArn: string;
  /** Alarm name prefix: only alarms whose name starts with it may publish. */
  readonly alarmNamePrefix: string;
}

/** ARN pattern of this component's alarms. */
export function alarmArnPattern(
  i: Pick<AlertTopicPolicyInputs, "partition" | "region" | "accountId" | "alarmNamePrefix">,
): string {
  return `arn:${i.partition}:cloudwatch:${i.region}:${i.accountId}:alarm:${i.alarmNamePrefix}-*`;
}

/**
 * The alert topic's access policy: CloudWatch may publish, only for this account's alarms
 * whose name starts with the component's prefix (confused-deputy protection with
 * `aws:SourceAccount` and `aws:SourceArn`, the form AWS documents for alarms,
 * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger). The
 * account's own principals keep the access their IAM policies give them (same account), so
 * no owner statement is needed.
 */
export function alertTopicPolicy(i: AlertTopicPolicyInputs): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: i.topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": i.accountId },
          ArnLike: { "aws:SourceArn": alarmArnPattern(i) },
        },
      },
    ],
  };
}

/** Inputs of {@link alertKeyPolicy}. */
export interface AlertKeyPolicyInputs {
  readonly partition: string;
  readonly accountId: string;
}

/**
 * The alert key's policy:
 * - the account administers the key through IAM (the default key policy's statement; without
 *   it nobody could change the key again);
 * - CloudWatch may generate data keys and decrypt with it, acting for this account only.
 *
 * The CloudWatch statement is scoped by `aws:SourceAccount` alone: AWS's documented key
 * statement for alarms carries no `aws:SourceArn`, and a condition the KMS request does not
 * satisfy would drop every alert silently. The topic policy narrows publishing to this
 * component's alarms.
 */
export function alertKeyPolicy(i: AlertKeyPolicyInputs): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${i.partition}:iam::${i.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchAlarmsUseKey",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": i.accountId } },
      },
    ],
  };
}
