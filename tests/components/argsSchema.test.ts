import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "../support/pulumiMocks";

type Schema = typeof import("../../components/shared/argsSchema");
type Activation = typeof import("../../components/activation/activationApi");
type Sync = typeof import("../../components/sync/complianceSync");
type Fleet = typeof import("../../components/hybridFleet");

const TOKEN = {
  id: "dc1",
  sha256: "a".repeat(64),
  expiresAt: "2027-01-01T00:00:00Z",
  environment: "prod",
  namePattern: "dc1-.*",
};
const base = { fleetName: "acme", environment: "dev" };

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail("did not throw");
}

describe("component argument schemas", () => {
  let schema: Schema;
  let activation: Activation;
  let sync: Sync;
  let fleet: Fleet;

  before(async () => {
    installMocks();
    schema = await import("../../components/shared/argsSchema");
    activation = await import("../../components/activation/activationApi");
    sync = await import("../../components/sync/complianceSync");
    fleet = await import("../../components/hybridFleet");
  });

  it("formats paths the way users write them", () => {
    const cases: Array<[PropertyKey[], string]> = [
      [["controls", "antivirus", "linux", "serviceName"], "controls.antivirus.linux.serviceName"],
      [["bootstrapTokens", 0, "sha256"], "bootstrapTokens[0].sha256"],
      [["allowedTags", "Cost Centre", "values"], 'allowedTags["Cost Centre"].values'],
      [["allowedTags", "aws:x"], 'allowedTags["aws:x"]'],
      [[], ""],
    ];
    for (const [path, text] of cases) assert.equal(schema.formatPath(path), text);
  });

  const activationRefusals: Array<[string, Record<string, unknown>, string]> = [
    [
      "an unknown argument",
      { ...base, throttleRate: 5 },
      "ActivationApi: throttleRate is not a known key; known: fleetName, fleetTagKey, modeTagKey, defaultMode, environmentTagKey, environment, activationTtlMinutes, throttleRateLimit, throttleBurstLimit, logRetentionDays, ec2Auth, allowedAccounts, tokenAuth, bootstrapTokens, allowedTags, retryAfterSeconds, ssmMaxAttempts, ec2MaxIdentityAgeMinutes, memorySize, manageApiGatewayAccount, parameterReadPrefixes, lambdaTrustSourceAccount, apiGatewayTrustSourceAccount, apiDomainName, apiCertificateArn, apiHostedZoneId, apiEndpointType, apiVpcEndpointIds, apiAllowedCidrs, apiWaf, tags",
    ],
    [
      "an unknown token field",
      { ...base, tokenAuth: true, bootstrapTokens: [{ ...TOKEN, name: "x" }] },
      "ActivationApi: bootstrapTokens[0].name is not a known key; known: id, sha256, expiresAt, environment, namePattern, allowInstanceIdNames",
    ],
    [
      "an unknown allowed-tag field",
      { ...base, allowedTags: { Team: { values: ["a"], regex: "b" } } },
      "ActivationApi: allowedTags.Team.regex is not a known key; known: values, pattern",
    ],
    [
      "a fractional memory size",
      { ...base, memorySize: 256.5 },
      "ActivationApi: memorySize must be a whole number from 128 to 10240; got 256.5",
    ],
    [
      "accounts that are not strings",
      { ...base, allowedAccounts: [123456789012] },
      "ActivationApi: allowedAccounts[0] must be a string; got 123456789012",
    ],
  ];
  for (const [what, args, message] of activationRefusals) {
    it(`ActivationApi refuses ${what}`, () => {
      assert.equal(
        messageOf(() => activation.validateActivationApiArgs(args as never)),
        message,
      );
    });
  }

  it("ActivationApi takes Outputs where another resource may supply the value", () => {
    activation.validateActivationApiArgs({
      ...base,
      allowedAccounts: pulumi.output(["123456789012"]),
      tags: { Owner: pulumi.output("ops") },
    });
  });

  it("ComplianceSync refuses unknown keys at the top and inside inventory types", () => {
    assert.equal(
      messageOf(() => sync.resolveComplianceSyncArgs("s", { prefx: "x" } as never)),
      "ComplianceSync: prefx is not a known key; known: prefix, syncName, additionalSyncRegions, sourceAccountIds, queryRegions, kmsKeyArn, createKmsKey, retainDataOnDelete, protectData, staleComplianceDays, staleInventoryDays, noncurrentVersionDays, databaseName, customInventoryTypes, workgroupName, bytesScannedCutoffPerQuery, resultsExpirationDays, modeTagKey, environmentTagKey, fleetTagKey, fleetName, tags",
    );
    assert.equal(
      messageOf(() =>
        sync.resolveComplianceSyncArgs("s", {
          customInventoryTypes: [{ typeName: "Custom:A", columns: ["a"], cols: [] }],
        } as never),
      ),
      "ComplianceSync: customInventoryTypes[0].cols is not a known key; known: typeName, columns",
    );
  });

  it("HybridFleet refuses unknown keys in its parts' settings, naming the path", () => {
    assert.equal(
      messageOf(() =>
        fleet.validateHybridFleetArgs({ ...base, sync: { prefix: "p", region: "x" } } as never),
      ),
      "HybridFleet: sync.region is not a known key; known: prefix, syncName, additionalSyncRegions, sourceAccountIds, queryRegions, kmsKeyArn, createKmsKey, retainDataOnDelete, protectData, staleComplianceDays, staleInventoryDays, noncurrentVersionDays, databaseName, customInventoryTypes, workgroupName, bytesScannedCutoffPerQuery, resultsExpirationDays",
    );
    assert.equal(
      messageOf(() =>
        fleet.validateHybridFleetArgs({
          ...base,
          compliance: { controls: { cis: { linux: { scannercommand: "x" } } } },
        } as never),
      ),
      "HybridFleet: compliance.controls.cis.linux.scannercommand is not a known key; known: scannerCommand, scannerArgs, remediateArgs, resultFile",
    );
  });

  it("any unknown key at any depth of the controls is refused by its path", () => {
    const known = new Set([
      "enabled",
      "schedule",
      "severity",
      "mandatory",
      "maxConcurrency",
      "maxErrors",
      "maxDefinitionsAgeHours",
      "linux",
      "windows",
      "installerSource",
      "installerSha256",
      "installArgs",
      "serviceName",
      "agentPath",
      "definitionsPath",
    ]);
    const key = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((k) => /^[A-Za-z][A-Za-z0-9]*$/.test(k) && !known.has(k));
    const where = fc.constantFrom<string[]>([], ["linux"], ["windows"]);
    fc.assert(
      fc.property(key, where, (k, at) => {
        const antivirus: Record<string, unknown> = {};
        let node = antivirus;
        for (const part of at) node = node[part] = {} as Record<string, unknown>;
        node[k] = "x";
        const message = messageOf(() =>
          fleet.validateHybridFleetArgs({
            ...base,
            compliance: { controls: { antivirus } },
          } as never),
        );
        const path = ["compliance", "controls", "antivirus", ...at, k].join(".");
        assert.ok(message.startsWith(`HybridFleet: ${path} is not a known key; known: `), message);
      }),
    );
  });
});
