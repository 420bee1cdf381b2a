/**
 * The front door's resources, created as children of the ActivationApi: the custom domain
 * (certificate, validation, domain name, base-path mapping, alias) and the WAF web ACL on the
 * stage. Their settings come from `resolveFrontDoor` (frontDoor.ts) and their policies and rules
 * from frontDoor.policies.ts; this file only wires resources together.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parseCidrs } from "./cidr";
import type { FrontDoorSettings } from "./frontDoor";
import { visibility, webAclRules } from "./frontDoor.policies";

type Tags = pulumi.Input<Record<string, pulumi.Input<string>>>;

/** What {@link customDomain} maps. */
export interface CustomDomainInputs {
  readonly domain: NonNullable<FrontDoorSettings["domain"]>;
  readonly restApiId: pulumi.Input<string>;
  readonly stageName: pulumi.Input<string>;
  /** Path the stage is mapped under, so `https://<domain>/<basePath>/activate` keeps the call shape. */
  readonly basePath: string;
  readonly tags: Tags;
}

/** The custom domain's outputs. */
export interface CustomDomain {
  /** `https://<domain>/<basePath>`, resolved once the mapping exists. */
  readonly url: pulumi.Output<string>;
  /** The Regional target a DNS record outside Route 53 must point at (CNAME or alias). */
  readonly target: pulumi.Output<string>;
}

/**
 * A Regional custom domain (TLS 1.2 minimum) mapped to the stage. Without a given certificate,
 * one is requested from ACM and DNS-validated with a record in the hosted zone (validation
 * waits for ACM to issue it). With a zone, an alias A record points the name at the domain's
 * Regional endpoint.
 */
export function customDomain(
  name: string,
  inputs: CustomDomainInputs,
  parent: pulumi.Resource,
): CustomDomain {
  const { domain, tags } = inputs;
  let certificateArn: pulumi.Input<string>;
  if (domain.certificateArn !== undefined) {
    certificateArn = domain.certificateArn;
  } else {
    // frontDoorProblem guarantees a zone when no certificate is given.
    const zoneId = domain.hostedZoneId as string;
    const certificate = new aws.acm.Certificate(
      `${name}-certificate`,
      { domainName: domain.name, validationMethod: "DNS", tags },
      { parent },
    );
    // One name, so one validation option.
    const option = certificate.domainValidationOptions[0];
    const record = new aws.route53.Record(
      `${name}-certificate-validation`,
      {
        zoneId,
        name: option.resourceRecordName,
        type: option.resourceRecordType,
        records: [option.resourceRecordValue],
        ttl: 300,
        // A re-created certificate for the same name reuses the same CNAME.
        allowOverwrite: true,
      },
      { parent },
    );
    certificateArn = new aws.acm.CertificateValidation(
      `${name}-certificate-validated`,
      { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
      { parent },
    ).certificateArn;
  }
  const domainName = new aws.apigateway.DomainName(
    `${name}-domain`,
    {
      domainName: domain.name,
      regionalCertificateArn: certificateArn,
      endpointConfiguration: { types: "REGIONAL" },
      securityPolicy: "TLS_1_2",
      tags,
    },
    { parent },
  );
  const mapping = new aws.apigateway.BasePathMapping(
    `${name}-base-path`,
    {
      domainName: domainName.domainName,
      restApi: inputs.restApiId,
      stageName: inputs.stageName,
      basePath: inputs.basePath,
    },
    { parent },
  );
  if (domain.hostedZoneId !== undefined) {
    new aws.route53.Record(
      `${name}-domain-alias`,
      {
        zoneId: domain.hostedZoneId,
        name: domain.name,
        type: "A",
        aliases: [
          {
            name: domainName.regionalDomainName,
            zoneId: domainName.regionalZoneId,
            evaluateTargetHealth: false,
          },
        ],
      },
      { parent },
    );
  }
  return {
    url: pulumi
      .all([mapping.id, domainName.domainName])
      .apply(([, host]) => `https://${host}/${inputs.basePath}`),
    target: domainName.regionalDomainName,
  };
}

/** What {@link stageWebAcl} protects. */
export interface StageWebAclInputs {
  readonly waf: NonNullable<FrontDoorSettings["waf"]>;
  /** Ranges enforced in the web ACL (empty: no allowed-range rule). */
  readonly allowedCidrs: readonly string[];
  readonly stageArn: pulumi.Input<string>;
  readonly tags: Tags;
}

/**
 * A Regional AWS WAF web ACL (default allow; rules from `webAclRules`), with one IP set per
 * IP version of the allowed ranges, associated with the stage.
 */
export function stageWebAcl(
  name: string,
  inputs: StageWebAclInputs,
  parent: pulumi.Resource,
): aws.wafv2.WebAcl {
  const cidrs = parseCidrs(inputs.allowedCidrs);
  const ipSets = ([4, 6] as const).flatMap((version) => {
    const addresses = cidrs.filter((c) => c.version === version).map((c) => c.text);
    if (addresses.length === 0) return [];
    return [
      new aws.wafv2.IpSet(
        `${name}-allowed-ipv${version}`,
        {
          description: `Source ranges allowed to call the activation API (IPv${version})`,
          scope: "REGIONAL",
          ipAddressVersion: `IPV${version}`,
          addresses: [...addresses].sort(),
          tags: inputs.tags,
        },
        { parent },
      ),
    ];
  });
  const acl = new aws.wafv2.WebAcl(
    `${name}-waf`,
    {
      description: "Activation API: allowed ranges, IP reputation, per-IP rate limit",
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rules: pulumi.all(ipSets.map((s) => s.arn)).apply((arns) =>
        webAclRules({
          metricPrefix: name,
          rateLimit: inputs.waf.rateLimit,
          ipReputation: inputs.waf.ipReputation,
          allowedIpSetArns: arns,
        }),
      ),
      visibilityConfig: visibility(`${name}-waf`),
      tags: inputs.tags,
    },
    { parent },
  );
  new aws.wafv2.WebAclAssociation(
    `${name}-waf-association`,
    { resourceArn: inputs.stageArn, webAclArn: acl.arn },
    { parent },
  );
  return acl;
}
