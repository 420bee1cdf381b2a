/**
 * The ActivationApi's front door under Pulumi mocks: for each option and the combinations,
 * exactly which resources are added, their security-relevant inputs, the resource policy,
 * the WAF rules, the redeploy trigger and the URL machines are given.
 */
import * as assert from "node:assert/strict";
import {
  ACCOUNT_ID,
  REGION,
  allResources,
  installMocks,
  resetRecorded,
  resourceNamed,
  unwrap,
  type RecordedResource,
} from "../support/pulumiMocks";
import type { ActivationApiArgs } from "../../components/activation/activationApi";
import { buildLinuxUserData, buildWindowsUserData } from "../../components/activation/userData";

type Mod = typeof import("../../components/activation/activationApi");
let mod: Mod;

const COMPONENT = "ssm-hybrid-fleet:activation:ActivationApi";
const CERT = `arn:aws:acm:${REGION}:${ACCOUNT_ID}:certificate/0f1e2d3c-4b5a-6978-8899-aabbccddeeff`;
const ZONE = "Z0123456789ABCDEFGHIJ";
const VPCE = ["vpce-0123456789abcdef0", "vpce-0fedcba9876543210"];
const DOMAIN = "activate.fleet.example.com";

/** The children every ActivationApi has, whatever its front door (names without the prefix). */
const BASE = [
  "aws:apigateway/account:Account::apigateway-account",
  "aws:apigateway/deployment:Deployment::deployment",
  "aws:apigateway/integration:Integration::integration",
  "aws:apigateway/method:Method::get",
  "aws:apigateway/methodSettings:MethodSettings::throttling",
  "aws:apigateway/requestValidator:RequestValidator::validator",
  "aws:apigateway/resource:Resource::activate",
  "aws:apigateway/response:Response::throttled",
  "aws:apigateway/restApi:RestApi::api",
  "aws:apigateway/stage:Stage::stage",
  "aws:cloudwatch/logGroup:LogGroup::access-logs",
  "aws:cloudwatch/logGroup:LogGroup::function-logs",
  "aws:dynamodb/table:Table::name-leases",
  "aws:iam/role:Role::apigateway-logging",
  "aws:iam/role:Role::function",
  "aws:iam/role:Role::managed-instance",
  "aws:iam/rolePolicy:RolePolicy::function",
  "aws:iam/rolePolicy:RolePolicy::function-lease",
  "aws:iam/rolePolicy:RolePolicy::managed-instance-parameters",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment::apigateway-logging",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment::managed-instance-core",
  "aws:lambda/function:Function::function",
  "aws:lambda/permission:Permission::invoke",
];

interface Built {
  readonly api: InstanceType<Mod["ActivationApi"]>;
  readonly children: RecordedResource[];
  /** Children beyond {@link BASE}, as `type::name-without-prefix`, sorted. */
  readonly added: string[];
  readonly child: (suffix: string, type: string) => RecordedResource;
}

async function build(name: string, extra: Partial<ActivationApiArgs>): Promise<Built> {
  resetRecorded();
  const api = new mod.ActivationApi(name, { fleetName: "acme", environment: "dev", ...extra });
  await Promise.all(
    [
      api.apiUrl,
      api.activationUrl,
      api.linuxUserData,
      api.windowsUserData,
      api.webAclArn,
      api.apiDomainTarget,
    ].map((o) => unwrap(o as never)),
  );
  await new Promise((r) => setTimeout(r, 50));
  const children = allResources().filter((r) => r.type !== COMPONENT);
  const keys = children.map((r) => `${r.type}::${r.name.slice(name.length + 1)}`);
  return {
    api,
    children,
    added: keys.filter((k) => !BASE.includes(k)).sort(),
    child: (suffix, type) => resourceNamed(`${name}-${suffix}`, type),
  };
}

const executionArn = (name: string) => `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${name}-api-id`;
const trigger = (b: Built) =>
  b.child("deployment", "aws:apigateway/deployment:Deployment").inputs.triggers.redeployment;

describe("ActivationApi front door", () => {
  before(async () => {
    // The provider's Region, which the certificate check reads (aws.config.region).
    installMocks({ "aws:region": "ap-southeast-2" });
    mod = await import("../../components/activation/activationApi");
  });

  it("adds nothing by default: REGIONAL, no policy, the stage URL", async () => {
    const b = await build("fd0", {});
    assert.deepEqual(b.added, []);
    assert.deepEqual(
      b.child("api", "aws:apigateway/restApi:RestApi").inputs.endpointConfiguration,
      {
        types: "REGIONAL",
      },
    );
    const stageUrl = `https://fd0-api-id.execute-api.${REGION}.amazonaws.com/latest`;
    assert.equal(await unwrap(b.api.apiUrl), stageUrl);
    assert.equal(await unwrap(b.api.stageUrl), stageUrl);
    assert.equal(await unwrap(b.api.webAclArn), undefined);
    assert.equal(await unwrap(b.api.apiDomainTarget), undefined);
  });

  it("custom domain with a hosted zone: certificate, DNS validation, TLS 1.2 domain, mapping, alias", async () => {
    const b = await build("fd1", { apiDomainName: DOMAIN, apiHostedZoneId: ZONE });
    assert.deepEqual(b.added, [
      "aws:acm/certificate:Certificate::certificate",
      "aws:acm/certificateValidation:CertificateValidation::certificate-validated",
      "aws:apigateway/basePathMapping:BasePathMapping::base-path",
      "aws:apigateway/domainName:DomainName::domain",
      "aws:route53/record:Record::certificate-validation",
      "aws:route53/record:Record::domain-alias",
    ]);
    const cert = b.child("certificate", "aws:acm/certificate:Certificate").inputs;
    assert.equal(cert.domainName, DOMAIN);
    assert.equal(cert.validationMethod, "DNS");
    const validation = b.child("certificate-validation", "aws:route53/record:Record").inputs;
    assert.deepEqual(
      {
        zoneId: validation.zoneId,
        name: validation.name,
        type: validation.type,
        records: validation.records,
      },
      {
        zoneId: ZONE,
        name: `_0123456789abcdef.${DOMAIN}.`,
        type: "CNAME",
        records: ["_fedcba9876543210.abcdefghij.acm-validations.aws."],
      },
    );
    const validated = b.child(
      "certificate-validated",
      "aws:acm/certificateValidation:CertificateValidation",
    ).inputs;
    assert.deepEqual(validated.validationRecordFqdns, [`_0123456789abcdef.${DOMAIN}`]);
    const domain = b.child("domain", "aws:apigateway/domainName:DomainName").inputs;
    assert.equal(domain.domainName, DOMAIN);
    assert.equal(domain.securityPolicy, "TLS_1_2");
    assert.deepEqual(domain.endpointConfiguration, { types: "REGIONAL" });
    // The validated certificate, so the domain waits for ACM to issue it.
    assert.equal(domain.regionalCertificateArn, validated.certificateArn);
    assert.equal(domain.certificateArn, undefined);
    const mapping = b.child("base-path", "aws:apigateway/basePathMapping:BasePathMapping").inputs;
    assert.deepEqual(
      {
        domainName: mapping.domainName,
        restApi: mapping.restApi,
        stageName: mapping.stageName,
        basePath: mapping.basePath,
      },
      { domainName: DOMAIN, restApi: "fd1-api-id", stageName: "latest", basePath: "latest" },
    );
    const alias = b.child("domain-alias", "aws:route53/record:Record").inputs;
    assert.deepEqual(
      { zoneId: alias.zoneId, name: alias.name, type: alias.type, aliases: alias.aliases },
      {
        zoneId: ZONE,
        name: DOMAIN,
        type: "A",
        aliases: [
          {
            name: `d-0123456789.execute-api.${REGION}.amazonaws.com`,
            zoneId: "Z2RPCDW04V8134",
            evaluateTargetHealth: false,
          },
        ],
      },
    );
    // The stable URL is what machines and images get.
    assert.equal(await unwrap(b.api.apiUrl), `https://${DOMAIN}/latest`);
    assert.equal(await unwrap(b.api.activationUrl), `https://${DOMAIN}/latest/activate`);
    assert.equal(await unwrap(b.api.linuxUserData), buildLinuxUserData(`https://${DOMAIN}/latest`));
    assert.equal(
      await unwrap(b.api.windowsUserData),
      buildWindowsUserData(`https://${DOMAIN}/latest`),
    );
    assert.equal(
      await unwrap(b.api.stageUrl),
      `https://fd1-api-id.execute-api.${REGION}.amazonaws.com/latest`,
    );
  });

  it("custom domain with a given certificate and no zone: domain and mapping only, target exposed", async () => {
    const b = await build("fd2", { apiDomainName: DOMAIN, apiCertificateArn: CERT });
    assert.deepEqual(b.added, [
      "aws:apigateway/basePathMapping:BasePathMapping::base-path",
      "aws:apigateway/domainName:DomainName::domain",
    ]);
    assert.equal(
      b.child("domain", "aws:apigateway/domainName:DomainName").inputs.regionalCertificateArn,
      CERT,
    );
    assert.equal(
      await unwrap(b.api.apiDomainTarget),
      `d-0123456789.execute-api.${REGION}.amazonaws.com`,
    );
    assert.equal(await unwrap(b.api.apiUrl), `https://${DOMAIN}/latest`);
  });

  it("custom domain with a given certificate and a zone: no certificate created, alias made", async () => {
    const b = await build("fd3", {
      apiDomainName: DOMAIN,
      apiCertificateArn: CERT,
      apiHostedZoneId: ZONE,
    });
    assert.deepEqual(b.added, [
      "aws:apigateway/basePathMapping:BasePathMapping::base-path",
      "aws:apigateway/domainName:DomainName::domain",
      "aws:route53/record:Record::domain-alias",
    ]);
  });

  it("PRIVATE: endpoint configuration with the endpoints, and a policy denying every other endpoint", async () => {
    const b = await build("fd4", {
      apiEndpointType: "PRIVATE",
      apiVpcEndpointIds: [VPCE[1], VPCE[0]],
    });
    assert.deepEqual(b.added, ["aws:apigateway/restApiPolicy:RestApiPolicy::policy"]);
    assert.deepEqual(
      b.child("api", "aws:apigateway/restApi:RestApi").inputs.endpointConfiguration,
      {
        types: "PRIVATE",
        vpcEndpointIds: VPCE,
      },
    );
    const policy = b.child("policy", "aws:apigateway/restApiPolicy:RestApiPolicy").inputs;
    assert.equal(policy.restApiId, "fd4-api-id");
    const resource = `${executionArn("fd4")}/*`;
    assert.deepEqual(JSON.parse(policy.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowInvoke",
          Effect: "Allow",
          Principal: "*",
          Action: "execute-api:Invoke",
          Resource: resource,
        },
        {
          Sid: "DenyOtherVpcEndpoints",
          Effect: "Deny",
          Principal: "*",
          Action: "execute-api:Invoke",
          Resource: resource,
          Condition: { StringNotEquals: { "aws:SourceVpce": VPCE } },
        },
      ],
    });
  });

  it("allowed ranges without WAF: a policy denying every other source address", async () => {
    const b = await build("fd5", { apiAllowedCidrs: ["198.51.100.0/24", "2001:db8::/32"] });
    assert.deepEqual(b.added, ["aws:apigateway/restApiPolicy:RestApiPolicy::policy"]);
    const policy = JSON.parse(
      b.child("policy", "aws:apigateway/restApiPolicy:RestApiPolicy").inputs.policy,
    );
    assert.deepEqual(policy.Statement[1], {
      Sid: "DenyOtherSourceAddresses",
      Effect: "Deny",
      Principal: "*",
      Action: "execute-api:Invoke",
      Resource: `${executionArn("fd5")}/*`,
      Condition: { NotIpAddress: { "aws:SourceIp": ["198.51.100.0/24", "2001:db8::/32"] } },
    });
    assert.equal(policy.Statement.length, 2);
  });

  it("PRIVATE with allowed ranges: both denials, on the caller's address inside the VPC", async () => {
    const b = await build("fd6", {
      apiEndpointType: "PRIVATE",
      apiVpcEndpointIds: [VPCE[0]],
      apiAllowedCidrs: ["10.20.0.0/16"],
    });
    const policy = JSON.parse(
      b.child("policy", "aws:apigateway/restApiPolicy:RestApiPolicy").inputs.policy,
    );
    assert.deepEqual(
      policy.Statement.map((s: { Sid: string; Condition?: unknown }) => [s.Sid, s.Condition]),
      [
        ["AllowInvoke", undefined],
        ["DenyOtherVpcEndpoints", { StringNotEquals: { "aws:SourceVpce": [VPCE[0]] } }],
        ["DenyOtherSourceAddresses", { NotIpAddress: { "aws:VpcSourceIp": ["10.20.0.0/16"] } }],
      ],
    );
  });

  it("WAF alone: a Regional web ACL (rate limit, IP reputation, metrics on) associated with the stage", async () => {
    const b = await build("fd7", { apiWaf: { rateLimit: 120 } });
    assert.deepEqual(b.added, [
      "aws:wafv2/webAcl:WebAcl::waf",
      "aws:wafv2/webAclAssociation:WebAclAssociation::waf-association",
    ]);
    const acl = b.child("waf", "aws:wafv2/webAcl:WebAcl").inputs;
    assert.equal(acl.scope, "REGIONAL");
    assert.deepEqual(acl.defaultAction, { allow: {} });
    assert.deepEqual(acl.visibilityConfig, {
      cloudwatchMetricsEnabled: true,
      metricName: "fd7-waf",
      sampledRequestsEnabled: true,
    });
    assert.deepEqual(
      acl.rules.map((r: { name: string; priority: number }) => [r.name, r.priority]),
      [
        ["aws-ip-reputation", 1],
        ["rate-per-source-ip", 2],
      ],
    );
    assert.deepEqual(acl.rules[1].statement, {
      rateBasedStatement: { limit: 120, aggregateKeyType: "IP", evaluationWindowSec: 300 },
    });
    for (const rule of acl.rules)
      assert.equal(rule.visibilityConfig.cloudwatchMetricsEnabled, true);
    const association = b.child(
      "waf-association",
      "aws:wafv2/webAclAssociation:WebAclAssociation",
    ).inputs;
    assert.equal(
      association.resourceArn,
      `arn:aws:apigateway:${REGION}::/restapis/fd7-api-id/stages/latest`,
    );
    assert.equal(association.webAclArn, `arn:aws:wafv2:${REGION}:${ACCOUNT_ID}:fd7-waf`);
    assert.equal(await unwrap(b.api.webAclArn), `arn:aws:wafv2:${REGION}:${ACCOUNT_ID}:fd7-waf`);
  });

  it("WAF with allowed ranges: one IP set per family, a block rule first, and no resource policy", async () => {
    const b = await build("fd8", {
      apiWaf: { ipReputation: false },
      apiAllowedCidrs: ["2001:db8::/32", "203.0.113.0/24", "198.51.100.0/24"],
    });
    assert.deepEqual(b.added, [
      "aws:wafv2/ipSet:IpSet::allowed-ipv4",
      "aws:wafv2/ipSet:IpSet::allowed-ipv6",
      "aws:wafv2/webAcl:WebAcl::waf",
      "aws:wafv2/webAclAssociation:WebAclAssociation::waf-association",
    ]);
    const v4 = b.child("allowed-ipv4", "aws:wafv2/ipSet:IpSet").inputs;
    assert.deepEqual(
      [v4.scope, v4.ipAddressVersion, v4.addresses],
      ["REGIONAL", "IPV4", ["198.51.100.0/24", "203.0.113.0/24"]],
    );
    const v6 = b.child("allowed-ipv6", "aws:wafv2/ipSet:IpSet").inputs;
    assert.deepEqual(
      [v6.scope, v6.ipAddressVersion, v6.addresses],
      ["REGIONAL", "IPV6", ["2001:db8::/32"]],
    );
    const acl = b.child("waf", "aws:wafv2/webAcl:WebAcl").inputs;
    assert.deepEqual(acl.rules[0], {
      name: "allowed-source-ranges",
      priority: 0,
      action: { block: {} },
      statement: {
        notStatement: {
          statement: {
            orStatement: {
              statements: [
                {
                  ipSetReferenceStatement: {
                    arn: `arn:aws:wafv2:${REGION}:${ACCOUNT_ID}:fd8-allowed-ipv4`,
                  },
                },
                {
                  ipSetReferenceStatement: {
                    arn: `arn:aws:wafv2:${REGION}:${ACCOUNT_ID}:fd8-allowed-ipv6`,
                  },
                },
              ],
            },
          },
        },
      },
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        metricName: "fd8-allowed-source-ranges",
        sampledRequestsEnabled: true,
      },
    });
    assert.deepEqual(
      acl.rules.map((r: { name: string }) => r.name),
      ["allowed-source-ranges", "rate-per-source-ip"],
    );
  });

  it("all of it on a REGIONAL API: domain, WAF and ranges together", async () => {
    const b = await build("fd9", {
      apiDomainName: DOMAIN,
      apiHostedZoneId: ZONE,
      apiWaf: {},
      apiAllowedCidrs: ["198.51.100.0/24"],
    });
    assert.deepEqual(b.added, [
      "aws:acm/certificate:Certificate::certificate",
      "aws:acm/certificateValidation:CertificateValidation::certificate-validated",
      "aws:apigateway/basePathMapping:BasePathMapping::base-path",
      "aws:apigateway/domainName:DomainName::domain",
      "aws:route53/record:Record::certificate-validation",
      "aws:route53/record:Record::domain-alias",
      "aws:wafv2/ipSet:IpSet::allowed-ipv4",
      "aws:wafv2/webAcl:WebAcl::waf",
      "aws:wafv2/webAclAssociation:WebAclAssociation::waf-association",
    ]);
    for (const child of b.children) {
      assert.equal(child.parent, `urn:pulumi:dev::ssm-hybrid-fleet::${COMPONENT}::fd9`, child.name);
    }
  });

  it("redeploys the stage when the resource policy changes, and only then", async () => {
    const none = trigger(await build("fdr", {}));
    const waf = trigger(await build("fdr", { apiWaf: {} }));
    const a = trigger(await build("fdr", { apiAllowedCidrs: ["198.51.100.0/24"] }));
    const a2 = trigger(await build("fdr", { apiAllowedCidrs: ["198.51.100.0/24"] }));
    const b = trigger(await build("fdr", { apiAllowedCidrs: ["203.0.113.0/24"] }));
    assert.match(none, /^[0-9a-f]{64}$/);
    assert.equal(waf, none, "a web ACL is not part of the deployment");
    assert.equal(a, a2);
    assert.notEqual(a, none);
    assert.notEqual(a, b);
  });

  it("validates before creating anything", async () => {
    resetRecorded();
    assert.throws(
      () =>
        new mod.ActivationApi("fdx", {
          fleetName: "acme",
          environment: "dev",
          apiDomainName: DOMAIN,
          apiCertificateArn: CERT.replace(REGION, "us-east-1"),
        }),
      {
        name: "ArgumentError",
        message: `ActivationApi: apiCertificateArn is in us-east-1, but a REGIONAL custom domain needs an ACM certificate in the API's Region, ${REGION} (an edge-optimized domain would need us-east-1; this package offers REGIONAL and PRIVATE only)`,
      },
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(allResources(), []);
  });
});
