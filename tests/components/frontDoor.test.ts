/**
 * The front door's pure parts: argument validation (exact messages), resolved settings, the
 * REST API resource policy and the WAF rules.
 */
import * as assert from "node:assert/strict";
import {
  certificateRegion,
  frontDoorProblem,
  resolveFrontDoor,
  type FrontDoorArgs,
} from "../../components/activation/frontDoor";
import { apiResourcePolicy, webAclRules } from "../../components/activation/frontDoor.policies";
import { validateActivationApiArgs } from "../../components/activation/activationApi";

const REGION = "ap-southeast-2";
const CERT = `arn:aws:acm:${REGION}:123456789012:certificate/0f1e2d3c-4b5a-6978-8899-aabbccddeeff`;
const CERT_USE1 =
  "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8899-aabbccddeeff";
const VPCE = "vpce-0123456789abcdef0";

describe("front door", () => {
  describe("frontDoorProblem", () => {
    const accepted: [string, FrontDoorArgs][] = [
      ["nothing set (all off)", {}],
      [
        "a domain with a certificate",
        { apiDomainName: "activate.example.com", apiCertificateArn: CERT },
      ],
      [
        "a domain with a zone",
        { apiDomainName: "activate.example.com", apiHostedZoneId: "Z0123456789ABCDEFGHIJ" },
      ],
      [
        "a domain with both",
        {
          apiDomainName: "activate.example.com",
          apiCertificateArn: CERT,
          apiHostedZoneId: "Z01234",
        },
      ],
      [
        "PRIVATE with endpoints",
        { apiEndpointType: "PRIVATE", apiVpcEndpointIds: [VPCE, "vpce-01234567"] },
      ],
      [
        "allowed ranges of both families",
        { apiAllowedCidrs: ["198.51.100.0/24", "2001:db8::/32"] },
      ],
      ["WAF with defaults", { apiWaf: {} }],
    ];
    for (const [what, args] of accepted) {
      it(`accepts ${what}`, () => assert.equal(frontDoorProblem(args, REGION), undefined));
    }

    const refused: [string, FrontDoorArgs, string, string][] = [
      [
        "a domain without certificate or zone",
        { apiDomainName: "activate.example.com" },
        "apiDomainName",
        "needs apiCertificateArn (an ACM certificate for activate.example.com in the stack's Region) or apiHostedZoneId (the Route 53 zone to create and DNS-validate one in)",
      ],
      [
        "an upper-case domain",
        { apiDomainName: "Activate.Example.com", apiCertificateArn: CERT },
        "apiDomainName",
        'must be a lower-case DNS name such as activate.fleet.example.com (no wildcard, no trailing dot); got "Activate.Example.com"',
      ],
      [
        "a wildcard domain",
        { apiDomainName: "*.example.com", apiCertificateArn: CERT },
        "apiDomainName",
        'must be a lower-case DNS name such as activate.fleet.example.com (no wildcard, no trailing dot); got "*.example.com"',
      ],
      [
        "a certificate in us-east-1 for a REGIONAL API elsewhere",
        { apiDomainName: "activate.example.com", apiCertificateArn: CERT_USE1 },
        "apiCertificateArn",
        `is in us-east-1, but a REGIONAL custom domain needs an ACM certificate in the API's Region, ${REGION} (an edge-optimized domain would need us-east-1; this package offers REGIONAL and PRIVATE only)`,
      ],
      [
        "something that is not a certificate ARN",
        {
          apiDomainName: "activate.example.com",
          apiCertificateArn: "arn:aws:iam::123456789012:server-certificate/x",
        },
        "apiCertificateArn",
        'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>); got "arn:aws:iam::123456789012:server-certificate/x"',
      ],
      [
        "a certificate without a domain",
        { apiCertificateArn: CERT },
        "apiCertificateArn",
        "is set but apiDomainName is not: set both",
      ],
      [
        "a zone without a domain",
        { apiHostedZoneId: "Z01234" },
        "apiHostedZoneId",
        "is set but apiDomainName is not: set both",
      ],
      [
        "a malformed zone ID",
        { apiDomainName: "activate.example.com", apiHostedZoneId: "/hostedzone/Z01234" },
        "apiHostedZoneId",
        'must be a Route 53 hosted zone ID (Z followed by upper-case letters and digits); got "/hostedzone/Z01234"',
      ],
      [
        "PRIVATE without endpoint IDs",
        { apiEndpointType: "PRIVATE" },
        "apiVpcEndpointIds",
        "is empty but apiEndpointType is PRIVATE: list the execute-api interface VPC endpoints (vpce-...) machines call through",
      ],
      [
        "endpoint IDs on a REGIONAL API",
        { apiVpcEndpointIds: [VPCE] },
        "apiVpcEndpointIds",
        "is set but apiEndpointType is REGIONAL: VPC endpoint IDs apply to PRIVATE only",
      ],
      [
        "a malformed endpoint ID",
        { apiEndpointType: "PRIVATE", apiVpcEndpointIds: [VPCE, "vpc-0123456789abcdef0"] },
        "apiVpcEndpointIds[1]",
        'must be a VPC endpoint ID (vpce- and 8 or 17 hex digits); got "vpc-0123456789abcdef0"',
      ],
      [
        "a repeated endpoint ID",
        { apiEndpointType: "PRIVATE", apiVpcEndpointIds: [VPCE, VPCE] },
        "apiVpcEndpointIds[1]",
        `repeats ${VPCE}`,
      ],
      [
        "a custom domain on a PRIVATE API",
        {
          apiEndpointType: "PRIVATE",
          apiVpcEndpointIds: [VPCE],
          apiDomainName: "activate.example.com",
          apiCertificateArn: CERT,
        },
        "apiDomainName",
        "cannot be used with apiEndpointType PRIVATE: a private custom domain needs a domain name access association per VPC endpoint, which this package does not create; use REGIONAL, or call the private API through its VPC endpoint DNS name",
      ],
      [
        "a malformed range",
        { apiAllowedCidrs: ["198.51.100.0/24", "198.51.100.300/32"] },
        "apiAllowedCidrs[1]",
        'must be a CIDR range: "198.51.100.300/32" does not start with an IPv4 or IPv6 address',
      ],
      [
        "overlapping ranges",
        { apiAllowedCidrs: ["2001:db8::/32", "198.51.100.0/24", "2001:db8:1::/48"] },
        "apiAllowedCidrs[2]",
        "2001:db8:1::/48 overlaps 2001:db8::/32; list each network once",
      ],
    ];
    for (const [what, args, field, problem] of refused) {
      it(`refuses ${what}`, () => {
        assert.deepEqual(frontDoorProblem(args, REGION), { field, problem });
      });
    }

    it("skips the certificate Region check when the stack's Region is unknown", () => {
      const args = { apiDomainName: "activate.example.com", apiCertificateArn: CERT_USE1 };
      assert.equal(frontDoorProblem(args, undefined), undefined);
      assert.equal(certificateRegion(CERT_USE1), "us-east-1");
    });

    it("is what validateActivationApiArgs throws, and the schema checks apiWaf and apiEndpointType", () => {
      const base = { fleetName: "acme", environment: "dev" };
      assert.throws(
        () => validateActivationApiArgs({ ...base, apiEndpointType: "PRIVATE" }, REGION),
        {
          name: "ArgumentError",
          field: "apiVpcEndpointIds",
        },
      );
      assert.throws(
        () => validateActivationApiArgs({ ...base, apiWaf: { rateLimit: 5 } }, REGION),
        {
          field: "apiWaf.rateLimit",
          problem: "must be a whole number from 10 to 2000000000; got 5",
        },
      );
      assert.throws(
        () =>
          validateActivationApiArgs(
            { ...base, apiEndpointType: "EDGE" as unknown as "REGIONAL" },
            REGION,
          ),
        { field: "apiEndpointType", problem: 'must be one of REGIONAL, PRIVATE; got "EDGE"' },
      );
    });
  });

  describe("resolveFrontDoor", () => {
    it("is all off by default", () => {
      assert.deepEqual(resolveFrontDoor({}), {
        endpointType: "REGIONAL",
        vpcEndpointIds: [],
        domain: undefined,
        allowedCidrs: [],
        waf: undefined,
        cidrsEnforcedBy: "none",
      });
    });
    it("enforces allowed ranges in WAF when WAF is on, else in the resource policy", () => {
      assert.equal(
        resolveFrontDoor({ apiAllowedCidrs: ["10.0.0.0/8"] }).cidrsEnforcedBy,
        "resourcePolicy",
      );
      const waf = resolveFrontDoor({ apiAllowedCidrs: ["10.0.0.0/8"], apiWaf: {} });
      assert.equal(waf.cidrsEnforcedBy, "waf");
      assert.deepEqual(waf.waf, { rateLimit: 300, ipReputation: true });
    });
    it("sorts endpoint IDs so reordering the config does not churn", () => {
      const ids = ["vpce-0fffffffffffffff0", VPCE];
      assert.deepEqual(
        resolveFrontDoor({ apiEndpointType: "PRIVATE", apiVpcEndpointIds: ids }).vpcEndpointIds,
        [VPCE, "vpce-0fffffffffffffff0"],
      );
    });
  });

  describe("apiResourcePolicy", () => {
    const arn = "arn:aws:execute-api:ap-southeast-2:123456789012:abc123/*";
    const allow = {
      Sid: "AllowInvoke",
      Effect: "Allow",
      Principal: "*",
      Action: "execute-api:Invoke",
      Resource: arn,
    };
    it("is absent when nothing is restricted", () => {
      assert.equal(
        apiResourcePolicy({
          resourceArn: arn,
          vpcEndpointIds: [],
          allowedCidrs: [],
          sourceIpKey: "aws:SourceIp",
        }),
        undefined,
      );
    });
    it("PRIVATE: allows, then denies every other VPC endpoint", () => {
      assert.deepEqual(
        apiResourcePolicy({
          resourceArn: arn,
          vpcEndpointIds: [VPCE],
          allowedCidrs: [],
          sourceIpKey: "aws:VpcSourceIp",
        }),
        {
          Version: "2012-10-17",
          Statement: [
            allow,
            {
              Sid: "DenyOtherVpcEndpoints",
              Effect: "Deny",
              Principal: "*",
              Action: "execute-api:Invoke",
              Resource: arn,
              Condition: { StringNotEquals: { "aws:SourceVpce": [VPCE] } },
            },
          ],
        },
      );
    });
    it("allowed ranges: denies every other source address", () => {
      assert.deepEqual(
        apiResourcePolicy({
          resourceArn: arn,
          vpcEndpointIds: [],
          allowedCidrs: ["198.51.100.0/24", "2001:db8::/32"],
          sourceIpKey: "aws:SourceIp",
        }),
        {
          Version: "2012-10-17",
          Statement: [
            allow,
            {
              Sid: "DenyOtherSourceAddresses",
              Effect: "Deny",
              Principal: "*",
              Action: "execute-api:Invoke",
              Resource: arn,
              Condition: { NotIpAddress: { "aws:SourceIp": ["198.51.100.0/24", "2001:db8::/32"] } },
            },
          ],
        },
      );
    });
  });

  describe("webAclRules", () => {
    const vis = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const rate = (limit: number) => ({
      name: "rate-per-source-ip",
      priority: 2,
      action: { block: {} },
      statement: {
        rateBasedStatement: { limit, aggregateKeyType: "IP", evaluationWindowSec: 300 },
      },
      visibilityConfig: vis("x-rate-per-source-ip"),
    });
    const reputation = {
      name: "aws-ip-reputation",
      priority: 1,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name: "AWSManagedRulesAmazonIpReputationList",
        },
      },
      visibilityConfig: vis("x-aws-ip-reputation"),
    };
    it("rate limit and IP reputation, no allowed ranges", () => {
      assert.deepEqual(
        webAclRules({
          metricPrefix: "x",
          rateLimit: 300,
          ipReputation: true,
          allowedIpSetArns: [],
        }),
        [reputation, rate(300)],
      );
    });
    it("rate limit only", () => {
      assert.deepEqual(
        webAclRules({
          metricPrefix: "x",
          rateLimit: 50,
          ipReputation: false,
          allowedIpSetArns: [],
        }),
        [rate(50)],
      );
    });
    it("one IP set: block what is not in it", () => {
      const [first] = webAclRules({
        metricPrefix: "x",
        rateLimit: 50,
        ipReputation: false,
        allowedIpSetArns: ["v4"],
      });
      assert.deepEqual(first, {
        name: "allowed-source-ranges",
        priority: 0,
        action: { block: {} },
        statement: { notStatement: { statement: { ipSetReferenceStatement: { arn: "v4" } } } },
        visibilityConfig: vis("x-allowed-source-ranges"),
      });
    });
    it("two IP sets: block what is in neither", () => {
      const [first] = webAclRules({
        metricPrefix: "x",
        rateLimit: 50,
        ipReputation: false,
        allowedIpSetArns: ["v4", "v6"],
      });
      assert.deepEqual(first.statement, {
        notStatement: {
          statement: {
            orStatement: {
              statements: [
                { ipSetReferenceStatement: { arn: "v4" } },
                { ipSetReferenceStatement: { arn: "v6" } },
              ],
            },
          },
        },
      });
    });
  });
});
