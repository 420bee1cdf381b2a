/**
 * The front door's stack config keys: how they reach HybridFleet, and that the components'
 * validation errors come back under the key the user set.
 */
import * as assert from "node:assert/strict";
import { PROJECT } from "../../config/schema";
import { ConfigError, loadFleetArgs } from "../../config/stackConfig";

const ctx = { project: PROJECT, stack: "dev", region: "eu-west-1" };
const CERT = (region: string) =>
  `arn:aws:acm:${region}:123456789012:certificate/0f1e2d3c-4b5a-6978-8899-aabbccddeeff`;

function refusal(values: Record<string, unknown>, context = ctx): string {
  try {
    loadFleetArgs(values, context);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(values)}`);
}

describe("stack config: front door", () => {
  it("is all off by default", () => {
    const args = loadFleetArgs({}, ctx);
    assert.deepEqual(
      [
        args.apiDomainName,
        args.apiCertificateArn,
        args.apiHostedZoneId,
        args.apiEndpointType,
        args.apiVpcEndpointIds,
        args.apiAllowedCidrs,
        args.apiWaf,
      ],
      [undefined, undefined, undefined, "REGIONAL", undefined, undefined, undefined],
    );
  });

  it("passes every option on", () => {
    const args = loadFleetArgs(
      {
        apiDomainName: "activate.example.com",
        apiHostedZoneId: "Z0123456789ABCDEFGHIJ",
        apiAllowedCidrs: ["198.51.100.0/24"],
        apiWaf: { enabled: true, rateLimit: 1000 },
      },
      ctx,
    );
    assert.equal(args.apiDomainName, "activate.example.com");
    assert.equal(args.apiHostedZoneId, "Z0123456789ABCDEFGHIJ");
    assert.deepEqual(args.apiAllowedCidrs, ["198.51.100.0/24"]);
    assert.deepEqual(args.apiWaf, { rateLimit: 1000, ipReputation: true });
  });

  const refusals: [string, Record<string, unknown>, string][] = [
    [
      "a certificate from us-east-1 in a eu-west-1 stack",
      { apiDomainName: "activate.example.com", apiCertificateArn: CERT("us-east-1") },
      `${PROJECT}:apiCertificateArn: is in us-east-1, but a REGIONAL custom domain needs an ACM certificate in the API's Region, eu-west-1 (an edge-optimized domain would need us-east-1; this package offers REGIONAL and PRIVATE only)`,
    ],
    [
      "PRIVATE without endpoints",
      { apiEndpointType: "PRIVATE" },
      `${PROJECT}:apiVpcEndpointIds: is empty but apiEndpointType is PRIVATE: list the execute-api interface VPC endpoints (vpce-...) machines call through`,
    ],
    [
      "EDGE",
      { apiEndpointType: "EDGE" },
      `${PROJECT}:apiEndpointType: must be one of REGIONAL, PRIVATE; got "EDGE"`,
    ],
    [
      "overlapping ranges",
      { apiAllowedCidrs: ["10.0.0.0/8", "10.10.0.0/16"] },
      `${PROJECT}:apiAllowedCidrs[1]: 10.10.0.0/16 overlaps 10.0.0.0/8; list each network once`,
    ],
    [
      "a WAF rate limit below WAF's minimum",
      { apiWaf: { enabled: true, rateLimit: 5 } },
      `${PROJECT}:apiWaf.rateLimit: must be a whole number from 10 to 2000000000; got 5`,
    ],
    [
      "an unknown WAF key",
      { apiWaf: { enabled: true, ratelimit: 500 } },
      `${PROJECT}:apiWaf.ratelimit: is not a known key; known: enabled, rateLimit, ipReputation`,
    ],
  ];
  for (const [what, values, message] of refusals) {
    it(`refuses ${what}, naming the key`, () => assert.equal(refusal(values), message));
  }

  it("accepts the certificate's Region when it is the stack's", () => {
    loadFleetArgs(
      { apiDomainName: "activate.example.com", apiCertificateArn: CERT("eu-west-1") },
      ctx,
    );
  });
});
