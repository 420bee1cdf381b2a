/**
 * The janitor's policy: every statement asserted exactly, then evaluated offline by an IAM
 * policy simulator: a fleet node may be deregistered, a node of another fleet (or untagged, or
 * in another region) may not, and nothing beyond reading, deregistering and deleting
 * activations is allowed.
 */
import * as assert from "node:assert/strict";
import { runSimulation, type EvaluationResult } from "@cloud-copilot/iam-simulate";
import { janitorPolicy } from "../../../components/ops/janitor.policies";

const ACCOUNT = "123456789012";
const REGION = "ap-southeast-2";
const INPUTS = {
  partition: "aws",
  region: REGION,
  accountId: ACCOUNT,
  fleetTagKey: "HybridFleet",
  fleetName: "acme",
  logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:fleet-janitor-logs`,
};
const NODE = (id: string, region = REGION) =>
  `arn:aws:ssm:${region}:${ACCOUNT}:managed-instance/${id}`;

async function decide(
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Promise<EvaluationResult> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/fleet-janitor/fleet-janitor`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: [{ name: "janitor", policy: janitorPolicy(INPUTS) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

describe("janitor permissions", () => {
  it("is exactly these statements", () => {
    assert.deepEqual(janitorPolicy(INPUTS), {
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
          Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:managed-instance/*`,
          Condition: { StringEquals: { "ssm:resourceTag/HybridFleet": "acme" } },
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
          Resource: `${INPUTS.logGroupArn}:*`,
        },
      ],
    });
  });

  const MI = "mi-0123456789abcdef0";
  const rows: Array<[string, string, Record<string, string>, EvaluationResult, string]> = [
    [
      "ssm:DeregisterManagedInstance",
      NODE(MI),
      { "ssm:resourceTag/HybridFleet": "acme" },
      "Allowed",
      "a node of the fleet",
    ],
    [
      "ssm:DeregisterManagedInstance",
      NODE(MI),
      { "ssm:resourceTag/HybridFleet": "other" },
      "ImplicitlyDenied",
      "a node of another fleet",
    ],
    [
      "ssm:DeregisterManagedInstance",
      NODE(MI),
      { "ssm:resourceTag/HybridFleet": "ACME" },
      "ImplicitlyDenied",
      "a fleet name differing in case",
    ],
    ["ssm:DeregisterManagedInstance", NODE(MI), {}, "ImplicitlyDenied", "an untagged node"],
    [
      "ssm:DeregisterManagedInstance",
      NODE(MI, "us-east-1"),
      { "ssm:resourceTag/HybridFleet": "acme" },
      "ImplicitlyDenied",
      "a fleet node in another region",
    ],
    ["ssm:DescribeInstanceInformation", "*", {}, "Allowed", "list nodes"],
    ["ssm:DescribeActivations", "*", {}, "Allowed", "list activations"],
    ["ssm:DeleteActivation", "*", {}, "Allowed", "delete activations"],
    ["ec2:DescribeInstances", "*", {}, "Allowed", "EC2 states"],
    ["ssm:CreateActivation", "*", {}, "ImplicitlyDenied", "no new activations"],
    [
      "ssm:AddTagsToResource",
      NODE(MI),
      { "ssm:resourceTag/HybridFleet": "acme" },
      "ImplicitlyDenied",
      "no retagging (which could move a node into the fleet)",
    ],
    [
      "ssm:SendCommand",
      NODE(MI),
      { "ssm:resourceTag/HybridFleet": "acme" },
      "ImplicitlyDenied",
      "no commands on nodes",
    ],
    [
      "ec2:TerminateInstances",
      `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
      {},
      "ImplicitlyDenied",
      "nothing on EC2 beyond reading",
    ],
    [
      "logs:PutLogEvents",
      `${INPUTS.logGroupArn}:log-stream:2026/12/01/abc`,
      {},
      "Allowed",
      "its own logs",
    ],
    [
      "logs:PutLogEvents",
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:other:log-stream:x`,
      {},
      "ImplicitlyDenied",
      "another log group",
    ],
  ];
  for (const [action, resource, context, expected, why] of rows) {
    it(`${expected === "Allowed" ? "allows" : "refuses"} ${action}: ${why}`, async () => {
      assert.equal(await decide(action, resource, context), expected);
    });
  }
});
