import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { validateActivationApiArgs } from "../../components/activation/activationApi";
import { loadFleetArgs } from "../../config/stackConfig";
import {
  parameterArnPattern,
  parameterPrefixProblem,
  parameterReadDenyPolicy,
} from "../../components/activation/parameterAccess";

const SCOPE = { partition: "aws", region: "eu-west-1", accountId: "111122223333" };

describe("parameter read prefixes", () => {
  const cases: [string, string | undefined][] = [
    ["/acme/fleet/", undefined],
    ["acme-fleet-", undefined],
    ["/a", undefined],
    ["", '"" must be 1-1011 letters, digits or _ . - /'],
    ["/", '"/" would allow every parameter: name at least one path level'],
    ["//", '"//" would allow every parameter: name at least one path level'],
    ["/acme//x", '"/acme//x" must not contain //'],
    ["/acme/*", '"/acme/*" must be 1-1011 letters, digits or _ . - /'],
    ["/acme fleet/", '"/acme fleet/" must be 1-1011 letters, digits or _ . - /'],
    ["/aws/service/", '"/aws/service/" starts with aws or ssm, which Parameter Store reserves'],
    ["SSM-x", '"SSM-x" starts with aws or ssm, which Parameter Store reserves'],
    ["x".repeat(1012), `"${"x".repeat(1012)}" must be 1-1011 letters, digits or _ . - /`],
  ];
  for (const [prefix, problem] of cases) {
    it(`${problem === undefined ? "accepts" : "refuses"} ${JSON.stringify(prefix.slice(0, 20))}`, () => {
      assert.equal(parameterPrefixProblem(prefix), problem);
    });
  }

  it("drops the leading slash in ARNs, as Parameter Store does", () => {
    assert.equal(
      parameterArnPattern("/acme/fleet/", SCOPE),
      "arn:aws:ssm:eu-west-1:111122223333:parameter/acme/fleet/*",
    );
    assert.equal(
      parameterArnPattern("acme-", { ...SCOPE, partition: "aws-cn" }),
      "arn:aws-cn:ssm:eu-west-1:111122223333:parameter/acme-*",
    );
  });

  it("denies every parameter read when no prefix is allowed", () => {
    assert.deepEqual(parameterReadDenyPolicy([], SCOPE).Statement, [
      {
        Sid: "DenyParameterReadsOutsideFleetPrefixes",
        Effect: "Deny",
        Action: [
          "ssm:GetParameter",
          "ssm:GetParameters",
          "ssm:GetParametersByPath",
          "ssm:GetParameterHistory",
        ],
        Resource: "*",
      },
    ]);
  });

  it("sorts and de-duplicates prefixes so previews do not churn", () => {
    const a = parameterReadDenyPolicy(["/b/", "/a/", "/b/"], SCOPE);
    const b = parameterReadDenyPolicy(["/a/", "/b/"], SCOPE);
    assert.deepEqual(a, b);
    assert.deepEqual(a.Statement[0].NotResource, [
      "arn:aws:ssm:eu-west-1:111122223333:parameter/a/*",
      "arn:aws:ssm:eu-west-1:111122223333:parameter/b/*",
    ]);
  });

  it("ActivationApi refuses a bad prefix, naming the field and its index", () => {
    assert.throws(
      () =>
        validateActivationApiArgs({
          fleetName: "acme",
          environment: "prod",
          parameterReadPrefixes: ["/ok/", "/"],
        }),
      {
        name: "ArgumentError",
        message:
          'ActivationApi: parameterReadPrefixes[1] "/" would allow every parameter: name at least one path level',
      },
    );
  });

  it("stack config reports it under the config key", () => {
    const values = { parameterReadPrefixes: ["/aws/x/"] };
    assert.throws(() => loadFleetArgs(values, { project: "p", stack: "s" }), {
      name: "ConfigError",
      message:
        'ssm-hybrid-fleet:parameterReadPrefixes[0]: "/aws/x/" starts with aws or ssm, which Parameter Store reserves',
    });
  });
});

describe("what the fleet's documents read from Parameter Store", () => {
  // The default (no prefix allowed) rests on this: if a document starts reading parameters,
  // this fails and its prefix must become a default of parameterReadPrefixes.
  const READS =
    /\{\{\s*ssm(-secure)?:|get-parameters?|Get-SSMParameter|GetParameters?\b|get_parameters?/i;
  const root = path.join(__dirname, "..", "..");
  const files = [
    ...["agent-install.yaml", "antivirus.yaml", "cis.yaml"].map((f) => path.join("documents", f)),
    ...fs
      .readdirSync(path.join(root, "documents", "scripts"))
      .map((f) => path.join("documents", "scripts", f)),
    path.join("tests", "fixtures", "documents", "aws-owned", "AWS-RunPatchBaseline.json"),
  ];

  for (const file of files) {
    it(`${file} reads no parameter`, () => {
      const text = fs.readFileSync(path.join(root, file), "utf8");
      assert.equal(READS.exec(text)?.[0], undefined);
    });
  }

  it("the pattern does find a parameter reference", () => {
    for (const s of ["{{ssm:/a/b}}", "{{ ssm-secure:/x }}", "aws ssm get-parameter --name x"]) {
      assert.match(s, READS);
    }
  });
});
