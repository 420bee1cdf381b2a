/**
 * The Lambda wiring the janitor, the risk snapshot and the activation API share
 * (components/shared/bundledFunction.ts): exactly its resources under the given names, the
 * function's fixed settings, and a policy built from the log group's own ARN.
 */
import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lambdaTrustPolicy } from "../../components/shared/policies";
import {
  ACCOUNT_ID,
  allResources,
  installMocks,
  resourceNamed,
  unwrap,
} from "../support/pulumiMocks";

async function build(trustSourceAccount: string | undefined) {
  installMocks();
  const { bundledFunction } = await import("../../components/shared/bundledFunction");
  const parent = new pulumi.ComponentResource("test:index:Parent", "p");
  const made = bundledFunction(
    {
      names: { logGroup: "p-logs", role: "p-role", function: "p-function" },
      logRetentionDays: 14,
      roleDescription: "the role",
      trustSourceAccount,
      policy: (logGroupArn) => logGroupArn.apply((arn) => JSON.stringify({ logs: arn })),
      morePolicies: (role) => [
        new aws.iam.RolePolicy("p-more", { role: role.id, policy: "{}" }, { parent }),
      ],
      function: { description: "the function", memorySize: 128, timeout: 9 },
      tags: { team: "ops" },
    },
    parent,
  );
  await unwrap(made.fn.arn);
  await new Promise((r) => setTimeout(r, 50));
  return made;
}

describe("bundledFunction (the shared Lambda wiring)", () => {
  it("creates exactly the log group, role, its policies and the function, under the parent", async () => {
    await build(ACCOUNT_ID);
    const custom = allResources().filter((r) => r.custom);
    assert.deepEqual(custom.map((r) => `${r.type}::${r.name}`).sort(), [
      "aws:cloudwatch/logGroup:LogGroup::p-logs",
      "aws:iam/role:Role::p-role",
      "aws:iam/rolePolicy:RolePolicy::p-more",
      "aws:iam/rolePolicy:RolePolicy::p-role",
      "aws:lambda/function:Function::p-function",
    ]);
    for (const r of custom) {
      assert.match(r.parent ?? "", /test:index:Parent::p$/, r.name);
      assert.deepEqual(r.inputs.tags, r.type.includes("rolePolicy") ? undefined : { team: "ops" });
    }
    assert.equal(resourceNamed("p-logs").inputs.retentionInDays, 14);
  });

  it("sets the runtime, architecture, handler and Text logs into its own group, and keeps the rest", async () => {
    await build(ACCOUNT_ID);
    const fn = resourceNamed("p-function").inputs;
    assert.equal(fn.runtime, "nodejs22.x");
    assert.deepEqual(fn.architectures, ["arm64"]);
    assert.equal(fn.handler, "index.handler");
    assert.deepEqual(fn.loggingConfig, { logFormat: "Text", logGroup: "p-logs" });
    assert.match(fn.role, /role\/p-role$/);
    assert.deepEqual([fn.description, fn.memorySize, fn.timeout], ["the function", 128, 9]);
  });

  it("builds the role's policy from the log group's ARN, and trusts Lambda of the account given (or any)", async () => {
    await build(ACCOUNT_ID);
    const policy = resourceNamed("p-role", "aws:iam/rolePolicy:RolePolicy").inputs;
    assert.match(JSON.parse(policy.policy).logs, /log-group:p-logs$/);
    const trust = resourceNamed("p-role", "aws:iam/role:Role");
    assert.deepEqual(JSON.parse(trust.inputs.assumeRolePolicy), lambdaTrustPolicy(ACCOUNT_ID));
    await build(undefined);
    assert.deepEqual(
      JSON.parse(resourceNamed("p-role", "aws:iam/role:Role").inputs.assumeRolePolicy),
      lambdaTrustPolicy(),
    );
  });
});
