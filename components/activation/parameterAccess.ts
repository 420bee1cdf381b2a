/**
 * What a registered node may read from Parameter Store.
 *
 * `AmazonSSMManagedInstanceCore` (which the agent needs for everything else) allows
 * `ssm:GetParameter` and `ssm:GetParameters` on `*`: every node could read every parameter in
 * the account. The fleet's own documents read none (documents/*.yaml hold no `{{ssm:…}}`
 * reference and no `get-parameter` call; AWS-RunPatchBaseline and AWS-GatherSoftwareInventory
 * take no Parameter Store input), so by default the role is denied every parameter read. Users
 * whose own documents read parameters list the prefixes those live under.
 */
import type { PolicyDocument } from "../shared/policies";

/**
 * Parameter Store reads denied outside the allowed prefixes. Core grants only the first two;
 * the others are denied too so that a policy attached later cannot quietly reopen the hole.
 */
export const PARAMETER_READ_ACTIONS = [
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "ssm:GetParameterHistory",
] as const;

/** Where the role lives: the parameter ARNs are built from these. */
export interface ParameterScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

// Parameter names: letters, digits and _ . - /, at most 1011 characters; names starting
// with aws or ssm (any case) are reserved. PutParameter's "Naming Constraints":
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
const PREFIX = /^\/?[A-Za-z0-9_.\-/]{1,1010}$/;

/**
 * Checks one allowed prefix; returns what is wrong with it, or undefined. A prefix is the
 * start of parameter names, e.g. `/acme/fleet/` (a path) or `acme-fleet-`.
 */
export function parameterPrefixProblem(prefix: string): string | undefined {
  if (!PREFIX.test(prefix)) {
    return `"${prefix}" must be 1-1011 letters, digits or _ . - /`;
  }
  const bare = prefix.replace(/^\//, "");
  if (bare === "" || /^\/+$/.test(bare)) {
    return `"${prefix}" would allow every parameter: name at least one path level`;
  }
  if (prefix.includes("//")) return `"${prefix}" must not contain //`;
  if (/^(aws|ssm)/i.test(bare)) {
    return `"${prefix}" starts with aws or ssm, which Parameter Store reserves`;
  }
  return undefined;
}

/**
 * The ARN pattern covering every parameter whose name starts with `prefix`. Parameter ARNs
 * drop the name's leading `/`: `/acme/db` is `arn:aws:ssm:<region>:<acct>:parameter/acme/db`.
 */
export function parameterArnPattern(prefix: string, scope: ParameterScope): string {
  const bare = prefix.replace(/^\//, "");
  return `arn:${scope.partition}:ssm:${scope.region}:${scope.accountId}:parameter/${bare}*`;
}

/**
 * Inline policy for the managed-instance role: deny every Parameter Store read except under
 * `allowedPrefixes` in the role's own account and region. A Deny beats Core's Allow, so this
 * narrows Core without replacing it. With no prefixes, every parameter read is denied.
 */
export function parameterReadDenyPolicy(
  allowedPrefixes: readonly string[],
  scope: ParameterScope,
): PolicyDocument {
  const allowed = [...new Set(allowedPrefixes)].sort().map((p) => parameterArnPattern(p, scope));
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyParameterReadsOutsideFleetPrefixes",
        Effect: "Deny",
        Action: [...PARAMETER_READ_ACTIONS],
        ...(allowed.length > 0 ? { NotResource: allowed } : { Resource: "*" }),
      },
    ],
  };
}
