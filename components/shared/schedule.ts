/**
 * Runs a Lambda function on a schedule: an EventBridge rule, an invoke permission only that
 * rule's ARN can use, and the rule's target
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
 * A rule rather than EventBridge Scheduler keeps the permission scoped by `SourceArn` without
 * an extra role. Children are named `<name>-schedule` and parented to `parent`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** What {@link scheduleFunction} needs. */
export interface ScheduleArgs {
  /** The function to run. */
  readonly fn: aws.lambda.Function;
  /** `rate(...)` or `cron(...)`. */
  readonly scheduleExpression: pulumi.Input<string>;
  /** The rule's description. */
  readonly description: string;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Creates the rule, the permission and the target; returns the rule. */
export function scheduleFunction(
  name: string,
  args: ScheduleArgs,
  parent: pulumi.Resource,
): aws.cloudwatch.EventRule {
  const rule = new aws.cloudwatch.EventRule(
    `${name}-schedule`,
    {
      description: args.description,
      scheduleExpression: args.scheduleExpression,
      tags: args.tags,
    },
    { parent },
  );
  const permission = new aws.lambda.Permission(
    `${name}-schedule`,
    {
      action: "lambda:InvokeFunction",
      function: args.fn.name,
      principal: "events.amazonaws.com",
      sourceArn: rule.arn,
    },
    { parent },
  );
  new aws.cloudwatch.EventTarget(
    `${name}-schedule`,
    { rule: rule.name, arn: args.fn.arn },
    { parent, dependsOn: [permission] },
  );
  return rule;
}
