import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { CONFIG_SCHEMA, PROJECT } from "../../config/schema";
import { loadFleetArgs, parseControlLines, parseStackConfig } from "../../config/stackConfig";
import { projectConfigBlock, readmeConfigRows } from "../../scripts/config-docs";

const ROOT = path.join(__dirname, "..", "..");
const ctx = { project: PROJECT, stack: "dev" };
const from = (values: Record<string, string>) => (key: string) => values[key];

describe("stack config", () => {
  it("Pulumi.yaml declares exactly the schema's keys, each with type, description and default", () => {
    const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    assert.equal(project.name, PROJECT);
    assert.equal(project.main, "index.ts");
    assert.deepEqual(project.config, projectConfigBlock(), "run npm run config:docs");
    for (const [key, decl] of Object.entries(
      project.config as Record<string, Record<string, unknown>>,
    )) {
      assert.ok(["string", "integer", "boolean", "array"].includes(decl.type as string), key);
      assert.ok(typeof decl.description === "string" && decl.description.length > 10, key);
      assert.ok("default" in decl, key);
    }
  });

  it("README documents every key with its default", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    assert.ok(
      readme.includes(readmeConfigRows()),
      "README config table is stale: run npm run config:docs",
    );
    for (const [key, v] of Object.entries(CONFIG_SCHEMA)) {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${key}\``));
      assert.ok(row, `README has no row for ${key}`);
      assert.ok(
        row.includes(`\`${JSON.stringify(v.default)}\``),
        `README row for ${key} lacks its default`,
      );
    }
  });

  it("the dev stack's config (Pulumi.dev.yaml) is valid", () => {
    const stack = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")).config;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(stack)) {
      if (!k.startsWith(`${PROJECT}:`)) continue;
      values[k.slice(PROJECT.length + 1)] = typeof v === "string" ? v : JSON.stringify(v);
    }
    const args = loadFleetArgs(from(values), { ...ctx, presentKeys: Object.keys(values) });
    assert.equal(args.fleetName, "acme-dev");
    assert.equal(args.tokenAuth, true);
    assert.deepEqual(args.allowedTags, {
      Team: { values: ["web", "db", "platform"] },
      CostCentre: { pattern: "[0-9]{4}" },
    });
    assert.equal(args.bootstrapTokens?.[0].namePattern, "web-[0-9]{2,4}");
  });

  it("applies every default", () => {
    const c = parseStackConfig(from({}), ctx);
    assert.deepEqual(c, {
      fleetName: "ssm-hybrid-fleet-dev",
      environment: "dev",
      fleetTagKey: "HybridFleet",
      modeTagKey: "ComplianceMode",
      environmentTagKey: "Environment",
      defaultMode: "report",
      activationTtlMinutes: 60,
      throttleRateLimit: 10,
      throttleBurstLimit: 20,
      logRetentionDays: 30,
      ec2Auth: true,
      allowedAccounts: [],
      tokenAuth: false,
      bootstrapTokens: [],
      ec2MaxIdentityAgeMinutes: 0,
      allowedTags: {},
      manageApiGatewayAccount: true,
      parameterReadPrefixes: [],
      lambdaTrustSourceAccount: true,
      apiGatewayTrustSourceAccount: false,
      complianceControls: {},
      associationMaxConcurrency: "10%",
      associationMaxErrors: "10%",
      associationSyncCompliance: "AUTO",
      associationOutputExpirationDays: 30,
      associationOutputPrefix: "association-output",
      complianceSync: true,
      complianceSyncPrefix: "ssm-sync",
      complianceSyncName: "",
      complianceSyncRegions: [],
      complianceSourceAccounts: [],
      complianceQueryRegions: [],
      complianceKmsKeyArn: "",
      complianceCreateKmsKey: false,
      complianceRetainData: true,
      complianceProtectData: false,
      complianceStaleDays: 90,
      complianceStaleInventoryDays: 0,
      complianceNoncurrentVersionDays: 30,
      complianceDatabase: "",
      complianceCustomInventoryTypes: [],
      athenaWorkgroup: "",
      athenaBytesScannedCutoff: 1073741824,
      athenaResultsExpirationDays: 7,
    });
  });

  it("parses complianceControls lines into nested, typed settings", () => {
    assert.deepEqual(
      parseControlLines([
        'antivirus mandatory=true maxDefinitionsAgeHours=48 linux.installArgs="--quiet --accept eula" linux.serviceName=falcon-sensor',
        "cis enabled=false",
        'inventory parameters.files=Enabled schedule="rate(12 hours)"',
        "patch",
      ]),
      {
        antivirus: {
          mandatory: true,
          maxDefinitionsAgeHours: 48,
          linux: { installArgs: "--quiet --accept eula", serviceName: "falcon-sensor" },
        },
        cis: { enabled: false },
        inventory: { parameters: { files: "Enabled" }, schedule: "rate(12 hours)" },
        patch: {},
      },
    );
  });

  it("passes the dev stack's controls and sync settings to the components", () => {
    const args = loadFleetArgs(
      from({
        complianceControls: JSON.stringify([
          "antivirus mandatory=true windows.serviceName=WinDefend",
        ]),
        associationMaxErrors: "5",
        complianceSync: "false",
      }),
      ctx,
    );
    assert.deepEqual(args.compliance?.controls, {
      antivirus: { mandatory: true, windows: { serviceName: "WinDefend" } },
    });
    assert.equal(args.compliance?.maxErrors, "5");
    assert.equal(args.sync, false);
    const withSync = loadFleetArgs(
      from({ complianceSyncRegions: '["eu-west-1"]', complianceKmsKeyArn: "" }),
      ctx,
    );
    assert.ok(withSync.sync);
    assert.deepEqual(withSync.sync.additionalSyncRegions, ["eu-west-1"]);
    assert.equal(withSync.sync.kmsKeyArn, undefined);
  });

  it("parses token and tag lines", () => {
    const sha = "b".repeat(64);
    const c = parseStackConfig(
      from({
        bootstrapTokens: JSON.stringify([
          `  dc1 ${sha} 2027-01-01T00:00:00Z prod web [0-9]+ `,
          `ec2ish ${sha} 2027-01-01T00:00:00Z prod allowInstanceIdNames i-[0-9a-f]{17}`,
        ]),
        allowedTags: JSON.stringify(["Team=a|b", "Cost~[0-9]{4}", "Empty="]),
      }),
      ctx,
    );
    assert.deepEqual(c.bootstrapTokens, [
      {
        id: "dc1",
        sha256: sha,
        expiresAt: "2027-01-01T00:00:00Z",
        environment: "prod",
        namePattern: "web [0-9]+",
      },
      {
        id: "ec2ish",
        sha256: sha,
        expiresAt: "2027-01-01T00:00:00Z",
        environment: "prod",
        namePattern: "i-[0-9a-f]{17}",
        allowInstanceIdNames: true,
      },
    ]);
    assert.deepEqual(c.allowedTags, {
      Team: { values: ["a", "b"] },
      Cost: { pattern: "[0-9]{4}" },
      Empty: { values: [""] },
    });
  });

  const refusals: Array<[string, Record<string, string>, string]> = [
    [
      "an unknown key",
      { defaultMod: "x" },
      "config ssm-hybrid-fleet:defaultMod is not a known key; known keys: " +
        Object.keys(CONFIG_SCHEMA).join(", "),
    ],
    [
      "a bad mode",
      { defaultMode: "audit" },
      'config ssm-hybrid-fleet:defaultMode must be one of report, enforce; got "audit"',
    ],
    [
      "a non-integer",
      { activationTtlMinutes: "1h" },
      'config ssm-hybrid-fleet:activationTtlMinutes must be a whole number; got "1h"',
    ],
    [
      "a non-boolean",
      { ec2Auth: "yes" },
      'config ssm-hybrid-fleet:ec2Auth must be true or false; got "yes"',
    ],
    [
      "a non-list",
      { allowedAccounts: "123456789012" },
      "config ssm-hybrid-fleet:allowedAccounts must be a list of strings",
    ],
    [
      "a short token line",
      { bootstrapTokens: '["dc1 abc"]' },
      "config ssm-hybrid-fleet:bootstrapTokens[0] must be '<id> <sha256> <expiresAt> <environment> [allowInstanceIdNames] <namePattern>'",
    ],
    [
      "a tag line without = or ~",
      { allowedTags: '["Team"]' },
      "config ssm-hybrid-fleet:allowedTags[0] must be 'Key=value1|value2' or 'Key~regex'",
    ],
    [
      "a repeated tag",
      { allowedTags: '["Team=a","Team=b"]' },
      'config ssm-hybrid-fleet:allowedTags[1] repeats tag key "Team"',
    ],
  ];
  for (const [what, values, message] of refusals) {
    it(`refuses ${what}, naming the key`, () => {
      assert.throws(
        () => parseStackConfig(from(values), { ...ctx, presentKeys: Object.keys(values) }),
        (err: Error) => err.name === "ConfigError" && err.message === message,
      );
    });
  }

  const rangeRefusals: Array<[Record<string, string>, string]> = [
    [
      { activationTtlMinutes: "0" },
      "config ssm-hybrid-fleet:activationTtlMinutes must be a whole number from 1 to 43200; got 0",
    ],
    [
      { logRetentionDays: "10" },
      "config ssm-hybrid-fleet:logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; got 10",
    ],
    [
      { tokenAuth: "true" },
      "config ssm-hybrid-fleet:bootstrapTokens is empty but tokenAuth is on: add a grant (npm run token:new)",
    ],
    [
      { allowedAccounts: '["1234"]' },
      'config ssm-hybrid-fleet:allowedAccounts must hold 12-digit account IDs; got "1234"',
    ],
    [
      { bootstrapTokens: '["dc1 notahash 2027-01-01T00:00:00Z prod .*"]' },
      "config ssm-hybrid-fleet:bootstrapTokens[0].sha256 must be the token's SHA-256 as 64 lower-case hex characters (never the token itself)",
    ],
  ];
  rangeRefusals.push(
    [
      { associationMaxConcurrency: "200%" },
      'config ssm-hybrid-fleet:associationMaxConcurrency must be a count or percentage like "10" or "10%" (^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$), got "200%"',
    ],
    [
      { athenaBytesScannedCutoff: "5" },
      "config ssm-hybrid-fleet:athenaBytesScannedCutoff must be a whole number of bytes ≥ 10485760 (10 MB), got 5",
    ],
    [
      { complianceControls: '["antivirus maxDefinitionsAgeHours=0"]' },
      "config ssm-hybrid-fleet:complianceControls antivirus.maxDefinitionsAgeHours must be a whole number from 1 to 9999, got 0",
    ],
    [
      { complianceControls: '["cis severity=HUGE"]' },
      'config ssm-hybrid-fleet:complianceControls cis.severity must be one of CRITICAL, HIGH, MEDIUM, LOW, UNSPECIFIED, got "HUGE"',
    ],
    [
      { complianceSyncRegions: '["mars-1"]' },
      'config ssm-hybrid-fleet:complianceSyncRegions "mars-1" is not an AWS region like ap-southeast-2',
    ],
    [
      { ec2MaxIdentityAgeMinutes: "-1" },
      "config ssm-hybrid-fleet:ec2MaxIdentityAgeMinutes must be a whole number from 0 to 525600; got -1",
    ],
    [
      { bootstrapTokens: JSON.stringify([`x ${"c".repeat(64)} 2027-01-01T00:00:00Z dev (a+)+`]) },
      "config ssm-hybrid-fleet:bootstrapTokens[0].namePattern repeats a group that itself repeats ((a+)+), which can take exponential time on a crafted value; rewrite it without nested quantifiers: (a+)+",
    ],
    [
      { complianceStaleDays: "1" },
      "config ssm-hybrid-fleet:complianceStaleDays must be a whole number of days from 7 to 3650, got 1",
    ],
  );
  for (const [values, message] of rangeRefusals) {
    it(`refuses ${Object.keys(values)[0]}=${Object.values(values)[0]} through the components' validators`, () => {
      assert.throws(
        () => loadFleetArgs(from(values), ctx),
        (err: Error) => err.name === "ConfigError" && err.message === message,
      );
    });
  }
});
