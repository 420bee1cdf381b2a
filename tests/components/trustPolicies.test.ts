/**
 * aws:SourceAccount in the service trust policies. AWS documents it for Lambda execution roles
 * (kept, on by default) but not for the role API Gateway assumes to write logs (opt-in), and a
 * condition the service does not send makes the role unassumable: both settings are tested.
 */
import * as assert from "node:assert/strict";
import { apiGatewayLoggingTrustPolicy, lambdaTrustPolicy } from "../../components/shared/policies";
import { ACCOUNT_ID, installMocks, resourceNamed, unwrap } from "../support/pulumiMocks";

const withAccount = (service: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT_ID } },
    },
  ],
});
const plain = (service: string) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
});

describe("service trust policies and aws:SourceAccount", () => {
  it("adds the condition only when given an account", () => {
    assert.deepEqual(lambdaTrustPolicy(ACCOUNT_ID), withAccount("lambda.amazonaws.com"));
    assert.deepEqual(lambdaTrustPolicy(), plain("lambda.amazonaws.com"));
    assert.deepEqual(
      apiGatewayLoggingTrustPolicy(ACCOUNT_ID),
      withAccount("apigateway.amazonaws.com"),
    );
    assert.deepEqual(apiGatewayLoggingTrustPolicy(), plain("apigateway.amazonaws.com"));
  });

  async function trustPolicies(
    extra: Record<string, boolean>,
  ): Promise<{ lambda: unknown; apiGateway: unknown }> {
    installMocks();
    const { ActivationApi } = await import("../../components/activation/activationApi");
    const api = new ActivationApi("trust", { fleetName: "acme", environment: "dev", ...extra });
    await unwrap(api.apiUrl);
    await new Promise((r) => setTimeout(r, 50));
    const policy = (name: string) =>
      JSON.parse(resourceNamed(name, "aws:iam/role:Role").inputs.assumeRolePolicy);
    return { lambda: policy("trust-function"), apiGateway: policy("trust-apigateway-logging") };
  }

  it("by default: Lambda's role requires this account, API Gateway's does not", async () => {
    const t = await trustPolicies({});
    assert.deepEqual(t.lambda, withAccount("lambda.amazonaws.com"));
    assert.deepEqual(t.apiGateway, plain("apigateway.amazonaws.com"));
  });

  it("with lambdaTrustSourceAccount false and apiGatewayTrustSourceAccount true: the reverse", async () => {
    const t = await trustPolicies({
      lambdaTrustSourceAccount: false,
      apiGatewayTrustSourceAccount: true,
    });
    assert.deepEqual(t.lambda, plain("lambda.amazonaws.com"));
    assert.deepEqual(t.apiGateway, withAccount("apigateway.amazonaws.com"));
  });
});
