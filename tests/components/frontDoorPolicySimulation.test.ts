/**
 * The activation API's resource policy as the components record it, evaluated offline by an IAM
 * policy simulator (@cloud-copilot/iam-simulate) for allowed and refused callers.
 *
 * Faithfulness: our method has no authorization, so API Gateway evaluates the resource policy
 * alone for an anonymous caller: it needs an explicit Allow, and any explicit Deny refuses
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html,
 * "API Gateway resource policy only"). The simulator's anonymous request with only a resource
 * policy follows the same rule (Allowed / ImplicitlyDenied / ExplicitlyDenied), and it
 * evaluates the global condition keys the policy uses (aws:SourceVpce, aws:SourceIp,
 * aws:VpcSourceIp) from the request context we give it, which is what API Gateway fills in.
 */
import * as assert from "node:assert/strict";
import { anonymousPrincipal, runSimulation } from "@cloud-copilot/iam-simulate";
import {
  ACCOUNT_ID,
  REGION,
  installMocks,
  resetRecorded,
  resourceNamed,
  unwrap,
} from "../support/pulumiMocks";
import type { ActivationApiArgs } from "../../components/activation/activationApi";

type Mod = typeof import("../../components/activation/activationApi");
let mod: Mod;

const VPCE = "vpce-0123456789abcdef0";
const OTHER_VPCE = "vpce-0fedcba9876543210";

/** Builds an ActivationApi and returns its recorded resource policy and the invoked method's ARN. */
async function recordedPolicy(
  name: string,
  extra: Partial<ActivationApiArgs>,
): Promise<{ policy: unknown; method: string }> {
  resetRecorded();
  const api = new mod.ActivationApi(name, { fleetName: "acme", environment: "dev", ...extra });
  await unwrap(api.activationUrl);
  await new Promise((r) => setTimeout(r, 50));
  const policy = JSON.parse(
    resourceNamed(`${name}-policy`, "aws:apigateway/restApiPolicy:RestApiPolicy").inputs.policy,
  );
  return {
    policy,
    method: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${name}-api-id/latest/GET/activate`,
  };
}

async function decide(
  policy: unknown,
  method: string,
  context: Record<string, string>,
): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: anonymousPrincipal,
        action: "execute-api:Invoke",
        resource: { resource: method, accountId: ACCOUNT_ID },
        contextVariables: context,
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
  if (result.resultType !== "single") throw new Error(JSON.stringify(result));
  return result.overallResult;
}

describe("activation API resource policy, simulated", () => {
  before(async () => {
    installMocks();
    mod = await import("../../components/activation/activationApi");
  });

  describe("PRIVATE", () => {
    let built: { policy: unknown; method: string };
    before(async () => {
      built = await recordedPolicy("sim1", {
        apiEndpointType: "PRIVATE",
        apiVpcEndpointIds: [VPCE],
      });
    });
    it("allows a caller through a listed VPC endpoint", async () => {
      assert.equal(await decide(built.policy, built.method, { "aws:SourceVpce": VPCE }), "Allowed");
    });
    it("refuses a caller through another VPC endpoint", async () => {
      assert.equal(
        await decide(built.policy, built.method, { "aws:SourceVpce": OTHER_VPCE }),
        "ExplicitlyDenied",
      );
    });
    it("refuses a caller with no VPC endpoint at all", async () => {
      assert.equal(
        await decide(built.policy, built.method, { "aws:SourceIp": "198.51.100.7" }),
        "ExplicitlyDenied",
      );
    });
  });

  describe("REGIONAL with allowed ranges", () => {
    let built: { policy: unknown; method: string };
    before(async () => {
      built = await recordedPolicy("sim2", {
        apiAllowedCidrs: ["198.51.100.0/24", "2001:db8::/32"],
      });
    });
    const cases: [string, string][] = [
      ["198.51.100.7", "Allowed"],
      ["198.51.100.255", "Allowed"],
      ["2001:db8:1::7", "Allowed"],
      ["198.51.101.0", "ExplicitlyDenied"],
      ["203.0.113.7", "ExplicitlyDenied"],
      ["2001:db9::7", "ExplicitlyDenied"],
    ];
    for (const [ip, outcome] of cases) {
      it(`${ip} → ${outcome}`, async () => {
        assert.equal(await decide(built.policy, built.method, { "aws:SourceIp": ip }), outcome);
      });
    }
    it("needs its Allow statement: the Deny alone leaves an allowed caller implicitly denied", async () => {
      const { Statement } = built.policy as { Statement: { Sid: string }[] };
      const denyOnly = {
        Version: "2012-10-17",
        Statement: Statement.filter((s) => s.Sid !== "AllowInvoke"),
      };
      assert.equal(
        await decide(denyOnly, built.method, { "aws:SourceIp": "198.51.100.7" }),
        "ImplicitlyDenied",
      );
    });
  });

  describe("PRIVATE with allowed ranges", () => {
    let built: { policy: unknown; method: string };
    before(async () => {
      built = await recordedPolicy("sim3", {
        apiEndpointType: "PRIVATE",
        apiVpcEndpointIds: [VPCE],
        apiAllowedCidrs: ["10.20.0.0/16"],
      });
    });
    it("allows a VPC address in range through the endpoint", async () => {
      assert.equal(
        await decide(built.policy, built.method, {
          "aws:SourceVpce": VPCE,
          "aws:VpcSourceIp": "10.20.3.4",
        }),
        "Allowed",
      );
    });
    it("refuses a VPC address out of range, even through the endpoint", async () => {
      assert.equal(
        await decide(built.policy, built.method, {
          "aws:SourceVpce": VPCE,
          "aws:VpcSourceIp": "10.30.3.4",
        }),
        "ExplicitlyDenied",
      );
    });
    it("refuses an address in range through another endpoint", async () => {
      assert.equal(
        await decide(built.policy, built.method, {
          "aws:SourceVpce": OTHER_VPCE,
          "aws:VpcSourceIp": "10.20.3.4",
        }),
        "ExplicitlyDenied",
      );
    });
  });
});
