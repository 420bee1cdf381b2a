import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import * as YAML from "yaml";
import { validateHybridFleetArgs } from "../../components/hybridFleet";
import { JSON_SCHEMA_PATH, stackFileJsonSchema } from "../../config/jsonSchema";
import { PROJECT, STACK_CONFIG_KEYS } from "../../config/schema";
import {
  ConfigError,
  loadFleetArgs,
  parseStackConfig,
  readConfigValues,
} from "../../config/stackConfig";
import {
  FIELDS_HEADER,
  KEYS_HEADER,
  jsonSchemaText,
  projectConfigBlock,
  readmeConfigRows,
  readmeStructuredRows,
} from "../../scripts/config-docs";

const ROOT = path.join(__dirname, "..", "..");
const ctx = { project: PROJECT, stack: "dev" };
const SHA = "b".repeat(64);
const TOKEN = {
  id: "dc1",
  sha256: SHA,
  expiresAt: "2027-01-01T00:00:00Z",
  environment: "prod",
  namePattern: "web [0-9]+",
};

function devStack(): Record<string, unknown> {
  return YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
}

/** The dev stack's values in our namespace, keys without the prefix. */
function devValues(): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(devStack().config as Record<string, unknown>)) {
    if (k.startsWith(`${PROJECT}:`)) values[k.slice(PROJECT.length + 1)] = v;
  }
  return values;
}

function refusal(values: Record<string, unknown>): string {
  try {
    loadFleetArgs(values, ctx);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(values)}`);
}

describe("stack config", () => {
  describe("generated from config/schema.ts", () => {
    it("Pulumi.yaml declares exactly the scalar and string-list keys, typed and defaulted", () => {
      const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
      assert.equal(project.name, PROJECT);
      assert.equal(project.main, "index.ts");
      assert.deepEqual(project.config, projectConfigBlock(), "run npm run config:docs");
      for (const [key, decl] of Object.entries(
        project.config as Record<string, Record<string, unknown>>,
      )) {
        // Pulumi's project.json: type is one of these four; arrays need items.
        assert.ok(["string", "integer", "boolean", "array"].includes(decl.type as string), key);
        if (decl.type === "array") assert.deepEqual(decl.items, { type: "string" }, key);
        assert.ok(typeof decl.description === "string" && decl.description.length > 10, key);
        assert.ok("default" in decl, key);
      }
      const structured = ["bootstrapTokens", "allowedTags", "apiWaf", "controls"];
      structured.push("complianceCustomInventoryTypes", "risk");
      // A fraction has no Pulumi project type (integer would refuse 0.8).
      structured.push("janitor", "tierAlarmShare");
      assert.deepEqual(
        Object.keys(STACK_CONFIG_KEYS).filter((k) => !(k in project.config)),
        structured,
      );
    });

    it("README documents every key with its default, and every structured field", () => {
      const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
      assert.ok(
        readme.includes(KEYS_HEADER + readmeConfigRows() + "\n"),
        "run npm run config:docs",
      );
      assert.ok(
        readme.includes(FIELDS_HEADER + readmeStructuredRows() + "\n"),
        "run npm run config:docs",
      );
      for (const key of Object.keys(STACK_CONFIG_KEYS)) {
        assert.ok(readme.includes(`| \`${key}\` |`), `README has no row for ${key}`);
      }
      assert.ok(readme.includes("| `controls.antivirus.linux.serviceName` | string |"));
      assert.ok(readme.includes("| `bootstrapTokens[].sha256` | string |"));
    });

    it(`${JSON_SCHEMA_PATH} is up to date`, () => {
      const file = fs.readFileSync(path.join(ROOT, JSON_SCHEMA_PATH), "utf8");
      assert.equal(file, jsonSchemaText(), "run npm run config:docs");
    });
  });

  describe("the JSON Schema (for editors)", () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(stackFileJsonSchema());
    const errorsOf = (doc: unknown) =>
      validate(doc)
        ? []
        : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`.trim());

    it("accepts Pulumi.dev.yaml", () => {
      assert.deepEqual(errorsOf(devStack()), []);
    });

    it("refuses unknown keys at every depth and wrong types, and leaves other namespaces alone", () => {
      const bad = devStack() as { config: Record<string, unknown> };
      bad.config["ssm-hybrid-fleet:defaultMod"] = "report";
      bad.config["ssm-hybrid-fleet:defaultMode"] = "audit";
      bad.config["ssm-hybrid-fleet:controls"] = {
        antivirus: { linux: { servicename: "clamav" } },
      };
      bad.config["ssm-hybrid-fleet:bootstrapTokens"] = [{ ...TOKEN, sha256: "notahash" }];
      bad.config["ssm-hybrid-fleet:activationTtlMinutes"] = 0;
      bad.config["aws:anything"] = { nested: true };
      assert.deepEqual(errorsOf(bad).sort(), [
        "/config must NOT have additional properties",
        "/config/ssm-hybrid-fleet:activationTtlMinutes must be >= 1",
        '/config/ssm-hybrid-fleet:bootstrapTokens/0/sha256 must match pattern "^[0-9a-f]{64}$"',
        "/config/ssm-hybrid-fleet:controls/antivirus/linux must NOT have additional properties",
        "/config/ssm-hybrid-fleet:defaultMode must be equal to one of the allowed values",
      ]);
    });
  });

  it("the dev stack's config (Pulumi.dev.yaml) is valid and reaches the components", () => {
    const args = loadFleetArgs(devValues(), ctx);
    assert.equal(args.fleetName, "acme-dev");
    assert.equal(args.tokenAuth, true);
    assert.deepEqual(args.allowedTags, {
      Team: { values: ["web", "db", "platform"] },
      CostCentre: { pattern: "[0-9]{4}" },
    });
    assert.deepEqual(args.bootstrapTokens, [
      {
        id: "dc1-web",
        sha256: "5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269",
        expiresAt: "2027-03-31T00:00:00Z",
        environment: "dev",
        namePattern: "web-[0-9]{2,4}",
      },
    ]);
    assert.deepEqual(args.compliance?.controls, {
      patch: { rebootOption: "NoReboot" },
      antivirus: {
        mandatory: true,
        maxDefinitionsAgeHours: 48,
        linux: { serviceName: "clamav-freshclam", definitionsPath: "/var/lib/clamav" },
        windows: { serviceName: "WinDefend" },
      },
      cis: { schedule: "rate(7 days)", severity: "MEDIUM" },
    });
  });

  it("applies every default", () => {
    assert.deepEqual(parseStackConfig({}, ctx), {
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
      apiDomainName: "",
      apiCertificateArn: "",
      apiHostedZoneId: "",
      apiEndpointType: "REGIONAL",
      apiVpcEndpointIds: [],
      apiAllowedCidrs: [],
      apiWaf: { enabled: false, rateLimit: 300, ipReputation: true },
      controls: {},
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
      risk: {
        enabled: true,
        staleDays: 7,
        severityWeights: {
          CRITICAL: 10,
          HIGH: 5,
          MEDIUM: 2,
          LOW: 1,
          INFORMATIONAL: 0,
          UNSPECIFIED: 1,
        },
        maxAcceptanceDays: 365,
        acceptances: [],
        snapshotSchedule: "rate(1 hour)",
        topMachines: 20,
        alerts: {
          criticalEnvironments: ["prod"],
          scoreIncreaseShare: 0.2,
          notSeenThreshold: 0,
          emails: [],
        },
        dashboard: true,
      },
      janitor: {
        enabled: true,
        apply: false,
        schedule: "rate(1 day)",
        staleDays: 30,
        maxActionsPerRun: 50,
      },
      activationTier: "unmanaged",
      tierAlarmShare: 0.8,
      expectedHybridNodes: 0,
    });
  });

  it("passes controls, tokens, tags, inventory types and sync settings to the components", () => {
    const args = loadFleetArgs(
      {
        controls: {
          antivirus: { mandatory: true, windows: { serviceName: "WinDefend" } },
          inventory: { parameters: { files: "Enabled" }, schedule: "rate(12 hours)" },
        },
        tokenAuth: true,
        bootstrapTokens: [TOKEN],
        allowedTags: { Team: { values: ["a", "b"] }, Cost: { pattern: "[0-9]{4}" } },
        complianceCustomInventoryTypes: [{ typeName: "Custom:Agent", columns: ["product"] }],
        complianceSyncRegions: ["eu-west-1"],
        associationMaxErrors: "5",
      },
      ctx,
    );
    assert.deepEqual(args.compliance?.controls, {
      antivirus: { mandatory: true, windows: { serviceName: "WinDefend" } },
      inventory: { parameters: { files: "Enabled" }, schedule: "rate(12 hours)" },
    });
    assert.equal(args.compliance?.maxErrors, "5");
    assert.deepEqual(args.bootstrapTokens, [TOKEN]);
    assert.deepEqual(args.allowedTags, {
      Team: { values: ["a", "b"] },
      Cost: { pattern: "[0-9]{4}" },
    });
    assert.ok(args.sync);
    assert.deepEqual(args.sync.additionalSyncRegions, ["eu-west-1"]);
    assert.deepEqual(args.sync.customInventoryTypes, [
      { typeName: "Custom:Agent", columns: ["product"] },
    ]);
    assert.equal(args.sync.kmsKeyArn, undefined);
    const noSync = loadFleetArgs({ complianceSync: false, risk: { enabled: false } }, ctx);
    assert.equal(noSync.sync, false);
    assert.equal(noSync.risk, false);
  });

  it("passes a token's allowInstanceIdNames and the access, trust and naming keys on", () => {
    const ec2ish = {
      ...TOKEN,
      id: "ec2ish",
      namePattern: "i-[0-9a-f]{17}",
      allowInstanceIdNames: true,
    };
    const args = loadFleetArgs(
      {
        tokenAuth: true,
        bootstrapTokens: [TOKEN, ec2ish],
        ec2MaxIdentityAgeMinutes: 15,
        parameterReadPrefixes: ["/acme/fleet/"],
        lambdaTrustSourceAccount: false,
        apiGatewayTrustSourceAccount: true,
        complianceSyncName: "acme-sync",
        controls: { antivirus: { linux: { definitionsGlob: "daily.c[lv]d" } } },
      },
      ctx,
    );
    assert.deepEqual(args.bootstrapTokens, [TOKEN, ec2ish]);
    assert.equal(args.ec2MaxIdentityAgeMinutes, 15);
    assert.deepEqual(args.parameterReadPrefixes, ["/acme/fleet/"]);
    assert.equal(args.lambdaTrustSourceAccount, false);
    assert.equal(args.apiGatewayTrustSourceAccount, true);
    assert.ok(args.sync);
    assert.equal(args.sync.syncName, "acme-sync");
    const byDefault = loadFleetArgs({}, ctx).sync;
    assert.ok(byDefault);
    assert.equal(byDefault.syncName, undefined);
    assert.deepEqual(args.compliance?.controls, {
      antivirus: { linux: { definitionsGlob: "daily.c[lv]d" } },
    });
  });

  it("reads strings with get and everything else with getObject, as Pulumi stores them", () => {
    const stored: Record<string, string> = {
      fleetName: "acme",
      activationTtlMinutes: "90",
      ec2Auth: "false",
      allowedAccounts: '["123456789012"]',
      controls: '{"cis":{"enabled":false}}',
      defaultMod: "x",
    };
    const calls: string[] = [];
    const values = readConfigValues(
      {
        get: (k) => (calls.push(`get ${k}`), stored[k]),
        getObject: <T>(k: string) => (calls.push(`getObject ${k}`), JSON.parse(stored[k]) as T),
      },
      Object.keys(stored),
    );
    assert.deepEqual(values, {
      fleetName: "acme",
      activationTtlMinutes: 90,
      ec2Auth: false,
      allowedAccounts: ["123456789012"],
      controls: { cis: { enabled: false } },
      defaultMod: "x",
    });
    assert.deepEqual(calls, [
      "get fleetName",
      "getObject activationTtlMinutes",
      "getObject ec2Auth",
      "getObject allowedAccounts",
      "getObject controls",
      "get defaultMod",
    ]);
  });

  const known = (keys: readonly string[]) => `is not a known key; known: ${keys.join(", ")}`;
  const AGENT_KEYS = [
    "installerSource",
    "installerSha256",
    "installArgs",
    "serviceName",
    "agentPath",
    "definitionsPath",
    "definitionsGlob",
  ];
  const refusals: Array<[string, Record<string, unknown>, string]> = [
    [
      "an unknown key",
      { defaultMod: "x" },
      `ssm-hybrid-fleet:defaultMod: ${known(Object.keys(STACK_CONFIG_KEYS))}`,
    ],
    [
      "a bad mode",
      { defaultMode: "audit" },
      'ssm-hybrid-fleet:defaultMode: must be one of report, enforce; got "audit"',
    ],
    [
      "a non-integer",
      { activationTtlMinutes: "1h" },
      'ssm-hybrid-fleet:activationTtlMinutes: must be a whole number; got "1h"',
    ],
    [
      "an out-of-range integer",
      { activationTtlMinutes: 0 },
      "ssm-hybrid-fleet:activationTtlMinutes: must be a whole number from 1 to 43200; got 0",
    ],
    [
      "a non-boolean",
      { ec2Auth: "yes" },
      'ssm-hybrid-fleet:ec2Auth: must be true or false; got "yes"',
    ],
    [
      "a non-list",
      { allowedAccounts: "123456789012" },
      'ssm-hybrid-fleet:allowedAccounts: must be a list; got "123456789012"',
    ],
    [
      "a token line in the old one-line form",
      { bootstrapTokens: [`dc1 ${SHA} 2027-01-01T00:00:00Z prod .*`] },
      "ssm-hybrid-fleet:bootstrapTokens[0]: must be an object (a YAML mapping); got " +
        JSON.stringify(`dc1 ${SHA} 2027-01-01T00:00:00Z prod .*`),
    ],
    [
      "a token without a hash, with a typo'd field",
      { bootstrapTokens: [{ ...TOKEN, sha256: undefined, sha265: SHA }] },
      "ssm-hybrid-fleet:bootstrapTokens[0].sha256: is required\n" +
        `ssm-hybrid-fleet:bootstrapTokens[0].sha265: ${known(["id", "sha256", "expiresAt", "environment", "namePattern", "allowInstanceIdNames"])}`,
    ],
    [
      "a token holding the token itself",
      { bootstrapTokens: [{ ...TOKEN, sha256: "hft_secret" }] },
      "ssm-hybrid-fleet:bootstrapTokens[0].sha256: must be the token's SHA-256 as 64 lower-case hex characters (never the token itself)",
    ],
    [
      "a token's allowInstanceIdNames that is not a flag",
      { bootstrapTokens: [{ ...TOKEN, allowInstanceIdNames: "yes" }] },
      'ssm-hybrid-fleet:bootstrapTokens[0].allowInstanceIdNames: must be true or false; got "yes"',
    ],
    [
      "a negative EC2 identity age",
      { ec2MaxIdentityAgeMinutes: -1 },
      "ssm-hybrid-fleet:ec2MaxIdentityAgeMinutes: must be a whole number from 0 to 525600; got -1",
    ],
    [
      "parameter prefixes that are not a list",
      { parameterReadPrefixes: "/acme/" },
      'ssm-hybrid-fleet:parameterReadPrefixes: must be a list; got "/acme/"',
    ],
    [
      "a trust flag that is not a flag",
      { lambdaTrustSourceAccount: "no" },
      'ssm-hybrid-fleet:lambdaTrustSourceAccount: must be true or false; got "no"',
    ],
    [
      "an allowed tag with neither values nor pattern",
      { allowedTags: { Team: { valuez: ["web"] } } },
      `ssm-hybrid-fleet:allowedTags.Team.valuez: ${known(["values", "pattern"])}\n` +
        "ssm-hybrid-fleet:allowedTags.Team: must have values or pattern",
    ],
    [
      "an allowed tag key with a space, values not a list",
      { allowedTags: { "Cost Centre": { values: "a|b" } } },
      'ssm-hybrid-fleet:allowedTags["Cost Centre"].values: must be a list; got "a|b"',
    ],
    [
      "an unknown control",
      { controls: { av: {} } },
      `ssm-hybrid-fleet:controls.av: ${known(["patch", "antivirus", "cis", "inventory"])}`,
    ],
    [
      "an unknown setting four levels down",
      { controls: { antivirus: { linux: { servicename: "clamav" } } } },
      `ssm-hybrid-fleet:controls.antivirus.linux.servicename: ${known(AGENT_KEYS)}`,
    ],
    [
      "a wrong type four levels down",
      { controls: { antivirus: { linux: { serviceName: 5 } } } },
      "ssm-hybrid-fleet:controls.antivirus.linux.serviceName: must be a string; got 5",
    ],
    [
      "an unknown inventory parameter",
      { controls: { inventory: { parameters: { software: "Enabled" } } } },
      "ssm-hybrid-fleet:controls.inventory.parameters.software: is not a known key; known: applications, awsComponents, files, networkConfig, windowsUpdates, instanceDetailedInformation, services, windowsRegistry, windowsRoles, customInventory, billingInfo",
    ],
    [
      "a bad severity and a string flag at once",
      { controls: { cis: { severity: "HUGE", enabled: "false" } } },
      'ssm-hybrid-fleet:controls.cis.enabled: must be true or false; got "false"\n' +
        'ssm-hybrid-fleet:controls.cis.severity: must be one of CRITICAL, HIGH, MEDIUM, LOW, UNSPECIFIED; got "HUGE"',
    ],
    [
      "definitions age out of range",
      { controls: { antivirus: { maxDefinitionsAgeHours: 0 } } },
      "ssm-hybrid-fleet:controls.antivirus.maxDefinitionsAgeHours: must be a whole number from 1 to 9999; got 0",
    ],
    [
      "an inventory type in the old one-line form's spirit",
      { complianceCustomInventoryTypes: [{ typeName: "Custom:Agent", colums: ["a"] }] },
      "ssm-hybrid-fleet:complianceCustomInventoryTypes[0].columns: is required\n" +
        `ssm-hybrid-fleet:complianceCustomInventoryTypes[0].colums: ${known(["typeName", "columns"])}`,
    ],
  ];
  const risky = (changes: Record<string, unknown>) => ({
    id: "kb-legacy",
    control: "patch",
    reason: "vendor build",
    approver: "CAB-1",
    expiresAt: new Date(Date.now() + 100 * 86_400_000).toISOString(),
    ...changes,
  });
  refusals.push(
    [
      "an unknown risk key",
      { risk: { staledays: 3 } },
      `ssm-hybrid-fleet:risk.staledays: ${known([
        "enabled",
        "staleDays",
        "severityWeights",
        "maxAcceptanceDays",
        "acceptances",
        "snapshotSchedule",
        "topMachines",
        "alerts",
        "dashboard",
      ])}`,
    ],
    [
      "a fractional severity weight",
      { risk: { severityWeights: { HIGH: 2.5 } } },
      "ssm-hybrid-fleet:risk.severityWeights.HIGH: must be a whole number from 0 to 1000; got 2.5",
    ],
    [
      "an acceptance without expiry",
      { risk: { acceptances: [risky({ expiresAt: undefined })] } },
      "ssm-hybrid-fleet:risk.acceptances[0].expiresAt: is required",
    ],
  );
  for (const [what, values, message] of refusals) {
    it(`refuses ${what}, naming the path`, () => {
      assert.equal(refusal(values), message);
    });
  }

  const componentRefusals: Array<[string, Record<string, unknown>, string]> = [
    [
      "log retention not in CloudWatch's list",
      { logRetentionDays: 10 },
      "ssm-hybrid-fleet:logRetentionDays: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; got 10",
    ],
    [
      "token auth without tokens",
      { tokenAuth: true },
      "ssm-hybrid-fleet:bootstrapTokens: is empty but tokenAuth is on: add a grant (npm run token:new)",
    ],
    [
      "a short account ID",
      { allowedAccounts: ["1234"] },
      'ssm-hybrid-fleet:allowedAccounts: must hold 12-digit account IDs; got "1234"',
    ],
    [
      "a token name pattern that is not a regular expression",
      { bootstrapTokens: [{ ...TOKEN, namePattern: "web-(" }] },
      "ssm-hybrid-fleet:bootstrapTokens[0].namePattern: is not a valid regular expression: web-(",
    ],
    [
      "an allowed tag the API sets itself",
      { allowedTags: { Name: { pattern: ".*" } } },
      'ssm-hybrid-fleet:allowedTags: tag key "Name" is set by the API itself and cannot be allowed to callers (reserved: Name, HybridFleet, ComplianceMode, Environment)',
    ],
    [
      "a concurrency above 100%",
      { associationMaxConcurrency: "200%" },
      'ssm-hybrid-fleet:associationMaxConcurrency: must be a count or percentage like "10" or "10%" (^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$), got "200%"',
    ],
    [
      "a bad schedule",
      { controls: { cis: { schedule: "daily" } } },
      'ssm-hybrid-fleet:controls.cis.schedule: must be rate(...) or cron(...), got "daily"',
    ],
    [
      "a scan cutoff under 10 MB",
      { athenaBytesScannedCutoff: 5 },
      "ssm-hybrid-fleet:athenaBytesScannedCutoff: must be a whole number of bytes ≥ 10485760 (10 MB), got 5",
    ],
    [
      "a region that is not one",
      { complianceSyncRegions: ["mars-1"] },
      'ssm-hybrid-fleet:complianceSyncRegions: "mars-1" is not an AWS region like ap-southeast-2',
    ],
    [
      "a token name pattern with nested quantifiers",
      { bootstrapTokens: [{ ...TOKEN, namePattern: "(a+)+" }] },
      "ssm-hybrid-fleet:bootstrapTokens[0].namePattern: repeats a group that itself repeats ((a+)+), which can take exponential time on a crafted value; rewrite it without nested quantifiers: (a+)+",
    ],
    [
      "an allowed tag pattern with nested quantifiers",
      { allowedTags: { Team: { pattern: "(a+)+" } } },
      "ssm-hybrid-fleet:allowedTags.Team.pattern: repeats a group that itself repeats ((a+)+), which can take exponential time on a crafted value; rewrite it without nested quantifiers: (a+)+",
    ],
    [
      "stale days under 7",
      { complianceStaleDays: 1 },
      "ssm-hybrid-fleet:complianceStaleDays: must be a whole number of days from 7 to 3650, got 1",
    ],
    [
      "an inventory type that is neither AWS: nor Custom:",
      { complianceCustomInventoryTypes: [{ typeName: "Agent", columns: ["a"] }] },
      'ssm-hybrid-fleet:complianceCustomInventoryTypes[0].typeName: "Agent" must be AWS:<Name> or Custom:<Name> (letters, digits, _)',
    ],
  ];
  componentRefusals.push(
    [
      "an acceptance without approver",
      { risk: { acceptances: [risky({}), risky({ id: "b", approver: "" })] } },
      "ssm-hybrid-fleet:risk.acceptances[1].approver: is required: name who approved it (a person or a change record)",
    ],
    [
      "an acceptance of an unknown or disabled control",
      {
        controls: { cis: { enabled: false } },
        risk: { acceptances: [risky({ control: "cis" })] },
      },
      'ssm-hybrid-fleet:risk.acceptances[0].control: must be an enabled control (patch, antivirus); got "cis"',
    ],
    [
      "an acceptance of a mandated control",
      {
        controls: { antivirus: { mandatory: true } },
        risk: { acceptances: [risky({ control: "antivirus" })] },
      },
      'ssm-hybrid-fleet:risk.acceptances[0].control: "antivirus" is mandated (controls.antivirus.mandatory): its findings cannot be accepted',
    ],
    [
      "an acceptance expiring beyond maxAcceptanceDays",
      {
        risk: {
          maxAcceptanceDays: 30,
          acceptances: [risky({ expiresAt: "2099-01-01T00:00:00Z" })],
        },
      },
      "ssm-hybrid-fleet:risk.acceptances[0].expiresAt: 2099-01-01T00:00:00Z is more than maxAcceptanceDays (30) ahead: at the latest " /* + date */,
    ],
    [
      "a snapshot schedule under 15 minutes",
      { risk: { snapshotSchedule: "rate(1 minute)" } },
      "ssm-hybrid-fleet:risk.snapshotSchedule: rate(1 minute) is more often than every 15 minutes: each snapshot runs about ten Athena queries",
    ],
    [
      "an alert email that is not one",
      { risk: { alerts: { emails: ["secops"] } } },
      'ssm-hybrid-fleet:risk.alerts.emails[0]: "secops" is not an email address (name@example.com)',
    ],
    [
      "the risk view without the sync",
      { complianceSync: false },
      "ssm-hybrid-fleet:risk: needs the compliance sync, which is off (sync: false / complianceSync: false): turn the sync on, or the risk view off (risk: false / risk.enabled: false)",
    ],
  );
  for (const [what, values, message] of componentRefusals) {
    it(`refuses ${what} through the components' validators, naming the path`, () => {
      // The latest allowed expiry depends on today: compare up to it.
      if (message.endsWith("at the latest ")) assert.ok(refusal(values).startsWith(message));
      else assert.equal(refusal(values), message);
    });
  }

  it("a component argument and its config key fail with the same words", () => {
    const controls = { antivirus: { linux: { servicename: "clamav" } } };
    const fromConfig = refusal({ controls });
    assert.throws(
      () =>
        validateHybridFleetArgs({
          fleetName: "f",
          environment: "dev",
          compliance: { controls: controls as never },
        }),
      (err: Error) =>
        err.message ===
        `HybridFleet: compliance.controls.antivirus.linux.servicename ${known(AGENT_KEYS)}`,
    );
    assert.equal(
      fromConfig,
      `ssm-hybrid-fleet:controls.antivirus.linux.servicename: ${known(AGENT_KEYS)}`,
    );
  });
});
