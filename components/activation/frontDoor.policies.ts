/**
 * Pure builders for the front door's policies: the REST API's resource policy and the WAF web
 * ACL's rules. Deterministic (inputs sorted by the caller) so previews do not churn.
 *
 * How API Gateway evaluates a resource policy on a method without authorization (ours: callers
 * prove themselves to the function): it needs an explicit Allow, and any explicit Deny refuses
 * the caller (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html,
 * "API Gateway resource policy only"). Hence one Allow for everyone, and Deny statements that
 * carve out who may not call. The condition keys and shapes follow AWS's examples
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html):
 * `aws:SourceVpce` for private APIs, `aws:SourceIp` for public ones and `aws:VpcSourceIp` for
 * the caller's address inside the VPC when the API is private.
 */
import type * as aws from "@pulumi/aws";
import type { PolicyDocument, PolicyStatement } from "../shared/policies";

/** What the resource policy restricts. */
export interface ResourcePolicyOptions {
  /** `<executionArn>/*`: every stage, method and path of the API. */
  readonly resourceArn: string;
  /** Only these VPC endpoints may call (a PRIVATE API); empty: no endpoint restriction. */
  readonly vpcEndpointIds: readonly string[];
  /** Only these source ranges may call; empty: no address restriction. */
  readonly allowedCidrs: readonly string[];
  /** The address key: `aws:VpcSourceIp` on a PRIVATE API (addresses inside the VPC), else `aws:SourceIp`. */
  readonly sourceIpKey: "aws:SourceIp" | "aws:VpcSourceIp";
}

/**
 * The REST API's resource policy, or undefined when nothing is restricted (then the API has
 * none, as before this option existed).
 */
export function apiResourcePolicy(options: ResourcePolicyOptions): PolicyDocument | undefined {
  const { resourceArn, vpcEndpointIds, allowedCidrs, sourceIpKey } = options;
  if (vpcEndpointIds.length === 0 && allowedCidrs.length === 0) return undefined;
  const statement = (
    sid: string,
    effect: "Allow" | "Deny",
    condition?: PolicyStatement["Condition"],
  ): PolicyStatement => ({
    Sid: sid,
    Effect: effect,
    Principal: "*",
    Action: "execute-api:Invoke",
    Resource: resourceArn,
    ...(condition ? { Condition: condition } : {}),
  });
  return {
    Version: "2012-10-17",
    Statement: [
      statement("AllowInvoke", "Allow"),
      ...(vpcEndpointIds.length > 0
        ? [
            statement("DenyOtherVpcEndpoints", "Deny", {
              StringNotEquals: { "aws:SourceVpce": [...vpcEndpointIds] },
            }),
          ]
        : []),
      ...(allowedCidrs.length > 0
        ? [
            statement("DenyOtherSourceAddresses", "Deny", {
              NotIpAddress: { [sourceIpKey]: [...allowedCidrs] },
            }),
          ]
        : []),
    ],
  };
}

/** Names of the web ACL's rules (also their CloudWatch metric names, after the prefix). */
export const WAF_RULES = {
  allowedCidrs: "allowed-source-ranges",
  ipReputation: "aws-ip-reputation",
  ratePerIp: "rate-per-source-ip",
} as const;

/** What the web ACL's rules are built from. */
export interface WebAclRuleOptions {
  /** Prefix of every metric name (WAF metric names: letters, digits, - and _). */
  readonly metricPrefix: string;
  /** Requests per 5 minutes per source IP. */
  readonly rateLimit: number;
  /** Add AWS's managed IP reputation rule group. */
  readonly ipReputation: boolean;
  /** ARNs of the IP sets (one per IP version) that hold the allowed ranges; empty: no such rule. */
  readonly allowedIpSetArns: readonly string[];
}

/** CloudWatch metrics and sampled requests on: blocked requests are counted per rule. */
export function visibility(metricName: string): aws.types.input.wafv2.WebAclVisibilityConfig {
  return { cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

/**
 * The web ACL's rules, in priority order: refuse sources outside the allowed ranges first
 * (cheapest, and it keeps outsiders out of the rate counts), then known-bad addresses, then
 * the per-IP rate limit. The default action (allow) is the web ACL's own.
 */
export function webAclRules(options: WebAclRuleOptions): aws.types.input.wafv2.WebAclRule[] {
  const { metricPrefix, rateLimit, ipReputation, allowedIpSetArns } = options;
  const rules: aws.types.input.wafv2.WebAclRule[] = [];
  const metric = (rule: string) => `${metricPrefix}-${rule}`;
  if (allowedIpSetArns.length > 0) {
    const references = allowedIpSetArns.map((arn) => ({ ipSetReferenceStatement: { arn } }));
    rules.push({
      name: WAF_RULES.allowedCidrs,
      priority: 0,
      action: { block: {} },
      statement: {
        notStatement: {
          // OR needs two statements; one IP version's set stands alone.
          statement:
            references.length === 1 ? references[0] : { orStatement: { statements: references } },
        },
      },
      visibilityConfig: visibility(metric(WAF_RULES.allowedCidrs)),
    });
  }
  if (ipReputation) {
    rules.push({
      name: WAF_RULES.ipReputation,
      priority: 1,
      // A rule group's own actions (block) apply; `none` means "do not override them".
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name: "AWSManagedRulesAmazonIpReputationList",
        },
      },
      visibilityConfig: visibility(metric(WAF_RULES.ipReputation)),
    });
  }
  rules.push({
    name: WAF_RULES.ratePerIp,
    priority: 2,
    action: { block: {} },
    statement: {
      rateBasedStatement: { limit: rateLimit, aggregateKeyType: "IP", evaluationWindowSec: 300 },
    },
    visibilityConfig: visibility(metric(WAF_RULES.ratePerIp)),
  });
  return rules;
}
