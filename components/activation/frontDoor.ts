/**
 * The activation API's front door, validated: custom domain, endpoint type, allowed source
 * ranges and WAF. Pure: {@link frontDoorProblem} runs before any resource is created (by the
 * component and by the stack config loader) and {@link resolveFrontDoor} turns the arguments
 * into the settings the resources are built from.
 *
 * AWS facts this relies on (README, "Front door", cites them too):
 * - A Regional custom domain needs an ACM certificate in the API's own Region; an
 *   edge-optimized one needs it in us-east-1
 *   (https://repost.aws/knowledge-center/custom-domain-name-amazon-api-gateway).
 *   EDGE is not offered: machines call from the API's Region or from one site, so a CloudFront
 *   hop adds latency and a second certificate Region for nothing, and API Gateway then sees
 *   CloudFront as the TCP peer, which muddies source-address rules.
 * - Private APIs gained custom domain names in November 2024, but consuming one takes a
 *   domain name access association per VPC endpoint and a private hosted zone
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-custom-domains.html).
 *   This package does not create those, so a custom domain with PRIVATE is refused rather
 *   than half-built.
 */
import type { ApiWafSchema } from "./activationApi.schema";
import { DEFAULT_WAF_RATE_LIMIT } from "./activationApi.schema";
import { cidrListProblem } from "./cidr";
import type { z } from "zod";

/**
 * The activation API's front door (README "Front door"): a stable custom domain, a private
 * endpoint, allowed source ranges and a WAF web ACL. All optional, all off by default.
 */
export interface FrontDoorArgs {
  /**
   * Custom domain for the API (e.g. `activate.fleet.example.com`): machines then call
   * `https://<domain>/latest/activate`, which survives replacing the API. Needs
   * `apiCertificateArn` or `apiHostedZoneId`; REGIONAL only. @default none
   */
  readonly apiDomainName?: string;
  /** ACM certificate for `apiDomainName`, in the stack's Region. @default created when `apiHostedZoneId` is set */
  readonly apiCertificateArn?: string;
  /** Route 53 hosted zone of `apiDomainName`: the certificate is validated and an alias created in it. @default none */
  readonly apiHostedZoneId?: string;
  /** REGIONAL (public endpoint) or PRIVATE (reachable only through `apiVpcEndpointIds`). @default "REGIONAL" */
  readonly apiEndpointType?: "REGIONAL" | "PRIVATE";
  /** execute-api interface VPC endpoints a PRIVATE API accepts calls from (resource policy on `aws:SourceVpce`). @default [] */
  readonly apiVpcEndpointIds?: readonly string[];
  /**
   * Source ranges (IPv4/IPv6 CIDR) allowed to call; everyone else is refused, by the WAF web
   * ACL when `apiWaf` is on, else by the resource policy (`aws:SourceIp`, or `aws:VpcSourceIp`
   * on a PRIVATE API). @default [] (no restriction)
   */
  readonly apiAllowedCidrs?: readonly string[];
  /** AWS WAF web ACL on the stage: per-IP rate limit and AWS's IP reputation list. @default undefined (no WAF) */
  readonly apiWaf?: z.input<typeof ApiWafSchema>;
}

/** A problem with one argument: the field (or `field[i]`) and what is wrong. */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

// Lower-case LDH labels of 1-63 characters, at least two labels, 253 characters in all.
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN =
  /^arn:aws[a-z-]*:acm:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:certificate\/[0-9a-f-]{36}$/;
// Route 53 hosted zone IDs: upper-case letters and digits starting with Z (e.g. Z0123456789ABCDEFGHIJ).
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const VPC_ENDPOINT_ID = /^vpce-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;

/** The Region of an ACM certificate ARN, or undefined if `arn` is not one. */
export function certificateRegion(arn: string): string | undefined {
  return CERTIFICATE_ARN.exec(arn)?.[1];
}

/**
 * The first problem with the front-door arguments, or undefined. `stackRegion` is the Region
 * the API is deployed to when known (the `aws:region` config); the certificate's Region is
 * checked against it.
 */
export function frontDoorProblem(
  args: FrontDoorArgs,
  stackRegion: string | undefined,
): FieldProblem | undefined {
  const endpointType = args.apiEndpointType ?? "REGIONAL";
  const endpoints = args.apiVpcEndpointIds ?? [];
  const domain = args.apiDomainName;
  const has = (v: string | undefined): v is string => v !== undefined && v !== "";

  if (has(domain) && !DOMAIN.test(domain)) {
    return {
      field: "apiDomainName",
      problem: `must be a lower-case DNS name such as activate.fleet.example.com (no wildcard, no trailing dot); got "${domain}"`,
    };
  }
  if (has(args.apiCertificateArn)) {
    const region = certificateRegion(args.apiCertificateArn);
    if (region === undefined) {
      return {
        field: "apiCertificateArn",
        problem: `must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>); got "${args.apiCertificateArn}"`,
      };
    }
    if (!has(domain)) {
      return { field: "apiCertificateArn", problem: "is set but apiDomainName is not: set both" };
    }
    if (stackRegion !== undefined && region !== stackRegion) {
      return {
        field: "apiCertificateArn",
        problem:
          `is in ${region}, but a REGIONAL custom domain needs an ACM certificate in the API's Region, ${stackRegion} ` +
          "(an edge-optimized domain would need us-east-1; this package offers REGIONAL and PRIVATE only)",
      };
    }
  }
  if (has(args.apiHostedZoneId)) {
    if (!HOSTED_ZONE_ID.test(args.apiHostedZoneId)) {
      return {
        field: "apiHostedZoneId",
        problem: `must be a Route 53 hosted zone ID (Z followed by upper-case letters and digits); got "${args.apiHostedZoneId}"`,
      };
    }
    if (!has(domain)) {
      return { field: "apiHostedZoneId", problem: "is set but apiDomainName is not: set both" };
    }
  }
  if (has(domain) && !has(args.apiCertificateArn) && !has(args.apiHostedZoneId)) {
    return {
      field: "apiDomainName",
      problem: `needs apiCertificateArn (an ACM certificate for ${domain} in the stack's Region) or apiHostedZoneId (the Route 53 zone to create and DNS-validate one in)`,
    };
  }
  if (endpointType === "PRIVATE") {
    if (endpoints.length === 0) {
      return {
        field: "apiVpcEndpointIds",
        problem:
          "is empty but apiEndpointType is PRIVATE: list the execute-api interface VPC endpoints (vpce-...) machines call through",
      };
    }
    if (has(domain)) {
      return {
        field: "apiDomainName",
        problem:
          "cannot be used with apiEndpointType PRIVATE: a private custom domain needs a domain name access association per VPC endpoint, which this package does not create; use REGIONAL, or call the private API through its VPC endpoint DNS name",
      };
    }
  } else if (endpoints.length > 0) {
    return {
      field: "apiVpcEndpointIds",
      problem: `is set but apiEndpointType is ${endpointType}: VPC endpoint IDs apply to PRIVATE only`,
    };
  }
  for (const [i, id] of endpoints.entries()) {
    if (!VPC_ENDPOINT_ID.test(id)) {
      return {
        field: `apiVpcEndpointIds[${i}]`,
        problem: `must be a VPC endpoint ID (vpce- and 8 or 17 hex digits); got "${id}"`,
      };
    }
    if (endpoints.indexOf(id) !== i) {
      return { field: `apiVpcEndpointIds[${i}]`, problem: `repeats ${id}` };
    }
  }
  const cidrs = cidrListProblem(args.apiAllowedCidrs ?? []);
  if (cidrs) return { field: `apiAllowedCidrs[${cidrs.index}]`, problem: cidrs.problem };
  return undefined;
}

/** The front door as resolved settings: what the resources are built from. */
export interface FrontDoorSettings {
  readonly endpointType: "REGIONAL" | "PRIVATE";
  readonly vpcEndpointIds: readonly string[];
  /** The custom domain, when there is one. */
  readonly domain?: {
    readonly name: string;
    /** A given certificate; undefined: create one, DNS-validated in `hostedZoneId`. */
    readonly certificateArn?: string;
    /** Zone for the validation record (if creating) and the alias record. */
    readonly hostedZoneId?: string;
  };
  readonly allowedCidrs: readonly string[];
  /** The WAF web ACL's settings, when it is on. */
  readonly waf?: { readonly rateLimit: number; readonly ipReputation: boolean };
  /**
   * Where the allowed ranges are enforced: in the WAF web ACL when there is one (a resource
   * policy would duplicate it), else in the API's resource policy.
   */
  readonly cidrsEnforcedBy: "waf" | "resourcePolicy" | "none";
}

/** Resolves defaults; call after {@link frontDoorProblem} found nothing. */
export function resolveFrontDoor(args: FrontDoorArgs): FrontDoorSettings {
  const allowedCidrs = [...(args.apiAllowedCidrs ?? [])];
  const waf = args.apiWaf && {
    rateLimit: args.apiWaf.rateLimit ?? DEFAULT_WAF_RATE_LIMIT,
    ipReputation: args.apiWaf.ipReputation ?? true,
  };
  return {
    endpointType: args.apiEndpointType ?? "REGIONAL",
    vpcEndpointIds: [...(args.apiVpcEndpointIds ?? [])].sort(),
    domain: args.apiDomainName
      ? {
          name: args.apiDomainName,
          certificateArn: args.apiCertificateArn || undefined,
          hostedZoneId: args.apiHostedZoneId || undefined,
        }
      : undefined,
    allowedCidrs,
    waf,
    cidrsEnforcedBy: allowedCidrs.length === 0 ? "none" : waf ? "waf" : "resourcePolicy",
  };
}
