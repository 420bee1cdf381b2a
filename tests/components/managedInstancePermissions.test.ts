/**
 * What a registered node can do, evaluated offline by an IAM policy simulator against the
 * policies a HybridFleet actually attaches to the managed-instance role: the real
 * AmazonSSMManagedInstanceCore document (tests/fixtures/iam, see SOURCE.txt) plus every inline
 * policy the components put on the role.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runSimulation, type EvaluationResult } from "@cloud-copilot/iam-simulate";
import {
  ACCOUNT_ID,
  REGION,
  allResources,
  installMocks,
  resourcesOfType,
  unwrap,
} from "../support/pulumiMocks";

const FIXTURES = path.join(__dirname, "..", "fixtures", "iam");
const MANAGED_POLICIES: Record<string, string> = {
  "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore": "AmazonSSMManagedInstanceCore.json",
};
const NODE = "mi-0123456789abcdef0";
const ROLE = "fleet-activation-managed-instance";
const PARAM = (name: string, region = REGION) =>
  `arn:aws:ssm:${region}:${ACCOUNT_ID}:parameter/${name}`;
const NODE_ARN = `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:managed-instance/${NODE}`;

interface NamedPolicy {
  readonly name: string;
  readonly policy: unknown;
}

/** The role's policies as the mocks recorded them; an unknown managed policy fails the test. */
function rolePolicies(role: string): NamedPolicy[] {
  const inline = resourcesOfType("aws:iam/rolePolicy:RolePolicy")
    .filter((p) => p.inputs.role === role)
    .map((p) => ({ name: p.name, policy: JSON.parse(p.inputs.policy) }));
  const managed = resourcesOfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    .filter((a) => a.inputs.role === role)
    .map((a) => {
      const file = MANAGED_POLICIES[a.inputs.policyArn];
      assert.ok(file, `no fixture for managed policy ${a.inputs.policyArn}`);
      return {
        name: a.name,
        policy: JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8")),
      };
    });
  return [...managed, ...inline];
}

async function decide(
  policies: readonly NamedPolicy[],
  action: string,
  resource: string,
): Promise<EvaluationResult> {
  const result = await runSimulation(
    {
      request: {
        // A registered node's session name is its managed instance ID.
        principal: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${ROLE}/${NODE}`,
        action,
        resource: { resource, accountId: ACCOUNT_ID },
        contextVariables: {},
      },
      identityPolicies: [...policies],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

async function buildFleet(parameterReadPrefixes?: string[]): Promise<void> {
  installMocks();
  const { HybridFleet } = await import("../../components/hybridFleet");
  const fleet = new HybridFleet("fleet", {
    fleetName: "acme-prod",
    environment: "prod",
    parameterReadPrefixes,
  });
  await unwrap(fleet.activationApi.managedInstanceRoleArn);
  await unwrap(fleet.complianceControls.outputBucketArn);
  await new Promise((r) => setTimeout(r, 50));
}

/** Allowed/denied table: action, resource, expected decision, why. */
type Row = readonly [string, string, EvaluationResult, string];

function outputObject(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}

describe("managed-instance role permissions (IAM simulation)", () => {
  describe("default: no parameter prefixes allowed", () => {
    let policies: NamedPolicy[];
    let bucket: string;

    before(async () => {
      await buildFleet();
      policies = rolePolicies(ROLE);
      const [b] = allResources().filter(
        (r) => r.type === "aws:s3/bucket:Bucket" && r.name === "fleet-compliance-output",
      );
      bucket = b.inputs.bucket ?? b.name;
    });

    it("evaluates Core, the parameter deny and the output-write policy, nothing else", () => {
      assert.deepEqual(policies.map((p) => p.name).sort(), [
        "fleet-activation-managed-instance-core",
        "fleet-activation-managed-instance-parameters",
        "fleet-compliance-output-write",
      ]);
    });

    const rows = (): Row[] => [
      ["ssm:UpdateInstanceInformation", NODE_ARN, "Allowed", "agent heartbeat"],
      ["ssm:PutComplianceItems", NODE_ARN, "Allowed", "anti-virus and CIS results"],
      // PutInventory and GetDeployablePatchSnapshotForInstance have no resource types: `*`.
      ["ssm:PutInventory", "*", "Allowed", "software inventory"],
      ["ssm:ListInstanceAssociations", "*", "Allowed", "State Manager"],
      ["ssm:UpdateInstanceAssociationStatus", NODE_ARN, "Allowed", "State Manager"],
      ["ssm:GetDeployablePatchSnapshotForInstance", "*", "Allowed", "patch scan/install"],
      [
        "ssm:GetDocument",
        `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:document/HybridFleet-acme-prod-CIS`,
        "Allowed",
        "the fleet's documents",
      ],
      ["ssmmessages:CreateControlChannel", "*", "Allowed", "agent control channel"],
      ["ssmmessages:OpenDataChannel", "*", "Allowed", "agent data channel"],
      ["ec2messages:GetMessages", "*", "Allowed", "Run Command delivery"],
      [
        "s3:PutObject",
        outputObject(bucket, "association-output/patch-report/cmd/out.txt"),
        "Allowed",
        "association output under its prefix",
      ],
      [
        "s3:PutObject",
        outputObject(bucket, "elsewhere/out.txt"),
        "ImplicitlyDenied",
        "outside the output prefix",
      ],
      ["ssm:GetParameter", PARAM("prod/db/password"), "ExplicitlyDenied", "any parameter"],
      ["ssm:GetParameters", PARAM("acme-prod/agent-key"), "ExplicitlyDenied", "any parameter"],
      ["ssm:GetParametersByPath", PARAM("prod"), "ExplicitlyDenied", "any path"],
      ["ssm:GetParameterHistory", PARAM("prod/db/password"), "ExplicitlyDenied", "any parameter"],
      ["ssm:PutParameter", PARAM("prod/db/password"), "ImplicitlyDenied", "never granted"],
      ["ssm:AddTagsToResource", NODE_ARN, "ImplicitlyDenied", "not in Core"],
      ["ssm:SendCommand", NODE_ARN, "ImplicitlyDenied", "nodes cannot command nodes"],
    ];

    it("allows what the agent and the fleet's documents need, denies every parameter read", async () => {
      for (const [action, resource, expected, why] of rows()) {
        assert.equal(
          await decide(policies, action, resource),
          expected,
          `${action} on ${resource} (${why})`,
        );
      }
    });

    it("owes the parameter denials to the fleet's deny: Core alone allows them", async () => {
      const withoutDeny = policies.filter(
        (p) => p.name !== "fleet-activation-managed-instance-parameters",
      );
      assert.equal(
        await decide(withoutDeny, "ssm:GetParameter", PARAM("prod/db/password")),
        "Allowed",
      );
      assert.equal(
        await decide(withoutDeny, "ssm:GetParameters", PARAM("acme-prod/agent-key")),
        "Allowed",
      );
    });
  });

  describe("with parameterReadPrefixes", () => {
    let policies: NamedPolicy[];

    before(async () => {
      await buildFleet(["/acme-prod/agent/", "shared-"]);
      policies = rolePolicies(ROLE);
    });

    it("denies reads outside the prefixes with NotResource on the account's own ARNs", () => {
      const deny = policies.find((p) => p.name === "fleet-activation-managed-instance-parameters");
      assert.deepEqual(deny?.policy, {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyParameterReadsOutsideFleetPrefixes",
            Effect: "Deny",
            Action: [
              "ssm:GetParameter",
              "ssm:GetParameters",
              "ssm:GetParametersByPath",
              "ssm:GetParameterHistory",
            ],
            NotResource: [PARAM("acme-prod/agent/*"), PARAM("shared-*")],
          },
        ],
      });
    });

    it("allows reads under the prefixes only, in this account and region only", async () => {
      const table: Row[] = [
        ["ssm:GetParameter", PARAM("acme-prod/agent/key"), "Allowed", "under a prefix"],
        ["ssm:GetParameters", PARAM("shared-ntp-servers"), "Allowed", "under a prefix"],
        ["ssm:GetParameter", PARAM("acme-prod/db/password"), "ExplicitlyDenied", "sibling path"],
        ["ssm:GetParameter", PARAM("acme-prod/agentx"), "ExplicitlyDenied", "not the path"],
        [
          "ssm:GetParameter",
          PARAM("acme-prod/agent/key", "us-east-1"),
          "ExplicitlyDenied",
          "another region",
        ],
        ["ssm:GetParameter", PARAM("prod/db/password"), "ExplicitlyDenied", "other parameter"],
      ];
      for (const [action, resource, expected, why] of table) {
        assert.equal(
          await decide(policies, action, resource),
          expected,
          `${action} on ${resource} (${why})`,
        );
      }
    });
  });
});
