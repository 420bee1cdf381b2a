/**
 * Who may publish to the alert topic and use its key, evaluated offline by an IAM policy
 * simulator against the policies a RiskAlerts actually creates (recorded under mocks):
 * CloudWatch acting for this account's risk alarms is allowed; CloudWatch acting for another
 * account, or for another alarm of this account, and other principals are refused.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { runSimulation, type EvaluationResult } from "@cloud-copilot/iam-simulate";
import { ACCOUNT_ID, REGION, installMocks, resourceNamed, unwrap } from "../../support/pulumiMocks";

const OTHER_ACCOUNT = "999988887777";
const PREFIX = "HybridFleet-acme-prod-risk";
const alarmArn = (account: string, name: string) =>
  `arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`;

async function decide(
  resourcePolicy: unknown,
  principal: string,
  action: string,
  resource: string,
  context: Record<string, string>,
): Promise<EvaluationResult> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource, accountId: ACCOUNT_ID },
        contextVariables: context,
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

/** action, principal, context, expected decision, why. */
type Row = readonly [string, string, Record<string, string>, EvaluationResult, string];

describe("alert topic and key policies (IAM simulation)", () => {
  let topicArn: string;
  let keyArn: string;
  let topicPolicy: unknown;
  let keyPolicy: unknown;

  before(async () => {
    installMocks();
    const { RiskAlerts } = await import("../../../components/risk/riskAlerts");
    const alerts = new RiskAlerts("alerts", { fleet: "acme-prod" });
    topicArn = await unwrap(alerts.topicArn);
    keyArn = (await unwrap(alerts.kmsKeyArn)) as string;
    await unwrap(pulumi.all(Object.values(alerts.alarmArns)).apply(() => true));
    await new Promise((r) => setTimeout(r, 50));
    topicPolicy = JSON.parse(resourceNamed("alerts-topic-policy").inputs.policy);
    keyPolicy = JSON.parse(resourceNamed("alerts-key").inputs.policy);
  });

  const publishRows: Row[] = [
    [
      "sns:Publish",
      "cloudwatch.amazonaws.com",
      {
        "aws:SourceAccount": ACCOUNT_ID,
        "aws:SourceArn": alarmArn(ACCOUNT_ID, `${PREFIX}-critical-prod`),
      },
      "Allowed",
      "this account's risk alarm",
    ],
    [
      "sns:Publish",
      "cloudwatch.amazonaws.com",
      {
        "aws:SourceAccount": OTHER_ACCOUNT,
        "aws:SourceArn": alarmArn(OTHER_ACCOUNT, `${PREFIX}-critical-prod`),
      },
      "ImplicitlyDenied",
      "an alarm of another account with the same name (confused deputy)",
    ],
    [
      "sns:Publish",
      "cloudwatch.amazonaws.com",
      {
        "aws:SourceAccount": ACCOUNT_ID,
        "aws:SourceArn": alarmArn(ACCOUNT_ID, "someone-elses-alarm"),
      },
      "ImplicitlyDenied",
      "another alarm of this account",
    ],
    [
      "sns:Publish",
      "events.amazonaws.com",
      { "aws:SourceAccount": ACCOUNT_ID },
      "ImplicitlyDenied",
      "another service",
    ],
    [
      "sns:Publish",
      `arn:aws:iam::${OTHER_ACCOUNT}:user/mallory`,
      {},
      "ImplicitlyDenied",
      "a principal of another account",
    ],
    [
      "sns:Subscribe",
      "cloudwatch.amazonaws.com",
      {
        "aws:SourceAccount": ACCOUNT_ID,
        "aws:SourceArn": alarmArn(ACCOUNT_ID, `${PREFIX}-not-seen`),
      },
      "ImplicitlyDenied",
      "CloudWatch may only publish",
    ],
  ];
  for (const [action, principal, context, expected, why] of publishRows) {
    it(`topic: ${action} by ${principal} → ${expected} (${why})`, async () => {
      assert.equal(await decide(topicPolicy, principal, action, topicArn, context), expected);
    });
  }

  const keyRows: Row[] = [
    [
      "kms:GenerateDataKey",
      "cloudwatch.amazonaws.com",
      { "aws:SourceAccount": ACCOUNT_ID },
      "Allowed",
      "encrypting an alarm notification",
    ],
    [
      "kms:Decrypt",
      "cloudwatch.amazonaws.com",
      { "aws:SourceAccount": ACCOUNT_ID },
      "Allowed",
      "the data key SNS stored",
    ],
    [
      "kms:GenerateDataKey",
      "cloudwatch.amazonaws.com",
      { "aws:SourceAccount": OTHER_ACCOUNT },
      "ImplicitlyDenied",
      "CloudWatch acting for another account",
    ],
    [
      "kms:ScheduleKeyDeletion",
      "cloudwatch.amazonaws.com",
      { "aws:SourceAccount": ACCOUNT_ID },
      "ImplicitlyDenied",
      "CloudWatch may only encrypt and decrypt",
    ],
    [
      "kms:Decrypt",
      `arn:aws:iam::${OTHER_ACCOUNT}:user/mallory`,
      {},
      "ImplicitlyDenied",
      "a principal of another account",
    ],
  ];
  for (const [action, principal, context, expected, why] of keyRows) {
    it(`key: ${action} by ${principal} → ${expected} (${why})`, async () => {
      assert.equal(await decide(keyPolicy, principal, action, keyArn, context), expected);
    });
  }
});
